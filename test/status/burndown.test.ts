import { describe, expect, it } from 'vitest';
import { computeStatus } from '../../src/budget/status.js';
import { SliWindows } from '../../src/budget/windows.js';
import { MAX_BURN_DOWN_STEPS, burnDown } from '../../src/status/burndown.js';
import type { BurnDown } from '../../src/status/types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// 2025-01-01T00:00:00Z
const T0 = Date.UTC(2025, 0, 1);

interface Phase {
  readonly minutes: number;
  readonly good: number;
  readonly bad: number;
}

/** Windows observed from T0 + `offset`, fed per minute by the phases; returns them and the end time. */
function play(periodMs: number, phases: readonly Phase[], offset = 0): { windows: SliWindows; end: number } {
  const windows = new SliWindows(periodMs);
  let t = T0 + offset;
  windows.observeFrom(t);
  for (const phase of phases) {
    for (let m = 0; m < phase.minutes; m++, t += MINUTE) windows.add(t, phase.good, phase.bad);
  }
  return { windows, end: t };
}

function expectWellFormed(chart: BurnDown): void {
  expect(chart.points.length).toBeLessThanOrEqual(MAX_BURN_DOWN_STEPS + 2);
  for (let i = 1; i < chart.points.length; i++)
    expect(chart.points[i]!.at).toBeGreaterThan(chart.points[i - 1]!.at);
}

describe('burnDown', () => {
  it('follows the budget minute by minute on a young instance and ends at budgetRemaining', () => {
    // 28d at 99.9%: 60 clean minutes of 1000 events, then 30 minutes with 10 bad in 1000 (10× burn).
    const sli = { objective: 0.999, windowMs: 28 * DAY };
    const { windows, end } = play(sli.windowMs, [
      { minutes: 60, good: 1000, bad: 0 },
      { minutes: 30, good: 990, bad: 10 },
    ]);
    const at = end - 1; // the last event's minute, 59.999 s into it
    const chart = burnDown(windows, sli, at);
    expect(chart.bucketMs).toBe(MINUTE);
    expectWellFormed(chart);
    // The start of the observed time (nothing spent), then one point per minute (90 buckets).
    expect(chart.points.length).toBe(1 + 90);
    expect(chart.points[0]).toEqual({ at: T0, remaining: 1 });
    expect(chart.points[60]).toEqual({ at: T0 + 60 * MINUTE, remaining: 1 });
    // After 75 minutes: 150 bad of 75,000 = 0.2% against a 0.1% budget.
    expect(chart.points[75]!.at).toBe(T0 + 75 * MINUTE);
    expect(chart.points[75]!.remaining).toBeCloseTo(1 - 150 / 75_000 / 0.001, 12);
    const last = chart.points.at(-1)!;
    expect(last.at).toBe(at);
    expect(last.remaining).toBe(
      computeStatus({ ...sli, name: 'x', window: '28d' }, windows, at).budgetRemaining,
    );
    expect(last.remaining).toBeCloseTo(1 - 300 / 90_000 / 0.001, 12);
  });

  it('merges buckets so at most 240 steps follow the start, over two days of minutes', () => {
    const sli = { objective: 0.99, windowMs: 28 * DAY };
    const { windows, end } = play(sli.windowMs, [{ minutes: 2 * 24 * 60, good: 99, bad: 1 }]);
    const chart = burnDown(windows, sli, end - 1);
    expect(chart.bucketMs).toBe(MINUTE);
    expectWellFormed(chart);
    // 2880 buckets in steps of ceil(2880 / 240) = 12: 240 points after the start.
    expect(chart.points.length).toBe(241);
    expect(chart.points[1]!.at).toBe(T0 + 12 * MINUTE);
    // A steady 1% against a 1% budget: nothing left, at every point.
    for (const p of chart.points.slice(1)) expect(p.remaining).toBeCloseTo(0, 12);
  });

  it('reads the hour windows once the instance has observed more than the minute windows hold', () => {
    const sli = { objective: 0.999, windowMs: 28 * DAY };
    const { windows, end } = play(sli.windowMs, [
      { minutes: 4 * 24 * 60, good: 100, bad: 0 },
      { minutes: 24 * 60, good: 99, bad: 1 },
    ]);
    const at = end + 30 * MINUTE; // half an hour of silence after the last event
    const chart = burnDown(windows, sli, at);
    expect(chart.bucketMs).toBe(HOUR);
    expectWellFormed(chart);
    // 120 hourly buckets: 5 days, up to the hour of the last event (the quiet half hour adds none).
    expect(chart.points.length).toBe(1 + 120);
    expect(chart.points[0]).toEqual({ at: T0, remaining: 1 });
    expect(chart.points[96]).toEqual({ at: T0 + 96 * HOUR, remaining: 1 });
    expect(chart.points.at(-1)).toEqual({
      at,
      remaining: computeStatus({ ...sli, name: 'x', window: '28d' }, windows, at).budgetRemaining,
    });
  });

  it("starts at the period's first bucket once a whole period has been observed", () => {
    // A 1-day SLI observed for 2 days: only the last day counts, as in counts(period).
    const sli = { objective: 0.999, windowMs: DAY };
    const { windows, end } = play(sli.windowMs, [
      { minutes: 24 * 60, good: 1000, bad: 5 },
      { minutes: 24 * 60, good: 1000, bad: 0 },
    ]);
    const at = end - 1;
    const chart = burnDown(windows, sli, at);
    expect(chart.bucketMs).toBe(MINUTE);
    expectWellFormed(chart);
    expect(chart.points[0]).toEqual({ at: end - DAY, remaining: 1 });
    expect(chart.points.at(-1)).toEqual({
      at,
      remaining: computeStatus({ ...sli, name: 'x', window: '1d' }, windows, at).budgetRemaining,
    });
    expect(chart.points.at(-1)!.remaining).toBe(1);
  });

  it('is a single flat step for an instance that has seen nothing', () => {
    const windows = new SliWindows(28 * DAY);
    windows.observeFrom(T0);
    const chart = burnDown(windows, { objective: 0.999, windowMs: 28 * DAY }, T0 + 10 * MINUTE);
    expect(chart.points).toEqual([
      { at: T0, remaining: 1 },
      { at: T0 + 10 * MINUTE, remaining: 1 },
    ]);
  });
});
