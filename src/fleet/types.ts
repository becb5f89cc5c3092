import type { BurnTierSpec } from '../budget/alert-table.js';
import type { SliStatus } from '../budget/status.js';
import type { Duration } from '../sli/duration.js';
import type { Sli } from '../sli/types.js';

/** Options of `fleetStatus`. */
export interface FleetStatusOptions {
  /**
   * The Prometheus base URL: `http://prometheus:9090`, or with a path prefix
   * (`https://example.com/prometheus`). Credentials in it (`https://user:pass@host`) are sent as a
   * Basic `Authorization` header and never shown in results or messages.
   */
  readonly prometheus: string;
  /** The SLIs to report, made by `defineSli` (as in `slokit rules`), in the order of the result. */
  readonly slis: readonly Sli<never>[];
  /**
   * Extra equality matchers on the raw `slokit_sli_events_total` series, as given to `slokit rules
   * --selector`, e.g. `{ job: 'shop' }`.
   */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * The labels the recording rules carry, as given to `slokit rules --label`, e.g.
   * `{ team: 'shop' }`: recorded series are matched by them, so that two rule files for the same SLI
   * names are never mixed up.
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** The alerts' low-traffic guard, as given to `slokit rules --min-events`. Default 100. */
  readonly minEvents?: number;
  /** The burn-rate tiers, as given to the rule generators. Default: the SRE Workbook's four. */
  readonly tiers?: readonly BurnTierSpec[];
  /** How long the whole call may take, every query included. Default `'10s'`. */
  readonly timeout?: Duration;
  /** The time to evaluate at (epoch ms or a Date), for reports on a past week. Default: now. */
  readonly at?: number | Date;
  /** Extra HTTP headers for every request, e.g. `{ authorization: 'Bearer …' }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Aborts the call (it then rejects with `failure: 'aborted'`). */
  readonly signal?: AbortSignal;
}

/**
 * Where an SLI's ratios came from: the recording rules `slokit rules` generates
 * (`slokit:sli_error_ratio:rate<window>`), the raw `slokit_sli_events_total` counters (when the
 * rules are not loaded, carry other labels, or have not been evaluated yet), or some of each.
 */
export type FleetSource = 'recording-rules' | 'raw-counters' | 'mixed';

/**
 * Whether Prometheus had what the figures need:
 * - `'ok'`: it did;
 * - `'no-series'`: it holds no `slokit_sli_events_total` series of the SLI (with the selector) in
 *   its window: not scraped, a wrong selector, or never deployed. The figures are then those of an
 *   SLI without events (budget untouched) and must not be trusted;
 * - `'not-a-number'`: it returned NaN or an infinity for a figure; `warnings` says which.
 */
export type FleetData = 'ok' | 'no-series' | 'not-a-number';

/**
 * One SLI, fleet-wide: the shape of `kit.status()`'s entries with `scope: 'fleet'`, read from
 * Prometheus. The fields mean what they mean for an instance, over every instance Prometheus scrapes:
 *
 * - `good`, `bad`, `eligible`: Prometheus's `increase()` over the window, summed over instances
 *   (estimates: not always whole numbers);
 * - `compliance`, `budgetRemaining`, `burnRates`: from the error ratios (recorded or raw);
 * - `observedMs`: how much of the window Prometheus holds data for (its retention can be shorter
 *   than the window), to within about a thousandth of the window;
 * - `alerts`: which tiers' conditions hold at `at`, evaluated from the same ratios and guard as the
 *   generated alerts (`since` is `null`: Prometheus and Alertmanager hold an alert's history);
 * - `dropped`: always 0.
 */
export interface FleetSliStatus extends Omit<SliStatus, 'scope'> {
  readonly scope: 'fleet';
  /** Where the error ratios came from. */
  readonly source: FleetSource;
  /** How many raw counter series of the SLI Prometheus holds in the window (0: no data). */
  readonly series: number;
  /** Whether the figures are backed by data; see {@link FleetData}. */
  readonly data: FleetData;
  /** What Prometheus returned that could not be used, one line each. */
  readonly warnings: readonly string[];
}

/** What `fleetStatus` resolves to: the `kit.status()` shape, fleet-wide. Plain, JSON-serialisable data. */
export interface FleetStatus {
  readonly scope: 'fleet';
  /** The evaluation time of every query (epoch ms). */
  readonly at: number;
  /** The Prometheus base URL, credentials removed. */
  readonly prometheus: string;
  /** One entry per SLI, in the order given. */
  readonly slis: readonly FleetSliStatus[];
}
