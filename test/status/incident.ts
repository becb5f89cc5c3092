// A staged incident for the status page's browser tests and its screenshots: two days of the
// example shop's traffic played on a fake clock in milliseconds, ending in a checkout outage (one
// payment provider failing), a slow availability burn and a stale catalog, then real requests
// through a real Express or Fastify app over a socket, so the page has routes, traces and wide
// events to show.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { addContext, createSlokit } from 'slokit';
import type { AlertTransition, Sli, Slokit, StatusHandlerOptions } from 'slokit';
import { slokitErrors, slokitExpress } from 'slokit/express';
import { slokitFastify } from 'slokit/fastify';
import { createFakeClock, kitTraffic, playTraffic } from 'slokit/testing';
import type { FakeClock } from 'slokit/testing';
import { apiAvailability, catalogFreshness, checkout } from '../../examples/slis.js';
import { installGlobalContext } from '../helpers/otel.js';

export const TRACE_TEMPLATE = 'https://jaeger.example/trace/{traceId}';
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** How much history is played before the real requests. */
export const HISTORY_MS = 48 * HOUR;

/** The status page options of the staged incident. */
export const INCIDENT_PAGE_OPTIONS: StatusHandlerOptions = {
  traceUrl: TRACE_TEMPLATE,
  instance: 'shop-7f9c-1',
  service: 'shop',
};

/** In the kit's order, which is not the urgency order (the page must sort them). */
export const INCIDENT_SLIS: readonly Sli<never>[] = [catalogFreshness, apiAvailability, checkout];

export type Framework = 'express' | 'fastify';

export interface StagedIncident {
  readonly kit: Slokit;
  readonly clock: FakeClock;
  readonly alerts: AlertTransition[];
  readonly exporter: InMemorySpanExporter;
  /** The app's address, `http://127.0.0.1:<port>`; the page is at `/slo`. */
  readonly base: string;
  close(): Promise<void>;
}

/**
 * Plays the history into the kit's windows (synthetic counts, one step a minute):
 * - checkout: 200 a minute, 0.03% bad, then 5% bad (a payment provider failing) for the last
 *   20 minutes: the 1h/5m page alert fires;
 * - api-availability: 600 a minute, 0.05% bad, then 0.9% bad for the last 24 hours: the 3d/6h
 *   ticket alert fires;
 * - catalog-freshness: 30 reads a minute, all fresh, then 3% stale for the last hour: burning
 *   (3× over 1h) without an alert.
 */
export function playHistory(kit: Slokit, clock: FakeClock): void {
  const feeds = [
    {
      feed: kitTraffic(kit, checkout),
      total: 200,
      ratio: (t: number) => (t >= HISTORY_MS - 20 * MINUTE ? 0.05 : 0.0003),
    },
    {
      feed: kitTraffic(kit, apiAvailability),
      total: 600,
      ratio: (t: number) => (t >= HISTORY_MS - 24 * HOUR ? 0.009 : 0.0005),
    },
    {
      feed: kitTraffic(kit, catalogFreshness),
      total: 30,
      ratio: (t: number) => (t >= HISTORY_MS - HOUR ? 0.03 : 0),
    },
  ];
  const start = clock.now();
  // Whole counts whose running total follows the ratio exactly: bad events spread evenly.
  const badIn = (minute: number, total: number, ratio: number): number =>
    Math.floor((minute + 1) * total * ratio) - Math.floor(minute * total * ratio);
  playTraffic({
    clock,
    durationMs: HISTORY_MS,
    rate: () => ({ good: 0, bad: 0 }),
    onStep: (_good, _bad, at) => {
      const t = at - start;
      const minute = Math.floor(t / MINUTE);
      for (const { feed, total, ratio } of feeds) {
        const bad = badIn(minute, total, ratio(t));
        feed(total - bad, bad, at);
      }
    },
  });
}

/** The shop's handlers, the same in both frameworks. */
const PROVIDERS = ['acme', 'stripe'] as const;

function checkoutOutcome(provider: string): number {
  // The outage: one payment provider refuses every payment.
  return provider === 'acme' ? 502 : 200;
}

async function listenExpress(
  kit: Slokit,
  options: StatusHandlerOptions,
): Promise<{ base: string; close: () => Promise<void> }> {
  const app = express();
  app.use(slokitExpress(kit));
  app.get('/slo', kit.statusHandler(options));
  app.post('/api/checkout', (req, res) => {
    const provider = typeof req.query.provider === 'string' ? req.query.provider : 'stripe';
    addContext({
      'app.payment.provider': provider,
      'app.cart.items': Number(typeof req.query.items === 'string' ? req.query.items : 1),
    });
    res.status(checkoutOutcome(provider)).json({ provider });
  });
  app.get('/api/products/:id', (req, res) => {
    addContext({ 'app.product.id': req.params.id });
    res.json({ id: req.params.id });
  });
  app.get('/api/catalog', (_req, res) => {
    kit.record(catalogFreshness, { updatedAt: new Date(Date.now() - 10 * MINUTE) });
    res.json({ ok: true });
  });
  app.use(slokitErrors());
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function listenFastify(
  kit: Slokit,
  options: StatusHandlerOptions,
): Promise<{ base: string; close: () => Promise<void> }> {
  const app = Fastify();
  await app.register(slokitFastify, { kit });
  app.get('/slo', kit.statusHandler(options));
  app.post<{ Querystring: { provider?: string; items?: string } }>(
    '/api/checkout',
    async (request, reply) => {
      const provider = request.query.provider ?? 'stripe';
      addContext({ 'app.payment.provider': provider, 'app.cart.items': Number(request.query.items ?? 1) });
      return reply.code(checkoutOutcome(provider)).send({ provider });
    },
  );
  app.get<{ Params: { id: string } }>('/api/products/:id', (request) => {
    addContext({ 'app.product.id': request.params.id });
    return { id: request.params.id };
  });
  app.get('/api/catalog', () => {
    kit.record(catalogFreshness, { updatedAt: new Date(Date.now() - 10 * MINUTE) });
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}

/** Real requests at the end of the history: 40 checkouts (half of them through the failing provider), 20 product reads, 5 catalog reads. */
export async function sendRequests(base: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const provider = PROVIDERS[i % 2]!;
    const response = await fetch(`${base}/api/checkout?provider=${provider}&items=${1 + (i % 5)}`, {
      method: 'POST',
    });
    await response.arrayBuffer();
  }
  for (let i = 0; i < 20; i++) await (await fetch(`${base}/api/products/${i % 5}`)).arrayBuffer();
  for (let i = 0; i < 5; i++) await (await fetch(`${base}/api/catalog`)).arrayBuffer();
}

/** Stages the whole incident behind a real app of `framework`, its status page at `/slo`. */
export async function stageIncident(
  framework: Framework,
  options: StatusHandlerOptions = INCIDENT_PAGE_OPTIONS,
): Promise<StagedIncident> {
  installGlobalContext();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const clock = createFakeClock();
  const alerts: AlertTransition[] = [];
  const kit = createSlokit({ slis: INCIDENT_SLIS, clock, tracerProvider, onAlert: (t) => alerts.push(t) });
  playHistory(kit, clock);
  const app = framework === 'express' ? await listenExpress(kit, options) : await listenFastify(kit, options);
  await sendRequests(app.base);
  return {
    kit,
    clock,
    alerts,
    exporter,
    base: app.base,
    close: async () => {
      await app.close();
      await kit.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
