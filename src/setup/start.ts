import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DiagConsoleLogger,
  DiagLogLevel,
  ProxyTracerProvider,
  diag,
  metrics,
  trace,
} from '@opentelemetry/api';
import type { Attributes, MeterProvider, TracerProvider } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider as SdkMeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RESOURCE_SERVICE_INSTANCE_ID, RESOURCE_SERVICE_NAME } from '../conventions.js';
import { excludeCurrentEvent } from '../context/store.js';
import { SlokitDefinitionError } from '../errors.js';
import { releaseWarningLogger, setWarningLogger, warnOnce } from '../runtime/diag.js';
import { METER_PROVIDER_SLOT, liveKits, rebindKitTracers, runtimeOf } from '../runtime/kit.js';
import { ExportStats, describeError, setActiveExportStats } from './export-stats.js';
import type { ExportStatsSnapshot } from './export-stats.js';
import {
  hasGlobalMeterProvider,
  hasGlobalTracerProvider,
  registerContext,
  unregisterContext,
} from './globals.js';
import { CountingMetricExporter } from './metric-pipeline.js';
import { resolveTelemetryOptions } from './options.js';
import type { DiagLevelName, OtlpProtocol, ResolvedTelemetryOptions, TelemetryOptions } from './options.js';
import { OtlpTraceExporter } from './otlp-trace-exporter.js';
import { RecentSpansProcessor } from './recent-spans.js';
import { buildResource } from './resource.js';
import { flushOnSignals } from './signals.js';
import { SpanExportPipeline } from './span-pipeline.js';
import { TailSamplingProcessor } from './tail-sampling.js';

/** Who is in charge of a signal: slokit's SDK, the app's own (registered before), or nobody. */
export type SignalOwner = 'slokit' | 'app' | 'disabled';

/** What {@link startTelemetry} started. */
export interface Telemetry {
  /**
   * Serves slokit's metrics (and any other OTel metrics of the process) in the Prometheus text
   * format. Mount it on the app's router: `app.get('/metrics', telemetry.metricsHandler)`. Answers
   * 404 when the app's own SDK is in charge of metrics, 503 when telemetry is disabled or shut down.
   */
  readonly metricsHandler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The tracer provider request spans go to: slokit's, or the app's when it was registered first. */
  readonly tracerProvider: TracerProvider;
  /** The meter provider the kits report to: slokit's, or the app's when it was registered first. */
  readonly meterProvider: MeterProvider;
  /** Who is in charge of each signal. */
  readonly sdk: { readonly traces: SignalOwner; readonly metrics: SignalOwner };
  /** Where slokit sends each signal over OTLP/HTTP (`undefined`: nowhere off the machine). */
  readonly destinations: { readonly traces: string | undefined; readonly metrics: string | undefined };
  /** The resource attributes of slokit's telemetry (`service.name`, `service.instance.id`, ...). */
  readonly resourceAttributes: Readonly<Attributes>;
  /**
   * The URL of the standalone metrics endpoint once it listens (option `prometheus`), `undefined`
   * without one or if it could not listen (logged). Never rejects.
   */
  readonly metricsUrl: Promise<string | undefined>;
  /** The most recent finished request spans, oldest first (empty when the app's SDK is in charge). */
  recentSpans(): ReadableSpan[];
  /** Failed exports and lost spans since start-up (also exported as `slokit.export.*`). */
  exportStats(): ExportStatsSnapshot;
  /** Exports what is pending now. Never rejects; failures are counted. */
  forceFlush(): Promise<void>;
  /**
   * Flushes pending spans and metrics (within `shutdownTimeoutMillis`) and stops: every span that
   * ended before the returned promise resolves has been handed to the exporter. Idempotent; never
   * rejects. Afterwards `startTelemetry()` may be called again.
   */
  shutdown(): Promise<void>;
}

// One telemetry per process, shared by the ESM and CJS builds.
const TELEMETRY_SLOT = Symbol.for('slokit.telemetry');
const slots = globalThis as Record<symbol, unknown>;

