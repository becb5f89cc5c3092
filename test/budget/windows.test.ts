import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FUTURE_TOLERANCE_MS,
  MINUTE_BUCKETS,
  SliWindows,
  WINDOWS_FORMAT,
  WINDOWS_VERSION,
} from '../../src/budget/windows.js';
import type { SliWindowsJson } from '../../src/budget/windows.js';
import { thrown } from '../sli/support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const P28 = 28 * DAY;
// 2025-01-01T12:00:00Z: on a minute, hour and day boundary.
const T0 = Date.UTC(2025, 0, 1, 12);

describe('SliWindows minute buckets', () => {
  it('counts the current partial minute plus the previous n − 1 full minutes', () => {
    const w = new SliWindows(P28);
    w.add(T0 - 3 * MINUTE - 1, 1, 0); // 11:56:59.999: minute 11:56
    w.add(T0 - 3 * MINUTE, 2, 0); // 11:57:00.000
    w.add(T0 - 1, 0, 4); // 11:59:59.999
    w.add(T0, 8, 0); // 12:00:00.000
    w.add(T0 + 59_999, 0, 16); // 12:00:59.999
    const now = T0 + 30_000; // 12:00:30
    expect(w.counts(MINUTE, now)).toEqual({ good: 8, bad: 16 }); // 12:00 only (events after now in it too)
    expect(w.counts(2 * MINUTE, now)).toEqual({ good: 8, bad: 20 }); // 11:59 and 12:00
    expect(w.counts(4 * MINUTE, now)).toEqual({ good: 10, bad: 20 }); // from 11:57:00.000
    expect(w.counts(5 * MINUTE, now)).toEqual({ good: 11, bad: 20 }); // from 11:56:00.000
  });

  it('moves to the next minute exactly at the boundary', () => {
    const w = new SliWindows(P28);
    w.add(T0 - 1, 1, 0);
    w.add(T0, 0, 1);
    expect(w.counts(MINUTE, T0 - 1)).toEqual({ good: 1, bad: 0 });
    expect(w.counts(MINUTE, T0)).toEqual({ good: 0, bad: 1 });
    expect(w.counts(5 * MINUTE, T0 + 4 * MINUTE + 59_999)).toEqual({ good: 0, bad: 1 });
    expect(w.counts(5 * MINUTE, T0 + 3 * MINUTE)).toEqual({ good: 1, bad: 1 });
    expect(w.counts(5 * MINUTE, T0 + 5 * MINUTE)).toEqual({ good: 0, bad: 0 });
  });

  it('rounds a window up to whole minutes', () => {
    const w = new SliWindows(P28);
    w.add(T0 - MINUTE, 1, 0);
    w.add(T0, 1, 0);
    expect(w.counts(1, T0)).toEqual({ good: 1, bad: 0 });
    expect(w.counts(61_000, T0)).toEqual({ good: 2, bad: 0 });
  });

  it('keeps 3 days of minutes: the bucket 4320 minutes back is gone', () => {
    const w = new SliWindows(P28);
    const start = T0;
    w.add(start, 0, 1);
    w.add(start + (MINUTE_BUCKETS - 1) * MINUTE, 1, 0);
    expect(w.counts(3 * DAY, start + (MINUTE_BUCKETS - 1) * MINUTE)).toEqual({ good: 1, bad: 1 });
    // The same ring slot, one ring later: the old count must not leak into the new minute.
    w.add(start + MINUTE_BUCKETS * MINUTE, 1, 0);
    expect(w.counts(3 * DAY, start + MINUTE_BUCKETS * MINUTE)).toEqual({ good: 2, bad: 0 });
    expect(w.counts(MINUTE, start + MINUTE_BUCKETS * MINUTE)).toEqual({ good: 1, bad: 0 });
  });

  it('clears every bucket after a gap longer than the ring', () => {
    const w = new SliWindows(P28);
    for (let m = 0; m < 100; m++) w.add(T0 + m * MINUTE, 10, 1);
    const later = T0 + 5 * DAY + 17 * MINUTE;
    w.add(later, 3, 0);
    expect(w.counts(3 * DAY, later)).toEqual({ good: 3, bad: 0 });
    // Slots that held the old minutes, read as the new ones, are empty.
    for (const m of [1, 50, 99]) expect(w.counts(MINUTE, later + m * MINUTE)).toEqual({ good: 0, bad: 0 });
    // The hourly buckets still hold the old traffic for the period.
    expect(w.counts(P28, later)).toEqual({ good: 1003, bad: 100 });
  });

  it('clears only the skipped buckets after a shorter gap', () => {
    const w = new SliWindows(P28);
    for (let m = 0; m < 10; m++) w.add(T0 + m * MINUTE, 1, 0);
    const later = T0 + 70 * MINUTE;
    w.add(later, 0, 1);
    expect(w.counts(HOUR, later)).toEqual({ good: 0, bad: 1 }); // minutes 11..70
    expect(w.counts(2 * HOUR, later)).toEqual({ good: 10, bad: 1 });
  });
});

