/**
 * What an SLI and its alert tiers mean, in words, generated from the declaration: one source for
 * the SLO document (`slokit doc`), the annotations of the generated Prometheus alerts, the `onAlert`
 * transitions and the CLI, so that people read the same sentences wherever they meet the SLI. Pure.
 *
 * The alert arithmetic follows Google's "The Site Reliability Workbook", chapter 5 "Alerting on
 * SLOs" (multiwindow, multi-burn-rate alerts, table 5-8). With budget B = 1 − objective, period P and
 * a tier of budget share s, long window L and factor f = s × P / L:
 *
 * - the tier fires when the bad ratio exceeds f × B over both its windows: "more than s of the
 *   budget spent in L";
 * - at that rate the whole budget lasts P / f;
 * - starting from a clean long window, a burn at rate r > f fires it once r × B × t / L > f × B, that
 *   is after t = f × L / r = s × P / r; a full outage (bad ratio 1, r = 1 / B) after s × B × P, the
 *   budget share expressed as full-outage time (the workbook's "detection time"). A burn at r ≤ f
 *   never fires it.
 */
import type { BurnTier } from '../budget/alert-table.js';
import { errorBudget } from '../budget/math.js';
import { formatDuration, humanizeDuration } from '../sli/duration.js';
import { DEFAULT_STATUS_TEXT } from '../sli/status.js';
import type { NormalizedMatch, Sli } from '../sli/types.js';
import {
  durationWords,
  exactPercent,
  lastWindow,
  rounded,
  roundedPercent,
  windowAdjective,
  windowWords,
} from './numbers.js';

/** The burn rate the SLO document uses to illustrate each tier: a burn ten times too fast. */
export const EXAMPLE_BURN_RATE = 10;

/**
 * Which events an SLI judges and when one is good, in one sentence generated from the declaration:
 * `'POST /api/checkout; good when the status is 2xx and the response takes under 300 ms; requests
 * the client abandoned before 300 ms are not counted'`.
 *
 * @example
 * sliInWords(checkout);
 */
export function sliInWords(sli: Sli<never>): string {
  return [eligibility(sli), goodness(sli), ...exclusions(sli)].join('; ');
}

function eligibility(sli: Sli<never>): string {
  if (sli.events === 'custom') {
    const what =
      sli.kind === 'freshness'
        ? 'data reads recorded for it with kit.record()'
        : 'events recorded for it with kit.track() or kit.record()';
    return sli.match?.kind === 'predicate' ? `${what} that its match function selects` : what;
  }
  return httpEligibility(sli.match);
}

function httpEligibility(match: NormalizedMatch | undefined): string {
  if (match === undefined) return 'every HTTP request';
  if (match.kind === 'predicate') return 'the HTTP requests its match function selects';
  const methods = match.methods === undefined ? undefined : either(match.methods);
  const exact = match.routes ?? [];
  const patterns = match.routePatterns ?? [];
  // "POST /api/checkout" is how people name an endpoint; it only reads right with one method and
  // exact routes.
  if (match.methods?.length === 1 && exact.length > 0 && patterns.length === 0) {
    return `${match.methods[0]} ${either(exact)}`;
  }
  const routes = [...exact, ...(patterns.length === 0 ? [] : [`routes matching ${either(patterns)}`])];
  const to = routes.length === 0 ? '' : ` to ${either(routes)}`;
  return `${methods === undefined ? '' : `${methods} `}requests${to}`;
}

function goodness(sli: Sli<never>): string {
  if (sli.kind === 'classifier') {
    return 'good or bad as its classifier function decides (events it returns null for are not counted)';
  }
  if (sli.kind === 'freshness') {
    const { maxAgeMs, field } = sli.freshness!;
    return `good when the data's ${field} is at most ${windowWords(maxAgeMs)} old (a read without a valid time is bad)`;
  }
  const { status, latency } = sli.thresholds!;
  const parts: string[] = [];
  if (sli.events === 'custom') {
    parts.push('it finishes without an error');
    if (status.text !== DEFAULT_STATUS_TEXT) parts.push(`its status is ${statusWords(status.rules)}`);
    if (latency !== undefined) parts.push(`takes ${latencyWords(latency)}`);
  } else {
    parts.push(
      status.text === DEFAULT_STATUS_TEXT
        ? 'the status is neither 5xx nor 429'
        : `the status is ${statusWords(status.rules)}`,
    );
    if (latency !== undefined) parts.push(`the response takes ${latencyWords(latency)}`);
  }
  return `good when ${both(parts)}`;
}

