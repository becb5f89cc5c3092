// An Express 5 API measured with slokit: two SLIs, the middleware before the routes, the error
// recorder after them.
//   node --import tsx examples/express-basic/server.ts            serves on $PORT (default: any free port)
//   node --import tsx examples/express-basic/server.ts --smoke    sends itself a few requests, prints
//                                                                 the SLI counts and exits
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import type { ErrorRequestHandler } from 'express';
import { addContext, createSlokit, defineSli } from 'slokit';
import { slokitErrors, slokitExpress } from 'slokit/express';

const availability = defineSli({
  name: 'availability',
  description: 'Requests answered without a server error',
  objective: '99.9%',
  good: {}, // default: any status but 5xx and 429
});
const apiLatency = defineSli({
  name: 'api-latency',
  description: 'API requests answered without a server error in under 1 s',
  objective: '99%',
  match: { route: /^\/api\// },
  good: { status: '<500', latency: { under: '1s' } },
});

const kit = createSlokit({ slis: [availability, apiLatency], captureHeaders: ['x-request-id'] });

const products = new Map([
  ['1', { id: '1', name: 'kettle' }],
  ['2', { id: '2', name: 'teapot' }],
]);

const app = express();
// 1. Before the routes: every request becomes one event. Health checks are not user traffic.
app.use(slokitExpress(kit, { ignore: (req) => req.url === '/healthz' }));

app.get('/healthz', (_req, res) => {
  res.send('ok');
});

const api = express.Router();
api.get('/products/:id', async (req, res) => {
  await new Promise((resolve) => setTimeout(resolve, 5)); // a database read
  const product = products.get(req.params.id);
  // Wide context: lands on the request's span, next to the verdicts.
  addContext({ 'app.product.found': product !== undefined });
  if (product === undefined) {
    res.status(404).json({ error: 'no such product' });
    return;
  }
  res.json(product);
});
api.get('/checkout', () => {
  throw new Error('payment provider unreachable');
});
app.use('/api', api);

// 2. After the routes, before your error handlers: errors count as errors.
app.use(slokitErrors());
const onError: ErrorRequestHandler = (_err, _req, res, _next) => {
  res.status(500).json({ error: 'internal error' });
};
app.use(onError);

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://127.0.0.1:${port}`);
  if (values.smoke) void smoke(port);
});

/** Sends a few requests, prints what slokit counted, and stops. */
async function smoke(port: number): Promise<void> {
  const paths = [
    '/healthz',
    '/api/products/1',
    '/api/products/2',
    '/api/products/9',
    '/api/checkout',
    '/nope',
  ];
  for (const path of paths) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { 'x-request-id': `smoke-${path}` },
    });
    await res.arrayBuffer();
    console.log(`GET ${path} -> ${res.status}`);
  }
  // An event is recorded when its response has closed, which can be just after the client read it;
  // all but /healthz (ignored) count for availability.
  const recorded = () => kit.status().slis[0]!;
  for (let wait = 0; recorded().good + recorded().bad < paths.length - 1 && wait < 100; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const sli of kit.status().slis) console.log(`${sli.name}: ${sli.good} good, ${sli.bad} bad`);
  server.closeAllConnections();
  server.close();
  await kit.shutdown();
}