describe('SliWindows hourly buckets', () => {
  it('reads windows longer than 3 days from hours: the current partial hour plus n − 1 full hours', () => {
    const w = new SliWindows(P28);
    const now = T0 + 10 * DAY + 30 * MINUTE; // 12:30, ten days later
    const firstHour = Math.floor(now / HOUR) * HOUR - 119 * HOUR; // 5 days = 120 hours
    w.add(firstHour - 1, 1, 0); // last ms of hour 121 back: outside a 5-day window
    w.add(firstHour, 2, 0); // first ms of the oldest hour inside
    w.add(now, 0, 4);
    w.add(now + 29 * MINUTE, 0, 8); // still the current hour
    expect(w.counts(5 * DAY, now)).toEqual({ good: 2, bad: 12 });
    expect(w.counts(5 * DAY + 1, now)).toEqual({ good: 3, bad: 12 });
    // Half an hour later the next hour has begun: the oldest hour has left the window.
    expect(w.counts(5 * DAY, now + 30 * MINUTE)).toEqual({ good: 0, bad: 12 });
  });

  it('covers the whole period: 28 days = the current hour and 671 full hours', () => {
    const w = new SliWindows(P28);
    const now = T0 + 40 * DAY + 15 * MINUTE;
    const hour = Math.floor(now / HOUR) * HOUR;
    w.add(hour - 672 * HOUR, 100, 100); // hour 672 back: before the window
    w.add(hour - 671 * HOUR, 1, 0);
    w.add(hour - 671 * HOUR + HOUR - 1, 0, 1);
    w.add(now, 5, 0);
    expect(w.counts(P28, now)).toEqual({ good: 6, bad: 1 });
    expect(w.maxWindowMs).toBe(P28);
  });

  it('keeps at least 3 days of hours for a short period', () => {
    const w = new SliWindows(DAY);
    expect(w.maxWindowMs).toBe(3 * DAY);
    w.add(T0, 1, 0);
    expect(w.counts(DAY, T0)).toEqual({ good: 1, bad: 0 });
  });

  it('rejects windows it does not keep', () => {
    const w = new SliWindows(P28);
    expect(thrown(() => w.counts(P28 + HOUR, T0)).code).toBe('SLOKIT_E_BUDGET_WINDOW');
    expect(thrown(() => w.counts(0, T0)).code).toBe('SLOKIT_E_BUDGET_WINDOW');
    expect(thrown(() => w.counts(HOUR, Number.NaN)).code).toBe('SLOKIT_E_BUDGET_WINDOW');
    expect(thrown(() => new SliWindows(0)).code).toBe('SLOKIT_E_BUDGET_WINDOW');
    expect(thrown(() => new SliWindows(Number.POSITIVE_INFINITY)).code).toBe('SLOKIT_E_BUDGET_WINDOW');
  });
});