const DIAG_LEVEL: Readonly<Record<DiagLevelName, DiagLogLevel>> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/**
 * Starts exporting slokit's telemetry from this process: request spans with their verdicts and
 * wide attributes, and the SLI counters. The only part of slokit that loads OpenTelemetry SDK
 * packages.
 *
 * - With no OTLP endpoint configured (option or `OTEL_EXPORTER_OTLP_ENDPOINT`), nothing leaves the
 *   machine: metrics are served by `metricsHandler`, recent request spans are kept in memory.
 * - With one, traces and metrics also go there over OTLP/HTTP (JSON, or protobuf with `protocol` or
 *   `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`), off the request path through
 *   bounded queues; failed exports and lost spans are counted (`slokit.export.*`) and logged at
 *   most once a minute.
 * - If the app already registered an OpenTelemetry SDK, it stays in charge (slokit says so once):
 *   request spans go to the app's tracer provider and the counters to its meter provider.
 *
 * Every kit, made before or after, reports its counters to the meter provider in charge. Options
 * win over the standard `OTEL_*` environment variables. Option mistakes throw a coded error.
 *
 * @example
 * import { startTelemetry } from 'slokit/setup';
 *
 * const telemetry = startTelemetry({ serviceName: 'shop', handleSignals: true });
 * app.get('/metrics', telemetry.metricsHandler);
 * // ... on the way out (handleSignals does this on SIGTERM/SIGINT):
 * await telemetry.shutdown();
 */
export function startTelemetry(options?: TelemetryOptions): Telemetry {
  const o = resolveTelemetryOptions(options);
  if (slots[TELEMETRY_SLOT] !== undefined) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_TELEMETRY_STARTED',
      'startTelemetry: telemetry is already running in this process; share the object the first call returned, or await its shutdown() before starting again',
    );
  }
  const log = o.log ?? (() => undefined);
  for (const warning of o.envWarnings) safeLog(log, `slokit: ${warning}`);
  const owner = {};
  if (o.logger !== undefined) setWarningLogger(o.logger, owner);
  const telemetry = o.disabled ? disabledTelemetry(log, owner) : runningTelemetry(o, log, owner);
  slots[TELEMETRY_SLOT] = telemetry;
  return telemetry;
}

