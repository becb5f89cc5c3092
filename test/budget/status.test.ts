import { describe, expect, it } from 'vitest';
import { AlertTracker, evaluateBurn } from '../../src/budget/alerts.js';
import { computeStatus } from '../../src/budget/status.js';
import type { SliStatus } from '../../src/budget/status.js';
import { SliWindows } from '../../src/budget/windows.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const P28 = 28 * DAY;
const T0 = Date.UTC(2025, 0, 1);
const sli = { name: 'checkout', objective: 0.999, window: '28d', windowMs: P28 };

describe('computeStatus', () => {
  it('describes an instance that has seen nothing', () => {
    const status = computeStatus(sli, new SliWindows(P28), T0);
    expect(status).toEqual({
      name: 'checkout',
      scope: 'instance',
      objective: 0.999,
      window: '28d',
      windowMs: P28,
      at: T0,
      observedMs: 0,
      observedRatio: 0,
      good: 0,
      bad: 0,
      eligible: 0,
      compliance: null,
      budgetRemaining: 1,
      budgetRemainingEvents: 0,
      burnRates: { '5m': null, '30m': null, '1h': null, '2h': null, '6h': null, '1d': null, '3d': null },
      alerts: {
        page: { state: 'ok', windows: null, burnRate: null, factor: null, since: null, conditionMet: false },
        ticket: {
          state: 'ok',
          windows: null,
          burnRate: null,
          factor: null,
          since: null,
          conditionMet: false,
        },
        minEvents: 100,
        tiers: expect.any(Array),
      },
      timeToExhaustionMs: null,
      exhaustionWindow: '1h',
      dropped: 0,
    } satisfies Record<keyof SliStatus, unknown>);
  });

  it('counts the period from hours and the burn rates from minutes', () => {
    // 10 days: 1000 events a minute; 1 bad every other minute (0.05%, burn 0.5) except the last
    // hour, which has 2 bad a minute (0.2%, burn 2).
    const w = new SliWindows(P28);
    const minutes = 10 * 24 * 60;
    let bad = 0;
    for (let m = 0; m < minutes; m++) {
      const b = m >= minutes - 60 ? 2 : m % 2;
      bad += b;
      w.add(T0 + m * MINUTE, 1000 - b, b);
    }
    const now = T0 + minutes * MINUTE - 1;
    const s = computeStatus(sli, w, now);
    expect(s.observedMs).toBe(10 * DAY - 1);
    expect(s.observedRatio).toBeCloseTo((10 * DAY - 1) / P28, 12);
    expect(s.eligible).toBe(minutes * 1000);
    expect(s.bad).toBe(bad);
    expect(bad).toBe((minutes - 60) / 2 + 120);
    expect(s.compliance).toBeCloseTo(1 - bad / (minutes * 1000), 12);
    // remaining = 1 − (bad / eligible) / 0.001
    const remaining = 1 - bad / (minutes * 1000) / 0.001;
    expect(s.budgetRemaining).toBeCloseTo(remaining, 12);
    expect(s.budgetRemainingEvents).toBeCloseTo(0.001 * minutes * 1000 - bad, 6);
    expect(s.burnRates['5m']).toBeCloseTo(2, 9);
    expect(s.burnRates['1h']).toBeCloseTo(2, 9);
    // 2h: 60 minutes at 2 bad + 60 at 1 every other minute (30 bad) = 150 of 120,000
    expect(s.burnRates['2h']).toBeCloseTo(150 / 120_000 / 0.001, 9);
    expect(s.burnRates['3d']).toBeCloseTo(((4320 - 60) / 2 + 120) / 4_320_000 / 0.001, 9);
    // Time to exhaustion: remaining × 28 d / BR(1h) = remaining × 14 d.
    expect(s.timeToExhaustionMs!).toBeCloseTo((remaining * P28) / 2, 0);
    expect(s.alerts.page.state).toBe('ok');
    expect(s.alerts.ticket.state).toBe('ok');
  });

  it('is plain JSON', () => {
    const w = new SliWindows(P28);
    for (let m = 0; m < 90; m++) w.add(T0 + m * MINUTE, 900, 100);
    const s = computeStatus(sli, w, T0 + 89 * MINUTE);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.alerts.page).toMatchObject({
      state: 'firing',
      windows: '1h/5m',
      since: null,
      conditionMet: true,
    });
  });

  it('shows the held alert during the resolve hold, with the raw condition beside it', () => {
    const w = new SliWindows(P28);
    const tracker = new AlertTracker();
    for (let m = 0; m < 60; m++) {
      w.add(T0 + m * MINUTE, 900, 100); // 10% errors: 100×
      tracker.update(sli.name, evaluateBurn(w, sli.objective, P28, T0 + m * MINUTE));
    }
    // Then 30 clean minutes. The 1h/5m tier clears at minute 64; the 6h/30m tier (factor 5.6 for 28 d)
    // at minute 88, when its 30m window holds one bad minute of 30: 100 / 30,000 / 0.001 = 3.3×.
    // At minute 89 the condition has been false for 1 minute: the alert is still in its 5-minute hold.
    let at = 0;
    for (let m = 60; m < 90; m++) {
      at = T0 + m * MINUTE;
      w.add(at, 1000, 0);
      tracker.update(sli.name, evaluateBurn(w, sli.objective, P28, at));
    }
    const evaluation = evaluateBurn(w, sli.objective, P28, at);
    const s = computeStatus(sli, w, at, { alerts: tracker.state(sli.name), evaluation });
    expect(s.alerts.page).toEqual({
      state: 'firing',
      windows: '6h/30m',
      burnRate: expect.closeTo(6000 / 90_000 / 0.001, 9),
      factor: expect.closeTo(5.6, 12),
      since: T0,
      conditionMet: false,
    });
  });

  it('projects exhaustion over a chosen window', () => {
    const w = new SliWindows(P28);
    for (let m = 0; m < 120; m++) w.add(T0 + m * MINUTE, 1000, m < 60 ? 1 : 0);
    const now = T0 + 119 * MINUTE;
    const s = computeStatus(sli, w, now, { exhaustionWindowMs: 2 * HOUR });
    // 60 bad of 120,060 eligible; 2h burn rate = 60 / 120,060 / 0.001
    const rate = 60 / 120_060 / 0.001;
    expect(s.exhaustionWindow).toBe('2h');
    expect(s.timeToExhaustionMs!).toBeCloseTo(((1 - rate) * P28) / rate, 0);
    expect(computeStatus(sli, w, now).timeToExhaustionMs).toBeNull(); // the last hour was clean
  });
});
