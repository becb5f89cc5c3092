import { describe, expect, it } from 'vitest';
import { WORKBOOK_TIERS } from '../../src/budget/alert-table.js';
import {
  AlertTracker,
  DEFAULT_MIN_EVENTS,
  DEFAULT_RESOLVE_HOLD_MS,
  evaluateBurn,
  windowPair,
} from '../../src/budget/alerts.js';
import type { BurnEvaluation, BurnTransition } from '../../src/budget/alerts.js';
import { SliWindows } from '../../src/budget/windows.js';
import { thrown } from '../sli/support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const P30 = 30 * DAY;
const P28 = 28 * DAY;
const T0 = Date.UTC(2025, 0, 1);

/** Windows holding `minutes` minutes of `perMinute` events with `badPerMinute` bad ones, ending at the returned time. */
function steady(
  minutes: number,
  perMinute: number,
  badPerMinute: number,
  period = P30,
): [SliWindows, number] {
  const w = new SliWindows(period);
  for (let m = 0; m < minutes; m++) w.add(T0 + m * MINUTE, perMinute - badPerMinute, badPerMinute);
  return [w, T0 + (minutes - 1) * MINUTE];
}

describe('evaluateBurn', () => {
  it('names the window pairs as the rules do', () => {
    expect(WORKBOOK_TIERS.map(windowPair)).toEqual(['1h/5m', '6h/30m', '1d/2h', '3d/6h']);
  });

  it('fires nothing on empty windows', () => {
    const e = evaluateBurn(new SliWindows(P30), 0.999, P30, T0);
    expect(e.page).toEqual({ firing: false, windows: null, burnRate: null, factor: null });
    expect(e.ticket.firing).toBe(false);
    expect(e.tiers.map((t) => [t.longBurnRate, t.shortBurnRate, t.eligible])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(e.minEvents).toBe(DEFAULT_MIN_EVENTS);
  });

  it('pages on a 2% error ratio (20×) and reports the fastest firing pair', () => {
    // An hour of 1000 events a minute, 20 bad: a 2% error ratio, burn rate 0.02 / 0.001 = 20 in every window.
    const [w, now] = steady(60, 1000, 20);
    const e = evaluateBurn(w, 0.999, P30, now);
    for (const tier of e.tiers) {
      expect(tier.longBurnRate).toBeCloseTo(20, 9);
      expect(tier.shortBurnRate).toBeCloseTo(20, 9);
      expect(tier.eligible).toBe(60_000);
      expect(tier.firing).toBe(true);
    }
    expect(e.page.windows).toBe('1h/5m');
    expect(e.page.factor).toBeCloseTo(14.4, 12);
    expect(e.page.burnRate).toBeCloseTo(20, 9);
    expect(e.ticket.windows).toBe('1d/2h');
  });

  it('does not page at half the fast-burn factor (7.2×) but still fires the slower 6× tier', () => {
    const [w, now] = steady(60, 10_000, 72); // 0.72% errors: 7.2×
    const e = evaluateBurn(w, 0.999, P30, now);
    expect(e.tiers.map((t) => t.firing)).toEqual([false, true, true, true]);
    expect(e.page.windows).toBe('6h/30m');
  });

  it('needs both windows: a burn that stopped 5 minutes ago no longer fires the 1h/5m tier', () => {
    const w = new SliWindows(P30);
    for (let m = 0; m < 55; m++) w.add(T0 + m * MINUTE, 900, 100);
    for (let m = 55; m < 60; m++) w.add(T0 + m * MINUTE, 1000, 0);
    const e = evaluateBurn(w, 0.999, P30, T0 + 59 * MINUTE);
    const [fast] = e.tiers;
    expect(fast!.longBurnRate).toBeCloseTo(5500 / 60_000 / 0.001, 9); // 91.7
    expect(fast!.shortBurnRate).toBe(0);
    expect(fast!.firing).toBe(false);
  });

  it('uses the factors of the period: 13.44 for 28 days', () => {
    // 1.4% errors: 14× — above 13.44 (28 d) but below 14.4 (30 d).
    const [w28, now] = steady(60, 1000, 14, P28);
    expect(evaluateBurn(w28, 0.999, P28, now).tiers[0]!.firing).toBe(true);
    expect(evaluateBurn(w28, 0.999, P30, now).tiers[0]!.firing).toBe(false);
    expect(evaluateBurn(w28, 0.999, P28, now).tiers[0]!.factor).toBeCloseTo(13.44, 12);
  });

  it('guards low traffic: no tier fires with fewer than minEvents eligible events in its long window', () => {
    const w = new SliWindows(P30);
    w.add(T0, 49, 50); // 99 events, half of them bad
    expect(evaluateBurn(w, 0.999, P30, T0).page.firing).toBe(false);
    expect(evaluateBurn(w, 0.999, P30, T0).tiers[0]!.eligible).toBe(99);
    w.add(T0, 1, 0); // the 100th
    expect(evaluateBurn(w, 0.999, P30, T0).page.firing).toBe(true);
    expect(evaluateBurn(w, 0.999, P30, T0, { minEvents: 101 }).page.firing).toBe(false);
    expect(evaluateBurn(w, 0.999, P30, T0, { minEvents: 0 }).page.firing).toBe(true);
  });

  it('marks tiers an objective makes impossible, and never fires them', () => {
    // At 90% the 14.4× tier needs a 144% error ratio; 100% errors burn at 10×.
    const [w, now] = steady(60, 1000, 1000);
    const e = evaluateBurn(w, 0.9, P30, now);
    expect(e.tiers.map((t) => t.canFire)).toEqual([false, true, true, true]);
    expect(e.tiers[0]!.longBurnRate).toBeCloseTo(10, 12);
    expect(e.tiers.map((t) => t.firing)).toEqual([false, true, true, true]);
  });

  it('evaluates custom tiers', () => {
    const [w, now] = steady(60, 1000, 20);
    const e = evaluateBurn(w, 0.999, P30, now, {
      tiers: [{ severity: 'ticket', budgetShare: 0.5, longMs: HOUR, shortMs: 5 * MINUTE }],
    });
    expect(e.tiers).toHaveLength(1);
    expect(e.tiers[0]!.factor).toBeCloseTo(360, 9);
    expect(e.page.firing).toBe(false);
    expect(e.ticket.firing).toBe(false);
  });

  it('is pure given the time: the same windows and time give the same result', () => {
    const [w, now] = steady(90, 1000, 20);
    expect(evaluateBurn(w, 0.999, P30, now)).toEqual(evaluateBurn(w, 0.999, P30, now));
  });

  it.each([
    [{ minEvents: -1 }, /minEvents/],
    [{ minEvents: Number.NaN }, /minEvents/],
    [{ tiers: [] }, /non-empty/],
    [{ tiers: [{ severity: 'page', budgetShare: 0, longMs: HOUR, shortMs: MINUTE }] }, /tiers\[0\]/],
    [{ tiers: [{ severity: 'page', budgetShare: 0.1, longMs: MINUTE, shortMs: HOUR }] }, /tiers\[0\]/],
    [{ tiers: [{ severity: 'sms', budgetShare: 0.1, longMs: HOUR, shortMs: MINUTE }] }, /tiers\[0\]/],
  ])('rejects invalid options %# with SLOKIT_E_ALERT_OPTION', (options, message) => {
    const error = thrown(() => evaluateBurn(new SliWindows(P30), 0.999, P30, T0, options as never));
    expect(error.code).toBe('SLOKIT_E_ALERT_OPTION');
    expect(error.message).toMatch(message);
  });
});

/** A hand-made evaluation: only `atMs`, `page` and `ticket` matter to the tracker. */
function evaluation(atMs: number, page: string | null, ticket: string | null = null): BurnEvaluation {
  const severity = (windows: string | null) =>
    windows === null
      ? { firing: false, windows: null, burnRate: null, factor: null }
      : { firing: true, windows, burnRate: 20, factor: 14.4 };
  return {
    atMs,
    objective: 0.999,
    periodMs: P30,
    minEvents: 100,
    tiers: [],
    page: severity(page),
    ticket: severity(ticket),
  };
}

describe('AlertTracker', () => {
  it('holds for 5 minutes by default', () => {
    expect(new AlertTracker().resolveHoldMs).toBe(DEFAULT_RESOLVE_HOLD_MS);
    expect(DEFAULT_RESOLVE_HOLD_MS).toBe(5 * MINUTE);
  });

  it('fires once, and resolves once the condition has been false for the hold', () => {
    const tracker = new AlertTracker({ resolveHoldMs: 5 * MINUTE });
    const at = (m: number) => T0 + m * MINUTE;
    expect(tracker.update('api', evaluation(at(0), null))).toEqual([]);
    expect(tracker.update('api', evaluation(at(1), '1h/5m'))).toEqual([
      {
        sli: 'api',
        severity: 'page',
        state: 'firing',
        windows: '1h/5m',
        burnRate: 20,
        factor: 14.4,
        at: at(1),
        since: at(1),
      },
    ]);
    expect(tracker.update('api', evaluation(at(2), '6h/30m'))).toEqual([]);
    expect(tracker.state('api').page).toEqual({
      firing: true,
      windows: '6h/30m',
      factor: 14.4,
      since: at(1),
      clearSince: null,
    });
    expect(tracker.update('api', evaluation(at(3), null))).toEqual([]); // clear since minute 3
    expect(tracker.state('api').page.clearSince).toBe(at(3));
    expect(tracker.update('api', evaluation(at(7), null))).toEqual([]); // 4 min clear
    expect(tracker.update('api', evaluation(at(7) + MINUTE - 1, null))).toEqual([]); // 4:59.999
    expect(tracker.update('api', evaluation(at(8), null))).toEqual([
      {
        sli: 'api',
        severity: 'page',
        state: 'resolved',
        windows: '6h/30m',
        burnRate: 0,
        factor: 14.4,
        at: at(8),
        since: at(1),
      },
    ]);
    expect(tracker.state('api').page.firing).toBe(false);
    expect(tracker.update('api', evaluation(at(9), null))).toEqual([]);
  });

  it('cancels the hold when the condition returns', () => {
    const tracker = new AlertTracker({ resolveHoldMs: 5 * MINUTE });
    const at = (m: number) => T0 + m * MINUTE;
    tracker.update('api', evaluation(at(0), '1h/5m'));
    tracker.update('api', evaluation(at(1), null));
    tracker.update('api', evaluation(at(4), '1h/5m'));
    expect(tracker.update('api', evaluation(at(6), null))).toEqual([]); // 5 min after the first clear, but not after the last
    expect(tracker.update('api', evaluation(at(10), null))).toEqual([]);
    expect(tracker.update('api', evaluation(at(11), null)).map((t) => t.state)).toEqual(['resolved']);
  });

  it('tracks page and ticket, and each SLI, apart', () => {
    const tracker = new AlertTracker({ resolveHoldMs: 0 });
    expect(
      tracker.update('a', evaluation(T0, '1h/5m', '1d/2h')).map((t) => `${t.severity}:${t.state}`),
    ).toEqual(['page:firing', 'ticket:firing']);
    expect(tracker.update('b', evaluation(T0, null, '3d/6h')).map((t) => `${t.sli}:${t.severity}`)).toEqual([
      'b:ticket',
    ]);
    expect(
      tracker.update('a', evaluation(T0 + MINUTE, null, '1d/2h')).map((t) => `${t.severity}:${t.state}`),
    ).toEqual(['page:resolved']);
    expect(tracker.state('a').ticket.firing).toBe(true);
    expect(tracker.state('b').page.firing).toBe(false);
    tracker.forget('a');
    expect(tracker.state('a').ticket.firing).toBe(false);
  });

  it('rejects an invalid hold', () => {
    expect(thrown(() => new AlertTracker({ resolveHoldMs: -1 })).code).toBe('SLOKIT_E_ALERT_OPTION');
  });

  describe('a burn rate oscillating around the factor', () => {
    // 1000 events a minute at 99.9% over 30 days, only the 1h/5m page tier (factor 14.4). Bad events per
    // minute alternate 15, 14, 15, 14, ... from minute 0 to 19, then 0.
    //
    // 5m window (this minute and the 4 before) at minute m ≥ 4: five alternating minutes,
    //   m even: 15+14+15+14+15 = 73 bad of 5000 → 0.0146 / 0.001 = 14.6 > 14.4
    //   m odd:  14+15+14+15+14 = 72 bad of 5000 → 14.4, not above 14.4
    // and for m < 4 the observed minutes only: 15/1000 → 15, 29/2000 → 14.5, 44/3000 → 14.67, 58/4000 → 14.5.
    // 1h window (everything observed): between 14.5 and 15 while the errors last.
    // So the condition holds at minutes 0–4, 6, 8, ..., 18 and fails at 5, 7, ..., 17 and from 19 on
    // (minute 19: 14+15+14+15+14 = 72 → 14.4; minute 20: 15+14+15+14+0 = 58 → 11.6).
    const tiers = [WORKBOOK_TIERS[0]!];
    function play(tracker: AlertTracker): { state: string; minute: number; windows: string }[] {
      const w = new SliWindows(P30);
      const out: BurnTransition[] = [];
      for (let m = 0; m < 40; m++) {
        const bad = m < 20 ? (m % 2 === 0 ? 15 : 14) : 0;
        const at = T0 + m * MINUTE;
        w.add(at, 1000 - bad, bad);
        out.push(...tracker.update('api', evaluateBurn(w, 0.999, P30, at, { tiers })));
      }
      return out.map((t) => ({ state: t.state, minute: (t.at - T0) / MINUTE, windows: t.windows }));
    }

    it('pages once and resolves once with the 5-minute hold', () => {
      // Fires at minute 0; every false minute up to 17 is followed by a true one within the hold;
      // false from minute 19 on: resolved at 19 + 5 = 24.
      expect(play(new AlertTracker())).toEqual([
        { state: 'firing', minute: 0, windows: '1h/5m' },
        { state: 'resolved', minute: 24, windows: '1h/5m' },
      ]);
    });

    it('would flap without it', () => {
      const transitions = play(new AlertTracker({ resolveHoldMs: 0 }));
      expect(transitions.map((t) => `${t.state[0]}${t.minute}`)).toEqual([
        'f0',
        'r5',
        'f6',
        'r7',
        'f8',
        'r9',
        'f10',
        'r11',
        'f12',
        'r13',
        'f14',
        'r15',
        'f16',
        'r17',
        'f18',
        'r19',
      ]);
    });
  });
});
