import type { Clock } from '../budget/clock.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';

/** A clock for tests: it stands still until told to move. */
export interface FakeClock extends Clock {
  /** The fake current time (epoch ms). */
  now(): number;
  /** Moves the clock forward by `ms` (≥ 0). */
  advance(ms: number): void;
  /** Sets the clock to `ms`, forwards or backwards (to test clock jumps). */
  set(ms: number): void;
}

/** Where a fake clock starts by default: 2025-01-01T00:00:00.000Z, on a minute, hour and day boundary. */
export const FAKE_CLOCK_START_MS = Date.UTC(2025, 0, 1);

/**
 * Creates a fake clock for the kit's `clock` option, `SliWindows` and the traffic driver.
 *
 * @param startMs - the initial time, epoch ms. Default {@link FAKE_CLOCK_START_MS}.
 * @throws SlokitError `SLOKIT_E_TEST_INPUT` when a time is not finite or `advance` is negative.
 * @example
 * const clock = createFakeClock();
 * clock.advance(90 * 60_000); // an hour and a half later
 * clock.now(); // 1735695000000
 */
export function createFakeClock(startMs: number = FAKE_CLOCK_START_MS): FakeClock {
  let current = checkTime(startMs, 'createFakeClock(startMs)');
  return {
    now: () => current,
    advance(ms: number): void {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new SlokitDefinitionError(
          'SLOKIT_E_TEST_INPUT',
          `clock.advance: expected milliseconds ≥ 0 (use set() to go back); got ${describeValue(ms)}`,
        );
      }
      current += ms;
    },
    set(ms: number): void {
      current = checkTime(ms, 'clock.set');
    },
  };
}

function checkTime(ms: number, field: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_TEST_INPUT',
      `${field}: expected a time in epoch milliseconds; got ${describeValue(ms)}`,
    );
  }
  return ms;
}