function runningTelemetry(
  o: ResolvedTelemetryOptions,
  log: (line: string) => void,
  loggerOwner: object,
): Telemetry {
  const appTraces = hasGlobalTracerProvider();
  const appMetrics = hasGlobalMeterProvider();
  const resource = buildResource(o);
  const tracesUrl = appTraces ? undefined : o.tracesUrl;
  const metricsUrl = appMetrics ? undefined : o.metricsUrl;
  const destinations = {
    traces: tracesUrl && printableUrl(tracesUrl),
    metrics: metricsUrl && printableUrl(metricsUrl),
  };
  const stats = new ExportStats(destinations);
  setActiveExportStats(stats);

  // Traces: slokit's provider, unless the app registered one.
  let ownTracer: BasicTracerProvider | undefined;
  let recent: RecentSpansProcessor | undefined;
  let pipeline: SpanExportPipeline | undefined;
  if (!appTraces) {
    let processors: SpanProcessor[] = [];
    const sampling = o.tailSampling;
    if (o.recentSpans > 0) {
      recent = new RecentSpansProcessor(o.recentSpans, sampling !== undefined);
      if (sampling === undefined) processors.push(recent);
    }
    if (tracesUrl !== undefined) {
      const exporter = new OtlpTraceExporter(o.tracesProtocol, {
        url: tracesUrl,
        ...(o.headers === undefined ? {} : { headers: { ...o.headers } }),
        timeoutMillis: o.exportTimeoutMillis,
        // Enough for a forceFlush of a full queue (it sends every batch at once), and no more.
        concurrencyLimit: Math.ceil(o.maxQueueSize / o.maxExportBatchSize) + 1,
      });
      pipeline = new SpanExportPipeline(exporter, stats, o);
      processors.push(pipeline);
    }
    // Tail sampling stands in front of both: only kept spans reach the export queue and the ring.
    if (sampling !== undefined && (recent !== undefined || pipeline !== undefined)) {
      processors = [new TailSamplingProcessor(sampling, stats, processors, recent)];
    }
    ownTracer = new BasicTracerProvider({
      resource,
      spanLimits: {
        attributeCountLimit: o.attributeCountLimit,
        attributeValueLengthLimit: o.attributeValueLengthLimit,
        eventCountLimit: o.eventCountLimit,
        linkCountLimit: o.linkCountLimit,
      },
      spanProcessors: processors,
    });
    trace.setGlobalTracerProvider(ownTracer);
  }
  // Kits made before (even under an earlier telemetry) take their tracer from the provider now in charge.
  rebindKitTracers();
  const contextRegistration = registerContext();

  // Metrics: slokit's provider with a Prometheus reader (and OTLP), unless the app registered one.
  let ownMeter: SdkMeterProvider | undefined;
  let prometheus: PrometheusExporter | undefined;
  if (!appMetrics) {
    // The exporter's own server treats port 0 as its default 9464 and does not say where it
    // listens, so the standalone port is served by a server of ours through the same handler.
    prometheus = new PrometheusExporter({ preventServerStart: true });
    const readers: IMetricReader[] = [prometheus];
    if (metricsUrl !== undefined) {
      // The reader's own timeout is at most the interval. slokit's ends a hanging export a little
      // before it, so the timeout is counted and logged like any failed export (once a minute),
      // not by the reader on every interval.
      const readerTimeout = o.metricsExportIntervalMillis;
      const timeoutMillis = Math.max(
        1,
        Math.min(o.exportTimeoutMillis, readerTimeout - Math.min(100, Math.ceil(readerTimeout / 10))),
      );
      const Exporter = o.metricsProtocol === 'http/protobuf' ? OTLPMetricProtoExporter : OTLPMetricExporter;
      const exporter = new Exporter({
        url: metricsUrl,
        ...(o.headers === undefined ? {} : { headers: { ...o.headers } }),
        timeoutMillis,
        concurrencyLimit: 2,
      });
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new CountingMetricExporter(exporter, stats, timeoutMillis),
          exportIntervalMillis: o.metricsExportIntervalMillis,
          exportTimeoutMillis: readerTimeout,
        }),
      );
    }
    ownMeter = new SdkMeterProvider({ resource, readers });
    metrics.setGlobalMeterProvider(ownMeter);
  }
  const kitMeterProvider: MeterProvider = ownMeter ?? metrics.getMeterProvider();
  slots[METER_PROVIDER_SLOT] = kitMeterProvider;
  bindKits(kitMeterProvider);
  stats.bind(kitMeterProvider);

  // Where slokit's SDK is in charge, make its warnings visible and keep the SDK's own error
  // reports (one per failed batch) from flooding the log: they are counted already.
  const diagInstalled = !appTraces && o.diagLogLevel !== false;
  if (diagInstalled) {
    diag.setLogger(new DiagConsoleLogger(), {
      logLevel: DIAG_LEVEL[o.diagLogLevel],
      suppressOverrideMessage: true,
    });
  }
  const errorHandlerInstalled = ownTracer !== undefined || ownMeter !== undefined;
  if (errorHandlerInstalled) {
    setGlobalErrorHandler((error) => {
      if (stats.alreadyReported(error)) return;
      warnOnce(
        'otel.sdk.error',
        `OpenTelemetry SDK error (repeats are not logged for a minute): ${describeError(error)}`,
      );
    });
  }

  // The standalone metrics port.
  let server: Server | undefined;
  const metricsHandler = makeMetricsHandler(() => prometheus, appMetrics);
  const metricsUrlPromise = new Promise<string | undefined>((resolve) => {
    if (o.prometheus === undefined || prometheus === undefined) return resolve(undefined);
    const { port, host } = o.prometheus;
    server = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] === '/metrics') return metricsHandler(req, res);
      res.statusCode = 404;
      res.end('Not found: metrics are at /metrics\n');
    });
    // Like the OTel exporter's own server: it must not keep the process alive by itself.
    server.unref();
    server.once('error', (error) => {
      safeLog(
        log,
        `slokit: the standalone metrics endpoint could not listen on port ${port}: ${describeError(error)}`,
      );
      resolve(undefined);
    });
    server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
      const address = server!.address() as AddressInfo;
      const shownHost = host ?? 'localhost';
      resolve(`http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}/metrics`);
    });
  });

  safeLog(
    log,
    startupLine({
      resource: resource.attributes,
      appTraces,
      appMetrics,
      tracesUrl: destinations.traces,
      metricsUrl: destinations.metrics,
      tracesProtocol: o.tracesProtocol,
      metricsProtocol: o.metricsProtocol,
      recentSpans: o.recentSpans,
      sampleRate: o.tailSampling?.sampleRate,
      intervalMs: o.metricsExportIntervalMillis,
      standalonePort: o.prometheus?.port,
    }),
  );

  if (appTraces && o.tailSampling !== undefined) {
    safeLog(
      log,
      "slokit: tailSampling has no effect: the app's own OpenTelemetry SDK is in charge of traces and decides which spans it exports",
    );
  }

  let stopping: Promise<void> | undefined;
  let removeSignalHandlers: (() => void) | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      removeSignalHandlers?.();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), o.shutdownTimeoutMillis);
        timer.unref();
      });
      // The meter provider's shutdown exports the final counts; spans that end meanwhile are still
      // exported (the pipeline stays open until it is done).
      const metricsDone = ownMeter === undefined ? Promise.resolve() : ownMeter.shutdown().catch(report);
      pipeline?.holdOpenUntil(Promise.race([metricsDone, timedOut]));
      const tracesDone = ownTracer === undefined ? Promise.resolve() : ownTracer.shutdown().catch(report);
      // From the moment the pipeline closes, only microtasks run until this promise resolves, so no
      // span can end (an I/O callback) in between unexported.
      const outcome = await Promise.race([
        Promise.all([metricsDone, tracesDone]).then(() => 'done' as const),
        timedOut,
      ]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        safeLog(
          log,
          `slokit: telemetry shutdown gave up after ${o.shutdownTimeoutMillis} ms (the collector is slow or unreachable); data still in flight may be lost`,
        );
      }
      // Hand the process back as it was: globals slokit registered, kits, logger, error handler.
      if (ownTracer !== undefined) {
        const global = trace.getTracerProvider();
        if (global instanceof ProxyTracerProvider && global.getDelegate() === ownTracer) trace.disable();
        rebindKitTracers();
      }
      if (ownMeter !== undefined && metrics.getMeterProvider() === ownMeter) metrics.disable();
      unregisterContext(contextRegistration);
      stats.unbind();
      setActiveExportStats(undefined, stats);
      if (slots[METER_PROVIDER_SLOT] === kitMeterProvider) delete slots[METER_PROVIDER_SLOT];
      if (ownMeter !== undefined) bindKits(metrics.getMeterProvider());
      if (errorHandlerInstalled) setGlobalErrorHandler(loggingErrorHandler());
      if (diagInstalled) diag.disable();
      server?.close();
      releaseWarningLogger(loggerOwner);
      if (slots[TELEMETRY_SLOT] === telemetry) delete slots[TELEMETRY_SLOT];
    })());
  if (o.handleSignals) removeSignalHandlers = flushOnSignals(shutdown);

  const telemetry: Telemetry = {
    metricsHandler: (req, res) => {
      if (stopping !== undefined) {
        excludeCurrentEvent();
        return unavailable(res, 503, 'slokit: telemetry has shut down\n');
      }
      metricsHandler(req, res);
    },
    tracerProvider: ownTracer ?? trace.getTracerProvider(),
    meterProvider: kitMeterProvider,
    sdk: { traces: appTraces ? 'app' : 'slokit', metrics: appMetrics ? 'app' : 'slokit' },
    destinations,
    resourceAttributes: Object.freeze({ ...resource.attributes }),
    metricsUrl: metricsUrlPromise,
    recentSpans: () => recent?.spans() ?? [],
    exportStats: () => stats.snapshot(),
    forceFlush: async () => {
      await Promise.all([ownTracer?.forceFlush().catch(report), ownMeter?.forceFlush().catch(report)]);
    },
    shutdown,
  };
  return Object.freeze(telemetry);
}

