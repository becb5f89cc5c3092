/**
 * Per-SLI rolling windows of good and bad counts, in memory that does not grow with traffic.
 *
 * Two rings of buckets, both preallocated typed arrays:
 *
 * - **minutes**: 4320 one-minute buckets, i.e. 3 days, the longest alert window of the SRE Workbook
 *   table (3d/6h). Every burn-rate window (5m, 30m, 1h, 2h, 6h, 1d, 3d) is read from here.
 * - **hours**: one-hour buckets over the SLI's whole period (at least 72): 672 for 28 days, 720 for
 *   30 days. Windows longer than 3 days (in practice: the period, for budget remaining) are read
 *   from here.
 *
 * Memory: 16 bytes per bucket, so about 80 KB per SLI for a 28-day period, whatever the traffic.
 * `add()` is O(1) amortised: moving a ring forward by k buckets clears min(k, size) buckets, so a
 * time jump longer than the ring clears it all once.
 *
 * Bucket `i` of a ring holds the events whose time `t` has `floor(t / bucket) = i` (epoch-aligned
 * minutes and hours, as Prometheus range vectors are aligned to the evaluation time instead; see
 * {@link SliWindows.counts} for how a window maps onto buckets).
 */

import { SlokitDefinitionError, describeValue } from '../errors.js';

/** One minute, the resolution of every burn-rate window. */
export const MINUTE_MS = 60_000;
/** One hour, the resolution of windows longer than {@link MINUTE_BUCKETS} minutes. */
export const HOUR_MS = 3_600_000;
/** Per-minute buckets kept: 3 days, the longest long window of the workbook's alert table. */
export const MINUTE_BUCKETS = 4320;
/** The fewest hourly buckets kept, whatever the period: 3 days, so hours always span the minutes. */
export const MIN_HOUR_BUCKETS = 72;
/**
 * How far ahead of `nowMs` an event may be stamped and still be counted (when `add` is given
 * `nowMs`): one minute, for small clock differences between hosts. Later events are dropped.
 */
export const FUTURE_TOLERANCE_MS = 60_000;

/** The `format` tag of {@link SliWindowsJson}. */
export const WINDOWS_FORMAT = 'slokit.sli-windows';
/** The version of {@link SliWindowsJson} this slokit writes and reads. */
export const WINDOWS_VERSION = 1;

// Bounds the work fromJSON does on hostile input: no ring is ever this long (10 years of hours).
const MAX_SAVED_BUCKETS = 87_660;

/** Good and bad counts over a window. Eligible = good + bad. */
export interface WindowCounts {
  readonly good: number;
  readonly bad: number;
}

/**
 * Per-bucket counts of one ring over a span of time, oldest first: what a chart of the windows
 * draws. Bucket `k` covers `startMs + k × bucketMs` up to (excluding) the next bucket's start.
 */
export interface WindowSeries {
  /** Width of a bucket: {@link MINUTE_MS} or {@link HOUR_MS}. */
  readonly bucketMs: number;
  /** Start of the first bucket (epoch ms, a multiple of `bucketMs`). */
  readonly startMs: number;
  readonly good: readonly number[];
  readonly bad: readonly number[];
}

/** One ring of a {@link SliWindowsJson}: counts of the buckets `last − n + 1 … last`, oldest first. */
export interface SliWindowsRingJson {
  /** Width of a bucket in milliseconds: 60000 or 3600000. */
  readonly bucketMs: number;
  /** Index (epoch milliseconds ÷ bucketMs, floored) of the newest bucket; `null` if nothing was ever added. */
  readonly last: number | null;
  readonly good: readonly number[];
  readonly bad: readonly number[];
}

