import { SlokitDefinitionError, describeValue } from '../errors.js';
import { optionChecks } from '../option-checks.js';
import type { SlokitLogger } from '../runtime/diag.js';
import { checkLogger } from '../runtime/options.js';

/** How OTLP is encoded over HTTP, as in `OTEL_EXPORTER_OTLP_PROTOCOL` (`grpc` is not supported). */
export type OtlpProtocol = 'http/json' | 'http/protobuf';
import type { TailSamplingSettings } from './tail-sampling.js';

/** OTel diagnostic log levels, as in `OTEL_LOG_LEVEL` (lower case). */
export type DiagLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

/**
 * Options of `startTelemetry`. Every option is optional; each one that has a standard
 * OpenTelemetry environment variable wins over that variable.
 */
export interface TelemetryOptions {
  /** `service.name`. Default: `OTEL_SERVICE_NAME`, then `OTEL_RESOURCE_ATTRIBUTES`, then `unknown_service:node`. */
  readonly serviceName?: string;
  /** `service.version`. Default: `OTEL_RESOURCE_ATTRIBUTES`, then `npm_package_version` (set by `npm run`). */
  readonly serviceVersion?: string;
  /** `service.instance.id`. Default: `OTEL_RESOURCE_ATTRIBUTES`, then a random UUID per process. */
  readonly serviceInstanceId?: string;
  /** `deployment.environment.name`. Default: `OTEL_RESOURCE_ATTRIBUTES`, then `NODE_ENV`. */
  readonly environment?: string;
  /** More resource attributes; they win over `OTEL_RESOURCE_ATTRIBUTES` and lose to the four above. */
  readonly resourceAttributes?: Readonly<Record<string, string | number | boolean>>;
  /**
   * OTLP/HTTP base URL (`http://collector:4318`); `/v1/traces` and `/v1/metrics` are appended.
   * Default `OTEL_EXPORTER_OTLP_ENDPOINT`. Without one (and without the per-signal URLs) nothing
   * leaves the machine. `false`: no OTLP export, whatever the environment says.
   */
  readonly endpoint?: string | false;
  /** Full URL for traces, used as is. Default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. `false`: no trace export. */
  readonly tracesEndpoint?: string | false;
  /** Full URL for metrics, used as is. Default `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`. `false`: no OTLP metrics. */
  readonly metricsEndpoint?: string | false;
  /**
   * How OTLP is encoded: `'http/json'` or `'http/protobuf'`, for both signals. Default: the
   * per-signal `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, then
   * `OTEL_EXPORTER_OTLP_PROTOCOL`, then `'http/json'`. `grpc` is not supported (OTLP/HTTP only).
   */
  readonly protocol?: OtlpProtocol;
  /**
   * Headers sent with every OTLP request (an API key, a dataset). The exporter merges them over
   * `OTEL_EXPORTER_OTLP_HEADERS` (and the per-signal variables) key by key. Never logged.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Turn everything off: no providers, nothing registered, nothing exported. Default `OTEL_SDK_DISABLED`. */
  readonly disabled?: boolean;
  /** How often metrics are pushed over OTLP. Default `OTEL_METRIC_EXPORT_INTERVAL`, then 60 000 ms. */
  readonly metricsExportIntervalMillis?: number;
  /**
   * How long one OTLP export (request and retries) may take before it counts as failed. Default
   * 10 000 ms (for metrics, at most the export interval).
   */
  readonly exportTimeoutMillis?: number;
  /** Span limits. Wide events need many attributes, so the count limit defaults to 256 (OTel: 128). */
  readonly spanLimits?: {
    /** Attributes per span. Default 256. */
    readonly attributeCountLimit?: number;
    /** Longest attribute value in characters. Default 4096 (the kit cuts wide-event values at 1024). */
    readonly attributeValueLengthLimit?: number;
    /** Events per span (exceptions are events). Default 128. */
    readonly eventCountLimit?: number;
    /** Links per span. Default 128. */
    readonly linkCountLimit?: number;
  };
  /** The bounded span queue between the request path and the OTLP exporter. */
  readonly batch?: {
    /** Most spans waiting for export; beyond it spans are dropped and counted. Default 2048. */
    readonly maxQueueSize?: number;
    /** Most spans in one export request. Default 512. */
    readonly maxExportBatchSize?: number;
    /** Longest wait before a partial batch is sent. Default 2000 ms. */
    readonly scheduledDelayMillis?: number;
  };
  /** How many recent request spans to keep in memory for `recentSpans()`. Default 100; 0 keeps none. */
  readonly recentSpans?: number;
  /**
   * Verdict-aware tail sampling, off by default (every span is kept). When on, each trace is
   * decided when its local root span (the request, or the tracked work) ends: kept whole if it has a
   * bad verdict, an error or a 5xx (`SampleRate` 1 on its spans), else kept whole with probability
   * 1 in `sampleRate` (`SampleRate` N), else dropped whole and counted in
   * `slokit.export.dropped_spans` (reason `sampled_out`). SLI counters are not affected. Applies to
   * OTLP export and to `recentSpans()`, where recent bad spans keep half the room to themselves.
   */
  readonly tailSampling?: TailSamplingOptions | false;
  /**
   * Also serve `/metrics` on a port of its own (for a scraper that cannot reach the app's router).
   * `port: 0` picks a free port; `metricsUrl` says which. Default host: all interfaces.
   */
  readonly prometheus?: { readonly port: number; readonly host?: string };
  /** Flush on SIGTERM and SIGINT, then let the signal end the process. Default `false`. */
  readonly handleSignals?: boolean;
  /** Longest time `shutdown()` waits for the final flush. Default 5000 ms. */
  readonly shutdownTimeoutMillis?: number;
  /** Where the start-up line goes. Default `console.info`; `false` for silence. */
  readonly log?: ((line: string) => void) | false;
  /**
   * Level of the console logger slokit installs for OTel `diag` when it is in charge of tracing
   * (slokit's own warnings, such as failed exports, go through `diag`). Default `OTEL_LOG_LEVEL`,
   * then `'warn'`. `false` leaves `diag` alone.
   */
  readonly diagLogLevel?: DiagLevelName | false;
  /**
   * Where slokit's run-time warnings go (failed exports, dropped spans, and every kit's warnings),
   * for the whole process, like `createSlokit`'s `logger`: a function given each line, or a logger
   * with a `warn` method. Default: OTel `diag` when a diag logger is installed, else stderr.
   */
  readonly logger?: SlokitLogger;
}