/** `OTEL_SDK_DISABLED`: nothing registered, nothing recorded or exported; kits still judge and count. */
function disabledTelemetry(log: (line: string) => void, loggerOwner: object): Telemetry {
  safeLog(
    log,
    'slokit: telemetry is disabled (OTEL_SDK_DISABLED or disabled: true): SLIs are still judged in the process, but no spans or metrics are recorded or exported',
  );
  let stopped: Promise<void> | undefined;
  const telemetry: Telemetry = {
    metricsHandler: (_req, res) => {
      excludeCurrentEvent();
      unavailable(res, 503, 'slokit: telemetry is disabled (OTEL_SDK_DISABLED)\n');
    },
    tracerProvider: trace.getTracerProvider(),
    meterProvider: metrics.getMeterProvider(),
    sdk: { traces: 'disabled', metrics: 'disabled' },
    destinations: { traces: undefined, metrics: undefined },
    resourceAttributes: Object.freeze({}),
    metricsUrl: Promise.resolve(undefined),
    recentSpans: () => [],
    exportStats: () => new ExportStats({ traces: undefined, metrics: undefined }).snapshot(),
    forceFlush: () => Promise.resolve(),
    shutdown: () =>
      (stopped ??= Promise.resolve().then(() => {
        releaseWarningLogger(loggerOwner);
        if (slots[TELEMETRY_SLOT] === telemetry) delete slots[TELEMETRY_SLOT];
      })),
  };
  return Object.freeze(telemetry);
}

/** Binds every live kit made without its own `meterProvider` option to `provider`. */
function bindKits(provider: MeterProvider): void {
  for (const kit of liveKits()) {
    try {
      if (runtimeOf(kit, 'startTelemetry').options.meterProvider === undefined)
        kit.bindMeterProvider(provider);
    } catch (error) {
      warnOnce('telemetry.bind', `could not bind a kit to the meter provider: ${describeError(error)}`);
    }
  }
}

