// Verdict-aware tail sampling (startTelemetry({ tailSampling })), against the real OTLP/HTTP
// receiver and a real Express (and Fastify) app over loopback: traces with a bad verdict, an error
// or a 5xx arrive whole, 1 in N of the others too, each span with its SampleRate; the rest are
// dropped whole and counted; the counters stay exact; the buffers stay bounded.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import type { Slokit, WorkEvent } from 'slokit';
import { slokitExpress } from 'slokit/express';
import { slokitFastify } from 'slokit/fastify';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry, TelemetryOptions } from 'slokit/setup';
import { resetWarnings } from '../../src/runtime/diag.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from '../helpers/otlp-receiver.js';

const checkout = defineSli({ name: 'checkout', objective: '99%', good: { status: '2xx' } });

/**
 * The documented rule: a good trace is kept when the 52 bits after the first 18 hex digits of its
 * trace id are at least (1 − 1/N)·2^52.
 */
function keptByRate(traceId: string, rate: number): boolean {
  return Number.parseInt(traceId.slice(18, 31), 16) >= Math.round((1 - 1 / rate) * 2 ** 52);
}

// Trace ids on either side of the threshold, for deterministic decisions.
const DROPPED_ID = (prefix: string) => `${prefix.padEnd(18, '0')}0000000000000a`;
const KEPT_ID = (prefix: string) => `${prefix.padEnd(18, '0')}fffffffffffffa`;

let receiver: OtlpReceiver | undefined;
let telemetry: Telemetry | undefined;
let kit: Slokit | undefined;
let server: http.Server | undefined;
let fastify: FastifyInstance | undefined;
let port = 0;
/** Trace ids whose audit.write span ended when the request span had ended already. */
const auditEndedLate = new Set<string>();
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

afterEach(async () => {
  server?.closeAllConnections();
  if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
  await fastify?.close();
  await telemetry?.shutdown();
  await kit?.shutdown();
  await receiver?.close();
  server = fastify = telemetry = kit = receiver = undefined;
});

/**
 * A shop, on Express or Fastify: POST /checkout answers `?status=` (default 200). Each request
 * makes two child spans: `db.query`, ended before the response, and `audit.write`, ended after the
 * response has finished (so after the request span). `?dbError=1` fails the db span (ERROR) and
 * answers 200.
 */
