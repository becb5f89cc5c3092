// startTelemetry with an OTLP endpoint, against a real receiver: the request spans (verdicts, wide
// attributes, resource) and the slokit.sli.events data points arrive, exactly as the real
// OTLP/HTTP exporters encode them, in JSON and in protobuf.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContext, createSlokit } from 'slokit';
import type { Slokit } from 'slokit';
import { wrapHandler } from 'slokit/node';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../helpers/otlp-receiver.js';
import { REQUESTS, expectedCounts, send, shopHandler, slis } from './fixtures/shop.js';
import type { PlannedRequest } from './fixtures/shop.js';

/** Every reason a span may be dropped for, at zero. */
const NO_DROPS = {
  queue_full: 0,
  export_failed: 0,
  shutdown: 0,
  sampled_out: 0,
  sampling_timeout: 0,
  sampling_buffer_full: 0,
};

const PLAN: PlannedRequest[] = [
  REQUESTS.checkout,
  REQUESTS.checkout,
  REQUESTS.slowCheckout,
  REQUESTS.failedCheckout,
  REQUESTS.catalog,
  REQUESTS.staleCatalog,
  REQUESTS.checkout,
  REQUESTS.notFound,
];

/** Every series of slokit.sli.events at zero: both outcomes, bad per possible reason. */
const ZERO: Record<string, number> = {
  'checkout/good': 0,
  'checkout/bad/error': 0,
  'checkout/bad/status': 0,
  'checkout/bad/aborted': 0,
  'checkout/bad/latency': 0,
  'api-availability/good': 0,
  'api-availability/bad/error': 0,
  'api-availability/bad/status': 0,
  'catalog-freshness/good': 0,
  'catalog-freshness/bad/error': 0,
  'catalog-freshness/bad/latency': 0,
};

function verdictsOf(span: ReceivedSpan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sli of ['checkout', 'api-availability', 'catalog-freshness']) {
    const outcome = span.attributes[`slokit.sli.${sli}.outcome`];
    const reason = span.attributes[`slokit.sli.${sli}.reason`];
    if (outcome !== undefined)
      out[sli] = reason === undefined ? String(outcome) : `${String(outcome)}/${String(reason)}`;
  }
  return out;
}

// Each encoding picked the way users pick it: JSON by default, protobuf through the environment.
const ENCODINGS = [
  { protocol: 'http/json', env: undefined, contentType: 'application/json', shown: 'OTLP/HTTP' },
  {
    protocol: 'http/protobuf',
    env: 'http/protobuf',
    contentType: 'application/x-protobuf',
    shown: 'OTLP/HTTP (protobuf)',
  },
] as const;

