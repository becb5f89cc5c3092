/**
 * What is different about the bad events: compares the bad and the good events of one SLI,
 * attribute by attribute (after Honeycomb's BubbleUp), and ranks the values and numeric ranges
 * that bad events have more often than good ones by a confidence bound (see ./stats.ts).
 *
 * Candidates:
 * - the built-in dimensions `http.route`, `http.request.method`, `http.response.status_code` (each
 *   value), and `duration` (ms, as a numeric range);
 * - every wide attribute: strings and booleans by value, arrays as sets of values (an event "has"
 *   each element), numbers as ranges `>= t` (`{ min: t }`) and `< t` (`{ max: t }`), the cut points
 *   `t` taken from the combined values of bad and good events (each distinct value, or 64
 *   quantiles of them when there are more), never fixed buckets.
 *
 * A candidate is tested only when at least `minCount` bad events, and `minSupport` of them, have it:
 * a user id seen on two bad requests is never tested, so high-cardinality attributes cannot flood
 * the findings. Each tested candidate gets the lower bound of Newcombe's hybrid score interval for
 * `badShare − goodShare` at one-sided confidence `1 − alpha / m`, `m` being the number of candidates
 * tested (Bonferroni's correction): with the default `alpha` of 0.05, data where bad and good come
 * from one distribution yields a finding in at most 5% of comparisons (measured: see
 * test/explain/compare.test.ts). Only bounds above 0 are findings, most telling (highest bound)
 * first; a numeric attribute contributes its best range only, a categorical one at most
 * `perAttribute` values.
 *
 * Pure: no I/O, no clock, no OTel.
 */

import type { AttributeValue } from '../sli/types.js';
import { newcombeLower, normalQuantile } from './stats.js';
import type { Explanation, Finding, SampledEvent } from './types.js';

/** How `explain()` compares. */
export interface CompareOptions {
  /** Family-wise significance level over all candidates tested. Default 0.05. */
  readonly alpha?: number;
  /** Fewest bad events that must have a value for it to be tested, as a fraction of the bad events. Default 0.05. */
  readonly minSupport?: number;
  /** Fewest bad events that must have a value for it to be tested. Default 5. */
  readonly minCount?: number;
  /** Most findings returned. Default 10. */
  readonly limit?: number;
  /** Most findings of one categorical attribute. Default 3. */
  readonly perAttribute?: number;
  /** Attributes (or built-in dimensions) left out of the comparison. */
  readonly exclude?: readonly string[];
}

export const DEFAULT_COMPARE = Object.freeze({
  alpha: 0.05,
  minSupport: 0.05,
  minCount: 5,
  limit: 10,
  perAttribute: 3,
});

/** The names of the built-in dimensions in findings. */
export const DIMENSION_ROUTE = 'http.route';
export const DIMENSION_METHOD = 'http.request.method';
export const DIMENSION_STATUS = 'http.response.status_code';
export const DIMENSION_DURATION = 'duration';

// A numeric attribute with at most this many distinct values is cut at each of them; one with more,
// at this many quantiles of its combined values.
const MAX_CUTS = 64;

type Scalar = string | number | boolean;

interface ValueCounts {
  readonly value: Scalar;
  bad: number;
  good: number;
}

interface NumericValues {
  readonly bad: number[];
  readonly good: number[];
}

interface Candidate {
  readonly attribute: string;
  readonly value?: Scalar;
  readonly range?: { readonly min?: number; readonly max?: number };
  readonly bad: number;
  readonly good: number;
  readonly numeric: boolean;
}

class Tally {
  readonly categorical = new Map<string, Map<string, ValueCounts>>();
  readonly numeric = new Map<string, NumericValues>();

  constructor(private readonly exclude: ReadonlySet<string>) {}