async function startShop(
  options: TelemetryOptions,
  framework: 'express' | 'fastify' = 'express',
): Promise<void> {
  resetWarnings();
  telemetry = startTelemetry({ log: false, diagLogLevel: false, ...options });
  kit = createSlokit({ slis: [checkout] });
  const tracer = trace.getTracer('shop');
  /** The handler's spans; returns the status to answer. */
  const checkoutWork = (query: Record<string, unknown>, res: http.ServerResponse): number => {
    const db = tracer.startSpan('db.query');
    if (query.dbError === '1') db.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
    db.end();
    const audit = tracer.startSpan('audit.write');
    const request = trace.getActiveSpan() as unknown as ReadableSpan;
    res.once('close', () =>
      setImmediate(() => {
        if (request.ended) auditEndedLate.add(request.spanContext().traceId);
        audit.end();
      }),
    );
    return Number(query.status ?? 200);
  };
  if (framework === 'fastify') {
    const app = Fastify();
    fastify = app;
    await app.register(slokitFastify, { kit });
    const metricsHandler = telemetry.metricsHandler;
    app.get('/metrics', (req, reply) => {
      reply.hijack();
      metricsHandler(req.raw, reply.raw);
    });
    app.post('/checkout', (req, reply) => {
      const status = checkoutWork(req.query as Record<string, unknown>, reply.raw);
      return reply.code(status).send('done');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    return;
  }
  const app = express();
  app.use(slokitExpress(kit));
  app.get('/metrics', telemetry.metricsHandler);
  app.post('/checkout', (req, res) => {
    res.status(checkoutWork(req.query, res)).send('done');
  });
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
}

/** POST /checkout in the trace `traceId` (sent as the remote parent), answered `status`. */
function post(traceId: string, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const parent = randomBytes(8).toString('hex');
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/checkout?${query}`,
        agent,
        headers: { traceparent: `00-${traceId}-${parent}-01` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends every request, `concurrency` at a time. */
async function sendAll(plan: readonly { traceId: string; query: string }[], concurrency = 8) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < plan.length) {
        const { traceId, query } = plan[next++]!;
        await post(traceId, query);
      }
    }),
  );
}

async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function byTrace(spans: readonly ReceivedSpan[]): Map<string, ReceivedSpan[]> {
  const traces = new Map<string, ReceivedSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}

/** The three spans of a request, whole: the root and its two children, all with `rate`. */
function expectWhole(spans: readonly ReceivedSpan[], rate: number): void {
  const root = spans.find((s) => s.kind === 2);
  expect(root).toBeDefined();
  expect(spans.map((s) => s.name).sort()).toEqual(['POST /checkout', 'audit.write', 'db.query']);
  for (const span of spans) {
    expect(span.attributes.SampleRate).toBe(rate);
    if (span !== root) expect(span.parentSpanId).toBe(root!.spanId);
  }
  // audit.write really ended after the request span (span end times, each from its own clock
  // offset in the SDK, cannot tell apart moments a few microseconds apart).
  expect(auditEndedLate.has(root!.traceId)).toBe(true);
}

async function prometheusText(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  return response.text();
}

describe('tail sampling → OTLP/HTTP receiver', () => {
  it.each(['express', 'fastify'] as const)(
    '%s: keeps the 100 bad traces whole, about 1 in 10 of the 900 good ones, and counts exactly',
    async (framework) => {
      receiver = await startOtlpReceiver();
      await startShop(
        {
          endpoint: receiver.url,
          metricsExportIntervalMillis: 3_600_000,
          batch: { scheduledDelayMillis: 20 },
          tailSampling: { sampleRate: 10 },
        },
        framework,
      );
      // 100 bad (50 with a bad verdict and a 402, 50 answered 500) among 900 good, interleaved.
      const plan = Array.from({ length: 1000 }, (_, i) => ({
        traceId: randomBytes(16).toString('hex'),
        query: i % 20 === 3 ? 'status=402' : i % 20 === 13 ? 'status=500' : 'status=200',
      }));
      const bad = plan.filter((p) => p.query !== 'status=200');
      expect(bad.filter((p) => p.query === 'status=402')).toHaveLength(50);
      expect(bad.filter((p) => p.query === 'status=500')).toHaveLength(50);
      const good = plan.filter((p) => p.query === 'status=200');
      const goodKept = good.filter((p) => keptByRate(p.traceId, 10));
      await sendAll(plan);

      const expectedSpans = 3 * (bad.length + goodKept.length);
      await until(
        () => telemetry!.exportStats().droppedSpans.sampled_out === 3 * (900 - goodKept.length),
        'drops',
      );
      await telemetry!.forceFlush();
      await receiver.waitFor(
        () => receiver!.spans().length >= expectedSpans,
        10_000,
        `${expectedSpans} spans`,
      );

      const traces = byTrace(receiver.spans());
      expect(receiver.spans()).toHaveLength(expectedSpans);
      // Exactly the bad traces, whole, SampleRate 1.
      for (const { traceId } of bad) expectWhole(traces.get(traceId) ?? [], 1);
      // The good ones the documented rule keeps, and no others, whole, SampleRate 10.
      const receivedGood = [...traces.keys()].filter((id) => !bad.some((b) => b.traceId === id));
      expect(receivedGood.sort()).toEqual(goodKept.map((p) => p.traceId).sort());
      for (const id of receivedGood) expectWhole(traces.get(id)!, 10);
      // Binomial(900, 1/10): P(outside 44..136) = 6.1e-7.
      expect(goodKept.length).toBeGreaterThanOrEqual(44);
      expect(goodKept.length).toBeLessThanOrEqual(136);

      expect(telemetry!.exportStats()).toEqual({
        failures: { traces: 0, metrics: 0 },
        droppedSpans: {
          queue_full: 0,
          export_failed: 0,
          shutdown: 0,
          sampled_out: 3 * (900 - goodKept.length),
          sampling_timeout: 0,
          sampling_buffer_full: 0,
        },
        exportedSpans: expectedSpans,
      });
      // Sampling touches spans only: the counters are exact.
      const text = await prometheusText();
      expect(text).toMatch(
        /slokit_sli_events_total\{slokit_sli_name="checkout",slokit_sli_outcome="good"[^}]*\} 900\n/,
      );
      expect(text).toMatch(
        /slokit_sli_events_total\{slokit_sli_name="checkout",slokit_sli_outcome="bad",slokit_sli_reason="status"[^}]*\} 100\n/,
      );
      expect(text).toContain(
        `slokit_export_dropped_spans_total{slokit_export_reason="sampled_out",otel_scope_name="slokit",otel_scope_version="0.1.0"} ${3 * (900 - goodKept.length)}`,
      );
    },
  );

  it('keeps a good request whole when a child span failed', async () => {
    receiver = await startOtlpReceiver();
    await startShop({
      endpoint: receiver.url,
      batch: { scheduledDelayMillis: 20 },
      tailSampling: { sampleRate: 10 },
    });
    const failedDb = DROPPED_ID('0a1');
    const plain = DROPPED_ID('0a2');
    expect(await post(failedDb, 'dbError=1')).toBe(200);
    expect(await post(plain, 'status=200')).toBe(200);
    await until(() => telemetry!.exportStats().droppedSpans.sampled_out === 3, 'the plain trace dropped');
    await telemetry!.forceFlush();
    await receiver.waitFor(() => receiver!.spans().length >= 3, 5_000, '3 spans');
    const traces = byTrace(receiver.spans());
    expect([...traces.keys()]).toEqual([failedDb]);
    expectWhole(traces.get(failedDb)!, 1);
  });

  it('decides a trace whose root never ends after decisionWaitMillis; the root follows when it ends', async () => {
    receiver = await startOtlpReceiver();
    await startShop({
      endpoint: receiver.url,
      batch: { scheduledDelayMillis: 20 },
      tailSampling: { sampleRate: 10, decisionWaitMillis: 40 },
    });
    const tracer = trace.getTracer('jobs');
    const begin = (traceId: string): { root: Span; child: Span } => {
      const remote = trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      const root = tracer.startSpan('stuck job', {}, remote);
      const child = tracer.startSpan('step', {}, trace.setSpan(context.active(), root));
      return { root, child };
    };
    const failing = begin(DROPPED_ID('0b1'));
    failing.child.setStatus({ code: SpanStatusCode.ERROR });
    failing.child.end();
    const quiet = begin(DROPPED_ID('0b2'));
    quiet.child.end();
    const lucky = begin(KEPT_ID('0b3'));
    lucky.child.end();

    // Decided without their roots: the failed one and the lucky one kept, the quiet one dropped.
    await until(() => telemetry!.exportStats().droppedSpans.sampling_timeout === 1, 'the timeout');
    await telemetry!.forceFlush();
    await receiver.waitFor(() => receiver!.spans().length >= 2, 5_000, '2 spans');
    expect(
      receiver
        .spans()
        .map((s) => [s.name, s.traceId, s.attributes.SampleRate])
        .sort(),
    ).toEqual(
      [
        ['step', DROPPED_ID('0b1'), 1],
        ['step', KEPT_ID('0b3'), 10],
      ].sort(),
    );
    // The roots end late and follow their trace's decision.
    failing.root.end();
    quiet.root.end();
    lucky.root.end();
    expect(telemetry!.exportStats().droppedSpans.sampling_timeout).toBe(2);
    await telemetry!.forceFlush();
    await receiver.waitFor(() => receiver!.spans().length >= 4, 5_000, '4 spans');
    const traces = byTrace(receiver.spans());
    expect([...traces.keys()].sort()).toEqual([DROPPED_ID('0b1'), KEPT_ID('0b3')].sort());
    for (const spans of traces.values()) {
      expect(spans.map((s) => s.name).sort()).toEqual(['step', 'stuck job']);
      const root = spans.find((s) => s.name === 'stuck job')!;
      expect(spans.find((s) => s.name === 'step')!.parentSpanId).toBe(root.spanId);
    }
  });

  it('decides what is pending at shutdown and exports what it keeps', async () => {
    receiver = await startOtlpReceiver();
    await startShop({ endpoint: receiver.url, tailSampling: { sampleRate: 10 } });
    const tracer = trace.getTracer('jobs');
    const begin = (traceId: string): Span => {
      const remote = trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      return tracer.startSpan('long job', {}, remote);
    };
    const failing = begin(DROPPED_ID('0d1'));
    const failed = tracer.startSpan('step', {}, trace.setSpan(context.active(), failing));
    failed.recordException(new Error('disk full'));
    failed.end();
    const quiet = begin(DROPPED_ID('0d2'));
    tracer.startSpan('step', {}, trace.setSpan(context.active(), quiet)).end();
    const stats = telemetry!;
    await telemetry!.shutdown();
    telemetry = undefined;
    expect(receiver.spans().map((s) => [s.name, s.traceId, s.attributes.SampleRate])).toEqual([
      ['step', DROPPED_ID('0d1'), 1],
    ]);
    expect(stats.exportStats().droppedSpans.shutdown).toBe(1);
  });

  it('bounds the traces and spans waiting for a decision, and counts what it must drop', async () => {
    receiver = await startOtlpReceiver();
    await startShop({
      endpoint: receiver.url,
      batch: { scheduledDelayMillis: 20 },
      tailSampling: { sampleRate: 10, maxPendingTraces: 4, maxBufferedSpans: 6 },
    });
    const tracer = trace.getTracer('jobs');
    const roots: Span[] = [];
    const begin = (i: number): Span => {
      const remote = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: DROPPED_ID(`0c${i}`),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      const root = tracer.startSpan(`job ${i}`, {}, remote);
      roots.push(root);
      return root;
    };
    const child = (root: Span): void =>
      tracer.startSpan('step', {}, trace.setSpan(context.active(), root)).end();
    const dropped = () => telemetry!.exportStats().droppedSpans.sampling_buffer_full;
    for (let i = 1; i <= 4; i++) child(begin(i));
    expect(dropped()).toBe(0);
    // A fifth pending trace: the oldest (job 1) is decided early, its buffered step dropped.
    const fifth = begin(5);
    expect(dropped()).toBe(1);
    // 3 steps buffered (jobs 2-4); 3 more fill the 6; the 7th makes the oldest with spans (job 2) go.
    child(fifth);
    child(fifth);
    child(fifth);
    expect(dropped()).toBe(1);
    child(fifth);
    expect(dropped()).toBe(2);
    // Roots of decided traces follow: jobs 1 and 2 dropped whole.
    roots[0]!.end();
    roots[1]!.end();
    expect(dropped()).toBe(4);
    // The others end normally: not bad, not picked, dropped as sampled out (root + their steps).
    for (const root of roots.slice(2)) root.end();
    expect(telemetry!.exportStats().droppedSpans.sampled_out).toBe(2 + 2 + 5);
    await telemetry!.forceFlush();
    expect(receiver.spans()).toHaveLength(0);
  });

  it('keeps memory bounded under a flood of good traces with a stalled collector, and counts every span', async () => {
    receiver = await startOtlpReceiver();
    receiver.setMode({ kind: 'hang' }, { path: '/v1/traces' });
    await startShop({
      endpoint: receiver.url,
      exportTimeoutMillis: 60_000,
      metricsExportIntervalMillis: 3_600_000,
      batch: { maxQueueSize: 64, maxExportBatchSize: 32, scheduledDelayMillis: 10 },
      tailSampling: { sampleRate: 10, maxBufferedSpans: 200 },
      shutdownTimeoutMillis: 200,
    });
    const plan = Array.from({ length: 2000 }, () => ({
      traceId: randomBytes(16).toString('hex'),
      query: 'status=200',
    }));
    const kept = plan.filter((p) => keptByRate(p.traceId, 10)).length;
    await sendAll(plan);
    const stats = () => telemetry!.exportStats().droppedSpans;
    await until(() => stats().sampled_out === 3 * (2000 - kept), 'every decision');
    // Of the kept spans, at most the queue (64) and the requests in flight (3 of 32) are held;
    // every other one is counted as dropped.
    await until(() => stats().queue_full + stats().export_failed >= 3 * kept - 64 - 3 * 32, 'the queue');
    const lost = stats().queue_full + stats().export_failed;
    expect(lost).toBeLessThanOrEqual(3 * kept);
    expect(lost).toBeGreaterThanOrEqual(3 * kept - 64 - 3 * 32);
    expect(stats().sampling_buffer_full + stats().sampling_timeout).toBe(0);
    expect(telemetry!.exportStats().exportedSpans).toBe(0);
  });
});

describe('tail sampling: set-up and tracked work', () => {
  it('says so in the start-up line', async () => {
    const lines: string[] = [];
    await startShop({ endpoint: false, log: (line) => lines.push(line), tailSampling: { sampleRate: 20 } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /: traces → memory only \(the last 100 request spans\), tail-sampled \(every trace with a bad verdict, an error or a 5xx, and 1 in 20 of the others\); metrics → /,
    );
  });

  it("has no effect, and says so, when the app's own SDK is in charge of traces", async () => {
    const provider = new BasicTracerProvider();
    trace.setGlobalTracerProvider(provider);
    try {
      const lines: string[] = [];
      telemetry = startTelemetry({
        endpoint: false,
        log: (line) => lines.push(line),
        diagLogLevel: false,
        tailSampling: { sampleRate: 10 },
      });
      expect(telemetry.sdk.traces).toBe('app');
      expect(lines.slice(1)).toEqual([
        "slokit: tailSampling has no effect: the app's own OpenTelemetry SDK is in charge of traces and decides which spans it exports",
      ]);
    } finally {
      await telemetry?.shutdown();
      telemetry = undefined;
      trace.disable();
      await provider.shutdown();
    }
  });

  it('decides kit.track() work at the end of its span, children included', async () => {
    receiver = await startOtlpReceiver();
    const job = defineSli<WorkEvent>({
      name: 'import',
      events: 'custom',
      objective: '99%',
      good: (run) => run.attributes?.['app.rows.rejected'] === 0,
    });
    telemetry = startTelemetry({
      endpoint: receiver.url,
      log: false,
      diagLogLevel: false,
      batch: { scheduledDelayMillis: 20 },
      tailSampling: { sampleRate: 10 },
    });
    kit = createSlokit({ slis: [job] });
    const tracer = trace.getTracer('import');
    // Bad by verdict only: no error anywhere.
    await kit.track(job, async () => {
      await Promise.resolve();
      tracer.startSpan('read file').end();
      addContext({ 'app.rows.rejected': 3 });
    });
    await telemetry.forceFlush();
    await receiver.waitFor(() => receiver!.spans().length >= 2, 5_000, '2 spans');
    const spans = receiver.spans();
    expect(spans.map((s) => [s.name, s.attributes.SampleRate, s.statusCode]).sort()).toEqual([
      ['import', 1, 0],
      ['read file', 1, 0],
    ]);
    const root = spans.find((s) => s.name === 'import')!;
    expect(root.attributes['slokit.sli.import.outcome']).toBe('bad');
    expect(spans.find((s) => s.name === 'read file')!.parentSpanId).toBe(root.spanId);
  });
});

describe('tail sampling → recentSpans()', () => {
  it('keeps recent bad spans under a flood of good ones', async () => {
    await startShop({ recentSpans: 20, tailSampling: { sampleRate: 10 } });
    const bad = Array.from({ length: 6 }, () => ({
      traceId: randomBytes(16).toString('hex'),
      query: 'status=503',
    }));
    const good = Array.from({ length: 600 }, () => ({
      traceId: randomBytes(16).toString('hex'),
      query: 'status=200',
    }));
    await sendAll(bad, 1);
    await sendAll(good);
    const spans = telemetry!.recentSpans();
    const badKept = spans.filter((s) => s.attributes['http.response.status_code'] === 503);
    expect(badKept.map((s) => s.spanContext().traceId).sort()).toEqual(bad.map((b) => b.traceId).sort());
    for (const span of badKept) expect(span.attributes.SampleRate).toBe(1);
    const goodKept = spans.filter((s) => s.attributes['http.response.status_code'] === 200);
    // Half the room is the good ones': the 10 most recent of those kept.
    expect(goodKept).toHaveLength(Math.min(10, good.filter((p) => keptByRate(p.traceId, 10)).length));
    for (const span of goodKept) expect(span.attributes.SampleRate).toBe(10);
    expect(spans).toHaveLength(badKept.length + goodKept.length);
  });
});
