// One server of the HTTP benchmarks: a hello-world app answering `GET /users/:id` with JSON, on
// Express 5 or Fastify 5, bare or instrumented one way (see VARIANTS). Started as its own process by
// bench/peers.mjs, bench/http.mjs, bench/callgrind.mjs and the smoke test; prints "ready <port>
// <path>" when listening.
//
//   node bench/server.mjs <app> <variant>
//
// <app>: express | fastify (the route at the top level), express-nested | fastify-nested (the same
// route under two levels of routers, the outer one a mounted Express app / an encapsulated Fastify
// plugin, at parameterised prefixes: /api/:version/users/:id).
//
// Environment:
//   SLOKIT_BENCH_FROM=src   load slokit from src/ (needs `--import tsx`) instead of dist/
//   SLOKIT_BENCH_DIST=DIR   load slokit from another build (an A/B against an older commit)
//   SLOKIT_BENCH_OTLP=URL   OTLP/HTTP base URL (http://127.0.0.1:4318) for the *-otlp variants
//   SLOKIT_BENCH_IPC=1      answer allocation probes over the IPC channel (bench/peers.mjs)
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

const require = createRequire(import.meta.url);
const ALS_KEY = Symbol('bench');

/** Every variant, with what it measures. bench/peers.mjs reads this list from the command line. */
export const VARIANTS = {
  bare: 'the app alone',
  als: 'an AsyncLocalStorage context manager and context.with() per request, nothing else',
  floor: 'the OTel floor: ALS + one SDK span per request from a 5-line hook, BatchSpanProcessor',
  'slokit-counters': 'slokit with spans: false and an SDK MeterProvider',
  'slokit-counters-sync':
    'slokit-counters with asyncContext: false: no AsyncLocalStorage (addContext() before the first await only)',
  'slokit-nosdk': 'slokit with no SDK at all (spans go to the no-op tracer)',
  'slokit-full': 'slokit with metrics + traces SDK + ALS, BatchSpanProcessor',
  'slokit-noreservoir': 'slokit-full with reservoir: false (no event sample for explain())',
  'otel-auto': 'OTel auto-instrumentation: http + express / http + @fastify/otel, BatchSpanProcessor',
  prom: 'express-prom-bundle / fastify-metrics (prom-client)',
  'floor-otlp': 'the OTel floor exporting to a live OTLP/HTTP receiver',
  'slokit-otlp': 'slokit as startTelemetry() sets it up, exporting to a live OTLP/HTTP receiver',
  'slokit-memory': 'slokit as startTelemetry() sets it up with no endpoint: recent spans kept in memory only',
  'slokit-memory-tail':
    'slokit-memory with tail sampling (sampleRate 10): the cost of deciding, without export savings',
  'slokit-otlp-tail':
    'slokit-otlp with tail sampling (sampleRate 10): every bench request is good, so 1 in 10 traces is exported',
};

const [app, variant] = process.argv.slice(2);
const framework = app?.startsWith('express') ? 'express' : app?.startsWith('fastify') ? 'fastify' : undefined;
if (framework === undefined || !(variant in VARIANTS)) {
  console.error(
    `usage: node bench/server.mjs <express|fastify|express-nested|fastify-nested> <${Object.keys(VARIANTS).join('|')}>`,
  );
  process.exit(2);
}
const nested = app.endsWith('-nested');
const fromSrc = process.env.SLOKIT_BENCH_FROM === 'src';
const dist = process.env.SLOKIT_BENCH_DIST ?? new URL('../dist', import.meta.url).pathname;
const DIST_FILES = {
  index: 'index',
  'setup/index': 'setup',
  'adapters/express': 'express',
  'adapters/fastify': 'fastify',
};
const slokit = (entry) =>
  import(fromSrc ? new URL(`../src/${entry}.ts`, import.meta.url).href : `${dist}/${DIST_FILES[entry]}.js`);

