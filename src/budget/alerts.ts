/**
 * Multi-window, multi-burn-rate (MWMBR) alert evaluation over in-process windows, and the tracker
 * that turns successive evaluations into "firing" and "resolved" transitions.
 *
 * Source: Google, "The Site Reliability Workbook", chapter 5 "Alerting on SLOs", approach 6
 * "Multiwindow, Multi-Burn-Rate Alerts" (table 5-8). A tier fires when the burn rate over its long
 * window AND over its short window both exceed its factor (see `alert-table.ts` for the factors).
 * slokit adds a low-traffic guard: a tier needs at least `minEvents` eligible events in its long
 * window (DESIGN.md, "The math"; the workbook's section "Low-traffic services and error budget
 * alerting" explains why a handful of events makes burn rates meaningless).
 */

import { SlokitDefinitionError, describeValue } from '../errors.js';
import type { Finding } from '../explain/types.js';
import { formatDuration } from '../sli/duration.js';
import { WORKBOOK_TIERS, alertTable, tierCanFire } from './alert-table.js';
import type { BurnTierSpec } from './alert-table.js';
import { burnRate } from './math.js';
import type { WindowCounts } from './windows.js';

/**
 * Default low-traffic guard: a tier fires only with at least 100 eligible events in its long window.
 *
 * Why 100: with n events the smallest non-zero error ratio is 1/n, a burn rate of 1 / (n × B). With
 * n ≥ 100 and the workbook's 99.9% objective, one stray bad event is a burn rate of at most 10,
 * below the fastest page factor (14.4 for 30 days, 13.44 for 28), so a single failure in a quiet
 * hour cannot page on its own; two or more bad events in 100 (≥ 2%, 20×) are a real problem at
 * 99.9%. For stricter objectives raise it to about 1 / (factor × B): 695 for 99.99% over 30 days.
 */
export const DEFAULT_MIN_EVENTS = 100;

/**
 * Default hold before an alert resolves: 5 minutes, the shortest short window of the table. An alert
 * starts at the first evaluation whose condition holds (paging fast is the point); it resolves only
 * once the condition has been false at every evaluation for this long. A burn rate that wobbles
 * around the factor therefore keeps one alert open instead of paging again and again, and a burn
 * that has really stopped still resolves within 5 minutes of the condition clearing (the short window
 * itself clears 5 minutes to 6 hours after the burn stops, depending on the tier). It is Prometheus's
 * `keep_firing_for: 5m`.
 */
export const DEFAULT_RESOLVE_HOLD_MS = 5 * 60_000;

/** Alert severities, as in the generated rules' `severity` label. */
export type Severity = 'page' | 'ticket';

/** Anything that can count good and bad events over a window: `SliWindows`. */
export interface WindowCountsSource {
  counts(windowMs: number, nowMs: number): WindowCounts;
}

/** One tier of the alert table evaluated at one time. */
export interface TierEvaluation {
  readonly severity: Severity;
  /** The window pair, long/short, as in the rules: `'1h/5m'`. */
  readonly windows: string;
  readonly longMs: number;
  readonly shortMs: number;
  readonly budgetShare: number;
  /** Burn rate both windows must exceed: `budgetShare × period / long`. */
  readonly factor: number;
  /** Burn rate over the long window (0 with no eligible events). */
  readonly longBurnRate: number;
  /** Burn rate over the short window (0 with no eligible events). */
  readonly shortBurnRate: number;
  /** Eligible events in the long window, compared with `minEvents`. */
  readonly eligible: number;
  /** False when the objective makes this tier impossible (it needs an error ratio above 100%). */
  readonly canFire: boolean;
  /** Both burn rates above the factor and at least `minEvents` eligible events in the long window. */
  readonly firing: boolean;
}

/** Whether any tier of one severity fires, and which. */
export interface SeverityEvaluation {
  readonly firing: boolean;
  /** The window pair of the first firing tier in table order (the fastest burn), or `null`. */
  readonly windows: string | null;
  /** The long-window burn rate of that tier, or `null`. */
  readonly burnRate: number | null;
  /** That tier's factor, or `null`. */
  readonly factor: number | null;
}

