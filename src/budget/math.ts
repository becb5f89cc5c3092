/**
 * Error-budget arithmetic: error budget, burn rate, budget remaining, time to exhaustion and budget
 * minutes. Pure functions over counts; no clock, no I/O.
 *
 * Sources:
 * - Google, "The Site Reliability Workbook", chapter 2 "Implementing SLOs" (the error budget is
 *   `1 − objective` of the eligible events in the period) and chapter 5 "Alerting on SLOs"
 *   (burn rate: "how fast, relative to the SLO, the service consumes the error budget"; a burn rate
 *   of 1 spends exactly the whole budget over the period, and table 5-4 "Burn rates and time to
 *   complete budget exhaustion": 1000× exhausts a 30-day budget in 43 minutes).
 * - slokit's DESIGN.md, "The math".
 *
 * With objective T, budget B = 1 − T and period P:
 *
 *     BR(W)                 = (bad(W) / eligible(W)) / B
 *     budget remaining      = 1 − (bad(P) / eligible(P)) / B           (a ratio; negative once overspent)
 *     remaining events      = B × eligible(P) − bad(P)
 *     time to exhaustion    = remaining × P / BR
 *     budget minutes        = B × P / 1 min
 */

const MINUTE_MS = 60_000;

/**
 * The error budget `B = 1 − objective`, as the decimal that was meant: `1 − 0.999` is
 * `0.0010000000000000009` in binary floating point; rounding to 15 decimal places (far below any
 * objective anyone writes) gives back `0.001`.
 *
 * @example
 * errorBudget(0.999); // 0.001
 */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toFixed(15));
}

/**
 * Burn rate: the observed bad ratio divided by the error budget (SRE Workbook ch. 5).
 * 1 spends exactly the period's budget over the period; 14.4 spends a 30-day budget in 50 hours.
 * Returns 0 when nothing was eligible: no events, no burn.
 *
 * Step by step: the bad ratio is `bad / eligible`; the budget allows a bad ratio of `B = 1 − objective`;
 * their quotient says how many times faster than allowed the budget is being spent.
 *
 * @example
 * burnRate(15, 100, 0.999); // 150 (15% errors against a 0.1% budget)
 * burnRate(0, 0, 0.999); // 0
 */
export function burnRate(bad: number, eligible: number, objective: number): number {
  if (!(eligible > 0)) return 0;
  return bad / eligible / errorBudget(objective);
}

/**
 * The share of the period's error budget that is left, `1 − (bad / eligible) / B`: 1 when nothing has
 * gone wrong (or nothing was eligible), 0 when the budget is exactly spent, negative when overspent
 * (−1 means spent twice over).
 *
 * Note that this is the burn rate over the whole period subtracted from 1: a period burned at rate 1
 * leaves nothing.
 *
 * @example
 * budgetRemaining(5, 10_000, 0.999); // 0.5: 5 of the 10 allowed bad events are spent
 */
export function budgetRemaining(bad: number, eligible: number, objective: number): number {
  return 1 - burnRate(bad, eligible, objective);
}

/**
 * The budget left, in events: the bad events the period still allows, `B × eligible − bad`.
 * Negative when overspent. With no eligible events it is `−bad`, i.e. 0 for an empty window.
 *
 * @example
 * budgetRemainingEvents(5, 10_000, 0.999); // 5: 10 allowed, 5 spent
 */
export function budgetRemainingEvents(bad: number, eligible: number, objective: number): number {
  return errorBudget(objective) * eligible - bad;
}

/**
 * How long until the budget is gone if the current burn rate holds: `remaining × P / BR`.
 *
 * Step by step: at burn rate BR the whole budget of a period P lasts `P / BR`; the `remaining` share of
 * it lasts `remaining × P / BR`. At 1000× a full 30-day budget lasts 30 d / 1000 = 43.2 minutes (SRE
 * Workbook, table 5-4: "43 minutes"). This is the usual linear projection: it ignores bad events
 * leaving the rolling window, so it is a lower bound when old bad events are about to age out.
 *
 * @param remainingRatio - the share of the budget left, from {@link budgetRemaining}.
 * @param periodMs - the SLI's period in milliseconds.
 * @param rate - the current burn rate.
 * @returns milliseconds; `0` when the budget is already spent (`remainingRatio ≤ 0`, whatever the burn
 *   rate); `null` when nothing is burning (`rate ≤ 0`), since the budget then never runs out.
 * @example
 * timeToExhaustionMs(1, 30 * 86_400_000, 1000); // 2_592_000 ms = 43.2 min
 */
export function timeToExhaustionMs(remainingRatio: number, periodMs: number, rate: number): number | null {
  if (remainingRatio <= 0) return 0;
  if (!(rate > 0)) return null;
  return (remainingRatio * periodMs) / rate;
}

/**
 * The error budget as time: the minutes of total outage the objective allows over the period,
 * `B × P / 1 min`. 99.9% over 30 days allows 43.2 minutes; over 28 days, 40.32 minutes.
 *
 * @example
 * budgetMinutes(0.999, 30 * 86_400_000); // 43.2
 */
export function budgetMinutes(objective: number, periodMs: number): number {
  return (errorBudget(objective) * periodMs) / MINUTE_MS;
}