  addEvent(event: SampledEvent, bad: boolean): void {
    if (event.route !== undefined) this.addScalar(DIMENSION_ROUTE, event.route, bad);
    if (event.method !== undefined) this.addScalar(DIMENSION_METHOD, event.method, bad);
    if (event.status !== undefined) this.addScalar(DIMENSION_STATUS, event.status, bad);
    if (event.durationMs !== undefined) this.addNumber(DIMENSION_DURATION, event.durationMs, bad);
    const attributes = event.attributes;
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      this.addValue(key, attributes[key]!, bad);
    }
  }

  private addValue(key: string, value: AttributeValue, bad: boolean): void {
    if (typeof value === 'number') return this.addNumber(key, value, bad);
    if (typeof value === 'string' || typeof value === 'boolean') return this.addScalar(key, value, bad);
    if (!Array.isArray(value)) return;
    // A set: each distinct element once per event.
    const seen = new Set<string>();
    for (const element of value as readonly Scalar[]) {
      const k = keyOf(element);
      if (seen.has(k)) continue;
      seen.add(k);
      this.addScalar(key, element, bad);
    }
  }

  private addScalar(attribute: string, value: Scalar, bad: boolean): void {
    if (this.exclude.has(attribute)) return;
    let values = this.categorical.get(attribute);
    if (values === undefined) this.categorical.set(attribute, (values = new Map<string, ValueCounts>()));
    const k = keyOf(value);
    let counts = values.get(k);
    if (counts === undefined) values.set(k, (counts = { value, bad: 0, good: 0 }));
    if (bad) counts.bad++;
    else counts.good++;
  }

  private addNumber(attribute: string, value: number, bad: boolean): void {
    if (this.exclude.has(attribute) || !Number.isFinite(value)) return;
    let values = this.numeric.get(attribute);
    if (values === undefined) this.numeric.set(attribute, (values = { bad: [], good: [] }));
    (bad ? values.bad : values.good).push(value);
  }
}

function keyOf(value: Scalar): string {
  return `${typeof value}:${String(value)}`;
}

/** How many of the ascending `sorted` are at least `t`. */
function countAtLeast(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/** Cut points from the combined values: the distinct values above the smallest, or 64 quantiles. */
function cutPoints(bad: readonly number[], good: readonly number[]): number[] {
  const all = [...bad, ...good].sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const v of all) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  if (distinct.length <= MAX_CUTS + 1) return distinct.slice(1);
  const cuts = new Set<number>();
  for (let k = 1; k <= MAX_CUTS; k++) {
    const v = all[Math.floor((k * all.length) / (MAX_CUTS + 1))]!;
    if (v > distinct[0]!) cuts.add(v);
  }
  return [...cuts].sort((a, b) => a - b);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

function checkFraction(value: unknown, field: string, fallback: number, open: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1) || (open && (value === 0 || value === 1))) {
    throw new RangeError(
      `${field}: expected a number ${open ? 'between 0 and 1 (exclusive)' : 'from 0 to 1'}; got ${describe(value)}`,
    );
  }
  return value;
}