/** The result of {@link evaluateBurn}. Plain data. */
export interface BurnEvaluation {
  /** The time the evaluation is for (epoch ms). */
  readonly atMs: number;
  readonly objective: number;
  readonly periodMs: number;
  readonly minEvents: number;
  /** Every tier, in table order. */
  readonly tiers: readonly TierEvaluation[];
  readonly page: SeverityEvaluation;
  readonly ticket: SeverityEvaluation;
}

/** Options of {@link evaluateBurn}. */
export interface EvaluateBurnOptions {
  /** Fewest eligible events in a tier's long window for it to fire. Default {@link DEFAULT_MIN_EVENTS}. */
  readonly minEvents?: number | undefined;
  /** The tiers before they are applied to the period. Default: the workbook's four. */
  readonly tiers?: readonly BurnTierSpec[] | undefined;
}

/**
 * Writes a tier's window pair the way the generated rules and alerts do: `'1h/5m'`, `'3d/6h'`.
 *
 * @example
 * windowPair({ longMs: 3_600_000, shortMs: 300_000 }); // '1h/5m'
 */
export function windowPair(tier: { readonly longMs: number; readonly shortMs: number }): string {
  return `${formatDuration(tier.longMs)}/${formatDuration(tier.shortMs)}`;
}

/**
 * Checks alerting options, so that a kit can reject them at set-up time.
 *
 * @throws SlokitError `SLOKIT_E_ALERT_OPTION`
 */
export function validateAlertOptions(options: EvaluateBurnOptions & AlertTrackerOptions): void {
  const { minEvents, resolveHoldMs, tiers } = options;
  if (
    minEvents !== undefined &&
    !(typeof minEvents === 'number' && Number.isFinite(minEvents) && minEvents >= 0)
  ) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_ALERT_OPTION',
      `minEvents: expected a number of events ≥ 0; got ${describeValue(minEvents)}`,
    );
  }
  if (
    resolveHoldMs !== undefined &&
    !(typeof resolveHoldMs === 'number' && Number.isFinite(resolveHoldMs) && resolveHoldMs >= 0)
  ) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_ALERT_OPTION',
      `resolveHoldMs: expected milliseconds ≥ 0; got ${describeValue(resolveHoldMs)}`,
    );
  }
  if (tiers === undefined) return;
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_ALERT_OPTION',
      `tiers: expected a non-empty array; got ${describeValue(tiers)}`,
    );
  }
  tiers.forEach((tier: BurnTierSpec, i) => {
    const ok =
      (tier.severity === 'page' || tier.severity === 'ticket') &&
      tier.budgetShare > 0 &&
      tier.budgetShare <= 1 &&
      tier.shortMs > 0 &&
      Number.isFinite(tier.longMs) &&
      tier.longMs >= tier.shortMs;
    if (!ok) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_ALERT_OPTION',
        `tiers[${i}]: expected { severity: 'page' | 'ticket', budgetShare in (0, 1], longMs ≥ shortMs > 0 }`,
      );
    }
  });
}

/**
 * Evaluates the MWMBR alert table against an SLI's windows at `nowMs`. Pure given `nowMs`: the same
 * windows and time give the same result.
 *
 * For each tier (factor = budgetShare × period / long, from `alertTable`): the burn rate over the
 * long and the short window, the eligible events in the long window, and whether it fires:
 *
 *     firing = BR(long) > factor  AND  BR(short) > factor  AND  eligible(long) ≥ minEvents
 *
 * Then per severity: whether any of its tiers fires, and the first firing tier's window pair.
 *
 * @param windows - the SLI's windows (an `SliWindows`).
 * @param objective - the SLI's objective, e.g. 0.999.
 * @param periodMs - the SLI's period (`sli.windowMs`), which sets the factors.
 * @param nowMs - the time to evaluate at.
 * @throws SlokitError `SLOKIT_E_ALERT_OPTION` for invalid options.
 * @example
 * const evaluation = evaluateBurn(windows, 0.999, 30 * 86_400_000, clock.now());
 * if (evaluation.page.firing) console.log(`paging on ${evaluation.page.windows}`); // e.g. '1h/5m'
 */