/** Options of verdict-aware tail sampling (`startTelemetry({ tailSampling })`). */
export interface TailSamplingOptions {
  /** Keep 1 in `sampleRate` of the traces with nothing wrong (a whole number, at least 1). */
  readonly sampleRate: number;
  /**
   * Most ended spans waiting for their trace's decision; when full, the oldest traces are decided
   * early (without their root's verdict). Default 4096.
   */
  readonly maxBufferedSpans?: number;
  /** Most traces waiting for their local root to end; beyond, the oldest is decided early. Default 2048. */
  readonly maxPendingTraces?: number;
  /**
   * How long a trace waits for its local root span to end before it is decided without it (kept if
   * a span failed, else 1 in N; dropped spans counted as `sampling_timeout`). Default 30 000 ms.
   */
  readonly decisionWaitMillis?: number;
}

/** Everything {@link startTelemetry} needs, resolved from options, environment and defaults. */
export interface ResolvedTelemetryOptions {
  readonly serviceName: string | undefined;
  readonly serviceVersion: string | undefined;
  readonly serviceInstanceId: string | undefined;
  readonly environment: string | undefined;
  readonly resourceAttributes: Readonly<Record<string, string | number | boolean>>;
  readonly tracesUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  readonly tracesProtocol: OtlpProtocol;
  readonly metricsProtocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly disabled: boolean;
  readonly metricsExportIntervalMillis: number;
  readonly exportTimeoutMillis: number;
  readonly attributeCountLimit: number;
  readonly attributeValueLengthLimit: number;
  readonly eventCountLimit: number;
  readonly linkCountLimit: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly recentSpans: number;
  readonly tailSampling: TailSamplingSettings | undefined;
  readonly prometheus: { readonly port: number; readonly host: string | undefined } | undefined;
  readonly handleSignals: boolean;
  readonly shutdownTimeoutMillis: number;
  readonly log: ((line: string) => void) | undefined;
  readonly diagLogLevel: DiagLevelName | false;
  readonly logger: SlokitLogger | undefined;
  /** Problems with environment variables the spec says to ignore with a warning. */
  readonly envWarnings: readonly string[];
}

const KNOWN = [
  'serviceName',
  'serviceVersion',
  'serviceInstanceId',
  'environment',
  'resourceAttributes',
  'endpoint',
  'tracesEndpoint',
  'metricsEndpoint',
  'protocol',
  'headers',
  'disabled',
  'metricsExportIntervalMillis',
  'exportTimeoutMillis',
  'spanLimits',
  'batch',
  'recentSpans',
  'tailSampling',
  'prometheus',
  'handleSignals',
  'shutdownTimeoutMillis',
  'log',
  'diagLogLevel',
  'logger',
] as const;

