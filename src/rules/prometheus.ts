/**
 * Prometheus recording and alerting rules from SLIs: the fleet-wide counterpart of the in-process
 * budget windows. Pure: returns the rule file as a plain object; `toYaml` writes it.
 *
 * The alerts follow the multi-window, multi-burn-rate recipe of Google's "The Site Reliability
 * Workbook", chapter 5 "Alerting on SLOs" (table 5-8), with factors derived from each SLI's period by
 * `alertTable` (budget share × period ÷ long window), never a hard-coded 14.4.
 */
import { BURN_RATE_WINDOWS_MS } from '../budget/alert-table.js';
import type { BurnTier } from '../budget/alert-table.js';
import {
  BUDGET_REMAINING_RECORD,
  BURN_ALERT,
  ERROR_BUDGET_RECORD,
  LABEL_LONG_WINDOW,
  LABEL_OWNER,
  LABEL_SEVERITY,
  LABEL_SHORT_WINDOW,
  LABEL_SLI_NAME,
  LABEL_SLI_OUTCOME,
  OBJECTIVE_RECORD,
  SLI_EVENTS_PROMETHEUS,
  errorRatioRecord,
} from '../conventions.js';
import { formatDuration } from '../sli/duration.js';
import { tierWords } from '../doc/words.js';
import { planRules } from './plan.js';
import { literal } from './template.js';
import type { ResolvedOptions, RulesOptions, SliPlan } from './plan.js';
import { printNumber, selector } from './promql.js';

/** A Prometheus recording rule. */
export interface PrometheusRecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A Prometheus alerting rule. */
export interface PrometheusAlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A rule group. */
export interface PrometheusRuleGroup {
  readonly name: string;
  readonly rules: readonly (PrometheusRecordingRule | PrometheusAlertingRule)[];
}

/** A Prometheus rule file (`rule_files:` in prometheus.yml; `promtool check rules` checks it). */
export interface PrometheusRuleFile {
  readonly groups: readonly PrometheusRuleGroup[];
}

/** Options of {@link toPrometheusRules}: the shared {@link RulesOptions}. */
export type PrometheusRulesOptions = RulesOptions;

/**
 * Generates Prometheus recording rules and burn-rate alerts for SLIs: one rule group per SLI with
 *
 * - `slokit:sli_error_ratio:rate<W>` for 5m, 30m, 1h, 2h, 6h, 1d, 3d and the SLI's window: bad ÷ all
 *   eligible events of `slokit_sli_events_total`, summed across instances, labelled with
 *   `slokit_sli_name`. With no traffic the ratio is absent (not NaN), so nothing fires;
 * - metadata: `slokit:sli_objective:ratio`, `slokit:sli_error_budget:ratio` and
 *   `slokit:sli_error_budget_remaining:ratio` (over the SLI's window);
 * - `SlokitErrorBudgetBurn` alerts, one per tier, with `severity` (`page` | `ticket`), `long_window`
 *   and `short_window` labels, annotations that say the burn in words, the runbook link, and a
 *   low-traffic guard (`minEvents` eligible events in the long window).
 *
 * @throws SlokitDefinitionError `SLOKIT_E_RULES_NO_SLIS`, `SLOKIT_E_NOT_AN_SLI`,
 *   `SLOKIT_E_DUPLICATE_SLI`, `SLOKIT_E_RULES_WINDOW`, `SLOKIT_E_RULES_TIER`, `SLOKIT_E_RULES_OPTION`.
 * @example
 * import { writeFileSync } from 'node:fs';
 * import { toPrometheusRules, toYaml } from 'slokit/rules';
 * import { checkout } from './slis.js';
 *
 * const rules = toPrometheusRules([checkout], { selector: { job: 'shop' }, labels: { team: 'shop' } });
 * writeFileSync('slokit-rules.yaml', toYaml(rules));
 */
export function toPrometheusRules(
  slis: readonly unknown[],
  options?: PrometheusRulesOptions,
): PrometheusRuleFile {
  const { plans, options: resolved } = planRules(slis, options, 'toPrometheusRules');
  return { groups: plans.map((plan) => sliGroup(plan, resolved)) };
}

