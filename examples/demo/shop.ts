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
  /** Share of checkouts whose payment call takes 350–700 ms (the checkout SLI allows 300 ms). */
  paymentSlowRatio: number;
  /** Share of checkouts the payment provider refuses (answered 503). */
  paymentErrorRatio: number;
  /** Share of product reads where the inventory service throws (answered 500). */
  inventoryErrorRatio: number;
  /** The catalog sync has stalled: reads serve data more than 24 hours old. */
  catalogStale: boolean;
}

export const PRODUCT_IDS = ['1', '2', '3', '4', '5'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shop. `random` decides which requests a fault hits (seeded, so a run can be repeated). */
export function createShop(kit: Slokit, telemetry: Telemetry, faults: Faults, random: () => number): Express {
  const app = express();
  app.set('env', 'production'); // no stack traces in error pages
  // Every request becomes one event judged against the SLIs; scrapes are not user traffic.
  app.use(slokitExpress(kit, { ignore: (req) => req.url === '/metrics' }));
  app.get('/metrics', telemetry.metricsHandler);

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
    addContext({ 'app.cart.items': items, 'app.customer.tier': tier, 'app.payment.provider': 'acme-pay' });
    const slow = random() < faults.paymentSlowRatio;
    await sleep(slow ? 350 + random() * 350 : 20 + random() * 60);
    if (random() < faults.paymentErrorRatio) {
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