const DIAG_LEVELS: readonly DiagLevelName[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

/**
 * The defaults of `startTelemetry`'s sizes and timeouts, for sizing yours relative to them.
 *
 * @example
 * startTelemetry({ batch: { maxQueueSize: 4 * TELEMETRY_DEFAULTS.maxQueueSize } });
 */
export const TELEMETRY_DEFAULTS = Object.freeze({
  metricsExportIntervalMillis: 60_000,
  exportTimeoutMillis: 10_000,
  attributeCountLimit: 256,
  attributeValueLengthLimit: 4096,
  eventCountLimit: 128,
  linkCountLimit: 128,
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 2000,
  recentSpans: 100,
  shutdownTimeoutMillis: 5000,
  tailSamplingMaxBufferedSpans: 4096,
  tailSamplingMaxPendingTraces: 2048,
  tailSamplingDecisionWaitMillis: 30_000,
});

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates `startTelemetry` options and resolves them against the standard environment variables.
 * Every mistake throws a coded error here, before anything is created.
 */
export function resolveTelemetryOptions(options: unknown, env: Env = process.env): ResolvedTelemetryOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('options', `expected an options object or nothing; got ${describeValue(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(KNOWN as readonly string[]).includes(key)) {
      fail(key, `unknown option; expected one of ${KNOWN.join(', ')}`);
    }
  }
  const envWarnings: string[] = [];
  const spanLimits = optionalObject(o.spanLimits, 'spanLimits');
  const batch = optionalObject(o.batch, 'batch');

  const disabled =
    o.disabled === undefined
      ? envBoolean(env, 'OTEL_SDK_DISABLED', envWarnings)
      : boolean(o.disabled, 'disabled');

  const base =
    o.endpoint === undefined
      ? envUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
      : urlOrFalse(o.endpoint, 'endpoint');
  const fromBase = (path: string): string | undefined =>
    base === undefined || base === false ? undefined : `${base.endsWith('/') ? base : `${base}/`}${path}`;
  const signalUrl = (option: 'tracesEndpoint' | 'metricsEndpoint', variable: string, path: string) => {
    const given = o[option];
    if (given !== undefined) {
      const url = urlOrFalse(given, option);
      return url === false ? undefined : url;
    }
    // `endpoint` given as an option wins over the per-signal variables too.
    if (o.endpoint !== undefined) return fromBase(path);
    return envUrl(env, variable) ?? fromBase(path);
  };
  const tracesUrl = signalUrl('tracesEndpoint', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'v1/traces');
  const metricsUrl = signalUrl('metricsEndpoint', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'v1/metrics');

  let protocol: OtlpProtocol | undefined;
  if (o.protocol !== undefined) {
    if (o.protocol !== 'http/json' && o.protocol !== 'http/protobuf') {
      fail(
        'protocol',
        o.protocol === 'grpc'
          ? "OTLP over gRPC is not supported; use 'http/json' or 'http/protobuf' with the collector's OTLP/HTTP port (4318)"
          : `expected 'http/json' or 'http/protobuf'; got ${describeValue(o.protocol)}`,
      );
    }
    protocol = o.protocol;
  }
  const tracesProtocol =
    protocol ??
    envProtocol(env, ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'], envWarnings);
  const metricsProtocol =
    protocol ??
    envProtocol(env, ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'], envWarnings);

  const exportTimeoutMillis = wholeNumber(
    o.exportTimeoutMillis,
    'exportTimeoutMillis',
    TELEMETRY_DEFAULTS.exportTimeoutMillis,
  );
  const metricsExportIntervalMillis =
    o.metricsExportIntervalMillis === undefined
      ? (envInteger(env, 'OTEL_METRIC_EXPORT_INTERVAL', envWarnings) ??
        TELEMETRY_DEFAULTS.metricsExportIntervalMillis)
      : wholeNumber(o.metricsExportIntervalMillis, 'metricsExportIntervalMillis', 0);
  const maxQueueSize = wholeNumber(
    batch?.maxQueueSize,
    'batch.maxQueueSize',
    TELEMETRY_DEFAULTS.maxQueueSize,
  );
  const maxExportBatchSize = wholeNumber(
    batch?.maxExportBatchSize,
    'batch.maxExportBatchSize',
    Math.min(TELEMETRY_DEFAULTS.maxExportBatchSize, maxQueueSize),
  );
  if (maxExportBatchSize > maxQueueSize) {
    fail(
      'batch.maxExportBatchSize',
      `${maxExportBatchSize} is larger than batch.maxQueueSize (${maxQueueSize})`,
    );
  }

  let diagLogLevel: DiagLevelName | false;
  if (o.diagLogLevel === undefined) {
    const raw = env.OTEL_LOG_LEVEL?.trim().toLowerCase();
    if (raw !== undefined && raw !== '' && !(DIAG_LEVELS as readonly string[]).includes(raw)) {
      envWarnings.push(
        `OTEL_LOG_LEVEL="${env.OTEL_LOG_LEVEL}" is not one of ${DIAG_LEVELS.join(', ')}; using "warn"`,
      );
    }
    diagLogLevel =
      raw !== undefined && (DIAG_LEVELS as readonly string[]).includes(raw) ? (raw as DiagLevelName) : 'warn';
  } else if (o.diagLogLevel === false || DIAG_LEVELS.includes(o.diagLogLevel as DiagLevelName)) {
    diagLogLevel = o.diagLogLevel as DiagLevelName | false;
  } else {
    fail(
      'diagLogLevel',
      `expected one of ${DIAG_LEVELS.map((l) => `'${l}'`).join(', ')} or false; got ${describeValue(o.diagLogLevel)}`,
    );
  }

  return {
    serviceName: optionalString(o.serviceName, 'serviceName'),
    serviceVersion: optionalString(o.serviceVersion, 'serviceVersion'),
    serviceInstanceId: optionalString(o.serviceInstanceId, 'serviceInstanceId'),
    environment: optionalString(o.environment, 'environment'),
    resourceAttributes: attributes(o.resourceAttributes),
    tracesUrl,
    metricsUrl,
    tracesProtocol,
    metricsProtocol,
    headers: headers(o.headers),
    disabled,
    metricsExportIntervalMillis,
    exportTimeoutMillis,
    attributeCountLimit: wholeNumber(
      spanLimits?.attributeCountLimit,
      'spanLimits.attributeCountLimit',
      TELEMETRY_DEFAULTS.attributeCountLimit,
    ),
    attributeValueLengthLimit: wholeNumber(
      spanLimits?.attributeValueLengthLimit,
      'spanLimits.attributeValueLengthLimit',
      TELEMETRY_DEFAULTS.attributeValueLengthLimit,
    ),
    eventCountLimit: wholeNumber(
      spanLimits?.eventCountLimit,
      'spanLimits.eventCountLimit',
      TELEMETRY_DEFAULTS.eventCountLimit,
    ),
    linkCountLimit: wholeNumber(
      spanLimits?.linkCountLimit,
      'spanLimits.linkCountLimit',
      TELEMETRY_DEFAULTS.linkCountLimit,
    ),
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMillis: wholeNumber(
      batch?.scheduledDelayMillis,
      'batch.scheduledDelayMillis',
      TELEMETRY_DEFAULTS.scheduledDelayMillis,
    ),
    recentSpans: zeroOrMore(o.recentSpans, 'recentSpans', TELEMETRY_DEFAULTS.recentSpans),
    tailSampling: tailSampling(o.tailSampling),
    prometheus: prometheus(o.prometheus),
    handleSignals: o.handleSignals === undefined ? false : boolean(o.handleSignals, 'handleSignals'),
    shutdownTimeoutMillis: wholeNumber(
      o.shutdownTimeoutMillis,
      'shutdownTimeoutMillis',
      TELEMETRY_DEFAULTS.shutdownTimeoutMillis,
    ),
    log: logOption(o.log),
    diagLogLevel,
    logger: checkLogger(o.logger, fail),
    envWarnings,
  };
}

/** Checks a URL the way the OTLP exporter will use it: absolute, http or https. */
function checkUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function urlOrFalse(value: unknown, field: string): string | false {
  if (value === false) return false;
  const url = typeof value === 'string' ? checkUrl(value) : undefined;
  if (url === undefined) {
    fail(
      field,
      `expected an absolute http(s) URL such as 'http://localhost:4318', or false; got ${describeValue(value)}`,
    );
  }
  // Keep the caller's spelling (a trailing slash or not) of a base URL; `href` would add one.
  return (value as string).trim();
}

function envUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (checkUrl(raw) === undefined) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_TELEMETRY_ENV',
      `startTelemetry: ${name}=${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw)} is not an absolute http(s) URL such as http://localhost:4318`,
    );
  }
  return raw;
}

