// slokit/setup: the only entry that loads OpenTelemetry SDK and exporter packages.

export { startTelemetry } from './start.js';
export { TELEMETRY_DEFAULTS } from './options.js';

export type { Telemetry, SignalOwner } from './start.js';
export type { TelemetryOptions, TailSamplingOptions, DiagLevelName, OtlpProtocol } from './options.js';
export type { ExportStatsSnapshot, DropReason, ExportSignal } from './export-stats.js';
