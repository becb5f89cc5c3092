// The example shop's SLIs, declared once and used by the demo app, the examples and
// `slokit rules examples/slis.ts`.
import { defineSli } from 'slokit';

/** Checkout answers 2xx within 300 ms, 99.9% of the time over 28 days. */
export const checkout = defineSli({
  name: 'checkout',
  description: 'Checkout requests answer 2xx in under 300 ms',
  objective: '99.9%',
  window: '28d',
  match: { method: 'POST', route: '/api/checkout' },
  good: { status: '2xx', latency: { under: '300ms' } },
  runbook: 'https://runbooks.example.com/shop/checkout',
  owner: 'shop-team',
  rationale: 'Shoppers abandon a checkout that takes longer than 300 ms (2025 funnel study).',
});

/** Every API route answers without a server error, 99.5% of the time. */
export const apiAvailability = defineSli({
  name: 'api-availability',
  description: 'API requests are answered without a server error (5xx)',
  objective: '99.5%',
  match: { route: /^\/api\// },
  good: { status: '<500' },
  owner: 'shop-team',
});

/** The catalog served to customers was updated within the past 24 hours, 99% of reads. */
export const catalogFreshness = defineSli<{ updatedAt: Date }>({
  name: 'catalog-freshness',
  description: 'Catalog reads serve data updated within 24 hours',
  objective: '99%',
  freshness: { maxAge: '24h' },
  owner: 'catalog-team',
  rationale: 'Prices are updated once a day; a catalog older than a day shows wrong prices.',
});

export const slis = [checkout, apiAvailability, catalogFreshness];
