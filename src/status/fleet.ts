/**
 * The status page's fleet view: the kit's SLIs read back from Prometheus through `fleetStatus()`
 * (slokit/fleet), at the same time as this instance's figures, bounded by `fleetTimeout`.
 *
 * A page must answer whatever Prometheus does: slow, down, refusing queries or holding nothing of an
 * SLI. So a read never rejects and never outlasts the timeout: a failure becomes the words the page
 * shows. Reads are shared: a read under way, or one made within {@link REUSE_MS} of the time asked
 * for, answers the next page too, so that a page open in many tabs, or reloaded in a hurry, asks
 * Prometheus once and a Prometheus in trouble is not hammered.
 */

import type { BurnTierSpec } from '../budget/alert-table.js';
import { SlokitError, SlokitFleetError } from '../errors.js';
import { fleetStatus } from '../fleet/status.js';
import type { FleetStatus } from '../fleet/types.js';
import type { Sli } from '../sli/types.js';
import type { ResolvedFleetOptions } from './options.js';
import type { StatusFleetError } from './types.js';

/** How close (ms of the kit's clock) a read's evaluation time must be to the time asked for to be reused. */
export const REUSE_MS = 10_000;

/** What a read gives: the fleet's status at `at`, or why there is none. */
export type FleetOutcome =
  | { readonly at: number; readonly status: FleetStatus; readonly error?: undefined }
  | { readonly at: number; readonly status?: undefined; readonly error: StatusFleetError };

/** The alerting options of the kit, so the fleet's tiers are judged as the instance's are. */
export interface FleetAlerting {
  readonly minEvents: number | undefined;
  readonly tiers: readonly BurnTierSpec[] | undefined;
}

/** Reads the fleet's status at a time; never rejects. */
export type FleetReader = (at: number) => Promise<FleetOutcome>;

/** Makes the reader of one status handler. */
export function createFleetReader(
  options: ResolvedFleetOptions,
  slis: readonly Sli<unknown>[],
  alerting: FleetAlerting,
): FleetReader {
  let last: { at: number; outcome: Promise<FleetOutcome> } | undefined;
  return (at) => {
    if (last !== undefined && Math.abs(at - last.at) < REUSE_MS) return last.outcome;
    const outcome = read(options, slis, alerting, at);
    last = { at, outcome };
    return outcome;
  };
}

async function read(
  options: ResolvedFleetOptions,
  slis: readonly Sli<unknown>[],
  alerting: FleetAlerting,
  at: number,
): Promise<FleetOutcome> {
  try {
    const status = await fleetStatus({
      prometheus: options.prometheus,
      slis,
      selector: options.selector,
      labels: options.labels,
      headers: options.headers,
      timeout: options.timeout,
      at,
      ...(alerting.minEvents === undefined ? {} : { minEvents: alerting.minEvents }),
      ...(alerting.tiers === undefined ? {} : { tiers: alerting.tiers }),
    });
    return { at, status };
  } catch (error) {
    return { at, error: describeFailure(error) };
  }
}

/** The error in the page's terms: its code, its failure and its message without the code. */
export function describeFailure(error: unknown): StatusFleetError {
  if (error instanceof SlokitError) {
    return {
      code: error.code,
      failure: error instanceof SlokitFleetError ? error.failure : null,
      message: error.message.replace(` [${error.code}]`, ''),
    };
  }
  return { code: 'SLOKIT_E_FLEET_UNAVAILABLE', failure: null, message: String(error) };
}
