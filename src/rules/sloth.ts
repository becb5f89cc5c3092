/**
 * A Sloth `prometheus/v1` spec from SLIs, for teams that already generate their rules with Sloth
 * (https://sloth.dev). Field names follow Sloth's spec types, `pkg/prometheus/api/v1/v1.go` in
 * github.com/slok/sloth (`error_query`, `total_query`, `page_alert`, `ticket_alert`).
 */
import { WORKBOOK_TIERS, alertTable, tierCanFire } from '../budget/alert-table.js';
import {
  BURN_ALERT,
  LABEL_OWNER,
  LABEL_SEVERITY,
  LABEL_SLI_NAME,
  LABEL_SLI_OUTCOME,
  SLI_EVENTS_PROMETHEUS,
} from '../conventions.js';
import { SlokitDefinitionError } from '../errors.js';
import { planRules } from './plan.js';
import type { ResolvedOptions, RulesOptions, SliPlan } from './plan.js';
import { percentNumber, selector } from './promql.js';
import { literal } from './template.js';
import { severityWords } from '../doc/words.js';

/** One alert of a Sloth SLO (`page_alert` or `ticket_alert`). */
export interface SlothAlert {
  readonly disable?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One SLO of a Sloth spec. */
export interface SlothSlo {
  readonly name: string;
  readonly description?: string;
  /** Percent, e.g. `99.9`. */
  readonly objective: number;
  readonly sli: { readonly events: { readonly error_query: string; readonly total_query: string } };
  readonly alerting: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly page_alert: SlothAlert;
    readonly ticket_alert: SlothAlert;
  };
}

/** A Sloth `prometheus/v1` spec: feed it to `sloth generate`. */
export interface SlothSpec {
  readonly version: 'prometheus/v1';
  readonly service: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly slos: readonly SlothSlo[];
}

/** Options of {@link toSlothSpec}: the shared {@link RulesOptions} (`minEvents` is not used: Sloth has no such guard). */
export type SlothSpecOptions = RulesOptions;

/**
 * Generates a Sloth `prometheus/v1` spec: one SLO per SLI, whose error and total queries read
 * slokit's `slokit_sli_events_total` through Sloth's `{{.window}}` template, with page and ticket
 * alerts named `SlokitErrorBudgetBurn` and labelled `severity: page` / `ticket`.
 *
 * Sloth takes the SLO period from the command line, not the spec (`sloth generate
 * --default-slo-period 28d`; Sloth knows 28d and 30d, other periods need `--slo-period-windows-path`),
 * so all SLIs of one spec must share a window. Sloth computes its own burn-rate tiers (the same
 * workbook table) and has no low-traffic guard.
 *
 * @throws SlokitDefinitionError `SLOKIT_E_RULES_FORMAT` when the SLIs' windows differ, and the
 *   errors of {@link toPrometheusRules}.
 * @example
 * import { toSlothSpec, toYaml } from 'slokit/rules';
 * import { slis } from './slis.js';
 *
 * const spec = toSlothSpec(slis, { service: 'shop' });
 * console.log(toYaml(spec)); // then: sloth generate -i spec.yaml --default-slo-period 28d
 */
export function toSlothSpec(slis: readonly unknown[], options?: SlothSpecOptions): SlothSpec {
  const { plans, options: resolved } = planRules(slis, options, 'toSlothSpec');
  const windows = [...new Set(plans.map((p) => p.sli.window))];
  if (windows.length > 1) {
    const list = plans.map((p) => `"${p.sli.name}" ${p.sli.window}`).join(', ');
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_FORMAT',
      `toSlothSpec: a Sloth spec has one SLO period (sloth generate --default-slo-period), but the SLIs' windows differ: ${list}; generate one spec per window (slokit rules --sli <name>)`,
    );
  }
  const labels = Object.fromEntries(resolved.labels);
  return {
    version: 'prometheus/v1',
    service: resolved.service,
    ...(resolved.labels.length > 0 ? { labels } : {}),
    slos: plans.map((plan) => slothSlo(plan, resolved)),
  };
}

function slothSlo(plan: SliPlan, options: ResolvedOptions): SlothSlo {
  const { sli } = plan;
  const events = (outcome?: 'bad'): string =>
    selector(SLI_EVENTS_PROMETHEUS, [
      [LABEL_SLI_NAME, sli.name],
      ...(outcome === undefined ? [] : [[LABEL_SLI_OUTCOME, outcome] as const]),
      ...options.selector,
    ]);
  // Sloth tiers are fixed per severity, so a severity is disabled only when none of its tiers can
  // fire (under impossibleTiers: 'drop'; in the default mode planRules has already thrown).
  const severityAlert = (severity: 'page' | 'ticket'): SlothAlert => {
    const usable = plan.allTiers.some((t) => t.tier.severity === severity && t.usable);
    if (!usable) return { disable: true };
    // Sloth raises one alert per severity over its own copy of the workbook's tiers; the words name
    // those tiers, so that Sloth's alerts say what slokit's would.
    const tiers = alertTable(sli.windowMs, WORKBOOK_TIERS).filter(
      (tier) => tier.severity === severity && tier.longMs <= sli.windowMs && tierCanFire(tier, sli.objective),
    );
    const words = severityWords(sli, tiers);
    return {
      labels: { [LABEL_SEVERITY]: severity },
      annotations: { summary: literal(words.summary), description: literal(words.description) },
    };
  };
  return {
    name: sli.name,
    ...(sli.description === undefined ? {} : { description: sli.description }),
    objective: percentNumber(sli.objective),
    sli: {
      events: {
        // Sum across instances before Sloth divides, as the Prometheus rules do.
        error_query: `sum(rate(${events('bad')}[{{.window}}]))`,
        total_query: `sum(rate(${events()}[{{.window}}]))`,
      },
    },
    alerting: {
      name: BURN_ALERT,
      labels: {
        [LABEL_SLI_NAME]: sli.name,
        ...(sli.owner === undefined ? {} : { [LABEL_OWNER]: literal(sli.owner) }),
      },
      ...(sli.runbook === undefined ? {} : { annotations: { runbook_url: literal(sli.runbook) } }),
      page_alert: severityAlert('page'),
      ticket_alert: severityAlert('ticket'),
    },
  };
}
