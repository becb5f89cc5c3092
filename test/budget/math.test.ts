import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertTable,
  budgetMinutes,
  budgetRemaining,
  budgetRemainingEvents,
  burnRate,
  errorBudget,
  timeToExhaustionMs,
} from 'slokit';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('published figures (SRE Workbook, ch. 5 "Alerting on SLOs")', () => {
  it('gives the factors 14.4 / 6 / 3 / 1 for a 30-day period (table 5-8)', () => {
    const factors = alertTable(30 * DAY).map((t) => t.factor);
    expect(factors).toHaveLength(4);
    [14.4, 6, 3, 1].forEach((f, i) => expect(factors[i]).toBeCloseTo(f, 10));
  });

  it('gives 13.44 / 5.6 / 2.8 / 0.933 for a 28-day period', () => {
    const factors = alertTable(28 * DAY).map((t) => t.factor);
    [13.44, 5.6, 2.8, 0.9333].forEach((f, i) => expect(factors[i]).toBeCloseTo(f, 4));
    expect(factors[3]).toBeCloseTo(28 / 30, 12);
  });

  it('exhausts a full 30-day budget at 1000× in 43.2 minutes (table 5-4: "43 minutes")', () => {
    const ms = timeToExhaustionMs(1, 30 * DAY, 1000)!;
    expect(ms / MINUTE).toBeCloseTo(43.2, 10);
    expect(Math.round(ms / MINUTE)).toBe(43);
  });

  it('exhausts it in 50 hours at the 14.4× page threshold, and in 30 days at 1×', () => {
    expect(timeToExhaustionMs(1, 30 * DAY, 14.4)! / HOUR).toBeCloseTo(50, 10);
    expect(timeToExhaustionMs(1, 30 * DAY, 1)).toBe(30 * DAY);
  });

  it('allows 43.2 budget minutes for 99.9% over 30 days, 40.32 over 28 days', () => {
    expect(budgetMinutes(0.999, 30 * DAY)).toBeCloseTo(43.2, 10);
    expect(budgetMinutes(0.999, 28 * DAY)).toBeCloseTo(40.32, 10);
    expect(budgetMinutes(0.9999, 30 * DAY)).toBeCloseTo(4.32, 10);
  });
});

describe('errorBudget', () => {
  it('is 1 − objective as the decimal meant, without binary noise', () => {
    expect(1 - 0.999).not.toBe(0.001);
    expect(errorBudget(0.999)).toBe(0.001);
    expect(errorBudget(0.9)).toBe(0.1);
    expect(errorBudget(0.99999)).toBe(0.00001);
  });
});

describe('burnRate', () => {
  it('is the bad ratio over the budget', () => {
    expect(burnRate(15, 100, 0.999)).toBeCloseTo(150, 10);
    expect(burnRate(1, 1000, 0.999)).toBeCloseTo(1, 10);
    expect(burnRate(0, 1000, 0.999)).toBe(0);
    expect(burnRate(10, 10, 0.9)).toBeCloseTo(10, 10);
  });

  it('is 0 when nothing was eligible', () => {
    expect(burnRate(0, 0, 0.999)).toBe(0);
  });
});

describe('budgetRemaining and budgetRemainingEvents', () => {
  it('is 1 with no bad events or no events at all', () => {
    expect(budgetRemaining(0, 10_000, 0.999)).toBe(1);
    expect(budgetRemaining(0, 0, 0.999)).toBe(1);
    expect(budgetRemainingEvents(0, 0, 0.999)).toBe(0);
  });

  it('counts the budget left as a ratio and in events', () => {
    // 10,000 eligible at 99.9% allow 10 bad events; 5 spent leave half.
    expect(budgetRemaining(5, 10_000, 0.999)).toBeCloseTo(0.5, 12);
    expect(budgetRemainingEvents(5, 10_000, 0.999)).toBeCloseTo(5, 9);
    expect(budgetRemaining(10, 10_000, 0.999)).toBeCloseTo(0, 12);
  });

  it('goes negative when the budget is overspent', () => {
    expect(budgetRemaining(30, 10_000, 0.999)).toBeCloseTo(-2, 12);
    expect(budgetRemainingEvents(30, 10_000, 0.999)).toBeCloseTo(-20, 9);
  });

  it('is 1 − the burn rate over the period, and agrees with the events form (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0.9, 0.99, 0.995, 0.999, 0.9999),
        (eligible, share, objective) => {
          const bad = Math.floor(eligible * share);
          const ratio = budgetRemaining(bad, eligible, objective);
          expect(ratio).toBeCloseTo(1 - burnRate(bad, eligible, objective), 9);
          // remaining events = remaining ratio × allowed bad events
          const allowed = errorBudget(objective) * eligible;
          expect(budgetRemainingEvents(bad, eligible, objective)).toBeCloseTo(ratio * allowed, 6);
        },
      ),
    );
  });
});

describe('timeToExhaustionMs', () => {
  it('is null when nothing burns', () => {
    expect(timeToExhaustionMs(0.5, 30 * DAY, 0)).toBeNull();
  });

  it('is 0 when the budget is already spent, whatever the burn', () => {
    expect(timeToExhaustionMs(0, 30 * DAY, 5)).toBe(0);
    expect(timeToExhaustionMs(-0.3, 30 * DAY, 5)).toBe(0);
    expect(timeToExhaustionMs(-0.3, 30 * DAY, 0)).toBe(0);
  });

  it('scales with the budget left: half the budget at 2× lasts a quarter of the period', () => {
    expect(timeToExhaustionMs(0.5, 28 * DAY, 2)).toBe(7 * DAY);
  });
});
