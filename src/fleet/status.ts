/**
 * Fleet-wide SLI status, read back from Prometheus: the figures `kit.status()` gives for one
 * instance, over every instance Prometheus scrapes, from the recording rules `slokit rules`
 * generates and, where those are missing, from the raw `slokit_sli_events_total` counters.
 *
 * The math is the kit's (DESIGN.md, "The math"; Google SRE Workbook ch. 5): with budget
 * B = 1 − objective, burn rate BR(W) = ratio(W) / B, budget remaining 1 − ratio(P) / B, a tier firing
 * when BR(long) and BR(short) exceed its factor with at least minEvents eligible events in the long
 * window. `ratio(W)` is `slokit:sli_error_ratio:rate<W>` (sum of bad rates ÷ sum of all rates, across
 * instances) or, without it, `Σ increase(bad[W]) ÷ Σ increase(all[W])`, the same quotient.
 */
import { BURN_RATE_WINDOWS_MS, WORKBOOK_TIERS, alertTable, tierCanFire } from '../budget/alert-table.js';
import type { BurnTierSpec } from '../budget/alert-table.js';
import { DEFAULT_MIN_EVENTS, validateAlertOptions, windowPair } from '../budget/alerts.js';
import type { TierEvaluation } from '../budget/alerts.js';
import { errorBudget, timeToExhaustionMs } from '../budget/math.js';
import type { AlertStatus } from '../budget/status.js';
import { DEFAULT_EXHAUSTION_WINDOW_MS } from '../budget/status.js';
import {
  LABEL_SLI_NAME,
  LABEL_SLI_OUTCOME,
  SLI_EVENTS_PROMETHEUS,
  errorRatioRecord,
} from '../conventions.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { LABEL_NAME_RE, quoteLabelValue } from '../rules/promql.js';
import { isSli } from '../sli/define.js';
import { formatDuration, parseDuration } from '../sli/duration.js';
import type { Sli } from '../sli/types.js';
import { instantQuery, prometheusTarget } from './client.js';
import type { PrometheusTarget, VectorSample } from './client.js';
import type { FleetData, FleetSliStatus, FleetSource, FleetStatus, FleetStatusOptions } from './types.js';

const DEFAULT_TIMEOUT = '10s';
const MINUTE_MS = 60_000;
const OPTION_KEYS = new Set([
  'prometheus',
  'slis',
  'selector',
  'labels',
  'minEvents',
  'tiers',
  'timeout',
  'at',
  'headers',
  'signal',
]);

