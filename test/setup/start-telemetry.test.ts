// startTelemetry without a collector (the embedded default), its options and environment variables,
// its coded errors, and OTEL_SDK_DISABLED.
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ProxyTracerProvider, createNoopMeter, metrics, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, SlokitError, createSlokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';
import { createTestKit } from 'slokit/testing';
import { resolveTelemetryOptions } from '../../src/setup/options.js';
import { apiAvailability, catalogFreshness, checkout } from '../../examples/slis.js';
import { REQUESTS, send, shopHandler, slis } from './fixtures/shop.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(telemetry: Telemetry): Telemetry {
  cleanups.push(() => telemetry.shutdown());
  return telemetry;
}

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

async function get(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { method });
  return { status: response.status, body: await response.text() };
}

/** The `slokit_sli_events_total` lines of a scrape, without the scope labels. */
function sliLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('slokit_sli_events_total{'))
    .map((line) => line.replace(/,otel_scope_name="slokit",otel_scope_version="[^"]*"/, ''))
    .sort();
}

function withEnv(vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  cleanups.push(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

const NO_OTEL_ENV = Object.fromEntries(
  Object.keys(process.env)
    .filter((key) => key.startsWith('OTEL_'))
    .map((key) => [key, undefined]),
);

describe('the embedded default (no endpoint)', () => {
  it('keeps everything in the process: metrics on the handler, recent spans in memory, no connection out', async () => {
    withEnv({ ...NO_OTEL_ENV, npm_package_version: undefined, NODE_ENV: 'production' });
    // Every outgoing connection the process makes while the test runs, by remote port.
    const remotePorts: (number | undefined)[] = [];
    const onSocket = ({ socket }: { socket: Socket }): void => {
      socket.once('connect', () => remotePorts.push(socket.remotePort));
      socket.once('error', (error: NodeJS.ErrnoException & { port?: number }) =>
        remotePorts.push(error.port),
      );
    };
    dc.subscribe('net.client.socket', onSocket as (message: unknown) => void);
    cleanups.push(() => {
      dc.unsubscribe('net.client.socket', onSocket as (message: unknown) => void);
    });

    // A kit made before startTelemetry and one after; they judge different SLIs (two kits
    // reporting the same SLI names to one provider would report the same series twice).
    const kitBefore = createSlokit({ slis: [checkout, catalogFreshness] });
    cleanups.push(() => kitBefore.shutdown());
    const lines: string[] = [];
    const telemetry = track(
      startTelemetry({
        serviceName: 'shop',
        serviceInstanceId: '0123456789',
        recentSpans: 3,
        prometheus: { port: 0, host: '127.0.0.1' },
        log: (line) => lines.push(line),
        diagLogLevel: false,
      }),
    );
    const kitAfter = createSlokit({ slis: [apiAvailability] });
    cleanups.push(() => kitAfter.shutdown());
    // A kit with its own meter provider is left alone.
    const own = createTestKit({ slis });
    cleanups.push(() => own.shutdown());

    expect(lines).toEqual([
      'slokit: telemetry for service "shop" (instance 01234567): traces → memory only (the last 3 request spans); metrics → metricsHandler (Prometheus text), /metrics on a free port of its own (see metricsUrl); nothing leaves this machine (set OTEL_EXPORTER_OTLP_ENDPOINT to export)',
    ]);
    expect(telemetry.sdk).toEqual({ traces: 'slokit', metrics: 'slokit' });
    expect(telemetry.destinations).toEqual({ traces: undefined, metrics: undefined });
    expect(telemetry.resourceAttributes).toMatchObject({
      'service.name': 'shop',
      'service.instance.id': '0123456789',
      'deployment.environment.name': 'production',
    });
    expect(telemetry.resourceAttributes['service.version']).toBeUndefined();
    // Registered globally, as nothing else was.
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(telemetry.tracerProvider);
    expect(metrics.getMeterProvider()).toBe(telemetry.meterProvider);

    const shopPort = await serve(shopHandler(kitBefore, telemetry.metricsHandler));
    const otherPort = await serve(shopHandler(kitAfter));
    const ownPort = await serve(shopHandler(own.kit));
    const plan = [
      REQUESTS.checkout,
      REQUESTS.failedCheckout,
      REQUESTS.catalog,
      REQUESTS.slowCheckout,
      REQUESTS.staleCatalog,
    ];
    for (const request of plan) expect(await send(shopPort, request)).toBe(request.status);
    for (const request of [REQUESTS.checkout, REQUESTS.failedCheckout])
      expect(await send(otherPort, request)).toBe(request.status);
    expect(await send(ownPort, REQUESTS.checkout)).toBe(200);

    const scrape = await get(`http://127.0.0.1:${shopPort}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.body).toContain(
      'target_info{service_name="shop",service_instance_id="0123456789",deployment_environment_name="production"',
    );
    const lines1 = sliLines(scrape.body);
    // Both kits, every series from start-up (zeros included); the test kit's checkout is not here.
    expect(lines1).toEqual(
      [
        'api-availability",slokit_sli_outcome="bad",slokit_sli_reason="error"} 0',
        'api-availability",slokit_sli_outcome="bad",slokit_sli_reason="status"} 1',
        'api-availability",slokit_sli_outcome="good"} 1',
        'catalog-freshness",slokit_sli_outcome="bad",slokit_sli_reason="error"} 0',
        'catalog-freshness",slokit_sli_outcome="bad",slokit_sli_reason="latency"} 1',
        'catalog-freshness",slokit_sli_outcome="good"} 1',
        'checkout",slokit_sli_outcome="bad",slokit_sli_reason="aborted"} 0',
        'checkout",slokit_sli_outcome="bad",slokit_sli_reason="error"} 0',
        'checkout",slokit_sli_outcome="bad",slokit_sli_reason="latency"} 1',
        'checkout",slokit_sli_outcome="bad",slokit_sli_reason="status"} 1',
        'checkout",slokit_sli_outcome="good"} 1',
      ].map((rest) => `slokit_sli_events_total{slokit_sli_name="${rest}`),
    );
    expect(await own.counts()).toMatchObject({ checkout: { good: 1, bad: 0, badByReason: {} } });

    // The standalone port serves the same.
    const url = await telemetry.metricsUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(sliLines((await get(url!)).body)).toEqual(lines1);
    expect((await get(url!.replace('/metrics', '/other'))).status).toBe(404);
    expect((await get(`http://127.0.0.1:${shopPort}/metrics`, 'POST')).status).toBe(405);

    // The last three request spans, oldest first, with their verdicts.
    expect(
      telemetry.recentSpans().map((s) => [s.name, s.attributes['slokit.sli.api-availability.outcome']]),
    ).toEqual([
      ['GET /api/catalog', undefined],
      ['POST /api/checkout', 'good'],
      ['POST /api/checkout', 'bad'],
    ]);
    expect(telemetry.recentSpans()[0]!.attributes['slokit.sli.catalog-freshness.reason']).toBe('latency');

    await telemetry.forceFlush();
    const local = new Set([shopPort, otherPort, ownPort, Number(new URL(url!).port)]);
    expect(remotePorts.length).toBeGreaterThan(0);
    expect(remotePorts.filter((port) => !local.has(port!))).toEqual([]);

    // After shutdown, slokit's globals are gone and the kits report to the global (no-op) provider.
    await telemetry.shutdown();
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).not.toBe(
      telemetry.tracerProvider,
    );
    expect(metrics.getMeterProvider()).not.toBe(telemetry.meterProvider);
  });

  it('refuses a second start while running, and starts again after shutdown', async () => {
    const first = track(startTelemetry({ log: false, diagLogLevel: false }));
    expect(() => startTelemetry({ log: false })).toThrow(
      expect.objectContaining({ code: 'SLOKIT_E_TELEMETRY_STARTED' }) as SlokitError,
    );
    await first.shutdown();
    const second = track(startTelemetry({ log: false, diagLogLevel: false }));
    expect(second.sdk).toEqual({ traces: 'slokit', metrics: 'slokit' });
  });
});

describe('OTEL_SDK_DISABLED', () => {
  it('registers and exports nothing; the kits still judge', async () => {
    withEnv({ ...NO_OTEL_ENV, OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    const lines: string[] = [];
    const telemetry = track(startTelemetry({ log: (line) => lines.push(line) }));
    expect(lines).toEqual([
      'slokit: telemetry is disabled (OTEL_SDK_DISABLED or disabled: true): SLIs are still judged in the process, but no spans or metrics are recorded or exported',
    ]);
    expect(telemetry.sdk).toEqual({ traces: 'disabled', metrics: 'disabled' });
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(
      new ProxyTracerProvider().getDelegate(),
    );
    const kit = createSlokit({ slis });
    cleanups.push(() => kit.shutdown());
    expect(kit.record('catalog-freshness', { updatedAt: new Date() })).toEqual({ outcome: 'good' });
    const port = await serve(telemetry.metricsHandler);
    expect(await get(`http://127.0.0.1:${port}/metrics`)).toEqual({
      status: 503,
      body: 'slokit: telemetry is disabled (OTEL_SDK_DISABLED)\n',
    });
  });

  it('an option wins over the variable, and an unusable value is ignored with a warning', () => {
    expect(resolveTelemetryOptions({ disabled: false }, { OTEL_SDK_DISABLED: 'true' }).disabled).toBe(false);
    const resolved = resolveTelemetryOptions({}, { OTEL_SDK_DISABLED: 'yes' });
    expect(resolved.disabled).toBe(false);
    expect(resolved.envWarnings).toEqual([
      'OTEL_SDK_DISABLED="yes" is neither true nor false; treated as false',
    ]);
  });
});

describe('the OTLP encoding from the option and OTEL_EXPORTER_OTLP_*PROTOCOL', () => {
  const protocols = (options: object, env: Record<string, string>) => {
    const r = resolveTelemetryOptions(options, env);
    return { traces: r.tracesProtocol, metrics: r.metricsProtocol, warnings: r.envWarnings };
  };

  it.each([
    ['JSON by default', {}, {}, 'http/json', 'http/json', []],
    [
      'protobuf for both',
      {},
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
      'http/protobuf',
      'http/protobuf',
      [],
    ],
    [
      'a per-signal variable wins over the general one',
      {},
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' },
      'http/protobuf',
      'http/json',
      [],
    ],
    [
      'the option wins over every variable',
      { protocol: 'http/json' },
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' },
      'http/json',
      'http/json',
      [],
    ],
    [
      'grpc: not supported, JSON sent, said once',
      {},
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'http/json',
      'http/json',
      [
        "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported (slokit exports OTLP over HTTP only); sending http/json instead: point the endpoint at the collector's OTLP/HTTP port (4318), or set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
      ],
    ],
    [
      'an unknown value',
      {},
      { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'HTTP/Thrift', OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/PROTOBUF' },
      'http/json',
      'http/protobuf',
      [
        'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="HTTP/Thrift" is not one of http/json, http/protobuf; sending http/json',
      ],
    ],
  ])('%s', (_name, options, env, traces, metrics, warnings) => {
    expect(protocols(options, env)).toEqual({ traces, metrics, warnings });
  });

  it('the option refuses grpc and anything else with SLOKIT_E_TELEMETRY_OPTION', () => {
    expect(() => resolveTelemetryOptions({ protocol: 'grpc' }, {})).toThrow(
      expect.objectContaining({ code: 'SLOKIT_E_TELEMETRY_OPTION' }),
    );
    expect(() => resolveTelemetryOptions({ protocol: 'grpc' }, {})).toThrow(
      "startTelemetry: protocol: OTLP over gRPC is not supported; use 'http/json' or 'http/protobuf' with the collector's OTLP/HTTP port (4318)",
    );
    expect(() => resolveTelemetryOptions({ protocol: 'protobuf' }, {})).toThrow(
      `startTelemetry: protocol: expected 'http/json' or 'http/protobuf'; got string "protobuf"`,
    );
  });
});

describe('endpoints from options and the standard environment variables', () => {
  const urls = (options: object, env: Record<string, string>) => {
    const r = resolveTelemetryOptions(options, env);
    return { traces: r.tracesUrl, metrics: r.metricsUrl };
  };

  it.each([
    ['nothing configured', {}, {}, { traces: undefined, metrics: undefined }],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT gets the signal paths',
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      { traces: 'http://collector:4318/v1/traces', metrics: 'http://collector:4318/v1/metrics' },
    ],
    [
      'a base with a path and a trailing slash',
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/otlp/' },
      {
        traces: 'https://otlp.example.com/otlp/v1/traces',
        metrics: 'https://otlp.example.com/otlp/v1/metrics',
      },
    ],
    [
      'per-signal variables are used as they are, over the base',
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/traces',
      },
      { traces: 'http://tempo:4318/traces', metrics: 'http://collector:4318/v1/metrics' },
    ],
    [
      'the endpoint option wins over every variable',
      { endpoint: 'http://mine:4318' },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/traces',
      },
      { traces: 'http://mine:4318/v1/traces', metrics: 'http://mine:4318/v1/metrics' },
    ],
    [
      'endpoint: false turns OTLP off whatever the environment says',
      { endpoint: false },
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4318/m',
      },
      { traces: undefined, metrics: undefined },
    ],
    [
      'per-signal options, one of them off',
      { tracesEndpoint: 'http://jaeger:4318/v1/traces', metricsEndpoint: false },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      { traces: 'http://jaeger:4318/v1/traces', metrics: undefined },
    ],
  ])('%s', (_name, options, env, expected) => {
    expect(urls(options, env)).toEqual(expected);
  });
});

describe('the resource', () => {
  it('takes OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES, and the options over both', async () => {
    withEnv({
      ...NO_OTEL_ENV,
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_RESOURCE_ATTRIBUTES:
        'service.name=from-attributes,service.version=2.0.0,deployment.environment.name=staging,team=payments',
      npm_package_version: '9.9.9',
      NODE_ENV: 'production',
    });
    const fromEnv = track(startTelemetry({ log: false, diagLogLevel: false }));
    expect(fromEnv.resourceAttributes).toMatchObject({
      'service.name': 'from-env',
      'service.version': '2.0.0',
      'deployment.environment.name': 'staging',
      team: 'payments',
    });
    expect(fromEnv.resourceAttributes['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
    await fromEnv.shutdown();

    const fromOptions = track(
      startTelemetry({
        serviceName: 'shop',
        serviceVersion: '1.0.0',
        environment: 'test',
        resourceAttributes: { team: 'checkout', 'service.name': 'loses' },
        log: false,
        diagLogLevel: false,
      }),
    );
    expect(fromOptions.resourceAttributes).toMatchObject({
      'service.name': 'shop',
      'service.version': '1.0.0',
      'deployment.environment.name': 'test',
      team: 'checkout',
    });
  });

  it('falls back to npm_package_version, NODE_ENV and a fresh instance id per process start', async () => {
    withEnv({ ...NO_OTEL_ENV, npm_package_version: '3.1.4', NODE_ENV: 'staging' });
    const a = track(startTelemetry({ log: false, diagLogLevel: false }));
    const attributes = a.resourceAttributes;
    await a.shutdown();
    const b = track(startTelemetry({ log: false, diagLogLevel: false }));
    expect(attributes['service.name']).toMatch(/^unknown_service:/);
    expect(attributes).toMatchObject({
      'service.version': '3.1.4',
      'deployment.environment.name': 'staging',
    });
    expect(b.resourceAttributes['service.instance.id']).not.toBe(attributes['service.instance.id']);
  });
});

describe('coded errors', () => {
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(SlokitError);
      return (error as SlokitError).code;
    }
    return undefined;
  };

  it.each([
    ['an unknown option', { serviceNmae: 'shop' }, 'startTelemetry: serviceNmae: unknown option'],
    [
      'a relative endpoint',
      { endpoint: 'collector:4318' },
      "startTelemetry: endpoint: expected an absolute http(s) URL such as 'http://localhost:4318', or false",
    ],
    [
      'a non-http endpoint',
      { tracesEndpoint: 'ftp://collector/v1/traces' },
      'startTelemetry: tracesEndpoint: expected an absolute http(s) URL',
    ],
    [
      'headers that are not strings',
      { headers: { 'x-api-key': 42 } },
      'startTelemetry: headers.x-api-key: expected a string; got number 42',
    ],
    [
      'a port out of range',
      { prometheus: { port: 70_000 } },
      'startTelemetry: prometheus.port: expected a port number from 0 to 65535; got number 70000',
    ],
    [
      'a zero queue',
      { batch: { maxQueueSize: 0 } },
      'startTelemetry: batch.maxQueueSize: expected a whole number of at least 1; got number 0',
    ],
    [
      'a batch larger than the queue',
      { batch: { maxQueueSize: 10, maxExportBatchSize: 20 } },
      'startTelemetry: batch.maxExportBatchSize: 20 is larger than batch.maxQueueSize (10)',
    ],
    [
      'a negative recentSpans',
      { recentSpans: -1 },
      'startTelemetry: recentSpans: expected a whole number of at least 0; got number -1',
    ],
    [
      'a log that is not a function',
      { log: 'console' },
      'startTelemetry: log: expected a function (line) => void, or false',
    ],
    [
      'an unknown diag level',
      { diagLogLevel: 'loud' },
      "startTelemetry: diagLogLevel: expected one of 'none', 'error', 'warn', 'info', 'debug', 'verbose', 'all' or false",
    ],
    [
      'tailSampling without a rate',
      { tailSampling: {} },
      'startTelemetry: tailSampling.sampleRate: missing: how many traces with nothing wrong one kept trace stands for (10 keeps 1 in 10)',
    ],
    [
      'a fractional sample rate',
      { tailSampling: { sampleRate: 2.5 } },
      'startTelemetry: tailSampling.sampleRate: expected a whole number of at least 1; got number 2.5',
    ],
    [
      'a zero sample rate',
      { tailSampling: { sampleRate: 0 } },
      'startTelemetry: tailSampling.sampleRate: expected a whole number of at least 1; got number 0',
    ],
    [
      'an unknown tailSampling option',
      { tailSampling: { sampleRate: 10, maxSpans: 10 } },
      'startTelemetry: tailSampling.maxSpans: unknown option; expected one of sampleRate, maxBufferedSpans, maxPendingTraces, decisionWaitMillis',
    ],
    [
      'a zero decision wait',
      { tailSampling: { sampleRate: 10, decisionWaitMillis: 0 } },
      'startTelemetry: tailSampling.decisionWaitMillis: expected a whole number of at least 1; got number 0',
    ],
    [
      'tailSampling as a number',
      { tailSampling: 10 },
      'startTelemetry: tailSampling: expected { sampleRate: N } or false; got number 10',
    ],
    [
      'not an object',
      'shop',
      'startTelemetry: options: expected an options object or nothing; got string "shop"',
    ],
  ])('SLOKIT_E_TELEMETRY_OPTION for %s', (_name, options, message) => {
    expect(() => startTelemetry(options as never)).toThrow(message);
    expect(code(() => startTelemetry(options as never))).toBe('SLOKIT_E_TELEMETRY_OPTION');
  });

  it('SLOKIT_E_TELEMETRY_ENV for an unusable endpoint variable (unless an option replaces it)', () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'localhost:4318' };
    expect(code(() => resolveTelemetryOptions({}, env))).toBe('SLOKIT_E_TELEMETRY_ENV');
    expect(() => resolveTelemetryOptions({}, env)).toThrow(
      'startTelemetry: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="localhost:4318" is not an absolute http(s) URL such as http://localhost:4318',
    );
    expect(resolveTelemetryOptions({ endpoint: 'http://ok:4318' }, env).tracesUrl).toBe(
      'http://ok:4318/v1/traces',
    );
  });

  it('nothing is registered when an option is wrong', () => {
    expect(() => startTelemetry({ endpoint: 'nope' })).toThrow();
    expect(metrics.getMeterProvider().getMeter('probe')).toBe(createNoopMeter());
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(
      new ProxyTracerProvider().getDelegate(),
    );
  });

  it('every telemetry code is declared', () => {
    expect(Object.keys(ERROR_CODES).filter((c) => c.startsWith('SLOKIT_E_TELEMETRY_'))).toEqual([
      'SLOKIT_E_TELEMETRY_OPTION',
      'SLOKIT_E_TELEMETRY_ENV',
      'SLOKIT_E_TELEMETRY_STARTED',
    ]);
  });
});