/** What {@link SliWindows.toJSON} writes and {@link SliWindows.fromJSON} reads. Plain JSON. */
export interface SliWindowsJson {
  readonly format: typeof WINDOWS_FORMAT;
  readonly version: typeof WINDOWS_VERSION;
  /** The period the windows were kept for. Informational: they restore into any period. */
  readonly periodMs: number;
  /** Since when these windows have observed events (epoch ms), or `null`. */
  readonly sinceMs: number | null;
  /** Events ignored because they were older than the windows or too far in the future. */
  readonly dropped: number;
  readonly minutes: SliWindowsRingJson;
  readonly hours: SliWindowsRingJson;
}

/** A ring of `size` buckets of `bucketMs`, holding buckets `head − size + 1 … head`. */
class Ring {
  readonly good: Float64Array;
  readonly bad: Float64Array;
  /** Index of the newest bucket, or null while empty. */
  head: number | null = null;

  constructor(
    readonly size: number,
    readonly bucketMs: number,
  ) {
    this.good = new Float64Array(size);
    this.bad = new Float64Array(size);
  }

  /** Whether bucket `index` is inside the ring once the ring has moved up to it. */
  accepts(index: number): boolean {
    return this.head === null || index > this.head - this.size;
  }

  /** Adds to bucket `index` (which must be accepted), moving the ring forward first if needed. */
  add(index: number, good: number, bad: number): void {
    this.moveTo(index);
    const slot = this.slot(index);
    this.good[slot] = this.good[slot]! + good;
    this.bad[slot] = this.bad[slot]! + bad;
  }

  /** Makes `index` the newest bucket if it is newer than the head, clearing the buckets in between. */
  moveTo(index: number): void {
    if (this.head === null) {
      this.head = index;
      return;
    }
    if (index <= this.head) return;
    if (index - this.head >= this.size) {
      // The gap is longer than the ring: nothing in it is still inside the window.
      this.good.fill(0);
      this.bad.fill(0);
    } else {
      for (let i = this.head + 1; i <= index; i++) {
        const slot = this.slot(i);
        this.good[slot] = 0;
        this.bad[slot] = 0;
      }
    }
    this.head = index;
  }

  /** Sums buckets `from … to` (inclusive), limited to what the ring holds. */
  sum(from: number, to: number): WindowCounts {
    if (this.head === null) return { good: 0, bad: 0 };
    const first = Math.max(from, this.head - this.size + 1);
    const last = Math.min(to, this.head);
    let good = 0;
    let bad = 0;
    for (let i = first; i <= last; i++) {
      const slot = this.slot(i);
      good += this.good[slot]!;
      bad += this.bad[slot]!;
    }
    return { good, bad };
  }

  /** The counts of buckets `from … to` (inclusive), one by one, limited to what the ring holds. */
  slice(from: number, to: number): { first: number; good: number[]; bad: number[] } {
    const good: number[] = [];
    const bad: number[] = [];
    if (this.head === null) return { first: from, good, bad };
    const first = Math.max(from, this.head - this.size + 1);
    const last = Math.min(to, this.head);
    for (let i = first; i <= last; i++) {
      const slot = this.slot(i);
      good.push(this.good[slot]!);
      bad.push(this.bad[slot]!);
    }
    return { first, good, bad };
  }

  slot(index: number): number {
    const slot = index % this.size;
    return slot < 0 ? slot + this.size : slot;
  }

  toJSON(): SliWindowsRingJson {
    if (this.head === null) return { bucketMs: this.bucketMs, last: null, good: [], bad: [] };
    // Oldest first, leading empty buckets left out: a young ring saves short.
    let first = this.head - this.size + 1;
    while (first < this.head && this.good[this.slot(first)] === 0 && this.bad[this.slot(first)] === 0)
      first++;
    const good: number[] = [];
    const bad: number[] = [];
    for (let i = first; i <= this.head; i++) {
      good.push(this.good[this.slot(i)]!);
      bad.push(this.bad[this.slot(i)]!);
    }
    return { bucketMs: this.bucketMs, last: this.head, good, bad };
  }

  restore(json: SliWindowsRingJson): void {
    if (json.last === null) return;
    const first = json.last - json.good.length + 1;
    for (let k = 0; k < json.good.length; k++) {
      const index = first + k;
      if (index > json.last - this.size) this.add(index, json.good[k]!, json.bad[k]!);
    }
    this.moveTo(json.last);
  }
}