interface Resolved {
  readonly target: PrometheusTarget;
  readonly slis: readonly Sli<never>[];
  readonly selector: readonly (readonly [string, string])[];
  readonly labels: readonly (readonly [string, string])[];
  readonly minEvents: number;
  readonly tiers: readonly BurnTierSpec[];
  readonly timeoutMs: number;
  readonly timeoutText: string;
  readonly at: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Reads each SLI's fleet-wide status from Prometheus: good and bad events over its window,
 * compliance, budget remaining, burn rates over 5m to 3d, which alert tiers' conditions hold, and
 * the time to exhaustion; the shape of `kit.status()` with `scope: 'fleet'`. Error ratios come from
 * the recording rules `slokit rules` generates, falling back to the raw `slokit_sli_events_total`
 * counters window by window; `source` says which. Every query is an instant query at the same
 * evaluation time, all of them within one `timeout`.
 *
 * Never hangs: it resolves or rejects within `timeout`. Prometheus down, slow, answering errors or
 * something else than its API: rejects with a {@link SlokitFleetError}
 * (`SLOKIT_E_FLEET_UNAVAILABLE`, `SLOKIT_E_FLEET_QUERY`). An SLI Prometheus holds nothing for, or
 * NaN for: resolves, with `data` and `warnings` saying so. Bad options: rejects with
 * `SLOKIT_E_FLEET_OPTION` (or the SLI list's `SLOKIT_E_NOT_AN_SLI`, `SLOKIT_E_DUPLICATE_SLI`, and
 * `SLOKIT_E_ALERT_OPTION`, `SLOKIT_E_DURATION` for tiers and the timeout).
 *
 * @example
 * import { fleetStatus } from 'slokit/fleet';
 * import { checkout } from './slis.js';
 *
 * const fleet = await fleetStatus({ prometheus: 'http://prometheus:9090', slis: [checkout], selector: { job: 'shop' } });
 * const [status] = fleet.slis;
 * console.log(`${status.name}: ${(status.budgetRemaining * 100).toFixed(1)}% of the budget left`);
 */
export async function fleetStatus(options: FleetStatusOptions): Promise<FleetStatus> {
  const resolved = resolve(options);
  const { target, slis, at } = resolved;
  // One deadline for the whole call; the first failure cancels the queries still running.
  const cancel = new AbortController();
  const signals = [AbortSignal.timeout(resolved.timeoutMs), cancel.signal];
  if (resolved.signal !== undefined) signals.push(resolved.signal);
  const signal = AbortSignal.any(signals);
  const seconds = at / 1000;
  const run = (query: string): Promise<VectorSample[]> =>
    instantQuery(target, query, seconds, signal, resolved.timeoutText).catch((error: unknown) => {
      cancel.abort();
      throw error;
    });

  const names = slis.map((sli) => sli.name);
  const raw = rawSelector(names, resolved.selector);
  const windows = neededWindows(slis, resolved.tiers);
  const periods = [...new Set(slis.map((sli) => sli.windowMs))];
  const [recorded, counts, presence] = await Promise.all([
    run(recordedSelector(names, windows, resolved.labels)),
    Promise.all(
      windows.map((w) =>
        run(`sum by (${LABEL_SLI_NAME}, ${LABEL_SLI_OUTCOME}) (increase(${raw}[${formatDuration(w)}]))`),
      ),
    ),
    Promise.all(
      periods.map((p) =>
        Promise.all([
          run(`count by (${LABEL_SLI_NAME}) (last_over_time(${raw}[${formatDuration(p)}]))`),
          run(
            `min by (${LABEL_SLI_NAME}) (min_over_time(timestamp(${raw})[${formatDuration(p)}:${formatDuration(observedStep(p))}]))`,
          ),
        ]),
      ),
    ),
  ]);

  const countsByWindow = new Map(windows.map((w, i) => [w, counts[i]!] as const));
  const presenceByPeriod = new Map(periods.map((p, i) => [p, presence[i]!] as const));
  return {
    scope: 'fleet',
    at,
    prometheus: target.shown,
    slis: slis.map((sli) =>
      sliStatus(sli, resolved, recorded, countsByWindow, presenceByPeriod.get(sli.windowMs)!),
    ),
  };
}

/** Every window an SLI's status needs: the burn-rate windows, its tiers' windows, its period, 1h. */
function neededWindows(slis: readonly Sli<never>[], tiers: readonly BurnTierSpec[]): number[] {
  const all = new Set<number>([...BURN_RATE_WINDOWS_MS, DEFAULT_EXHAUSTION_WINDOW_MS]);
  for (const sli of slis) {
    all.add(sli.windowMs);
    for (const tier of alertTable(sli.windowMs, tiers)) {
      all.add(tier.longMs);
      all.add(tier.shortMs);
    }
  }
  return [...all].sort((a, b) => a - b);
}

/**
 * The resolution of the subquery that finds the oldest sample of the window: a thousandth of the
 * window, rounded up to whole minutes (41 minutes for 28 days), so the query costs a thousand steps whatever the
 * window, and the observed time is off by at most one step.
 */
function observedStep(periodMs: number): number {
  return Math.max(MINUTE_MS, Math.ceil(periodMs / 1000 / MINUTE_MS) * MINUTE_MS);
}

function nameMatcher(names: readonly string[]): string {
  // SLI names are [a-z][a-z0-9_-]*: nothing in them is special in a regex. PromQL anchors =~.
  return `${LABEL_SLI_NAME}=~${quoteLabelValue(names.join('|'))}`;
}

function equalities(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([name, value]) => `,${name}=${quoteLabelValue(value)}`).join('');
}

function rawSelector(names: readonly string[], selector: readonly (readonly [string, string])[]): string {
  return `${SLI_EVENTS_PROMETHEUS}{${nameMatcher(names)}${equalities(selector)}}`;
}

