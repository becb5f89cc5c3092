/**
 * The burn-down chart's data: the error budget remaining at successive times over the observed part
 * of the period, read from the kit's minute and hour windows.
 *
 * The value at time t is what `kit.status()` would have said at t about the events seen so far:
 * `1 − (bad / eligible) / (1 − objective)` over the observed buckets up to t (DESIGN.md, "The math";
 * SRE Workbook ch. 2). The buckets are exactly those `SliWindows.counts(period, at)` sums, so the last
 * point equals `budgetRemaining` of the status at `at`. When the instance has observed a whole period,
 * the chart starts at the period's first bucket and shows how the current period's budget was spent.
 */

import { budgetRemaining } from '../budget/math.js';
import { HOUR_MS, MINUTE_BUCKETS, MINUTE_MS } from '../budget/windows.js';
import type { WindowSeries } from '../budget/windows.js';
import type { BurnDown, BurnDownPoint } from './types.js';

/** What the burn-down reads from an SLI's windows (an `SliWindows` has it all). */
export interface BurnDownSource {
  readonly sinceMs: number | null;
  series(bucketMs: number, fromMs: number, toMs: number): WindowSeries;
}

/** Most points drawn between the first and the last (a chart is a few hundred pixels wide). */
export const MAX_BURN_DOWN_STEPS = 240;

/**
 * The burn-down of one SLI at `at`.
 *
 * Which buckets: for a period of at most 3 days, the minute buckets of the period (as `counts` reads
 * it); for a longer period, the minute buckets when everything observed lies within the last
 * 3 days less an hour (the hour buckets of the period then hold the same events, so the totals
 * agree), else the hour buckets of the period. In each case only from the bucket holding the start of
 * the observed time. Consecutive buckets are merged so that at most {@link MAX_BURN_DOWN_STEPS}
 * points follow the first one.
 *
 * @example
 * const chart = burnDown(windows, { objective: 0.999, windowMs: 28 * 86_400_000 }, clock.now());
 * chart.points.at(-1)?.remaining; // === kit.status().slis[0].budgetRemaining
 */
export function burnDown(
  windows: BurnDownSource,
  sli: { readonly objective: number; readonly windowMs: number },
  at: number,
): BurnDown {
  const since = windows.sinceMs;
  const minuteRingMs = MINUTE_BUCKETS * MINUTE_MS;
  let bucketMs: number;
  let firstBucket: number;
  if (sli.windowMs <= minuteRingMs) {
    bucketMs = MINUTE_MS;
    firstBucket = Math.floor(at / MINUTE_MS) - Math.ceil(sli.windowMs / MINUTE_MS) + 1;
  } else if (since !== null && at - since < minuteRingMs - HOUR_MS) {
    bucketMs = MINUTE_MS;
    firstBucket = Math.floor(since / MINUTE_MS);
  } else {
    bucketMs = HOUR_MS;
    firstBucket = Math.floor(at / HOUR_MS) - Math.ceil(sli.windowMs / HOUR_MS) + 1;
  }
  if (since !== null) firstBucket = Math.max(firstBucket, Math.floor(since / bucketMs));
  const series = windows.series(bucketMs, firstBucket * bucketMs, at);
  const n = series.good.length;
  const start = since === null ? at : Math.max(since, series.startMs, firstBucket * bucketMs);
  const points: BurnDownPoint[] = [{ at: Math.min(start, at), remaining: 1 }];
  const step = Math.max(1, Math.ceil(n / MAX_BURN_DOWN_STEPS));
  let good = 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    good += series.good[i]!;
    bad += series.bad[i]!;
    const last = i === n - 1;
    if (!last && (i + 1) % step !== 0) continue;
    const end = last ? at : series.startMs + (i + 1) * bucketMs;
    points.push({ at: end, remaining: budgetRemaining(bad, good + bad, sli.objective) });
  }
  if (n === 0) points.push({ at, remaining: 1 });
  return { bucketMs, points };
}
