// A collector in trouble (refusing, hanging, slow, answering 429/500/503): requests still complete,
// the span queue stays bounded, what is lost is counted exactly and logged once, and export
// resumes by itself when the collector is back. Small queues and timeouts keep it quick.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlokit } from 'slokit';
import type { Slokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry, TelemetryOptions } from 'slokit/setup';
import { resetWarnings } from '../../src/runtime/diag.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { shopHandler, slis } from './fixtures/shop.js';

/** Every reason a span may be dropped for, at zero. */
const NO_DROPS = {
  queue_full: 0,
  export_failed: 0,
  shutdown: 0,
  sampled_out: 0,
  sampling_timeout: 0,
  sampling_buffer_full: 0,
};

let receiver: OtlpReceiver;
let telemetry: Telemetry | undefined;
let kit: Slokit | undefined;
let server: http.Server | undefined;
let port = 0;
let warnings: string[] = [];

beforeEach(async () => {
  receiver = await startOtlpReceiver();
  warnings = [];
  resetWarnings();
  diag.setLogger(
    {
      // A component logger passes its namespace first, then the message.
      error: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
      warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});

afterEach(async () => {
  server?.closeAllConnections();
  if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
  await telemetry?.shutdown();
  await kit?.shutdown();
  await receiver.close();
  diag.disable();
  server = telemetry = kit = undefined;
});

async function start(options: TelemetryOptions): Promise<void> {
  telemetry = startTelemetry({ endpoint: receiver.url, log: false, diagLogLevel: false, ...options });
  kit = createSlokit({ slis });
  server = http.createServer(shopHandler(kit));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
}

/** POST /api/checkout?items=<n>: the request's span carries app.cart_items = n, to tell spans apart. */
async function checkout(items: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/checkout?items=${items}`, { method: 'POST' });
  await response.arrayBuffer();
  return response.status;
}

async function checkouts(from: number, to: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = from; i <= to; i++) statuses.push(await checkout(i));
  return statuses;
}

async function until(predicate: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const receivedItems = (): number[] =>
  receiver
    .spans()
    .map((s) => s.attributes['app.cart_items'] as number)
    .sort((a, b) => a - b);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const logged = (fragment: string): string[] => warnings.filter((w) => w.includes(fragment));

// The queue holds 10 spans, a batch is 5, and only a full batch (or a flush) triggers an export,
// so which spans are sent, queued and dropped is decided by their order alone.
const SMALL_QUEUE = { maxQueueSize: 10, maxExportBatchSize: 5, scheduledDelayMillis: 60_000 };

describe('span export with a collector in trouble', () => {
  it('hanging: the queue stays bounded, overflow and the timed-out batch are counted, export resumes', async () => {
    await start({ metricsEndpoint: false, exportTimeoutMillis: 2_000, batch: SMALL_QUEUE });
    receiver.setMode({ kind: 'hang' }, { path: '/v1/traces', times: 1 });

    // Span 5 fills the first batch, whose export hangs; 6-15 fill the queue; 16-35 find it full.
    expect(await checkouts(1, 35)).toEqual(new Array(35).fill(200));
    await until(() => telemetry!.exportStats().droppedSpans.queue_full === 20, '20 dropped spans');
    expect(telemetry!.exportStats().failures.traces).toBe(0);

    // The hanging export times out; the queued spans then go to the (recovered) receiver.
    // (The exporter learns of success after the receiver has the spans.)
    await until(() => telemetry!.exportStats().exportedSpans === 10, 'the 10 queued spans');
    expect(receivedItems()).toEqual(range(6, 15));
    expect(telemetry!.exportStats()).toEqual({
      failures: { traces: 1, metrics: 0 },
      droppedSpans: { ...NO_DROPS, queue_full: 20, export_failed: 5 },
      exportedSpans: 10,
    });
    expect(
      receiver
        .requests()
        .filter((r) => r.path === '/v1/traces')
        .map((r) => r.status),
    ).toEqual([undefined, 200, 200]);

    // Twenty drops and a failure, each logged once, and nothing else.
    expect(warnings).toHaveLength(2);
    expect(logged('queue is full')).toHaveLength(1);
    expect(logged('could not export traces')).toHaveLength(1);
    expect(logged('could not export traces')[0]).toContain(`${receiver.url}/v1/traces`);

    // And the counts reach the metrics.
    const text = await (await metrics()).text();
    expect(text).toContain(
      'slokit_export_dropped_spans_total{slokit_export_reason="queue_full",otel_scope_name="slokit",otel_scope_version="0.1.0"} 20',
    );
    expect(text).toContain(
      'slokit_export_dropped_spans_total{slokit_export_reason="export_failed",otel_scope_name="slokit",otel_scope_version="0.1.0"} 5',
    );
    expect(text).toContain(
      'slokit_export_failures_total{slokit_export_signal="traces",otel_scope_name="slokit",otel_scope_version="0.1.0"} 1',
    );
  });

  it.each([429, 500, 503] as const)(
    'answering %i: the batch is counted as failed, the next one goes through',
    async (status) => {
      await start({ metricsEndpoint: false, exportTimeoutMillis: 500, batch: SMALL_QUEUE });
      receiver.setMode({ kind: 'status', status }, { path: '/v1/traces', times: 1 });

      expect(await checkouts(1, 5)).toEqual(new Array(5).fill(200));
      await until(() => telemetry!.exportStats().failures.traces === 1, 'the failed export');
      expect(await checkouts(6, 10)).toEqual(new Array(5).fill(200));
      await until(() => telemetry!.exportStats().exportedSpans === 5, 'the second batch');

      expect(receivedItems()).toEqual(range(6, 10));
      expect(telemetry!.exportStats()).toEqual({
        failures: { traces: 1, metrics: 0 },
        droppedSpans: { ...NO_DROPS, queue_full: 0, export_failed: 5 },
        exportedSpans: 5,
      });
      expect(receiver.requests().map((r) => r.status)).toEqual([status, 200]);
      expect(warnings).toHaveLength(1);
      expect(logged('could not export traces')).toHaveLength(1);
    },
  );

  it('refusing connections: counted, and export resumes when the collector listens again', async () => {
    await start({ metricsEndpoint: false, exportTimeoutMillis: 500, batch: SMALL_QUEUE });
    await receiver.refuse();

    expect(await checkouts(1, 5)).toEqual(new Array(5).fill(200));
    await until(() => telemetry!.exportStats().failures.traces === 1, 'the refused export');
    expect(logged('could not export traces')[0]).toContain('ECONNREFUSED');

    await receiver.resume();
    expect(await checkouts(6, 15)).toEqual(new Array(10).fill(200));
    await until(() => telemetry!.exportStats().exportedSpans === 10, 'two batches after recovery');
    expect(receivedItems()).toEqual(range(6, 15));
    expect(telemetry!.exportStats()).toEqual({
      failures: { traces: 1, metrics: 0 },
      droppedSpans: { ...NO_DROPS, queue_full: 0, export_failed: 5 },
      exportedSpans: 10,
    });
  });

  it('slow (answering after 300 ms): requests complete, nothing is lost', async () => {
    await start({ metricsEndpoint: false, exportTimeoutMillis: 2_000, batch: SMALL_QUEUE });
    receiver.setMode({ kind: 'delay', ms: 300 }, { path: '/v1/traces' });

    expect(await checkouts(1, 10)).toEqual(new Array(10).fill(200));
    await until(() => telemetry!.exportStats().exportedSpans === 10, 'both batches');
    expect(receivedItems()).toEqual(range(1, 10));
    expect(telemetry!.exportStats()).toEqual({
      failures: { traces: 0, metrics: 0 },
      droppedSpans: { ...NO_DROPS, queue_full: 0, export_failed: 0 },
      exportedSpans: 10,
    });
    expect(warnings).toEqual([]);
  });
});

describe('metric export with a collector in trouble', () => {
  it('failed exports are counted and logged once; the next export after recovery carries the exact totals', async () => {
    await start({ tracesEndpoint: false, metricsExportIntervalMillis: 150, exportTimeoutMillis: 100 });
    receiver.setMode({ kind: 'status', status: 503 }, { path: '/v1/metrics' });

    expect(await checkouts(1, 3)).toEqual([200, 200, 200]);
    await until(() => telemetry!.exportStats().failures.metrics >= 3, 'three failed metric exports');
    expect(warnings).toHaveLength(1);
    expect(logged('could not export metrics')).toHaveLength(1);
    expect(receiver.points()).toEqual([]);

    receiver.setMode({ kind: 'ok' });
    await until(() => receiver.latestPoints('slokit.sli.events').length > 0, 'metrics after recovery');
    const firstRequest = receiver.points()[0]!.request;
    const first = receiver.points().filter((p) => p.request === firstRequest);
    const events = Object.fromEntries(
      first
        .filter((p) => p.metric === 'slokit.sli.events' && p.value > 0)
        .map((p) => [
          [p.attributes['slokit.sli.name'], p.attributes['slokit.sli.outcome']].join('/'),
          p.value,
        ]),
    );
    expect(events).toEqual({ 'checkout/good': 3, 'api-availability/good': 3 });
    // The failures counted before the first successful export travel in it, and none came after.
    const failures = first.find(
      (p) => p.metric === 'slokit.export.failures' && p.attributes['slokit.export.signal'] === 'metrics',
    );
    expect(failures!.value).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(telemetry!.exportStats().failures.metrics).toBe(failures!.value);
  });
});

describe('metric export to a hanging collector, interval at most the export timeout', () => {
  it.each([200])(
    'every %i ms: each export times out and is counted, and it is said once, by slokit',
    async (interval) => {
      // The default exportTimeoutMillis (10 s) is longer than the interval, as in any set-up that
      // pushes metrics every 10 s or less.
      await start({ tracesEndpoint: false, metricsExportIntervalMillis: interval });
      receiver.setMode({ kind: 'hang' }, { path: '/v1/metrics' });
      expect(await checkouts(1, 2)).toEqual([200, 200]);
      const hung = () => receiver.requests().filter((r) => r.path === '/v1/metrics').length;
      await until(() => hung() >= 5 && telemetry!.exportStats().failures.metrics >= 4, 'five hung exports');
      const timedOut = warnings.filter((line) => /timed out/i.test(line));
      expect(timedOut).toHaveLength(1);
      expect(timedOut[0]).toMatch(
        new RegExp(
          `could not export metrics to ${receiver.url}/v1/metrics: metrics export timed out after \\d+ ms`,
        ),
      );
      expect(warnings.filter((line) => line.includes('PeriodicExportingMetricReader'))).toEqual([]);
      // Every export is answered by the timeout and counted, none is left waiting for the next.
      expect(telemetry!.exportStats().failures.metrics).toBeGreaterThanOrEqual(hung() - 2);
    },
  );
});

function metrics(): Promise<Response> {
  const s = http.createServer((req, res) => telemetry!.metricsHandler(req, res));
  return new Promise((resolve, reject) => {
    s.listen(0, '127.0.0.1', () => {
      fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`)
        .then(async (response) => {
          const text = await response.text();
          s.close();
          resolve(new Response(text, { status: response.status }));
        })
        .catch(reject);
    });
  });
}