/** A span exporter that drops everything: the cost measured is recording, not shipping. */
const nullExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};

async function otlpSpanExporter() {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url: `${process.env.SLOKIT_BENCH_OTLP}/v1/traces` });
}

// Spans ended, counted only when probed (SLOKIT_BENCH_IPC), so the smoke test can tell that a
// variant really records spans.
const probed = process.env.SLOKIT_BENCH_IPC === '1';
let spansEnded = 0;
const countingProcessor = {
  onStart: () => undefined,
  onEnd: () => {
    spansEnded++;
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** ALS context manager, W3C propagation and a tracer provider with one batch processor. */
async function otelSdk(exporter) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spanProcessors = [new BatchSpanProcessor(exporter), ...(probed ? [countingProcessor] : [])];
  const provider = new BasicTracerProvider({ spanProcessors });
  trace.setGlobalTracerProvider(provider);
  return provider;
}

// ---- instrumentation that must exist before the framework is loaded -------------------------
let tracerProvider;
let instrumentations = [];
if (variant === 'als') {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
} else if (variant === 'floor' || variant === 'slokit-full' || variant === 'slokit-noreservoir') {
  tracerProvider = await otelSdk(nullExporter);
} else if (variant === 'floor-otlp') {
  tracerProvider = await otelSdk(await otlpSpanExporter());
} else if (variant === 'otel-auto') {
  tracerProvider = await otelSdk(nullExporter);
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  instrumentations.push(new HttpInstrumentation());
  if (framework === 'express') {
    const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
    instrumentations.push(new ExpressInstrumentation());
  }
  registerInstrumentations({ instrumentations, tracerProvider });
}

let kit;
if (variant.startsWith('slokit-')) {
  const { createSlokit, defineSli } = await slokit('index');
  const slis = [
    defineSli({ name: 'availability', objective: '99.9%', good: { status: '<500' } }),
    defineSli({
      name: 'latency',
      objective: '99%',
      match: { route: nested ? '/api/:version/users/:id' : '/users/:id' },
      good: { status: '2xx', latency: { under: '300ms' } },
    }),
  ];
  if (variant.startsWith('slokit-otlp') || variant.startsWith('slokit-memory')) {
    const { startTelemetry } = await slokit('setup/index');
    startTelemetry({
      serviceName: 'bench',
      endpoint: variant.startsWith('slokit-otlp') ? process.env.SLOKIT_BENCH_OTLP : false,
      log: false,
      ...(variant.endsWith('-tail') ? { tailSampling: { sampleRate: 10 } } : {}),
    });
    kit = createSlokit({ slis });
  } else {
    kit = createSlokit({
      slis,
      meterProvider: new MeterProvider(),
      spans: !variant.startsWith('slokit-counters'),
      ...(variant === 'slokit-counters-sync' ? { asyncContext: false } : {}),
      ...(variant === 'slokit-noreservoir' ? { reservoir: false } : {}),
      ...(tracerProvider ? { tracerProvider } : {}),
    });
  }
}

// ---- the app ---------------------------------------------------------------------------------
const user = (id) => ({ id, name: 'Ada Lovelace', roles: ['admin'] });
let port;
const path = nested ? '/api/v2/users/42' : '/users/42';

if (framework === 'express') {
  const express = require('express');
  const root = express();
  root.set('etag', false);
  root.set('x-powered-by', false);
  if (kit) {
    const { slokitExpress } = await slokit('adapters/express');
    root.use(slokitExpress(kit));
  } else if (variant === 'prom') {
    const promBundle = require('express-prom-bundle');
    root.use(promBundle({ includeMethod: true, includePath: true, autoregister: false }));
  } else if (variant === 'floor' || variant === 'floor-otlp') {
    const tracer = trace.getTracer('floor');
    root.use((req, res, next) => {
      const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER });
      res.once('finish', () => span.end());
      context.with(trace.setSpan(context.active(), span), next);
    });
  } else if (variant === 'als') {
    root.use((_req, _res, next) => context.with(context.active().setValue(ALS_KEY, 1), next));
  }
  const handler = (req, res) => {
    res.json(user(req.params.id));
  };
  if (nested) {
    // A mounted app holding a router: both at parameterised / nested prefixes.
    const api = express();
    api.set('etag', false);
    const users = express.Router();
    users.get('/users/:id', handler);
    api.use('/:version', users);
    root.use('/api', api);
  } else {
    root.get('/users/:id', handler);
  }
  const server = await new Promise((resolve) => {
    const s = root.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = server.address().port;
} else {
  const Fastify = require('fastify');
  const fastify = Fastify({ logger: false });
  if (kit) {
    const { slokitFastify } = await slokit('adapters/fastify');
    await fastify.register(slokitFastify, { kit });
  } else if (variant === 'prom') {
    const metrics = require('fastify-metrics');
    await fastify.register(metrics.default ?? metrics, { endpoint: '/metrics' });
  } else if (variant === 'otel-auto') {
    const { FastifyOtelInstrumentation } = require('@fastify/otel');
    const otel = new FastifyOtelInstrumentation();
    otel.setTracerProvider(tracerProvider);
    await fastify.register(otel.plugin());
  } else if (variant === 'floor' || variant === 'floor-otlp') {
    const tracer = trace.getTracer('floor');
    const spans = new WeakMap();
    fastify.addHook('onRequest', (request, _reply, done) => {
      const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER });
      spans.set(request, span);
      context.with(trace.setSpan(context.active(), span), done);
    });
    fastify.addHook('onResponse', (request, _reply, done) => {
      spans.get(request)?.end();
      done();
    });
  } else if (variant === 'als') {
    fastify.addHook('onRequest', (_request, _reply, done) => {
      context.with(context.active().setValue(ALS_KEY, 1), done);
    });
  }
  const handler = async (request) => user(request.params.id);
  if (nested) {
    await fastify.register(
      async (api) => {
        await api.register(async (versioned) => versioned.get('/users/:id', handler), {
          prefix: '/:version',
        });
      },
      { prefix: '/api' },
    );
  } else {
    fastify.get('/users/:id', handler);
  }
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  port = fastify.server.address().port;
}
// ---- allocation probes -------------------------------------------------------------------------
// bench/peers.mjs asks for the heap before and after a burst of requests; with a young generation
// large enough for the whole burst (--max-semi-space-size) no GC runs in between, so the growth of
// the used heap is what the requests allocated. The sampling heap profiler (interval 1: every
// allocation) counts the objects.
if (probed && process.send) {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  let before;
  let spansBefore = 0;
  let gcs = 0;
  const { PerformanceObserver } = await import('node:perf_hooks');
  new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  }).observe({ entryTypes: ['gc'] });
  process.on('message', async (message) => {
    if (message === 'alloc:start') {
      globalThis.gc?.();
      globalThis.gc?.();
      await post('HeapProfiler.startSampling', {
        samplingInterval: 1,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      // Let the observer report the collections above before counting from zero.
      await new Promise((resolve) => setTimeout(resolve, 20));
      gcs = 0;
      spansBefore = spansEnded;
      before = v8.getHeapStatistics().used_heap_size;
      process.send('alloc:started');
    } else if (message === 'alloc:stop') {
      const grown = v8.getHeapStatistics().used_heap_size - before;
      const gcDuring = gcs;
      const spans = spansEnded - spansBefore;
      const { profile } = await post('HeapProfiler.stopSampling');
      let objects = 0;
      let sampledBytes = 0;
      for (const sample of profile.samples) {
        objects++;
        sampledBytes += sample.size;
      }
      process.send({ grown, gcDuring, objects, sampledBytes, spans });
    }
  });
}

process.stdout.write(`ready ${port} ${path}\n`);
// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on('SIGTERM', () => process.exit(0));
