// One server of the HTTP benchmark: a hello-world Express 5 or Fastify 5 app, bare or with slokit.
// Started by bench/http.mjs as its own process; prints "ready <port>" when listening.
//   node bench/http-server.mjs <express|fastify> <bare|counters|spans>
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createSlokit, defineSli } from '../dist/index.js';

const [framework, variant] = process.argv.slice(2);

/** A span exporter that drops everything: the cost measured is recording, not shipping. */
const nullExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};

let kit;
if (variant !== 'bare') {
  const spans = variant === 'spans';
  let tracerProvider;
  if (spans) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(nullExporter)] });
    trace.setGlobalTracerProvider(tracerProvider);
  }
  kit = createSlokit({
    slis: [
      defineSli({ name: 'availability', objective: '99.9%', good: { status: '<500' } }),
      defineSli({
        name: 'latency',
        objective: '99%',
        match: { route: '/' },
        good: { status: '2xx', latency: { under: '300ms' } },
      }),
    ],
    meterProvider: new MeterProvider(),
    spans,
    ...(tracerProvider ? { tracerProvider } : {}),
  });
}

let port;
if (framework === 'express') {
  const { default: express } = await import('express');
  const app = express();
  if (kit) {
    const { slokitExpress } = await import('../dist/express.js');
    app.use(slokitExpress(kit));
  }
  app.get('/', (_req, res) => {
    res.json({ hello: 'world' });
  });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = server.address().port;
} else {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (kit) {
    const { slokitFastify } = await import('../dist/fastify.js');
    await app.register(slokitFastify, { kit });
  }
  app.get('/', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = app.server.address().port;
}
process.stdout.write(`ready ${port}\n`);
// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on('SIGTERM', () => process.exit(0));