function makeMetricsHandler(
  reader: () => PrometheusExporter | undefined,
  appMetrics: boolean,
): (req: IncomingMessage, res: ServerResponse) => void {
  return function slokitMetricsHandler(req, res) {
    // A scrape is not a request of the service: no SLI of a kit around it judges it.
    excludeCurrentEvent();
    try {
      const prometheus = reader();
      if (prometheus === undefined) {
        return unavailable(
          res,
          404,
          appMetrics
            ? "slokit: metrics go through the application's own OpenTelemetry MeterProvider (registered before startTelemetry); serve or export them from there\n"
            : 'slokit: no metrics here\n',
        );
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return unavailable(res, 405, 'slokit: use GET\n');
      }
      prometheus.getMetricsRequestHandler(req, res);
    } catch (error) {
      warnOnce('metrics.handler', `the metrics handler failed: ${describeError(error)}`);
      if (!res.headersSent) unavailable(res, 500, 'slokit: could not collect metrics\n');
    }
  };
}

function unavailable(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(body);
}

function report(error: unknown): void {
  warnOnce('telemetry.shutdown', `a telemetry shutdown step failed: ${describeError(error)}`);
}

function safeLog(log: (line: string) => void, line: string): void {
  try {
    log(line);
  } catch {
    // A broken logger must not stop the app from starting.
  }
}

/** A URL fit for a log line: no credentials, no query string (API keys sometimes travel there). */
function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.href;
  } catch {
    return '(invalid URL)';
  }
}

interface StartupFacts {
  readonly resource: Readonly<Attributes>;
  readonly appTraces: boolean;
  readonly appMetrics: boolean;
  readonly tracesUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  readonly tracesProtocol?: OtlpProtocol;
  readonly metricsProtocol?: OtlpProtocol;
  readonly recentSpans: number;
  /** The tail sampling rate, when on. */
  readonly sampleRate?: number | undefined;
  readonly intervalMs: number;
  readonly standalonePort: number | undefined;
}

const otlp = (protocol: OtlpProtocol | undefined): string =>
  protocol === 'http/protobuf' ? 'OTLP/HTTP (protobuf)' : 'OTLP/HTTP';

/** The one start-up line: which service, and where each signal goes. */
export function startupLine(f: StartupFacts): string {
  const name = String(f.resource[RESOURCE_SERVICE_NAME] ?? 'unknown_service');
  const instance = String(f.resource[RESOURCE_SERVICE_INSTANCE_ID] ?? '').slice(0, 8);
  const head = `slokit: telemetry for service "${name}"${instance === '' ? '' : ` (instance ${instance})`}`;
  if (f.appTraces && f.appMetrics) {
    return `${head}: an OpenTelemetry SDK was already registered in this process and stays in charge of traces and metrics; slokit adds its verdicts to that SDK's spans and its counters to that SDK's MeterProvider, and exports nothing itself`;
  }
  const sampled =
    f.sampleRate === undefined || f.appTraces || (f.tracesUrl === undefined && f.recentSpans === 0)
      ? ''
      : `, tail-sampled (every trace with a bad verdict, an error or a 5xx, and 1 in ${f.sampleRate} of the others)`;
  const traces = f.appTraces
    ? "traces → the app's own OpenTelemetry SDK (registered before slokit; it stays in charge)"
    : f.tracesUrl !== undefined
      ? `traces → ${otlp(f.tracesProtocol)} ${f.tracesUrl}${f.recentSpans > 0 ? ` (and the last ${f.recentSpans} request spans in memory)` : ''}${sampled}`
      : f.recentSpans > 0
        ? `traces → memory only (the last ${f.recentSpans} request spans)${sampled}`
        : 'traces → not kept';
  const metricsParts: string[] = [];
  if (f.appMetrics) {
    metricsParts.push(
      "the app's own OpenTelemetry MeterProvider (registered before slokit; it stays in charge)",
    );
  } else {
    metricsParts.push('metricsHandler (Prometheus text)');
    if (f.standalonePort !== undefined)
      metricsParts.push(
        f.standalonePort === 0
          ? '/metrics on a free port of its own (see metricsUrl)'
          : `/metrics on port ${f.standalonePort}`,
      );
    if (f.metricsUrl !== undefined)
      metricsParts.push(`${otlp(f.metricsProtocol)} ${f.metricsUrl} every ${f.intervalMs / 1000} s`);
  }
  const offline =
    !f.appTraces && !f.appMetrics && f.tracesUrl === undefined && f.metricsUrl === undefined
      ? '; nothing leaves this machine (set OTEL_EXPORTER_OTLP_ENDPOINT to export)'
      : '';
  return `${head}: ${traces}; metrics → ${metricsParts.join(', ')}${offline}`;
}
