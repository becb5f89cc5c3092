/**
 * The clock slokit reads time from. Injectable so that budgets, windows and alerts can be tested
 * with a fake clock (`createFakeClock` in `slokit/testing`) that plays hours in milliseconds.
 */

/** A source of the current time in epoch milliseconds. */
export interface Clock {
  /** The current time, in milliseconds since the Unix epoch. */
  now(): number;
}

/**
 * The real clock: `Date.now()` (wall-clock time, as the windows bucket by epoch minutes and hours).
 *
 * @example
 * systemClock.now(); // e.g. 1735689600000
 */
export const systemClock: Clock = Object.freeze({ now: (): number => Date.now() });