function sliGroup(plan: SliPlan, options: ResolvedOptions): PrometheusRuleGroup {
  const { sli, budget } = plan;
  const nameLabel = [LABEL_SLI_NAME, sli.name] as const;
  const events = (outcome?: 'bad'): string =>
    selector(SLI_EVENTS_PROMETHEUS, [
      nameLabel,
      ...(outcome === undefined ? [] : [[LABEL_SLI_OUTCOME, outcome] as const]),
      ...options.selector,
    ]);
  // Recorded series carry the SLI name plus the selector's matchers and the user's labels; alerts
  // select them by all of these, so that two rule files with different selectors or labels never
  // record, or read, each other's series.
  const recordLabels = Object.fromEntries([nameLabel, ...options.recordedLabels]);
  const recorded = (record: string): string => selector(record, [nameLabel, ...options.recordedLabels]);
  const by = `sum by (${LABEL_SLI_NAME})`;

  const windows = windowsToRecord(plan);
  const ratioRules: PrometheusRecordingRule[] = windows.map((ms) => {
    const w = formatDuration(ms);
    // Sum the per-instance rates first, then divide: the fleet's ratio weighs every event the same
    // (an average of per-instance ratios would let an idle instance's 100% count as much as a busy
    // one's). `> 0` drops the denominator when nothing happened, so no traffic yields no ratio
    // rather than 0/0 = NaN.
    return {
      record: errorRatioRecord(w),
      expr: `${by} (rate(${events('bad')}[${w}]))\n/\n(${by} (rate(${events()}[${w}])) > 0)`,
      labels: recordLabels,
    };
  });

  const metadata: PrometheusRecordingRule[] = [
    { record: OBJECTIVE_RECORD, expr: `vector(${printNumber(sli.objective)})`, labels: recordLabels },
    { record: ERROR_BUDGET_RECORD, expr: `vector(${printNumber(budget)})`, labels: recordLabels },
    {
      // 1 − (bad ÷ eligible over the period) ÷ budget (DESIGN.md "The math").
      record: BUDGET_REMAINING_RECORD,
      expr: `1 - ${recorded(errorRatioRecord(sli.window))} / ${printNumber(budget)}`,
      labels: recordLabels,
    },
  ];

  const alerts = plan.tiers.map((tier) => burnAlert(plan, tier, options, recorded, events));
  return { name: `slokit-${sli.name}`, rules: [...ratioRules, ...metadata, ...alerts] };
}

/** The burn-rate windows, the tiers' windows and the period, shortest first, each once. */
function windowsToRecord(plan: SliPlan): number[] {
  const all = new Set<number>(BURN_RATE_WINDOWS_MS);
  for (const tier of plan.tiers) {
    all.add(tier.longMs);
    all.add(tier.shortMs);
  }
  all.add(plan.sli.windowMs);
  return [...all].sort((a, b) => a - b);
}

function burnAlert(
  plan: SliPlan,
  tier: BurnTier,
  options: ResolvedOptions,
  recorded: (record: string) => string,
  events: () => string,
): PrometheusAlertingRule {
  const { sli, budget } = plan;
  const long = formatDuration(tier.longMs);
  const short = formatDuration(tier.shortMs);
  // The factor exactly as the in-process alerts compare with it (the shortest decimal that reads back
  // as the same double), never rounded down: printed to 12 digits, 28 days' 0.9333… (14/15) became
  // 0.933333333333, below what a burn of exactly 14/15 computes, so a tie fired at 28 days while at
  // 30 days (factor 1, exact) it did not. Strictly above the factor, at every period.
  const factor = String(tier.factor);
  const burn = (w: string): string => `${recorded(errorRatioRecord(w))} / ${printNumber(budget)} > ${factor}`;
  // Both windows must burn faster than the factor (Workbook, "Multiwindow, Multi-Burn-Rate Alerts"):
  // the long window proves the budget share is really spent, the short one that it is still burning.
  let expr = `(\n  ${burn(long)}\nand\n  ${burn(short)}\n)`;
  if (options.minEvents > 0) {
    // Low-traffic guard: a handful of requests can show any ratio; demand enough eligible events in
    // the long window, across all instances, before anyone is paged.
    expr += `\nand on (${LABEL_SLI_NAME})\n  sum by (${LABEL_SLI_NAME}) (increase(${events()}[${long}])) >= ${printNumber(options.minEvents)}`;
  }
  // The words people read when it fires, the same as the SLO document's and onAlert's.
  const words = tierWords(sli, tier, { minEvents: options.minEvents });
  const annotations: Record<string, string> = {
    summary: literal(words.summary),
    description: literal(words.description),
  };
  if (sli.runbook !== undefined) annotations.runbook_url = literal(sli.runbook);
  return {
    alert: BURN_ALERT,
    expr,
    labels: {
      [LABEL_SEVERITY]: tier.severity,
      [LABEL_SLI_NAME]: sli.name,
      [LABEL_LONG_WINDOW]: long,
      [LABEL_SHORT_WINDOW]: short,
      ...Object.fromEntries(options.recordedLabels),
      // The SLI's own owner wins over a rule-wide `labels.owner`: it is the more specific.
      ...(sli.owner === undefined ? {} : { [LABEL_OWNER]: literal(sli.owner) }),
    },
    annotations,
  };
}
