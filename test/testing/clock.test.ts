import { describe, expect, it } from 'vitest';
import { createFakeClock, FAKE_CLOCK_START_MS } from 'slokit/testing';
import type { Clock } from '../../src/budget/clock.js';
import { systemClock } from '../../src/budget/clock.js';
import { thrown } from '../sli/support.js';

describe('createFakeClock', () => {
  it('starts at 2025-01-01T00:00:00Z by default and stands still', () => {
    const clock = createFakeClock();
    expect(FAKE_CLOCK_START_MS).toBe(Date.parse('2025-01-01T00:00:00.000Z'));
    expect(clock.now()).toBe(FAKE_CLOCK_START_MS);
    expect(clock.now()).toBe(FAKE_CLOCK_START_MS);
  });

  it('advances and sets', () => {
    const clock = createFakeClock(1_000);
    clock.advance(90 * 60_000);
    expect(clock.now()).toBe(1_000 + 5_400_000);
    clock.advance(0);
    expect(clock.now()).toBe(5_401_000);
    clock.set(500); // backwards, to test clock jumps
    expect(clock.now()).toBe(500);
  });

  it('is a Clock', () => {
    const clock: Clock = createFakeClock(42);
    expect(clock.now()).toBe(42);
  });

  it.each([
    [() => createFakeClock(Number.NaN), /createFakeClock\(startMs\): expected a time/],
    [() => createFakeClock(0).advance(-1), /clock.advance: expected milliseconds ≥ 0/],
    [() => createFakeClock(0).advance(Number.POSITIVE_INFINITY), /clock.advance/],
    [() => createFakeClock(0).set(Number.NaN), /clock.set/],
  ])('rejects invalid times with SLOKIT_E_TEST_INPUT (%#)', (fn, message) => {
    const error = thrown(fn);
    expect(error.code).toBe('SLOKIT_E_TEST_INPUT');
    expect(error.message).toMatch(message);
  });
});

describe('systemClock', () => {
  it('reads Date.now()', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(Object.isFrozen(systemClock)).toBe(true);
  });
});