describe('SliWindows.add', () => {
  it('drops events older than both rings and counts them', () => {
    const w = new SliWindows(P28);
    const now = T0 + 30 * DAY;
    w.add(now, 1, 0);
    // 4 days back: too old for minutes, inside the hours: kept for the period only.
    expect(w.add(now - 4 * DAY, 0, 3)).toBe(true);
    expect(w.counts(3 * DAY, now)).toEqual({ good: 1, bad: 0 });
    expect(w.counts(P28, now)).toEqual({ good: 1, bad: 3 });
    // 29 days back: older than the period's hours.
    expect(w.add(now - 29 * DAY, 2, 5)).toBe(false);
    expect(w.dropped).toBe(7);
    expect(w.counts(P28, now)).toEqual({ good: 1, bad: 3 });
  });

  it('drops events stamped more than a minute after now', () => {
    const w = new SliWindows(P28);
    expect(w.add(T0 + FUTURE_TOLERANCE_MS, 1, 0, T0)).toBe(true);
    expect(w.add(T0 + FUTURE_TOLERANCE_MS + 1, 0, 2, T0)).toBe(false);
    expect(w.dropped).toBe(2);
    expect(w.counts(2 * MINUTE, T0 + MINUTE)).toEqual({ good: 1, bad: 0 });
  });

  it('ignores counts that are not finite non-negative numbers, without throwing', () => {
    const w = new SliWindows(P28);
    expect(w.add(T0, -1, 0)).toBe(false);
    expect(w.add(T0, 0, Number.NaN)).toBe(false);
    expect(w.add(T0, Number.POSITIVE_INFINITY, 0)).toBe(false);
    expect(w.add(Number.NaN, 1, 0)).toBe(false);
    expect(w.counts(MINUTE, T0)).toEqual({ good: 0, bad: 0 });
    expect(w.sinceMs).toBeNull();
  });

  it('accepts late events still inside the ring', () => {
    const w = new SliWindows(P28);
    w.add(T0 + 10 * MINUTE, 1, 0);
    w.add(T0 + 2 * MINUTE, 0, 1);
    // 9 minutes at 12:10: minutes 12:02 to 12:10; 8 minutes: from 12:03.
    expect(w.counts(9 * MINUTE, T0 + 10 * MINUTE)).toEqual({ good: 1, bad: 1 });
    expect(w.counts(8 * MINUTE, T0 + 10 * MINUTE)).toEqual({ good: 1, bad: 0 });
    expect(w.counts(MINUTE, T0 + 2 * MINUTE)).toEqual({ good: 0, bad: 1 });
    expect(w.counts(HOUR, T0 + 10 * MINUTE)).toEqual({ good: 1, bad: 1 });
  });

  it('agrees with counting every event by hand (property)', () => {
    const event = fc.record({
      offset: fc.integer({ min: 0, max: 3 * DAY - 1 }),
      good: fc.integer({ min: 0, max: 5 }),
      bad: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.integer({ min: 1, max: 3 * DAY }),
        fc.integer({ min: 0, max: 2 * HOUR }),
        (events, windowMs, after) => {
          const sorted = [...events].sort((a, b) => a.offset - b.offset);
          const w = new SliWindows(P28);
          for (const e of sorted) w.add(T0 + e.offset, e.good, e.bad);
          const now = T0 + (sorted.at(-1)?.offset ?? 0) + after;
          const last = Math.floor(now / MINUTE);
          const first = last - Math.ceil(windowMs / MINUTE) + 1;
          const inside = sorted.filter((e) => {
            const m = Math.floor((T0 + e.offset) / MINUTE);
            return m >= first && m <= last;
          });
          expect(w.counts(windowMs, now)).toEqual({
            good: inside.reduce((s, e) => s + e.good, 0),
            bad: inside.reduce((s, e) => s + e.bad, 0),
          });
          // The whole period, from the hours, holds everything.
          expect(w.counts(P28, now)).toEqual({
            good: sorted.reduce((s, e) => s + e.good, 0),
            bad: sorted.reduce((s, e) => s + e.bad, 0),
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the same memory whatever the traffic', () => {
    const w = new SliWindows(P28);
    for (let m = 0; m < 5 * 24 * 60; m++) w.add(T0 + m * MINUTE, 1000, 1);
    const json = w.toJSON();
    expect(json.minutes.good).toHaveLength(MINUTE_BUCKETS);
    expect(json.hours.good).toHaveLength(5 * 24);
    expect(w.counts(3 * DAY, T0 + 5 * DAY - MINUTE)).toEqual({ good: 4320 * 1000, bad: 4320 });
  });
});

describe('SliWindows.observedMs', () => {
  it('is the time since the first event, at most the period', () => {
    const w = new SliWindows(P28);
    expect(w.observedMs(T0)).toBe(0);
    w.add(T0, 1, 0);
    expect(w.observedMs(T0 + 10 * MINUTE)).toBe(10 * MINUTE);
    w.add(T0 - 5 * MINUTE, 1, 0); // an earlier event extends what is held
    expect(w.observedMs(T0 + 10 * MINUTE)).toBe(15 * MINUTE);
    expect(w.observedMs(T0 + 40 * DAY)).toBe(P28);
    expect(w.observedMs(T0 - HOUR)).toBe(0);
  });

  it('starts at observeFrom when nothing was added before', () => {
    const w = new SliWindows(P28);
    w.observeFrom(T0);
    w.add(T0 + HOUR, 1, 0);
    expect(w.observedMs(T0 + 2 * HOUR)).toBe(2 * HOUR);
    w.observeFrom(T0 + HOUR); // already observing: no change
    expect(w.sinceMs).toBe(T0);
  });
});

describe('SliWindows.toJSON / fromJSON', () => {
  function busyWindows(): SliWindows {
    const w = new SliWindows(P28);
    w.add(T0 - 10 * DAY, 7, 3);
    for (let m = 0; m < 5000; m += 7) w.add(T0 + m * MINUTE, m % 13, m % 3);
    w.add(T0, 1, 1, T0 - 2 * MINUTE); // dropped: from the future
    return w;
  }

  it('round-trips through JSON text with every window and counter intact', () => {
    const w = busyWindows();
    const restored = SliWindows.fromJSON(JSON.parse(JSON.stringify(w)), P28);
    const now = T0 + 5000 * MINUTE;
    for (const windowMs of [MINUTE, 5 * MINUTE, HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY, P28]) {
      expect(restored.counts(windowMs, now)).toEqual(w.counts(windowMs, now));
    }
    expect(restored.dropped).toBe(2);
    expect(restored.sinceMs).toBe(T0 - 10 * DAY);
    expect(restored.toJSON()).toEqual(w.toJSON());
    // Restored windows keep counting.
    restored.add(now, 1, 0);
    expect(restored.counts(MINUTE, now).good).toBe(w.counts(MINUTE, now).good + 1);
  });

  it('writes a versioned, compact snapshot', () => {
    const w = new SliWindows(P28);
    expect(w.toJSON()).toEqual({
      format: WINDOWS_FORMAT,
      version: WINDOWS_VERSION,
      periodMs: P28,
      sinceMs: null,
      dropped: 0,
      minutes: { bucketMs: MINUTE, last: null, good: [], bad: [] },
      hours: { bucketMs: HOUR, last: null, good: [], bad: [] },
    });
    w.add(T0, 2, 1);
    w.add(T0 + 2 * MINUTE, 1, 0);
    const json = w.toJSON();
    expect(json.minutes).toEqual({
      bucketMs: MINUTE,
      last: T0 / MINUTE + 2,
      good: [2, 0, 1],
      bad: [1, 0, 0],
    });
    expect(json.hours).toEqual({ bucketMs: HOUR, last: T0 / HOUR, good: [3], bad: [1] });
  });

  it('restores into a shorter period, leaving out older hours', () => {
    const w = new SliWindows(30 * DAY);
    w.add(T0, 1, 0);
    w.add(T0 + 29 * DAY, 0, 1);
    const restored = SliWindows.fromJSON(w.toJSON(), 7 * DAY);
    expect(restored.counts(7 * DAY, T0 + 29 * DAY)).toEqual({ good: 0, bad: 1 });
    expect(restored.toJSON().hours.good).toHaveLength(1);
  });

  const valid = (): Record<string, unknown> =>
    JSON.parse(JSON.stringify(busyWindows().toJSON())) as Record<string, unknown>;
  it.each<[string, (j: Record<string, unknown>) => unknown, RegExp]>([
    ['not an object', () => 'hello', /expected an object; got string "hello"/],
    ['an array', () => [], /expected an object/],
    ['foreign JSON', () => ({ name: 'my-app', version: '1.0.0' }), /expected format "slokit.sli-windows"/],
    ['an old version', (j) => ({ ...j, version: 0 }), /expected version 1; got number 0/],
    ['a newer version', (j) => ({ ...j, version: 2 }), /expected version 1; got number 2/],
    [
      'a negative count',
      (j) => ({ ...j, minutes: { ...(j.minutes as object), good: [-1], bad: [0] } }),
      /minutes\[0\]/,
    ],
    [
      'a string count',
      (j) => ({ ...j, hours: { ...(j.hours as object), good: ['1'], bad: [0] } }),
      /hours\[0\]/,
    ],
    [
      'arrays of different lengths',
      (j) => ({ ...j, minutes: { ...(j.minutes as object), good: [1, 2], bad: [1] } }),
      /same length/,
    ],
    [
      'another bucket size',
      (j) => ({ ...j, minutes: { ...(j.minutes as object), bucketMs: 1000 } }),
      /minutes.bucketMs/,
    ],
    [
      'a fractional last index',
      (j) => ({ ...j, hours: { ...(j.hours as object), last: 1.5 } }),
      /hours.last/,
    ],
    [
      'counts without a last bucket',
      (j) => ({ ...j, hours: { ...(j.hours as object), last: null } }),
      /without a "last"/,
    ],
    ['a missing ring', (j) => ({ ...j, hours: undefined }), /hours: expected an object/],
    ['a bad sinceMs', (j) => ({ ...j, sinceMs: 'yesterday' }), /sinceMs/],
    ['a bad dropped', (j) => ({ ...j, dropped: -3 }), /dropped/],
    ['a bad period', (j) => ({ ...j, periodMs: 0 }), /periodMs/],
  ])('rejects %s with SLOKIT_E_WINDOWS_STATE', (_, corrupt, message) => {
    const error = thrown(() => SliWindows.fromJSON(corrupt(valid()), P28));
    expect(error.code).toBe('SLOKIT_E_WINDOWS_STATE');
    expect(error.message).toMatch(message);
  });

  it('accepts the fixture it documents', () => {
    const json: SliWindowsJson = {
      format: 'slokit.sli-windows',
      version: 1,
      periodMs: P28,
      sinceMs: T0,
      dropped: 0,
      minutes: { bucketMs: MINUTE, last: T0 / MINUTE, good: [5], bad: [1] },
      hours: { bucketMs: HOUR, last: T0 / HOUR, good: [5], bad: [1] },
    };
    const w = SliWindows.fromJSON(json, P28);
    expect(w.counts(5 * MINUTE, T0 + MINUTE)).toEqual({ good: 5, bad: 1 });
    expect(w.observedMs(T0 + HOUR)).toBe(HOUR);
  });
});

describe('SliWindows.series', () => {
  it('gives the counts of each bucket between two times, oldest first, as counts() sums them', () => {
    const w = new SliWindows(P28);
    w.add(T0 - 2 * MINUTE, 3, 0); // 11:58
    w.add(T0 - 2 * MINUTE + 59_000, 0, 1); // 11:58:59
    w.add(T0, 5, 2); // 12:00
    w.add(T0 + 30_000, 1, 0); // 12:00:30
    const series = w.series(MINUTE, T0 - 3 * MINUTE, T0 + 30_000);
    expect(series).toEqual({
      bucketMs: MINUTE,
      startMs: T0 - 3 * MINUTE,
      good: [0, 3, 0, 6],
      bad: [0, 1, 0, 2],
    });
    expect(w.counts(4 * MINUTE, T0 + 30_000)).toEqual({ good: 9, bad: 3 });
    expect(w.series(HOUR, T0 - HOUR, T0)).toEqual({
      bucketMs: HOUR,
      startMs: T0 - HOUR,
      good: [3, 6],
      bad: [1, 2],
    });
  });

  it('returns only the buckets a ring still holds, and nothing before the first event', () => {
    const w = new SliWindows(P28);
    expect(w.series(MINUTE, T0, T0 + MINUTE)).toEqual({ bucketMs: MINUTE, startMs: T0, good: [], bad: [] });
    w.add(T0, 1, 0);
    w.add(T0 + 4 * DAY, 0, 1); // the minute ring (3 days) has moved past T0; the hour ring has not
    const minutes = w.series(MINUTE, T0, T0 + 4 * DAY);
    expect(minutes.startMs).toBe(T0 + 4 * DAY - (MINUTE_BUCKETS - 1) * MINUTE);
    expect(minutes.good.length).toBe(MINUTE_BUCKETS);
    expect(minutes.good.reduce((a, b) => a + b, 0)).toBe(0);
    const hours = w.series(HOUR, T0, T0 + 4 * DAY);
    expect(hours.good.length).toBe(4 * 24 + 1);
    expect([hours.good[0], hours.bad.at(-1)]).toEqual([1, 1]);
  });

  it('rejects a bucket width the windows do not keep, with SLOKIT_E_BUDGET_WINDOW', () => {
    const w = new SliWindows(P28);
    expect(thrown(() => w.series(5 * MINUTE, T0, T0)).code).toBe('SLOKIT_E_BUDGET_WINDOW');
    expect(thrown(() => w.series(MINUTE, Number.NaN, T0)).code).toBe('SLOKIT_E_BUDGET_WINDOW');
  });
});
