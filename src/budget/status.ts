/**
 * The per-SLI status the kit's `status()` returns: one instance's view of its own windows.
 *
 * Everything here is computed from the counts this process saw (and restored from its state file).
 * Several instances behind a load balancer each see a share of the traffic; the fleet-wide budget
 * and the alerts that should page come from Prometheus, with the rules `slokit rules` generates.
 */

import { BURN_RATE_WINDOWS_MS } from './alert-table.js';
import { evaluateBurn } from './alerts.js';
import type { AlertStates, BurnEvaluation, EvaluateBurnOptions, Severity, TierEvaluation } from './alerts.js';
import { budgetRemaining, budgetRemainingEvents, burnRate, timeToExhaustionMs } from './math.js';
import type { SliWindows } from './windows.js';
import { formatDuration } from '../sli/duration.js';

/** The fields of an SLI that the status needs (an `Sli` has them all). */
export interface SliStatusSubject {
  readonly name: string;
  readonly objective: number;
  /** The period as a duration string, e.g. `'28d'`. */
  readonly window: string;
  /** The period in milliseconds. */
  readonly windowMs: number;
}

/** One severity's alert in a status. */
export interface AlertStatus {
  /**
   * `firing` while the alert is open. With the kit's alert tracker this is the held state: it stays
   * `firing` during the resolve hold although `conditionMet` is already false.
   */
  readonly state: 'firing' | 'ok';
  /** The window pair that fired (`'1h/5m'`), or `null` when `ok`. */
  readonly windows: string | null;
  /** The current long-window burn rate of `windows`, or `null` when `ok`. */
  readonly burnRate: number | null;
  /** The factor of `windows`' tier, or `null` when `ok`. */
  readonly factor: number | null;
  /** When the alert started (epoch ms); `null` when `ok` or when no tracker state was given. */
  readonly since: number | null;
  /** Whether a tier of this severity fires at this very evaluation. */
  readonly conditionMet: boolean;
}

/** The status of one SLI as one instance sees it. Plain, JSON-serialisable data. */
export interface SliStatus {
  readonly name: string;
  /**
   * Always `'instance'`: these numbers are this process's own view (its events, since it started or
   * restored its state file), not the fleet's. Fleet-wide figures come from Prometheus.
   */
  readonly scope: 'instance';
  readonly objective: number;
  /** The period, as written: `'28d'`. */
  readonly window: string;
  readonly windowMs: number;
  /** The time of this status (epoch ms). */
  readonly at: number;
  /** How much of the period this instance has observed, in ms (at most `windowMs`). */
  readonly observedMs: number;
  /** `observedMs / windowMs`: 1 once the instance has seen a whole period. */
  readonly observedRatio: number;
  /** Good events in the (observed part of the) period. */
  readonly good: number;
  /** Bad events in the (observed part of the) period. */
  readonly bad: number;
  /** `good + bad`. */
  readonly eligible: number;
  /** `good / eligible`, or `null` when there were no eligible events. */
  readonly compliance: number | null;
  /** Share of the period's error budget left: 1 untouched, 0 spent, negative overspent. */
  readonly budgetRemaining: number;
  /** The budget left in events: `(1 − objective) × eligible − bad`. */
  readonly budgetRemainingEvents: number;
  /** Burn rate per window, keyed `'5m'`, `'30m'`, `'1h'`, `'2h'`, `'6h'`, `'1d'`, `'3d'`; `null` with no events. */
  readonly burnRates: Readonly<Record<string, number | null>>;
  readonly alerts: {
    readonly page: AlertStatus;
    readonly ticket: AlertStatus;
    /** The fewest eligible events in a tier's long window for it to fire. */
    readonly minEvents: number;
    /** Every tier's burn rates and verdict. */
    readonly tiers: readonly TierEvaluation[];
  };
  /**
   * Time until the budget is spent if the burn rate over `exhaustionWindow` holds, in ms: `0` when
   * it is already spent, `null` when nothing is burning.
   */
  readonly timeToExhaustionMs: number | null;
  /** The window whose burn rate {@link timeToExhaustionMs} projects: `'1h'` by default. */
  readonly exhaustionWindow: string;
  /** Events the windows ignored (too old, or stamped in the future). */
  readonly dropped: number;
}

