// Requests that slokit's own handlers answer (the Prometheus scrape endpoint) are not events of the
// service: no SLI judges them, whatever the adapter in front of them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit } from 'slokit';
import { slokitExpress } from 'slokit/express';
import { slokitFastify } from 'slokit/fastify';
import { wrapHandler } from 'slokit/node';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';

const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setUp(): { kit: Slokit; telemetry: Telemetry } {
  const telemetry = startTelemetry({
    serviceName: 'own-handlers',
    log: () => undefined,
    diagLogLevel: false,
  });
  const kit = createSlokit({ slis: [availability] });
  cleanups.push(
    () => telemetry.shutdown(),
    () => kit.shutdown(),
  );
  return { kit, telemetry };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Three scrapes and one request of the app; the scrapes must not count. */
async function drive(base: string): Promise<string> {
  let scrape = '';
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    scrape = await response.text();
  }
  expect((await fetch(`${base}/hello`)).status).toBe(200);
  return scrape;
}

function expectOneGood(kit: Slokit, scrape: string): void {
  const status = kit.status().slis[0]!;
  expect({ good: status.good, bad: status.bad }).toEqual({ good: 1, bad: 0 });
  // Each scrape reports the counts before the scrape was answered: never a scrape itself.
  expect(scrape).toMatch(
    /slokit_sli_events_total\{slokit_sli_name="availability",slokit_sli_outcome="good"[^}]*\} 0\n/,
  );
}

describe("slokit's own handlers are never judged", () => {
  it('Express: app.get("/metrics", telemetry.metricsHandler)', async () => {
    const { kit, telemetry } = setUp();
    const app = express();
    app.use(slokitExpress(kit));
    app.get('/metrics', telemetry.metricsHandler);
    app.get('/hello', (_req, res) => void res.send('hi'));
    const scrape = await drive(await listen(http.createServer(app)));
    expectOneGood(kit, scrape);
  });

  it('Fastify: a route that hands the raw request to metricsHandler', async () => {
    const { kit, telemetry } = setUp();
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    app.get('/metrics', (request, reply) => {
      reply.hijack();
      telemetry.metricsHandler(request.raw, reply.raw);
    });
    app.get('/hello', () => 'hi');
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const { port } = app.server.address() as AddressInfo;
    const scrape = await drive(`http://127.0.0.1:${port}`);
    expectOneGood(kit, scrape);
  });

  it('node:http: a wrapped handler that delegates /metrics', async () => {
    const { kit, telemetry } = setUp();
    const handler = wrapHandler(kit, (req, res) => {
      if (req.url === '/metrics') return telemetry.metricsHandler(req, res);
      res.end('hi');
    });
    const scrape = await drive(await listen(http.createServer(handler)));
    expectOneGood(kit, scrape);
  });
});
