// A Fastify 5 shop API measured with slokit: two SLIs declared next to the routes they judge, the
// plugin registered before any route, per-route config, wide-event context from the handlers, and
// the SLI counters served on /metrics in the Prometheus format.
//   node --import tsx examples/fastify-basic/server.ts            listens on $PORT (default: any free port)
//   node --import tsx examples/fastify-basic/server.ts --smoke    sends itself a few requests, prints the counts, exits
import { parseArgs } from 'node:util';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import Fastify from 'fastify';
import { addContext, createSlokit, defineSli } from 'slokit';
import { slokitFastify } from 'slokit/fastify';

/** Checkout answers 2xx in under 300 ms, 99.9% of the time. */
const checkout = defineSli({
  name: 'checkout',
  objective: '99.9%',
  match: { method: 'POST', route: '/api/checkout' },
  good: { status: '2xx', latency: { under: '300ms' } },
});

/** Every API route answers without a server error, 99.5% of the time. */
const apiAvailability = defineSli({
  name: 'api-availability',
  objective: '99.5%',
  match: { route: /^\/api\// },
  good: { status: '<500' },
});

// The counters go to a Prometheus exporter that this app serves itself on /metrics.
const exporter = new PrometheusExporter({ preventServerStart: true });
const kit = createSlokit({
  slis: [checkout, apiAvailability],
  meterProvider: new MeterProvider({ readers: [exporter] }),
});

const app = Fastify();
// Registered first, and awaited, so that it sees every route and runs before every other hook.
await app.register(slokitFastify, { kit });

// Neither health checks nor scrapes are user-visible work: leave them alone.
app.get('/healthz', { config: { slokit: false } }, () => 'ok');
app.get('/metrics', { config: { slokit: false } }, (request, reply) => {
  reply.hijack();
  exporter.getMetricsRequestHandler(request.raw, reply.raw);
});

await app.register(
  (api, _options, done) => {
    api.post<{ Body: { items: number } }>(
      '/checkout',
      {
        schema: {
          body: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'integer', minimum: 1 } },
          },
        },
      },
      async (request, reply) => {
        const { items } = request.body;
        addContext({ 'app.cart.items': items });
        await reserveStock(items);
        addContext({ 'app.stock.reserved': true });
        return reply.code(201).send({ order: 1000 + items });
      },
    );
    api.get<{ Params: { id: string } }>('/products/:id', (request) => {
      addContext({ 'app.product.id': request.params.id });
      return { id: request.params.id, name: 'Tea' };
    });
    done();
  },
  { prefix: '/api' },
);

/** The stock service: takes a few milliseconds, and has no room for big orders. */
async function reserveStock(items: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (items > 50) throw new Error('not enough stock');
}

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const address = await app.listen({
  port: values.smoke ? 0 : Number(process.env.PORT ?? 0),
  host: '127.0.0.1',
});
console.log(`listening on ${address}`);

if (values.smoke) {
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${address}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    console.log(`${method} ${path} -> ${response.status}`);
    return response.text();
  };
  await send('POST', '/api/checkout', { items: 2 });
  await send('POST', '/api/checkout', { items: 3 });
  await send('POST', '/api/checkout', { items: 0 }); // 400: refused by the schema
  await send('POST', '/api/checkout', { items: 99 }); // 500: the stock service fails
  await send('GET', '/api/products/7');
  await send('GET', '/healthz');
  // The counter series, as `<sli>/<outcome>[/<reason>]: count`.
  const counts: Record<string, number> = {};
  for (const line of (await send('GET', '/metrics')).split('\n')) {
    const series = /^slokit_sli_events_total\{(.*)\} (\d+)$/.exec(line);
    if (series === null) continue;
    const labels = new Map([...series[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const key = ['slokit_sli_name', 'slokit_sli_outcome', 'slokit_sli_reason']
      .map((l) => labels.get(l))
      .filter(Boolean);
    counts[key.join('/')] = Number(series[2]);
  }
  console.log(JSON.stringify(counts));
  await app.close();
  await kit.shutdown();
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => kit.shutdown());
    });
  }
}
