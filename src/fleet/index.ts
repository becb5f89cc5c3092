// slokit/fleet: fleet-wide SLI status read back from Prometheus, through its HTTP API, from the
// rules `slokit rules` generates. The only module of slokit that calls out over the network (with
// Node's global fetch). Explicit named exports only; types apart.

export { fleetStatus } from './status.js';
export { SlokitFleetError } from '../errors.js';

export type { FleetData, FleetSliStatus, FleetSource, FleetStatus, FleetStatusOptions } from './types.js';
export type { FleetFailure } from '../errors.js';
export type { AlertStatus } from '../budget/status.js';
export type { TierEvaluation } from '../budget/alerts.js';