export function evaluateBurn(
  windows: WindowCountsSource,
  objective: number,
  periodMs: number,
  nowMs: number,
  options: EvaluateBurnOptions = {},
): BurnEvaluation {
  validateAlertOptions(options);
  const minEvents = options.minEvents ?? DEFAULT_MIN_EVENTS;
  const tiers = alertTable(periodMs, options.tiers ?? WORKBOOK_TIERS).map((tier): TierEvaluation => {
    const long = windows.counts(tier.longMs, nowMs);
    const short = windows.counts(tier.shortMs, nowMs);
    const eligible = long.good + long.bad;
    const longBurnRate = burnRate(long.bad, eligible, objective);
    const shortBurnRate = burnRate(short.bad, short.good + short.bad, objective);
    return {
      severity: tier.severity,
      windows: windowPair(tier),
      longMs: tier.longMs,
      shortMs: tier.shortMs,
      budgetShare: tier.budgetShare,
      factor: tier.factor,
      longBurnRate,
      shortBurnRate,
      eligible,
      canFire: tierCanFire(tier, objective),
      firing: longBurnRate > tier.factor && shortBurnRate > tier.factor && eligible >= minEvents,
    };
  });
  return {
    atMs: nowMs,
    objective,
    periodMs,
    minEvents,
    tiers,
    page: severityOf(tiers, 'page'),
    ticket: severityOf(tiers, 'ticket'),
  };
}

function severityOf(tiers: readonly TierEvaluation[], severity: Severity): SeverityEvaluation {
  const first = tiers.find((t) => t.severity === severity && t.firing);
  if (first === undefined) return { firing: false, windows: null, burnRate: null, factor: null };
  return { firing: true, windows: first.windows, burnRate: first.longBurnRate, factor: first.factor };
}

/** An alert starting or resolving, as {@link AlertTracker} reports it. Plain data. */
export interface BurnTransition {
  /** The SLI's name. */
  readonly sli: string;
  readonly severity: Severity;
  readonly state: 'firing' | 'resolved';
  /**
   * The window pair: for `firing`, the first tier that fired; for `resolved`, the last tier that was
   * firing before the condition cleared.
   */
  readonly windows: string;
  /** The long-window burn rate of `windows` at `at`. */
  readonly burnRate: number;
  /** The factor of `windows`' tier. */
  readonly factor: number;
  /** When the transition happened (the evaluation time, epoch ms). */
  readonly at: number;
  /** When the alert started firing (equal to `at` for `firing`). */
  readonly since: number;
}

/**
 * An alert starting or resolving, as handed to the kit's `onAlert`: the tracker's figures and the
 * words people read, the same as the generated Prometheus alert's annotations and labels for the
 * tier of `windows`. Plain data.
 */
export interface AlertTransition extends BurnTransition {
  /** One line: `'checkout: more than 2% of its 28-day error budget spent in the last hour (burn rate above 13.4×)'`. */
  readonly summary: string;
  /** What the burn means, with rounded figures, the SLI in words and its owner. */
  readonly description: string;
  /** The SLI's runbook URL (the alerts' `runbook_url`), if it has one. */
  readonly runbook: string | undefined;
  /** The SLI's owner (the alerts' `owner` label), if it has one. */
  readonly owner: string | undefined;
  /**
   * Where to look: the top findings (at most 3) of `kit.explain()` for the SLI at `at`, most
   * telling first; empty when nothing sets its bad events apart, or the reservoir is off.
   */
  readonly findings: readonly Finding[];
  /** Trace ids of a few (at most 5) of the SLI's most recent bad events, newest first. */
  readonly badTraceIds: readonly string[];
}

/** The held state of one severity of one SLI. */
export interface AlertState {
  readonly firing: boolean;
  /** While firing: the window pair of the latest firing tier; otherwise `null`. */
  readonly windows: string | null;
  /** While firing: that tier's factor; otherwise `null`. */
  readonly factor: number | null;
  /** While firing: when it started (epoch ms); otherwise `null`. */
  readonly since: number | null;
  /** While firing but the condition is false (the resolve hold): since when it has been false. */
  readonly clearSince: number | null;
}