function exclusions(sli: Sli<never>): string[] {
  if (sli.kind !== 'thresholds' || sli.events === 'custom') return [];
  const latency = sli.thresholds!.latency;
  // An abort is bad only once the latency threshold was missed (docs/concepts.md, "Verdicts").
  if (latency === undefined) return ['requests the client abandoned are not counted'];
  const when = latency.inclusive ? 'within' : 'before';
  return [`requests the client abandoned ${when} ${humanizeDuration(latency.ms)} are not counted`];
}

function latencyWords(latency: { readonly ms: number; readonly inclusive: boolean }): string {
  return `${latency.inclusive ? 'at most' : 'under'} ${humanizeDuration(latency.ms)}`;
}

/** `['2xx', '<500', '200-299']` → `'2xx, below 500 or 200 to 299'`. */
function statusWords(rules: readonly string[]): string {
  return either(
    rules.map((rule) => {
      const compare = /^(<=|>=|<|>)(\d{3})$/.exec(rule);
      if (compare !== null) {
        const [, op, code] = compare;
        if (op === '<') return `below ${code}`;
        if (op === '<=') return `${code} or below`;
        if (op === '>') return `above ${code}`;
        return `${code} or above`;
      }
      const range = /^(\d{3})-(\d{3})$/.exec(rule);
      return range === null ? rule : `${range[1]} to ${range[2]}`;
    }),
  );
}