describe.each(ENCODINGS)('startTelemetry → OTLP/HTTP receiver, $protocol', (encoding) => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let kit: Slokit;
  let server: http.Server;
  let port = 0;
  const lines: string[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // A kit made before startTelemetry: it must be bound to slokit's meter provider too.
    kit = createSlokit({ slis, limits: { maxAttributes: 250 } });
    const before = process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    if (encoding.env === undefined) delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    else process.env.OTEL_EXPORTER_OTLP_PROTOCOL = encoding.env;
    telemetry = startTelemetry({
      serviceName: 'shop',
      serviceVersion: '1.2.3',
      serviceInstanceId: 'shop-1',
      environment: 'test',
      resourceAttributes: { 'cloud.region': 'eu-west-1' },
      endpoint: receiver.url,
      headers: { 'x-api-key': 'secret-key' },
      metricsExportIntervalMillis: 60_000,
      batch: { scheduledDelayMillis: 50 },
      log: (line) => lines.push(line),
      diagLogLevel: false,
    });
    if (before === undefined) delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    else process.env.OTEL_EXPORTER_OTLP_PROTOCOL = before;
    const shop = shopHandler(kit);
    // 150 attributes from the app: with the OTel default limit (128) some would be dropped.
    const wide = wrapHandler(
      kit,
      (_req, res) => {
        const attributes: Record<string, number> = {};
        for (let i = 0; i < 150; i++) attributes[`app.k${i}`] = i;
        addContext(attributes);
        res.end('wide');
      },
      { route: () => '/api/wide' },
    );
    server = http.createServer(
      (req, res) => void (req.url === '/api/wide' ? wide(req, res) : shop(req, res)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await telemetry.shutdown();
    await kit.shutdown();
    await receiver.close();
    lines.length = 0;
  });

  it('says in one line where the data goes, without the headers', () => {
    expect(lines).toEqual([
      `slokit: telemetry for service "shop" (instance shop-1): traces → ${encoding.shown} ${receiver.url}/v1/traces (and the last 100 request spans in memory); metrics → metricsHandler (Prometheus text), ${encoding.shown} ${receiver.url}/v1/metrics every 60 s`,
    ]);
    expect(telemetry.sdk).toEqual({ traces: 'slokit', metrics: 'slokit' });
    expect(telemetry.destinations).toEqual({
      traces: `${receiver.url}/v1/traces`,
      metrics: `${receiver.url}/v1/metrics`,
    });
  });

  it('delivers every request span with its verdicts, wide attributes and the resource', async () => {
    for (const request of PLAN) expect(await send(port, request)).toBe(request.status);
    await telemetry.forceFlush();
    await receiver.waitFor(() => receiver.spans().length >= PLAN.length, 5_000, `${PLAN.length} spans`);
    const spans = receiver.spans();
    expect(spans).toHaveLength(PLAN.length);
    const received = spans
      .map((span) => ({
        name: span.name,
        kind: span.kind,
        path: span.attributes['url.path'],
        status: span.attributes['http.response.status_code'],
        verdicts: verdictsOf(span),
      }))
      .sort((a, b) => `${a.name}${String(a.path)}`.localeCompare(`${b.name}${String(b.path)}`));
    const expected = PLAN.map((request) => {
      const path = request.path.split('?')[0]!;
      const routed = path !== '/nope';
      return {
        name: routed ? `${request.method} ${path}` : request.method,
        kind: 2,
        path,
        status: request.status,
        verdicts: request.verdicts,
      };
    }).sort((a, b) => `${a.name}${a.path}`.localeCompare(`${b.name}${b.path}`));
    expect(received).toEqual(expected);

    for (const span of spans) {
      expect(span.resource).toMatchObject({
        'service.name': 'shop',
        'service.version': '1.2.3',
        'service.instance.id': 'shop-1',
        'deployment.environment.name': 'test',
        'cloud.region': 'eu-west-1',
        'telemetry.sdk.language': 'nodejs',
      });
      expect(span.scope.name).toBe('slokit');
      expect(span.attributes['http.request.method']).toBe(span.name.split(' ')[0]);
    }
    // Wide attributes added with addContext, and the span status only for the 5xx.
    const checkouts = spans.filter((s) => s.name === 'POST /api/checkout');
    expect(checkouts.map((s) => s.attributes['app.cart_items']).sort()).toEqual([1, 2, 3, 3, 3]);
    expect(
      spans.filter((s) => s.statusCode === 2).map((s) => s.attributes['http.response.status_code']),
    ).toEqual([500]);
    const requests = receiver.requests();
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect({
        type: request.contentType,
        key: request.headers['x-api-key'],
        status: request.status,
      }).toEqual({
        type: encoding.contentType,
        key: 'secret-key',
        status: 200,
      });
    }
  });

  it('delivers the slokit.sli.events data points with exact values', async () => {
    await telemetry.forceFlush();
    await receiver.waitFor(() => receiver.latestPoints('slokit.sli.events').length > 0, 5_000, 'metrics');
    const points = receiver.latestPoints('slokit.sli.events');
    const values: Record<string, number> = {};
    for (const p of points) {
      const key = [
        p.attributes['slokit.sli.name'],
        p.attributes['slokit.sli.outcome'],
        p.attributes['slokit.sli.reason'],
      ]
        .filter((x) => x !== undefined)
        .join('/');
      values[key] = p.value;
    }
    expect(values).toEqual({ ...ZERO, ...expectedCounts(PLAN) });
    for (const p of points) {
      expect(p).toMatchObject({ unit: '{event}', type: 'sum', isMonotonic: true, temporality: 2 });
      expect(p.resource['service.instance.id']).toBe('shop-1');
      expect(p.scope.name).toBe('slokit');
    }
    // Export health is exported too, at zero while all is well.
    const failures = receiver.latestPoints('slokit.export.failures');
    expect(Object.fromEntries(failures.map((p) => [p.attributes['slokit.export.signal'], p.value]))).toEqual({
      traces: 0,
      metrics: 0,
    });
    expect(telemetry.exportStats()).toEqual({
      failures: { traces: 0, metrics: 0 },
      droppedSpans: { ...NO_DROPS, queue_full: 0, export_failed: 0 },
      exportedSpans: PLAN.length,
    });
  });

  it('continues the caller’s trace from traceparent (W3C propagation is registered)', async () => {
    receiver.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    expect(await send(port, REQUESTS.catalog, { traceparent: `00-${traceId}-${parent}-01` })).toBe(200);
    await telemetry.forceFlush();
    await receiver.waitFor(() => receiver.spans().length === 1, 5_000, 'the span');
    const [span] = receiver.spans();
    expect({ traceId: span!.traceId, parentSpanId: span!.parentSpanId }).toEqual({
      traceId,
      parentSpanId: parent,
    });
  });

  it('keeps wide events of more than 128 attributes whole (span attribute limit 256)', async () => {
    receiver.reset();
    const response = await fetch(`http://127.0.0.1:${port}/api/wide`);
    expect(await response.text()).toBe('wide');
    await telemetry.forceFlush();
    await receiver.waitFor(() => receiver.spans().length === 1, 5_000, 'the span');
    const [span] = receiver.spans();
    const appKeys = Object.keys(span!.attributes).filter((k) => k.startsWith('app.k'));
    expect(appKeys).toHaveLength(150);
    expect(span!.attributes['app.k149']).toBe(149);
    // What the kit writes after the wide event (route, status, verdict) is still there.
    expect(span!.attributes['http.route']).toBe('/api/wide');
    expect(span!.attributes['http.response.status_code']).toBe(200);
    expect(span!.attributes['slokit.sli.api-availability.outcome']).toBe('good');
    expect(Object.keys(span!.attributes).length).toBeGreaterThan(128);
  });
});