/** The held page and ticket states of one SLI. */
export interface AlertStates {
  readonly page: AlertState;
  readonly ticket: AlertState;
}

/** Options of {@link AlertTracker}. */
export interface AlertTrackerOptions {
  /**
   * How long the condition must stay false before an alert resolves, in ms. Default
   * {@link DEFAULT_RESOLVE_HOLD_MS} (5 minutes); 0 resolves at the first clear evaluation.
   */
  readonly resolveHoldMs?: number | undefined;
}

const IDLE: AlertState = Object.freeze({
  firing: false,
  windows: null,
  factor: null,
  since: null,
  clearSince: null,
});
const SEVERITIES: readonly Severity[] = ['page', 'ticket'];

/**
 * Turns successive {@link evaluateBurn} results into alert transitions, per SLI and severity:
 *
 * - an alert **starts** at the first evaluation where any tier of its severity fires;
 * - while it fires, evaluations where a tier still fires keep it (and update its window pair);
 * - it **resolves** at the first evaluation at which the condition has been false continuously for at
 *   least `resolveHoldMs` (measured from the first false evaluation); a firing evaluation during the
 *   hold cancels it.
 *
 * Pure: time comes only from the evaluations' `atMs`.
 *
 * @example
 * const tracker = new AlertTracker();
 * for (const t of tracker.update('checkout', evaluateBurn(windows, 0.999, periodMs, clock.now()))) {
 *   onAlert(t); // { sli: 'checkout', severity: 'page', state: 'firing', windows: '1h/5m', ... }
 * }
 */
export class AlertTracker {
  readonly resolveHoldMs: number;
  readonly #states = new Map<string, { page: AlertState; ticket: AlertState }>();

  /** @throws SlokitError `SLOKIT_E_ALERT_OPTION` for an invalid `resolveHoldMs`. */
  constructor(options: AlertTrackerOptions = {}) {
    validateAlertOptions(options);
    this.resolveHoldMs = options.resolveHoldMs ?? DEFAULT_RESOLVE_HOLD_MS;
  }

  /**
   * Feeds one evaluation of SLI `sli` and returns the transitions it causes (none, one, or one per
   * severity), in the order page, ticket.
   */
  update(sli: string, evaluation: BurnEvaluation): BurnTransition[] {
    const states = this.#states.get(sli) ?? { page: IDLE, ticket: IDLE };
    const transitions: BurnTransition[] = [];
    for (const severity of SEVERITIES) {
      const state = states[severity];
      const now = evaluation[severity];
      const at = evaluation.atMs;
      if (now.firing) {
        if (!state.firing) {
          transitions.push({
            sli,
            severity,
            state: 'firing',
            windows: now.windows!,
            burnRate: now.burnRate!,
            factor: now.factor!,
            at,
            since: at,
          });
          states[severity] = {
            firing: true,
            windows: now.windows,
            factor: now.factor,
            since: at,
            clearSince: null,
          };
        } else {
          states[severity] = {
            firing: true,
            windows: now.windows,
            factor: now.factor,
            since: state.since,
            clearSince: null,
          };
        }
        continue;
      }
      if (!state.firing) continue;
      const clearSince = state.clearSince ?? at;
      if (at - clearSince >= this.resolveHoldMs) {
        const tier = evaluation.tiers.find((t) => t.windows === state.windows && t.severity === severity);
        transitions.push({
          sli,
          severity,
          state: 'resolved',
          windows: state.windows!,
          burnRate: tier?.longBurnRate ?? 0,
          factor: tier?.factor ?? state.factor!,
          at,
          since: state.since!,
        });
        states[severity] = IDLE;
      } else {
        states[severity] = { ...state, clearSince };
      }
    }
    this.#states.set(sli, states);
    return transitions;
  }

  /** The held states of `sli` (both idle if it was never updated). */
  state(sli: string): AlertStates {
    const states = this.#states.get(sli);
    return states === undefined ? { page: IDLE, ticket: IDLE } : { page: states.page, ticket: states.ticket };
  }

  /** Forgets an SLI's held states. */
  forget(sli: string): void {
    this.#states.delete(sli);
  }
}