function either(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function both(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** One alert tier of one SLI, in figures and in words. Plain data. */
export interface TierWords {
  readonly severity: 'page' | 'ticket';
  /** The window pair as in the rules: `'1h/5m'`. */
  readonly windows: string;
  readonly longWindow: string;
  readonly shortWindow: string;
  /** Share of the period's budget the tier alerts on, e.g. `0.02`. */
  readonly budgetShare: number;
  /** The burn rate both windows must exceed. */
  readonly factor: number;
  /** The bad ratio that burn rate means: `factor × (1 − objective)`. */
  readonly errorRatio: number;
  /** How long the whole budget lasts at the factor: `period / factor`, in ms. */
  readonly budgetLastsMs: number;
  /** Time from the start of a full outage (every event bad) to the alert, from a clean window, in ms. */
  readonly fullOutageDetectionMs: number;
  /** Time from the start of a burn at {@link EXAMPLE_BURN_RATE}× to the alert, or `null` when it never fires. */
  readonly exampleBurnDetectionMs: number | null;
  /** `'Page: 2% of the budget in 1 hour'`. */
  readonly title: string;
  /** When it fires, in words. */
  readonly condition: string;
  /** What has happened when it fires, in words. */
  readonly meaning: string;
  /** How soon a full outage fires it, in words. */
  readonly fullOutage: string;
  /** How soon a 10× burn fires it, in words. */
  readonly exampleBurn: string;
  /** The `summary` annotation of the generated alert. */
  readonly summary: string;
  /** The `description` annotation of the generated alert. */
  readonly description: string;
}

/** Options of {@link tierWords}. */
export interface TierWordsOptions {
  /** The low-traffic guard of the alert: fewest eligible events in the long window. */
  readonly minEvents: number;
}

/**
 * A tier of an SLI's alert table in figures and words, rounded for people (three significant
 * digits). `tier` comes from `alertTable(sli.windowMs, tiers)`.
 *
 * @example
 * tierWords(checkout, alertTable(checkout.windowMs)[0], { minEvents: 100 }).summary;
 * // 'checkout: more than 2% of its 28-day error budget spent in the last hour (burn rate above 13.4×)'
 */
export function tierWords(sli: Sli<never>, tier: BurnTier, options: TierWordsOptions): TierWords {
  const budget = errorBudget(sli.objective);
  const period = sli.windowMs;
  const share = exactPercent(tier.budgetShare);
  const factor = `${rounded(tier.factor)}×`;
  const errorRatio = clean(tier.factor * budget);
  const long = lastWindow(tier.longMs);
  const short = lastWindow(tier.shortMs);
  const budgetLastsMs = clean(period / tier.factor);
  const fullOutageDetectionMs = clean(tier.budgetShare * budget * period);
  const exampleBurnDetectionMs =
    EXAMPLE_BURN_RATE > tier.factor ? clean((tier.budgetShare * period) / EXAMPLE_BURN_RATE) : null;
  const severity = tier.severity === 'page' ? 'Page' : 'Ticket';
  const periodAdjective = windowAdjective(period);
  const guard =
    options.minEvents > 0
      ? `, with at least ${rounded(options.minEvents, 12)} eligible events in ${long}`
      : '';
  const condition = `more than ${roundedPercent(errorRatio)} of eligible events are bad over both ${long} and ${short} (a burn rate above ${factor})${guard}`;
  const meaning = `${share} of the ${periodAdjective} error budget (${durationWords(fullOutageDetectionMs)} of full outage) has gone in ${long}; at that rate the whole budget lasts at most ${durationWords(budgetLastsMs)}`;
  const fullOutage = `a full outage fires it after ${durationWords(fullOutageDetectionMs)}`;
  const exampleBurn =
    exampleBurnDetectionMs === null
      ? `a ${EXAMPLE_BURN_RATE}× burn never fires it (${EXAMPLE_BURN_RATE}× is not above ${factor})`
      : `a ${EXAMPLE_BURN_RATE}× burn fires it after ${durationWords(exampleBurnDetectionMs)}`;
  const what = sli.description ?? sliInWords(sli);
  const description =
    `Over both ${long} and ${short}, more than ${roundedPercent(errorRatio)} of eligible events were bad: ` +
    `${factor} the ${exactPercent(budget)} that the ${exactPercent(sli.objective)} objective allows. ` +
    `At this rate the whole ${periodAdjective} budget lasts at most ${durationWords(budgetLastsMs)}.` +
    (options.minEvents > 0
      ? ` It fires only with at least ${rounded(options.minEvents, 12)} eligible events in ${long}.`
      : '') +
    ` The SLI: ${sentence(what)}` +
    (sli.owner === undefined ? '' : ` Owner: ${sentence(sli.owner)}`);
  return {
    severity: tier.severity,
    windows: `${formatDuration(tier.longMs)}/${formatDuration(tier.shortMs)}`,
    longWindow: formatDuration(tier.longMs),
    shortWindow: formatDuration(tier.shortMs),
    budgetShare: tier.budgetShare,
    factor: clean(tier.factor),
    errorRatio,
    budgetLastsMs,
    fullOutageDetectionMs,
    exampleBurnDetectionMs,
    title: `${severity}: ${share} of the budget in ${windowWords(tier.longMs)}`,
    condition,
    meaning,
    fullOutage,
    exampleBurn,
    summary: `${sli.name}: more than ${share} of its ${periodAdjective} error budget spent in ${long} (burn rate above ${factor})`,
    description,
  };
}

/**
 * The summary and description of an alert that covers all tiers of one severity, for formats that
 * compute their own tiers and raise one alert per severity (Sloth's `page_alert` and
 * `ticket_alert`): `'checkout: more than 2% of its 28-day error budget spent in the last hour or 5% in
 * the last 6 hours'`.
 */
export function severityWords(
  sli: Sli<never>,
  tiers: readonly BurnTier[],
): { readonly summary: string; readonly description: string } {
  const spent = tiers.map(
    (tier, i) =>
      `${i === 0 ? 'more than ' : ''}${exactPercent(tier.budgetShare)} ${i === 0 ? `of its ${windowAdjective(sli.windowMs)} error budget spent ` : ''}in ${lastWindow(tier.longMs)}`,
  );
  const what = sli.description ?? sliInWords(sli);
  return {
    summary: `${sli.name}: ${either(spent)}`,
    description:
      `The ${exactPercent(sli.objective)} objective allows ${exactPercent(errorBudget(sli.objective))} bad events over ${windowWords(sli.windowMs)}. The SLI: ${sentence(what)}` +
      (sli.owner === undefined ? '' : ` Owner: ${sentence(sli.owner)}`),
  };
}

/**
 * A computed figure without binary noise (0.02 × 0.001 × 28 d is 48384.00000000001 ms): twelve
 * significant digits, far more than any of these figures carries.
 */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

/** Ends a phrase with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