/** Options of {@link computeStatus}. */
export interface ComputeStatusOptions extends EvaluateBurnOptions {
  /** The tracker's held states for this SLI (`tracker.state(sli.name)`), so status and `onAlert` agree. */
  readonly alerts?: AlertStates | undefined;
  /** An evaluation already made at `nowMs` with the same options, to reuse instead of evaluating again. */
  readonly evaluation?: BurnEvaluation | undefined;
  /** The window whose burn rate projects the time to exhaustion. Default 1 hour. */
  readonly exhaustionWindowMs?: number | undefined;
}

/** Default window of the burn rate that projects time to exhaustion: 1 hour, the fastest page tier's long window. */
export const DEFAULT_EXHAUSTION_WINDOW_MS = 3_600_000;

/**
 * Computes one SLI's status at `nowMs` from its windows: counts over the period, compliance, budget
 * remaining, burn rates over 5m to 3d, the page and ticket alerts, and the time to exhaustion.
 *
 * @example
 * const status = computeStatus(sli, windows, clock.now(), { alerts: tracker.state(sli.name) });
 * status.burnRates['1h']; // e.g. 0.4
 * status.alerts.page; // { state: 'ok', windows: null, ... }
 */
export function computeStatus(
  sli: SliStatusSubject,
  windows: SliWindows,
  nowMs: number,
  options: ComputeStatusOptions = {},
): SliStatus {
  const { objective, windowMs } = sli;
  const evaluation =
    options.evaluation ??
    evaluateBurn(windows, objective, windowMs, nowMs, { minEvents: options.minEvents, tiers: options.tiers });
  const period = windows.counts(windowMs, nowMs);
  const eligible = period.good + period.bad;
  const remaining = budgetRemaining(period.bad, eligible, objective);

  const burnRates: Record<string, number | null> = {};
  for (const w of BURN_RATE_WINDOWS_MS) {
    const c = windows.counts(w, nowMs);
    burnRates[formatDuration(w)] = c.good + c.bad > 0 ? burnRate(c.bad, c.good + c.bad, objective) : null;
  }
  const exhaustionWindowMs = options.exhaustionWindowMs ?? DEFAULT_EXHAUSTION_WINDOW_MS;
  const current = windows.counts(exhaustionWindowMs, nowMs);
  const observedMs = windows.observedMs(nowMs);

  return {
    name: sli.name,
    scope: 'instance',
    objective,
    window: sli.window,
    windowMs,
    at: nowMs,
    observedMs,
    observedRatio: observedMs / windowMs,
    good: period.good,
    bad: period.bad,
    eligible,
    compliance: eligible > 0 ? period.good / eligible : null,
    budgetRemaining: remaining,
    budgetRemainingEvents: budgetRemainingEvents(period.bad, eligible, objective),
    burnRates,
    alerts: {
      page: alertStatus(evaluation, 'page', options.alerts),
      ticket: alertStatus(evaluation, 'ticket', options.alerts),
      minEvents: evaluation.minEvents,
      tiers: evaluation.tiers,
    },
    timeToExhaustionMs: timeToExhaustionMs(
      remaining,
      windowMs,
      burnRate(current.bad, current.good + current.bad, objective),
    ),
    exhaustionWindow: formatDuration(exhaustionWindowMs),
    dropped: windows.dropped,
  };
}

function alertStatus(
  evaluation: BurnEvaluation,
  severity: Severity,
  held: AlertStates | undefined,
): AlertStatus {
  const now = evaluation[severity];
  if (held === undefined) {
    return {
      state: now.firing ? 'firing' : 'ok',
      windows: now.windows,
      burnRate: now.burnRate,
      factor: now.factor,
      since: null,
      conditionMet: now.firing,
    };
  }
  const state = held[severity];
  if (!state.firing) {
    return {
      state: 'ok',
      windows: null,
      burnRate: null,
      factor: null,
      since: null,
      conditionMet: now.firing,
    };
  }
  const tier = evaluation.tiers.find((t) => t.severity === severity && t.windows === state.windows);
  return {
    state: 'firing',
    windows: state.windows,
    burnRate: tier?.longBurnRate ?? null,
    factor: state.factor,
    since: state.since,
    conditionMet: now.firing,
  };
}