function recordedSelector(
  names: readonly string[],
  windows: readonly number[],
  labels: readonly (readonly [string, string])[],
): string {
  const metric = `slokit:sli_error_ratio:rate(?:${windows.map(formatDuration).join('|')})`;
  return `{__name__=~${quoteLabelValue(metric)},${nameMatcher(names)}${equalities(labels)}}`;
}

/**
 * The recorded ratio of one SLI and window: the series carrying exactly the rule labels, or else the
 * one with the fewest extra labels (a remote ruler may add some). Two candidates with as many extra
 * labels are two rule files for one SLI: ambiguous, so the raw counters are used instead.
 */
function recordedRatio(
  samples: readonly VectorSample[],
  sli: string,
  window: number,
  labels: readonly (readonly [string, string])[],
): { value: number } | { ambiguous: true } | undefined {
  const name = errorRatioRecord(formatDuration(window));
  let best: VectorSample[] = [];
  let fewest = Number.POSITIVE_INFINITY;
  for (const sample of samples) {
    const metric = sample.metric;
    if (metric.__name__ !== name || metric[LABEL_SLI_NAME] !== sli) continue;
    if (!labels.every(([k, v]) => metric[k] === v)) continue;
    const extra = Object.keys(metric).length - 2 - labels.length;
    if (extra < fewest) {
      fewest = extra;
      best = [sample];
    } else if (extra === fewest) best.push(sample);
  }
  if (best.length === 0) return undefined;
  if (best.length > 1) return { ambiguous: true };
  return { value: best[0]!.value };
}

interface Counts {
  readonly good: number;
  readonly bad: number;
}