// The first of `names` that is set decides; a value slokit cannot send is ignored with a warning
// (once per variable), as the spec says of unparsable values. grpc gets a warning of its own.
function envProtocol(env: Env, names: readonly string[], warnings: string[]): OtlpProtocol {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = raw.toLowerCase();
    if (value === 'http/json' || value === 'http/protobuf') return value;
    const warning =
      value === 'grpc'
        ? `${name}=grpc is not supported (slokit exports OTLP over HTTP only); sending http/json instead: point the endpoint at the collector's OTLP/HTTP port (4318), or set ${name}=http/protobuf`
        : `${name}="${raw}" is not one of http/json, http/protobuf; sending http/json`;
    if (!warnings.includes(warning)) warnings.push(warning);
    return 'http/json';
  }
  return 'http/json';
}

// The spec: only a case-insensitive "true" is true; anything else is false, with a warning when it
// is neither empty nor "false".
function envBoolean(env: Env, name: string, warnings: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  warnings.push(`${name}="${env[name]}" is neither true nor false; treated as false`);
  return false;
}

// The spec: a number that cannot be parsed is ignored with a warning.
function envInteger(env: Env, name: string, warnings: string[]): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= 1) return value;
  warnings.push(`${name}="${raw}" is not a whole number of milliseconds of at least 1; ignored`);
  return undefined;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    fail(field, `expected a non-empty string; got ${describeValue(value)}`);
  }
  return value;
}

