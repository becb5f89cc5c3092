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
import type { ResolvedOptions, RulesOptions, RulesWarning, SliPlan } from './plan.js';
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
 * The SLO periods Sloth ships alert windows for (`internal/alert/windows/google-28d.yaml` and
 * `google-30d.yaml` in github.com/slok/sloth). Any other period needs a windows catalogue of the
 * user's own (`sloth generate --slo-period-windows-path`), or Sloth fails with "the 168h0m0s SLO
 * period time window is not supported".
 */
export const SLOTH_PERIODS: readonly string[] = ['28d', '30d'];

/**
 * Sloth's rule for SLO names, services and IDs (`pkg/common/conventions`, `NameRegexp`): two or more
 * letters, digits, "-", "_" and ".", starting and ending with a letter or digit.
 */
const SLOTH_NAME_RE = /^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/;

/** A duration as Go prints it (`time.Duration.String`), as in Sloth's messages: 7 days are `168h0m0s`. */
function goDuration(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

/**
 * The period (`--default-slo-period`) a Sloth spec of these SLIs must be generated with: their common
 * window, e.g. `'28d'`. Sloth's prometheus/v1 spec has no field for it and Sloth's own default is
 * 30d, so a 28d SLI generated without the flag silently gets 30-day factors.
 */
export function slothPeriod(slis: readonly { readonly window: string }[]): string | undefined {
  const windows = new Set(slis.map((sli) => sli.window));
  return windows.size === 1 ? [...windows][0] : undefined;
}

/**
 * Generates a Sloth `prometheus/v1` spec: one SLO per SLI, whose error and total queries read
 * slokit's `slokit_sli_events_total` through Sloth's `{{.window}}` template, with page and ticket
 * alerts named `SlokitErrorBudgetBurn` and labelled `severity: page` / `ticket`.
 *
 * Sloth takes the SLO period from the command line, not the spec (`sloth generate
 * --default-slo-period 28d`; its default is 30d), so all SLIs of one spec must share a window:
 * generate with `--default-slo-period` set to it ({@link slothPeriod}; `slokit rules` writes it in
 * the file's header). Sloth knows 28d and 30d; any other window is reported through `onWarning`,
 * since it needs a windows catalogue of your own. Sloth computes its own burn-rate tiers (the same
 * workbook table) and has no low-traffic guard. The selector's matchers and the labels become the
 * spec's labels, on everything Sloth records.
 *
 * @throws SlokitDefinitionError `SLOKIT_E_RULES_FORMAT` when the SLIs' windows differ or an SLI
 *   name (or the service) breaks Sloth's name rule, and the errors of {@link toPrometheusRules}.
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
  const bad = plans.filter((p) => !SLOTH_NAME_RE.test(p.sli.name)).map((p) => `"${p.sli.name}"`);
  if (bad.length > 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_FORMAT',
      `toSlothSpec: Sloth takes SLO names of two or more characters that start and end with a letter or digit; ${bad.join(', ')} ${bad.length === 1 ? 'does' : 'do'} not: rename the SLI (e.g. "checkout" for "checkout-")`,
    );
  }
  if (!SLOTH_NAME_RE.test(resolved.service)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_OPTION',
      `toSlothSpec: Sloth takes service names of two or more characters; got "${resolved.service}"`,
    );
  }
  const period = windows[0]!;
  if (!SLOTH_PERIODS.includes(period)) {
    const warn = (options?.onWarning as ((w: RulesWarning) => void) | undefined) ?? (() => undefined);
    for (const { sli } of plans) {
      warn({
        code: 'SLOKIT_E_RULES_FORMAT',
        sli: sli.name,
        message: `SLI "${sli.name}": Sloth ships alert windows for ${SLOTH_PERIODS.join(' and ')} periods only; for ${period}, run sloth generate with --default-slo-period ${period} and --slo-period-windows-path pointing at a ${period} windows catalogue, or it fails with "the ${goDuration(sli.windowMs)} SLO period time window is not supported"`,
      });
    }
  }
  const labels = Object.fromEntries(resolved.recordedLabels);
  return {
    version: 'prometheus/v1',
    service: resolved.service,
    ...(resolved.recordedLabels.length > 0 ? { labels } : {}),
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