function sliStatus(
  sli: Sli<never>,
  options: Resolved,
  recorded: readonly VectorSample[],
  countsByWindow: ReadonlyMap<number, readonly VectorSample[]>,
  [seriesSamples, observedSamples]: readonly [readonly VectorSample[], readonly VectorSample[]],
): FleetSliStatus {
  const { objective, windowMs, name } = sli;
  const budget = errorBudget(objective);
  const warnings: string[] = [];
  let invalid = false;
  let fromRules = 0;
  let fromCounters = 0;

  const counts = (windowMs: number): Counts | undefined => {
    let good = 0;
    let bad = 0;
    for (const sample of countsByWindow.get(windowMs)!) {
      if (sample.metric[LABEL_SLI_NAME] !== name) continue;
      const outcome = sample.metric[LABEL_SLI_OUTCOME];
      if (outcome !== 'good' && outcome !== 'bad') continue;
      if (!Number.isFinite(sample.value)) {
        warnings.push(
          `Prometheus returned ${sample.value} for the ${outcome} events of "${name}" over ${formatDuration(windowMs)}; that window is left out`,
        );
        invalid = true;
        return undefined;
      }
      if (outcome === 'good') good += sample.value;
      else bad += sample.value;
    }
    return { good, bad };
  };
  const countCache = new Map<number, Counts | undefined>();
  const countsOf = (w: number): Counts | undefined => {
    if (!countCache.has(w)) countCache.set(w, counts(w));
    return countCache.get(w);
  };

  const ratioCache = new Map<number, number | null>();
  const ratioOf = (w: number): number | null => {
    if (ratioCache.has(w)) return ratioCache.get(w)!;
    let ratio: number | null = null;
    const rule = recordedRatio(recorded, name, w, options.labels);
    if (rule !== undefined && 'ambiguous' in rule) {
      warnings.push(
        `two recording rules give ${errorRatioRecord(formatDuration(w))} for "${name}" with the labels given; the raw counters are used (pass the rules' labels to tell them apart)`,
      );
    } else if (rule !== undefined && Number.isFinite(rule.value) && rule.value >= 0) {
      ratio = rule.value;
      fromRules++;
    } else if (rule !== undefined) {
      warnings.push(
        `Prometheus returned ${rule.value} for ${errorRatioRecord(formatDuration(w))} of "${name}"; the raw counters are used`,
      );
    }
    if (ratio === null) {
      const c = countsOf(w);
      if (c !== undefined && c.good + c.bad > 0) {
        ratio = c.bad / (c.good + c.bad);
        fromCounters++;
      }
    }
    ratioCache.set(w, ratio);
    return ratio;
  };
  const burnOf = (w: number): number | null => {
    const ratio = ratioOf(w);
    return ratio === null ? null : ratio / budget;
  };

  const period = countsOf(windowMs) ?? { good: 0, bad: 0 };
  const eligible = period.good + period.bad;
  const periodRatio = ratioOf(windowMs);
  // 1 − (bad(P) / eligible(P)) / B; untouched with no events, as for an instance.
  const remaining = periodRatio === null ? 1 : 1 - periodRatio / budget;

  const burnRates: Record<string, number | null> = {};
  for (const w of BURN_RATE_WINDOWS_MS) burnRates[formatDuration(w)] = burnOf(w);

  const tiers = alertTable(windowMs, options.tiers).map((tier): TierEvaluation => {
    const longBurnRate = burnOf(tier.longMs) ?? 0;
    const shortBurnRate = burnOf(tier.shortMs) ?? 0;
    const long = countsOf(tier.longMs);
    const tierEligible = long === undefined ? 0 : long.good + long.bad;
    return {
      severity: tier.severity,
      windows: windowPair(tier),
      longMs: tier.longMs,
      shortMs: tier.shortMs,
      budgetShare: tier.budgetShare,
      factor: tier.factor,
      longBurnRate,
      shortBurnRate,
      eligible: tierEligible,
      canFire: tierCanFire(tier, objective),
      // The generated alert's condition (rules/prometheus.ts): both windows above the factor, and
      // the low-traffic guard on the long window.
      firing: longBurnRate > tier.factor && shortBurnRate > tier.factor && tierEligible >= options.minEvents,
    };
  });

  const series = seriesSamples.find((s) => s.metric[LABEL_SLI_NAME] === name)?.value ?? 0;
  const oldest = observedSamples.find((s) => s.metric[LABEL_SLI_NAME] === name)?.value;
  const observedMs =
    oldest === undefined || !Number.isFinite(oldest)
      ? 0
      : Math.min(windowMs, Math.max(0, options.at - oldest * 1000));
  const data: FleetData = series === 0 ? 'no-series' : invalid ? 'not-a-number' : 'ok';
  const source: FleetSource =
    fromRules > 0 && fromCounters === 0 ? 'recording-rules' : fromRules === 0 ? 'raw-counters' : 'mixed';

  return {
    name,
    scope: 'fleet',
    objective,
    window: sli.window,
    windowMs,
    at: options.at,
    observedMs,
    observedRatio: observedMs / windowMs,
    good: period.good,
    bad: period.bad,
    eligible,
    compliance: periodRatio === null ? null : 1 - periodRatio,
    budgetRemaining: remaining,
    budgetRemainingEvents: budget * eligible - period.bad,
    burnRates,
    alerts: {
      page: alertStatus(tiers, 'page'),
      ticket: alertStatus(tiers, 'ticket'),
      minEvents: options.minEvents,
      tiers,
    },
    timeToExhaustionMs: timeToExhaustionMs(remaining, windowMs, burnOf(DEFAULT_EXHAUSTION_WINDOW_MS) ?? 0),
    exhaustionWindow: formatDuration(DEFAULT_EXHAUSTION_WINDOW_MS),
    dropped: 0,
    source,
    series,
    data,
    warnings,
  };
}

function alertStatus(tiers: readonly TierEvaluation[], severity: 'page' | 'ticket'): AlertStatus {
  const first = tiers.find((t) => t.severity === severity && t.firing);
  return first === undefined
    ? { state: 'ok', windows: null, burnRate: null, factor: null, since: null, conditionMet: false }
    : {
        state: 'firing',
        windows: first.windows,
        burnRate: first.longBurnRate,
        factor: first.factor,
        since: null,
        conditionMet: true,
      };
}

function fail(message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_FLEET_OPTION', `fleetStatus: ${message}`);
}

