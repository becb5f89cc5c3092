/**
 * The multi-window, multi-burn-rate (MWMBR) alert table, derived from an SLI's period.
 *
 * Source: Google, "The Site Reliability Workbook", chapter 5 "Alerting on SLOs", section
 * "6: Multiwindow, Multi-Burn-Rate Alerts" (table 5-8 and the surrounding text). Each tier says
 * "alert when `budgetShare` of the period's error budget would be spent in the `long` window";
 * the burn-rate factor follows from the period P:
 *
 *     factor = budgetShare × P / long
 *
 * e.g. 2% of a 30-day budget in 1 hour: 0.02 × 720 h / 1 h = 14.4. For P = 30 d the four factors are
 * 14.4 / 6 / 3 / 1; for P = 28 d they are 13.44 / 5.6 / 2.8 / 0.933. The short window (1/12 of the
 * long one) makes the alert stop soon after the burn stops; an alert fires only when the burn rate
 * over both windows exceeds the factor.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A tier of the alert table before it is applied to a period. */
export interface BurnTierSpec {
  readonly severity: 'page' | 'ticket';
  /** Share of the period's error budget that this tier alerts on, e.g. 0.02. */
  readonly budgetShare: number;
  /** Long window in milliseconds. */
  readonly longMs: number;
  /** Short window in milliseconds. */
  readonly shortMs: number;
}

/** A tier applied to a period: with its burn-rate factor. */
export interface BurnTier extends BurnTierSpec {
  /** Burn rate above which this tier fires: `budgetShare × period / long`. */
  readonly factor: number;
}

/** The workbook's recommended tiers (table 5-8): two paging, two ticketing. */
export const WORKBOOK_TIERS: readonly BurnTierSpec[] = Object.freeze([
  Object.freeze({ severity: 'page', budgetShare: 0.02, longMs: HOUR, shortMs: 5 * MINUTE }),
  Object.freeze({ severity: 'page', budgetShare: 0.05, longMs: 6 * HOUR, shortMs: 30 * MINUTE }),
  Object.freeze({ severity: 'ticket', budgetShare: 0.1, longMs: DAY, shortMs: 2 * HOUR }),
  Object.freeze({ severity: 'ticket', budgetShare: 0.1, longMs: 3 * DAY, shortMs: 6 * HOUR }),
] as const);

/** The windows slokit reports burn rates for, and records error ratios for in Prometheus. */
export const BURN_RATE_WINDOWS_MS: readonly number[] = Object.freeze([
  5 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  6 * HOUR,
  DAY,
  3 * DAY,
]);

/**
 * Applies the tiers to a period: each tier gets `factor = budgetShare × periodMs / longMs`.
 *
 * @example
 * alertTable(30 * 86_400_000).map((t) => t.factor); // [14.4, 6, 3, 1]
 */
export function alertTable(
  periodMs: number,
  tiers: readonly BurnTierSpec[] = WORKBOOK_TIERS,
): readonly BurnTier[] {
  return tiers.map((tier) => Object.freeze({ ...tier, factor: (tier.budgetShare * periodMs) / tier.longMs }));
}

/**
 * Whether a tier can ever fire for an objective: the error ratio it needs, `factor × (1 − objective)`,
 * must not exceed 1 (100% errors). At 90% over 30 days the 14.4× tier needs a 144% error ratio and
 * can never fire.
 */
export function tierCanFire(tier: BurnTier, objective: number): boolean {
  return tier.factor * (1 - objective) <= 1;
}