/**
 * Rolling good/bad counts of one SLI: per-minute buckets over 3 days and hourly buckets over the
 * SLI's period, preallocated, so memory does not depend on traffic.
 *
 * @example
 * const windows = new SliWindows(28 * 86_400_000);
 * windows.add(Date.now(), 1, 0); // one good event
 * windows.counts(3_600_000, Date.now()); // { good: 1, bad: 0 } over the last hour
 */
export class SliWindows {
  /** The SLI's period in milliseconds. */
  readonly periodMs: number;
  readonly #minutes: Ring;
  readonly #hours: Ring;
  #sinceMs: number | null = null;
  #dropped = 0;

  /**
   * @param periodMs - the SLI's period (its `windowMs`), a positive number of milliseconds.
   * @throws SlokitError `SLOKIT_E_BUDGET_WINDOW` if `periodMs` is not a positive finite number.
   */
  constructor(periodMs: number) {
    if (typeof periodMs !== 'number' || !Number.isFinite(periodMs) || periodMs <= 0) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_BUDGET_WINDOW',
        `SliWindows: expected the period as a positive number of milliseconds; got ${describeValue(periodMs)}`,
      );
    }
    this.periodMs = periodMs;
    this.#minutes = new Ring(MINUTE_BUCKETS, MINUTE_MS);
    this.#hours = new Ring(Math.max(MIN_HOUR_BUCKETS, Math.ceil(periodMs / HOUR_MS)), HOUR_MS);
  }

  /** Events ignored because they were older than both rings or too far in the future. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Since when (epoch ms) these windows hold observations, or `null` before the first. */
  get sinceMs(): number | null {
    return this.#sinceMs;
  }

  /** The longest window {@link counts} accepts: the hourly ring's span. */
  get maxWindowMs(): number {
    return this.#hours.size * HOUR_MS;
  }

  /**
   * Counts `good` and `bad` events at time `atMs`. Never throws (it is on the request path).
   *
   * Ignored, and added to {@link dropped}: events older than both rings (more than the period, or
   * 3 days, behind the newest event seen) and, when `nowMs` is given, events stamped more than
   * {@link FUTURE_TOLERANCE_MS} after `nowMs`. An event older than the minute ring but inside the
   * hourly one counts towards windows longer than 3 days only. Calls with counts that are not
   * finite, non-negative numbers, or a time that is not finite, change nothing.
   *
   * @param atMs - when the events happened (epoch ms); the kit passes its clock's `now()`.
   * @param good - good events (usually 0 or 1).
   * @param bad - bad events.
   * @param nowMs - the current time, to reject events from the future; optional.
   * @returns whether the events were counted.
   */
  add(atMs: number, good: number, bad: number, nowMs?: number): boolean {
    if (!Number.isFinite(atMs) || !(good >= 0) || !(bad >= 0) || !Number.isFinite(good + bad)) return false;
    if (nowMs !== undefined && atMs > nowMs + FUTURE_TOLERANCE_MS) {
      this.#dropped += good + bad;
      return false;
    }
    const minute = Math.floor(atMs / MINUTE_MS);
    const hour = Math.floor(atMs / HOUR_MS);
    const inMinutes = this.#minutes.accepts(minute);
    const inHours = this.#hours.accepts(hour);
    if (!inMinutes && !inHours) {
      this.#dropped += good + bad;
      return false;
    }
    if (inMinutes) this.#minutes.add(minute, good, bad);
    if (inHours) this.#hours.add(hour, good, bad);
    if (this.#sinceMs === null || atMs < this.#sinceMs) this.#sinceMs = atMs;
    return true;
  }

  /**
   * Marks these windows as observing from `nowMs` if they have not observed anything yet. The kit
   * calls it at start-up (after restoring), so a quiet first hour counts as observed.
   */
  observeFrom(nowMs: number): void {
    if (this.#sinceMs === null && Number.isFinite(nowMs)) this.#sinceMs = nowMs;
  }

  /**
   * Good and bad events over the window of `windowMs` ending at `nowMs`.
   *
   * Exactly which events: with `n = ceil(windowMs / 1 min)`, windows up to 3 days sum the minute
   * bucket containing `nowMs` (the current, partial minute) and the `n − 1` full minutes before it.
   * For `windowMs = 5 min` at 12:07:30 that is every event stamped from 12:03:00.000 to the newest,
   * i.e. between 4 and 5 minutes of history. Longer windows do the same with hours: the current
   * partial hour and the `ceil(windowMs / 1 h) − 1` full hours before it (for 28 days: 671 full
   * hours plus the current one). Events stamped after `nowMs` but inside its bucket are included.
   *
   * @throws SlokitError `SLOKIT_E_BUDGET_WINDOW` if `windowMs` is not positive or exceeds
   *   {@link maxWindowMs}.
   * @example
   * windows.counts(300_000, clock.now()); // the last 5 minutes
   */
  counts(windowMs: number, nowMs: number): WindowCounts {
    if (!(windowMs > 0) || !Number.isFinite(nowMs)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_BUDGET_WINDOW',
        `SliWindows.counts: expected a positive window and a finite time; got ${describeValue(windowMs)} at ${describeValue(nowMs)}`,
      );
    }
    if (windowMs <= MINUTE_BUCKETS * MINUTE_MS) {
      const last = Math.floor(nowMs / MINUTE_MS);
      return this.#minutes.sum(last - Math.ceil(windowMs / MINUTE_MS) + 1, last);
    }
    const buckets = Math.ceil(windowMs / HOUR_MS);
    if (buckets > this.#hours.size) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_BUDGET_WINDOW',
        `SliWindows.counts: a window of ${windowMs} ms is longer than the ${this.#hours.size} hours these windows keep`,
      );
    }
    const last = Math.floor(nowMs / HOUR_MS);
    return this.#hours.sum(last - buckets + 1, last);
  }

  /**
   * The counts of each bucket of one ring between `fromMs` and `toMs` (both inclusive: from the
   * bucket containing `fromMs` to the one containing `toMs`), oldest first, limited to the buckets
   * the ring still holds. The minute ring covers the last 3 days; the hour ring the period (at
   * least 3 days). Summing a series gives {@link counts} over the same buckets, so a chart drawn
   * from it ends exactly at the figures of `kit.status()`.
   *
   * @param bucketMs - {@link MINUTE_MS} for the minute ring, {@link HOUR_MS} for the hour ring.
   * @throws SlokitError `SLOKIT_E_BUDGET_WINDOW` for another bucket width or a time that is not finite.
   * @example
   * const lastHour = windows.series(MINUTE_MS, now - 3_600_000, now); // up to 61 one-minute buckets
   * lastHour.bad.reduce((a, b) => a + b, 0); // bad events in them
   */
  series(bucketMs: number, fromMs: number, toMs: number): WindowSeries {
    const ring = bucketMs === MINUTE_MS ? this.#minutes : bucketMs === HOUR_MS ? this.#hours : undefined;
    if (ring === undefined || !Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_BUDGET_WINDOW',
        `SliWindows.series: expected a bucket width of ${MINUTE_MS} or ${HOUR_MS} ms and finite times; got ${describeValue(bucketMs)} from ${describeValue(fromMs)} to ${describeValue(toMs)}`,
      );
    }
    const { first, good, bad } = ring.slice(Math.floor(fromMs / bucketMs), Math.floor(toMs / bucketMs));
    return { bucketMs, startMs: first * bucketMs, good, bad };
  }

  /**
   * How much of the period these windows have observed by `nowMs`: the time since the first event
   * (or {@link observeFrom}, or the restored history), at most the period, at least 0. Time the
   * process was down between a save and a restore counts as observed: the windows cannot tell it
   * apart from a quiet time.
   */
  observedMs(nowMs: number): number {
    if (this.#sinceMs === null) return 0;
    return Math.min(this.periodMs, Math.max(0, nowMs - this.#sinceMs));
  }

  /** A plain-JSON snapshot, for {@link SliWindows.fromJSON} and state files. */
  toJSON(): SliWindowsJson {
    return {
      format: WINDOWS_FORMAT,
      version: WINDOWS_VERSION,
      periodMs: this.periodMs,
      sinceMs: this.#sinceMs,
      dropped: this.#dropped,
      minutes: this.#minutes.toJSON(),
      hours: this.#hours.toJSON(),
    };
  }

  /**
   * Restores windows saved by {@link SliWindows.toJSON} into windows for `periodMs` (which may differ
   * from the saved period: hourly buckets beyond the new period are left out).
   *
   * @throws SlokitError `SLOKIT_E_WINDOWS_STATE` when `json` is not windows of this version (foreign,
   *   old or corrupt); the caller sets the input aside and starts empty.
   * @example
   * const restored = SliWindows.fromJSON(JSON.parse(text), sli.windowMs);
   */
  static fromJSON(json: unknown, periodMs: number): SliWindows {
    const windows = new SliWindows(periodMs);
    const state = validate(json);
    windows.#minutes.restore(state.minutes);
    windows.#hours.restore(state.hours);
    windows.#sinceMs = state.sinceMs;
    windows.#dropped = state.dropped;
    return windows;
  }
}

function fail(problem: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_WINDOWS_STATE', `Saved SLI windows are unusable: ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function validate(json: unknown): SliWindowsJson {
  if (!isRecord(json)) fail(`expected an object; got ${describeValue(json)}`);
  if (json.format !== WINDOWS_FORMAT)
    fail(`expected format "${WINDOWS_FORMAT}"; got ${describeValue(json.format)}`);
  if (json.version !== WINDOWS_VERSION) {
    fail(
      `expected version ${WINDOWS_VERSION}; got ${describeValue(json.version)} (written by another slokit version)`,
    );
  }
  if (!(typeof json.periodMs === 'number' && Number.isFinite(json.periodMs) && json.periodMs > 0)) {
    fail(`periodMs: expected a positive number; got ${describeValue(json.periodMs)}`);
  }
  if (!(json.sinceMs === null || (typeof json.sinceMs === 'number' && Number.isFinite(json.sinceMs)))) {
    fail(`sinceMs: expected null or a time; got ${describeValue(json.sinceMs)}`);
  }
  if (!isCount(json.dropped)) fail(`dropped: expected a count; got ${describeValue(json.dropped)}`);
  validateRing(json.minutes, 'minutes', MINUTE_MS);
  validateRing(json.hours, 'hours', HOUR_MS);
  return json as unknown as SliWindowsJson;
}

function validateRing(ring: unknown, name: string, bucketMs: number): void {
  if (!isRecord(ring)) fail(`${name}: expected an object; got ${describeValue(ring)}`);
  if (ring.bucketMs !== bucketMs)
    fail(`${name}.bucketMs: expected ${bucketMs}; got ${describeValue(ring.bucketMs)}`);
  const { last, good, bad } = ring;
  if (!(last === null || (typeof last === 'number' && Number.isSafeInteger(last)))) {
    fail(`${name}.last: expected null or a bucket index; got ${describeValue(last)}`);
  }
  if (!Array.isArray(good) || !Array.isArray(bad) || good.length !== bad.length) {
    fail(`${name}: expected arrays "good" and "bad" of the same length`);
  }
  if (good.length > MAX_SAVED_BUCKETS) fail(`${name}: ${good.length} buckets is more than any ring keeps`);
  if (last === null && good.length > 0) fail(`${name}: counts without a "last" bucket`);
  for (let i = 0; i < good.length; i++) {
    if (!isCount(good[i]) || !isCount(bad[i])) fail(`${name}[${i}]: expected counts ≥ 0`);
  }
}
