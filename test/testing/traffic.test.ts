import { describe, expect, it } from 'vitest';
import { createFakeClock, playTraffic, trafficPhases } from 'slokit/testing';
import { SliWindows } from '../../src/budget/windows.js';
import { thrown } from '../sli/support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('playTraffic', () => {
  it('plays 6 hours of traffic against a fake clock, with exact counts', () => {
    const clock = createFakeClock();
    const start = clock.now();
    const windows = new SliWindows(28 * 24 * HOUR);
    const steps: [number, number, number][] = [];
    const totals = playTraffic({
      clock,
      durationMs: 6 * HOUR,
      // 1000 events a minute; 5% errors in the third hour.
      rate: (t) => ({ total: 1000, errorRatio: t >= 2 * HOUR && t < 3 * HOUR ? 0.05 : 0 }),
      onStep: (good, bad, atMs) => {
        expect(clock.now()).toBe(atMs);
        steps.push([good, bad, atMs]);
        windows.add(atMs, good, bad);
      },
    });
    expect(totals).toEqual({
      steps: 360,
      good: 360_000 - 3000,
      bad: 3000,
      startMs: start,
      endMs: start + 6 * HOUR,
    });
    expect(clock.now()).toBe(start + 6 * HOUR);
    expect(steps[0]).toEqual([1000, 0, start]);
    expect(steps[120]).toEqual([950, 50, start + 2 * HOUR]);
    expect(steps[359]).toEqual([1000, 0, start + 6 * HOUR - MINUTE]);
    expect(windows.counts(6 * HOUR, clock.now() - 1)).toEqual({ good: 357_000, bad: 3000 });
    expect(windows.counts(HOUR, start + 3 * HOUR - 1)).toEqual({ good: 57_000, bad: 3000 });
  });

  it('takes counts, custom steps, and a shorter last step', () => {
    const clock = createFakeClock(0);
    const at: number[] = [];
    const totals = playTraffic({
      clock,
      durationMs: 25_000,
      stepMs: 10_000,
      rate: (t, atMs) => ({ good: t / 1000, bad: atMs === 20_000 ? 1 : 0 }),
      onStep: (_good, _bad, atMs) => at.push(atMs),
    });
    expect(at).toEqual([0, 10_000, 20_000]);
    expect(totals).toEqual({ steps: 3, good: 0 + 10 + 20, bad: 1, startMs: 0, endMs: 25_000 });
  });

  it('rounds the bad share of a total to whole events', () => {
    const clock = createFakeClock(0);
    const seen: [number, number][] = [];
    playTraffic({
      clock,
      durationMs: MINUTE,
      rate: () => ({ total: 7, errorRatio: 0.5 }),
      onStep: (good, bad) => seen.push([good, bad]),
    });
    expect(seen).toEqual([[3, 4]]); // Math.round(3.5) = 4 bad
  });

  it.each([
    [{ durationMs: 0 }, /durationMs/],
    [{ stepMs: -1 }, /stepMs/],
    [{ rate: () => ({ good: 1.5, bad: 0 }) }, /returned good number 1.5/],
    [{ rate: () => ({ good: 1, bad: -1 }) }, /bad number -1/],
    [{ rate: () => ({ total: 10, errorRatio: 1.5 }) }, /errorRatio number 1.5/],
    [{ rate: () => null }, /returned null/],
  ])('rejects invalid input with SLOKIT_E_TEST_INPUT (%#)', (override, message) => {
    const error = thrown(() =>
      playTraffic({
        clock: createFakeClock(0),
        durationMs: MINUTE,
        rate: () => ({ good: 1, bad: 0 }),
        onStep: () => undefined,
        ...(override as object),
      }),
    );
    expect(error.code).toBe('SLOKIT_E_TEST_INPUT');
    expect(error.message).toMatch(message);
  });
});

describe('trafficPhases', () => {
  it('plays phases one after the other, then nothing', () => {
    const rate = trafficPhases([
      { durationMs: 2 * MINUTE, total: 100, errorRatio: 0 },
      { durationMs: MINUTE, good: 80, bad: 20 },
    ]);
    const clock = createFakeClock(0);
    const seen: [number, number][] = [];
    const totals = playTraffic({ clock, durationMs: 4 * MINUTE, rate, onStep: (g, b) => seen.push([g, b]) });
    expect(seen).toEqual([
      [100, 0],
      [100, 0],
      [80, 20],
      [0, 0],
    ]);
    expect(totals.good).toBe(280);
  });

  it('rejects a phase without a positive duration', () => {
    expect(thrown(() => trafficPhases([{ durationMs: 0, good: 1, bad: 0 }])).code).toBe(
      'SLOKIT_E_TEST_INPUT',
    );
  });
});