function checkCount(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${field}: expected a whole number of at least 1; got ${describe(value)}`);
  }
  return value;
}

/** The resolved comparison options; throws a `RangeError` naming the bad field. */
export function resolveCompareOptions(options: CompareOptions | undefined): Required<CompareOptions> {
  const o = options ?? {};
  const exclude = o.exclude ?? [];
  if (!Array.isArray(exclude) || !exclude.every((e) => typeof e === 'string')) {
    throw new RangeError(`exclude: expected an array of attribute names; got ${String(exclude)}`);
  }
  return {
    alpha: checkFraction(o.alpha, 'alpha', DEFAULT_COMPARE.alpha, true),
    minSupport: checkFraction(o.minSupport, 'minSupport', DEFAULT_COMPARE.minSupport, false),
    minCount: checkCount(o.minCount, 'minCount', DEFAULT_COMPARE.minCount),
    limit: checkCount(o.limit, 'limit', DEFAULT_COMPARE.limit),
    perAttribute: checkCount(o.perAttribute, 'perAttribute', DEFAULT_COMPARE.perAttribute),
    exclude,
  };
}

/**
 * Compares `bad` with `good` events of SLI `sli` and returns the values and ranges that set the bad
 * ones apart, most telling first. No finding when either side is empty.
 *
 * @example
 * const explanation = compareEvents('checkout', badEvents, goodEvents);
 * explanation.findings[0]; // { attribute: 'app.payment.provider', value: 'acme', badShare: 0.87, ... }
 */
export function compareEvents(
  sli: string,
  bad: readonly SampledEvent[],
  good: readonly SampledEvent[],
  options?: CompareOptions,
): Explanation {
  const o = resolveCompareOptions(options);
  let from = Infinity;
  let to = -Infinity;
  for (const list of [bad, good]) {
    for (const event of list) {
      if (event.at < from) from = event.at;
      if (event.at > to) to = event.at;
    }
  }
  const base = {
    sli,
    from: from === Infinity ? 0 : from,
    to: to === -Infinity ? 0 : to,
    bad: bad.length,
    good: good.length,
  };
  if (bad.length === 0 || good.length === 0) return { ...base, findings: [] };

  const tally = new Tally(new Set(o.exclude));
  for (const event of bad) tally.addEvent(event, true);
  for (const event of good) tally.addEvent(event, false);

  const minBad = Math.max(o.minCount, Math.ceil(o.minSupport * bad.length));
  const tested: Candidate[] = [];
  for (const [attribute, values] of tally.categorical) {
    for (const counts of values.values()) {
      if (counts.bad >= minBad)
        tested.push({ attribute, value: counts.value, bad: counts.bad, good: counts.good, numeric: false });
    }
  }
  for (const [attribute, values] of tally.numeric) {
    const sortedBad = values.bad.sort((a, b) => a - b);
    const sortedGood = values.good.sort((a, b) => a - b);
    for (const t of cutPoints(sortedBad, sortedGood)) {
      const badAtLeast = countAtLeast(sortedBad, t);
      const goodAtLeast = countAtLeast(sortedGood, t);
      const below = [sortedBad.length - badAtLeast, sortedGood.length - goodAtLeast] as const;
      if (badAtLeast >= minBad)
        tested.push({ attribute, range: { min: t }, bad: badAtLeast, good: goodAtLeast, numeric: true });
      if (below[0] >= minBad)
        tested.push({ attribute, range: { max: t }, bad: below[0], good: below[1], numeric: true });
    }
  }
  if (tested.length === 0) return { ...base, findings: [] };

  const z = normalQuantile(1 - o.alpha / tested.length);
  const scored: Finding[] = [];
  for (const c of tested) {
    const badShare = c.bad / bad.length;
    const goodShare = c.good / good.length;
    if (badShare <= goodShare) continue;
    const score = newcombeLower(c.bad, bad.length, c.good, good.length, z);
    if (!(score > 0)) continue;
    scored.push({
      attribute: c.attribute,
      ...(c.value === undefined ? {} : { value: c.value }),
      ...(c.range === undefined ? {} : { range: c.range }),
      badShare,
      goodShare,
      badCount: c.bad,
      goodCount: c.good,
      score,
    });
  }
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      b.badCount - a.badCount ||
      (a.attribute < b.attribute ? -1 : a.attribute > b.attribute ? 1 : 0) ||
      String(a.value ?? a.range?.min ?? a.range?.max).localeCompare(
        String(b.value ?? b.range?.min ?? b.range?.max),
      ),
  );
  const perAttribute = new Map<string, number>();
  const findings: Finding[] = [];
  for (const finding of scored) {
    const limit = finding.range === undefined ? o.perAttribute : 1;
    const used = perAttribute.get(finding.attribute) ?? 0;
    if (used >= limit) continue;
    perAttribute.set(finding.attribute, used + 1);
    findings.push(finding);
    if (findings.length === o.limit) break;
  }
  return { ...base, findings };
}