function attributes(value: unknown): Readonly<Record<string, string | number | boolean>> {
  const o = optionalObject(value, 'resourceAttributes') ?? {};
  for (const [key, v] of Object.entries(o)) {
    if (key === '' || !['string', 'number', 'boolean'].includes(typeof v)) {
      fail(`resourceAttributes.${key}`, `expected a string, number or boolean; got ${describeValue(v)}`);
    }
  }
  return o as Record<string, string | number | boolean>;
}

function headers(value: unknown): Readonly<Record<string, string>> | undefined {
  const o = optionalObject(value, 'headers');
  if (o === undefined) return undefined;
  for (const [key, v] of Object.entries(o)) {
    if (typeof v !== 'string') fail(`headers.${key}`, `expected a string; got ${describeValue(v)}`);
  }
  return o as Record<string, string>;
}

function prometheus(value: unknown): ResolvedTelemetryOptions['prometheus'] {
  const o = optionalObject(value, 'prometheus');
  if (o === undefined) return undefined;
  for (const key of Object.keys(o)) {
    if (key !== 'port' && key !== 'host') fail(`prometheus.${key}`, 'unknown option; expected port, host');
  }
  const port = o.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    fail('prometheus.port', `expected a port number from 0 to 65535; got ${describeValue(port)}`);
  }
  return { port, host: optionalString(o.host, 'prometheus.host') };
}

const TAIL_SAMPLING_KNOWN = ['sampleRate', 'maxBufferedSpans', 'maxPendingTraces', 'decisionWaitMillis'];

function tailSampling(value: unknown): TailSamplingSettings | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('tailSampling', `expected { sampleRate: N } or false; got ${describeValue(value)}`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!TAIL_SAMPLING_KNOWN.includes(key)) {
      fail(`tailSampling.${key}`, `unknown option; expected one of ${TAIL_SAMPLING_KNOWN.join(', ')}`);
    }
  }
  if (o.sampleRate === undefined) {
    fail(
      'tailSampling.sampleRate',
      'missing: how many traces with nothing wrong one kept trace stands for (10 keeps 1 in 10)',
    );
  }
  return {
    sampleRate: wholeNumber(o.sampleRate, 'tailSampling.sampleRate', 1),
    maxBufferedSpans: wholeNumber(
      o.maxBufferedSpans,
      'tailSampling.maxBufferedSpans',
      TELEMETRY_DEFAULTS.tailSamplingMaxBufferedSpans,
    ),
    maxPendingTraces: wholeNumber(
      o.maxPendingTraces,
      'tailSampling.maxPendingTraces',
      TELEMETRY_DEFAULTS.tailSamplingMaxPendingTraces,
    ),
    decisionWaitMillis: wholeNumber(
      o.decisionWaitMillis,
      'tailSampling.decisionWaitMillis',
      TELEMETRY_DEFAULTS.tailSamplingDecisionWaitMillis,
    ),
  };
}

function logOption(value: unknown): ((line: string) => void) | undefined {
  if (value === false) return undefined;
  if (value === undefined) return (line) => console.info(line);
  if (typeof value !== 'function')
    fail('log', `expected a function (line) => void, or false; got ${describeValue(value)}`);
  return value as (line: string) => void;
}

const { optionalObject, boolean, wholeNumber } = optionChecks(fail);

/** A whole number of at least 0, or `fallback` when absent. */
function zeroOrMore(value: unknown, field: string, fallback: number): number {
  return wholeNumber(value, field, fallback, 0);
}

function fail(field: string, message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_TELEMETRY_OPTION', `startTelemetry: ${field}: ${message}`);
}
