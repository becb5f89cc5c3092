// A service that sends its traces and SLI metrics to an OpenTelemetry Collector over OTLP/HTTP.
// Everything about where the data goes comes from the standard environment variables, so the same
// code runs against a local collector, Honeycomb, Grafana Tempo or Jaeger (see README.md).
//
//   OTEL_SERVICE_NAME=checkout OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 \
//     node --import tsx examples/with-collector/server.ts           serves on $PORT (default 3000)
//   ... server.ts --smoke     sends itself a few requests, flushes, prints what was exported, exits
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import type { ErrorRequestHandler } from 'express';
import { addContext, createSlokit } from 'slokit';
import { slokitErrors, slokitExpress } from 'slokit/express';
import { startTelemetry } from 'slokit/setup';
import { apiAvailability, checkout } from '../slis.js';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });

// 1. Telemetry first. No options needed: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
//    OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS say who we are and where data goes.
//    handleSignals flushes what is pending when the platform stops the process (SIGTERM).
const telemetry = startTelemetry({ handleSignals: true });
const kit = createSlokit({ slis: [checkout, apiAvailability] });

const app = express();
app.use(slokitExpress(kit, { ignore: (req) => req.url === '/metrics' }));
// Prometheus can still scrape the process directly, next to the OTLP push.
app.get('/metrics', telemetry.metricsHandler);
app.post('/api/checkout', async (req, res) => {
  addContext({ 'app.cart.items': 2, 'app.payment.provider': 'acme-pay' });
  await new Promise((resolve) => setTimeout(resolve, 10));
  if (req.query.fail === '1') {
    res.status(503).json({ error: 'payment provider unavailable' });
    return;
  }
  res.json({ order: 1001 });
});
app.use(slokitErrors());
const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
  res.status(500).json({ error: 'internal error' });
};
app.use(onError);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://127.0.0.1:${port}`);
  if (values.smoke) void smoke(port);
});

/** Sends three checkouts, shuts down (which flushes), and prints what reached the collector. */
async function smoke(port: number): Promise<void> {
  for (const query of ['', '', '?fail=1']) {
    const res = await fetch(`http://127.0.0.1:${port}/api/checkout${query}`, { method: 'POST' });
    await res.arrayBuffer();
    console.log(`POST /api/checkout${query} -> ${res.status}`);
  }
  server.closeAllConnections();
  server.close();
  await telemetry.shutdown();
  await kit.shutdown();
  const stats = telemetry.exportStats();
  console.log(`traces: ${telemetry.destinations.traces ?? 'not exported'}`);
  console.log(`metrics: ${telemetry.destinations.metrics ?? 'not exported'}`);
  console.log(
    `exported ${stats.exportedSpans} spans; failed exports: ${stats.failures.traces} (traces), ${stats.failures.metrics} (metrics)`,
  );
}
