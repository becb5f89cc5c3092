// An app that already runs the OpenTelemetry SDK with HTTP auto-instrumentation, and adds slokit.
// The app's SDK stays in charge: instrumentation-http starts one SERVER span per request, slokit
// enriches that span (route, verdicts, wide attributes) instead of starting a second one, and its
// counters go to the app's MeterProvider, served by the app's own Prometheus endpoint.
//
//   node --import tsx examples/with-existing-otel/server.ts          serves on $PORT (default: any free port)
//   node --import tsx examples/with-existing-otel/server.ts --smoke  sends itself a few requests, prints
//                                                                    the SERVER spans and counters, exits
//
// With OTEL_EXPORTER_OTLP_ENDPOINT set, the app's SDK exports its spans there over OTLP/HTTP.
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { ErrorRequestHandler } from 'express';
import { SpanKind, context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });

// 1. The app's own OpenTelemetry set-up, as it would sit in its instrumentation module, before
//    anything loads `http`. (slokit is not involved yet.)
const resource = resourceFromAttributes({ 'service.name': 'catalog-api' });
const recorded = new InMemorySpanExporter(); // only to show the spans in --smoke
const processors: SpanProcessor[] = [new SimpleSpanProcessor(recorded)];
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined) {
  processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
}
const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: processors });
trace.setGlobalTracerProvider(tracerProvider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const prometheus = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
metrics.setGlobalMeterProvider(meterProvider);
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });

// Loaded only now, through require, so that instrumentation-http's hook patches `http`.
createRequire(import.meta.url)('node:http') as typeof Http;
const { default: express } = await import('express');
const { addContext, createSlokit, defineSli } = await import('slokit');
const { slokitErrors, slokitExpress } = await import('slokit/express');
const { startTelemetry } = await import('slokit/setup');

// 2. slokit. startTelemetry finds the app's SDK, says so once, and leaves it in charge.
const telemetry = startTelemetry({ serviceName: 'catalog-api' });
const kit = createSlokit({
  slis: [
    defineSli({
      name: 'availability',
      objective: '99.9%',
      match: { route: /^\/api\// },
      good: { status: '<500' },
    }),
    defineSli({
      name: 'product-latency',
      objective: '99%',
      match: { method: 'GET', route: '/api/products/:id' },
      good: { status: '<500', latency: { under: '250ms' } },
    }),
  ],
});

const app = express();
app.use(slokitExpress(kit, { ignore: (req) => req.url === '/metrics' }));
// The app's own Prometheus endpoint: the app's MeterProvider, which now also holds slokit's counters.
app.get('/metrics', (req, res) => prometheus.getMetricsRequestHandler(req, res));
app.get('/api/products/:id', async (req, res) => {
  addContext({ 'app.product.id': req.params.id });
  await new Promise((resolve) => setTimeout(resolve, req.params.id === '7' ? 300 : 5));
  res.json({ id: req.params.id });
});
app.get('/api/search', () => {
  throw new Error('search index unavailable');
});
app.use(slokitErrors());
const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
  res.status(500).json({ error: 'internal error' });
};
app.use(onError);

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://127.0.0.1:${port}`);
  if (values.smoke) void smoke(port);
});

/** Sends a few requests, prints the SERVER spans the app's SDK recorded and the counters, and stops. */
async function smoke(port: number): Promise<void> {
  const paths = ['/api/products/1', '/api/products/7', '/api/search', '/nope'];
  for (const path of paths) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    await res.arrayBuffer();
    console.log(`GET ${path} -> ${res.status}`);
  }
  const server_ = () => recorded.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
  for (let wait = 0; server_().length < paths.length && wait < 200; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const spans = server_();
  console.log(
    `${spans.length} SERVER spans for ${paths.length} requests, in ${new Set(spans.map((s) => s.spanContext().traceId)).size} traces`,
  );
  for (const span of spans) {
    const verdicts = Object.entries(span.attributes)
      .filter(([key]) => key.startsWith('slokit.sli.'))
      .map(([key, value]) => `${key.slice('slokit.sli.'.length)}=${String(value)}`)
      .join(' ');
    console.log(`${span.name} [${span.instrumentationScope.name}] ${verdicts}`.trimEnd());
  }
  const scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const line of scrape.split('\n')) {
    if (line.startsWith('slokit_sli_events_total{') && !line.endsWith(' 0')) {
      console.log(line.replace(/,otel_scope_name="[^"]*",otel_scope_version="[^"]*"/, ''));
    }
  }
  server.closeAllConnections();
  server.close();
  await telemetry.shutdown();
  await kit.shutdown();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
}