function resolve(options: FleetStatusOptions): Resolved {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(`expected { prometheus, slis, selector?, labels?, ... }; got ${describeValue(options)}`);
  }
  const raw = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!OPTION_KEYS.has(key)) fail(`unknown option "${key}"; expected only ${[...OPTION_KEYS].join(', ')}`);
  }
  const headers = checkHeaders(raw.headers);
  const target = typeof raw.prometheus === 'string' ? prometheusTarget(raw.prometheus, headers) : undefined;
  if (target === undefined) {
    fail(
      `prometheus: expected the Prometheus base URL, e.g. "http://prometheus:9090"; got ${describeValue(redact(raw.prometheus))}`,
    );
  }
  const slis = checkSlis(raw.slis);
  const minEvents = raw.minEvents as number | undefined;
  const tiers = raw.tiers as readonly BurnTierSpec[] | undefined;
  validateAlertOptions({ minEvents, tiers });
  const timeoutText = raw.timeout === undefined ? DEFAULT_TIMEOUT : raw.timeout;
  const timeoutMs = parseDuration(timeoutText, 'fleetStatus: timeout');
  if (!(timeoutMs > 0)) fail(`timeout must be longer than zero; got ${describeValue(raw.timeout)}`);
  const at = raw.at === undefined ? Date.now() : raw.at instanceof Date ? raw.at.getTime() : raw.at;
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
    fail(`at: expected a Date or epoch milliseconds; got ${describeValue(raw.at)}`);
  }
  const signal = raw.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    fail(`signal: expected an AbortSignal; got ${describeValue(signal)}`);
  }
  const selector = checkLabels(raw.selector, 'selector');
  return {
    target,
    slis,
    selector,
    // What the recorded series carry: the generated rules label them with the selector's matchers
    // as well as the rule labels, so that rule files for different selectors never collide.
    labels: [...new Map([...selector, ...checkLabels(raw.labels, 'labels')])],
    minEvents: minEvents ?? DEFAULT_MIN_EVENTS,
    tiers: tiers ?? WORKBOOK_TIERS,
    timeoutMs,
    timeoutText: timeoutText as string,
    at,
    signal,
  };
}

/** A URL for an error message, without its credentials. */
function redact(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/\/\/[^/@]*@/, '//***@') : value;
}

function checkSlis(value: unknown): readonly Sli<never>[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(`slis: expected a non-empty array of SLIs made by defineSli(); got ${describeValue(value)}`);
  }
  const byName = new Map<string, Sli<never>>();
  value.forEach((sli: unknown, index) => {
    if (!isSli(sli)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_NOT_AN_SLI',
        `fleetStatus: slis[${index}]: expected an SLI made by defineSli(); got ${describeValue(sli)}`,
      );
    }
    const seen = byName.get(sli.name);
    if (seen !== undefined && seen !== sli) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_DUPLICATE_SLI',
        `fleetStatus: two different SLIs are named "${sli.name}"; their series in Prometheus cannot be told apart`,
      );
    }
    byName.set(sli.name, sli);
  });
  return [...byName.values()];
}

function checkLabels(value: unknown, field: string): readonly (readonly [string, string])[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${field}: expected an object of label names to string values; got ${describeValue(value)}`);
  }
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => {
    if (!LABEL_NAME_RE.test(name) || name.startsWith('__')) {
      fail(
        `${field}: "${name}" is not a Prometheus label name (letters, digits and "_", not starting with a digit or "__")`,
      );
    }
    if (name === LABEL_SLI_NAME || name === LABEL_SLI_OUTCOME) {
      fail(`${field}: "${name}" is set by slokit itself and cannot be given`);
    }
    if (typeof v !== 'string') fail(`${field}.${name}: expected a string; got ${describeValue(v)}`);
    return [name, v] as const;
  });
}

function checkHeaders(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`headers: expected an object of header names to string values; got ${describeValue(value)}`);
  }
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    // RFC 9110 field names are tokens; values must not hold line breaks.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail(`headers: "${name}" is not an HTTP header name`);
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) {
      fail(
        `headers.${name}: expected a string without line breaks; got ${describeValue(typeof v === 'string' ? '(hidden)' : v)}`,
      );
    }
  }
  return value as Record<string, string>;
}
