// The demo's shop: an Express 5 app measured with slokit, whose faults the traffic driver switches
// on and off (slow and failing payments, a failing inventory service, a stalled catalog sync).
import express from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import { addContext } from 'slokit';
import type { Slokit } from 'slokit';
import { slokitErrors, slokitExpress } from 'slokit/express';
import type { Telemetry } from 'slokit/setup';
import { catalogFreshness } from '../slis.js';

/** What is broken right now. The traffic driver changes these as the demo moves through its phases. */
export interface Faults {
  /** The payment provider in trouble (the others are fine), or `null`: then all share the faults. */
  troubledProvider: string | null;
  /** Share of its checkouts whose payment call takes 350–700 ms (the checkout SLI allows 300 ms). */
  paymentSlowRatio: number;
  /** Share of its checkouts the payment provider refuses (answered 503). */
  paymentErrorRatio: number;
  /** Share of product reads where the inventory service throws (answered 500). */
  inventoryErrorRatio: number;
  /** The catalog sync has stalled: reads serve data more than 24 hours old. */
  catalogStale: boolean;
}

export const PRODUCT_IDS = ['1', '2', '3', '4', '5'];

/** The payment providers a checkout goes through, with the share of checkouts each takes. */
export const PROVIDERS: readonly { readonly name: string; readonly share: number }[] = [
  { name: 'acme-pay', share: 0.3 },
  { name: 'globex-pay', share: 0.4 },
  { name: 'initech-pay', share: 0.3 },
];

function pickProvider(r: number): string {
  let sum = 0;
  for (const provider of PROVIDERS) {
    sum += provider.share;
    if (r < sum) return provider.name;
  }
  return PROVIDERS[PROVIDERS.length - 1]!.name;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shop. `random` decides which requests a fault hits (seeded, so a run can be repeated). */
export function createShop(kit: Slokit, telemetry: Telemetry, faults: Faults, random: () => number): Express {
  const app = express();
  app.set('env', 'production'); // no stack traces in error pages
  // Every request becomes one event judged against the SLIs; scrapes are not user traffic.
  app.use(slokitExpress(kit, { ignore: (req) => req.url === '/metrics' }));
  app.get('/metrics', telemetry.metricsHandler);
  // The status page: what fires, the budget left, what is different about the bad events, and the
  // latest bad requests. Its own requests are never judged.
  app.get('/slo', kit.statusHandler());

  app.get('/api/products/:id', async (req, res) => {
    await sleep(5 + random() * 25);
    addContext({ 'app.product.id': req.params.id });
    if (random() < faults.inventoryErrorRatio) throw new Error('inventory service timed out');
    if (!PRODUCT_IDS.includes(req.params.id)) {
      res.status(404).json({ error: 'no such product' });
      return;
    }
    res.json({ id: req.params.id, name: `product ${req.params.id}`, price: 12.5 });
  });

  app.get('/api/catalog', (_req, res) => {
    // The last successful catalog sync: minutes ago, or more than a day ago while it is stalled.
    const updatedAt = new Date(Date.now() - (faults.catalogStale ? 30 * 3_600_000 : 10 * 60_000));
    kit.record(catalogFreshness, { updatedAt });
    res.json({ updatedAt, products: PRODUCT_IDS });
  });

  app.post('/api/checkout', async (req, res) => {
    const items = 1 + Math.floor(random() * 5);
    const tier = random() < 0.2 ? 'gold' : 'standard';
    const provider = pickProvider(random());
    addContext({ 'app.cart.items': items, 'app.customer.tier': tier, 'app.payment.provider': provider });
    const troubled = faults.troubledProvider === null || faults.troubledProvider === provider;
    const slow = troubled && random() < faults.paymentSlowRatio;
    await sleep(slow ? 350 + random() * 350 : 20 + random() * 60);
    if (troubled && random() < faults.paymentErrorRatio) {
      addContext({ 'app.payment.outcome': 'provider_unavailable' });
      res.status(503).json({ error: 'payment provider unavailable' });
      return;
    }
    addContext({ 'app.payment.outcome': 'captured' });
    res.json({ order: Math.floor(random() * 1e6), items });
  });

  // After the routes: errors count as errors on the request's event, then the app answers them.
  app.use(slokitErrors());
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}
