// Exact counts under a mixed load: thousands of requests, twenty at a time over keep-alive
// connections, good, bad and not eligible mixed, on real Express and Fastify servers on 127.0.0.1.
// Every counter, every span and every verdict on it must match the plan exactly; no request fails.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit } from 'slokit';
import { slokitErrors, slokitExpress } from 'slokit/express';
import { slokitFastify } from 'slokit/fastify';
import { createTestTelemetry } from '../helpers/otel.js';
import type { TestTelemetry } from '../helpers/otel.js';
import { close, listen, report, scale } from './support.js';

// Every request but the health check is eligible (unrouted ones too: the classifier sees them); 5xx is bad.
const availability = defineSli({
  name: 'availability',
  objective: '99.9%',
  good: (e) => (e.route === '/health' ? null : (e.status ?? 500) < 500),
});
// Item reads must answer 2xx: the 500s and the 400s are bad.
const items = defineSli({
  name: 'items',
  objective: '99%',
  match: { route: '/api/items/:id' },
  good: { status: '2xx' },
});
const slis = [availability, items];

/** The i-th request of the plan: ten kinds, in turn. */
function planned(i: number): { method: 'GET' | 'POST'; path: string; status: number } {
  switch (i % 10) {
    case 5:
      return { method: 'GET', path: `/api/items/${i}?fail=1`, status: 500 };
    case 6:
      return { method: 'POST', path: '/api/orders', status: 201 };
    case 7:
      return { method: 'GET', path: '/health', status: 200 };
    case 8:
      return { method: 'GET', path: `/nope/${i}`, status: 404 };
    case 9:
      return { method: 'GET', path: `/api/items/${i}?bad=1`, status: 400 };
    default:
      return { method: 'GET', path: `/api/items/${i}`, status: 200 };
  }
}

/** What the plan must count, for `n` requests (a multiple of 10). */
function expectedCounts(n: number): Record<string, number> {
  const tens = n / 10;
  return {
    'availability/good': 8 * tens,
    'availability/bad/custom': tens,
    'items/good': 5 * tens,
    'items/bad/status': 2 * tens,
  };
}

function answer(path: string, fail: boolean, bad: boolean): { status: number; body: string } {
  if (fail) return { status: 500, body: 'failed' };
  if (bad) return { status: 400, body: 'bad request' };
  return { status: 200, body: path };
}

let server: http.Server | undefined;
let fastify: FastifyInstance | undefined;
let telemetry: TestTelemetry | undefined;
let kit: Slokit | undefined;

afterEach(async () => {
  await close(server);
  await fastify?.close();
  await kit?.shutdown();
  await telemetry?.shutdown();
  server = fastify = kit = telemetry = undefined;
});

async function expressApp(k: Slokit): Promise<number> {
  const app = express();
  app.use(slokitExpress(k));
  app.get('/api/items/:id', (req, res) => {
    const { status, body } = answer(req.path, req.query.fail === '1', req.query.bad === '1');
    res.status(status).send(body);
  });
  app.post('/api/orders', (_req, res) => {
    res.status(201).send('created');
  });
  app.get('/health', (_req, res) => {
    res.send('ok');
  });
  app.use(slokitErrors());
  server = http.createServer(app);
  return listen(server);
}

async function fastifyApp(k: Slokit): Promise<number> {
  const app = Fastify();
  fastify = app;
  await app.register(slokitFastify, { kit: k });
  app.get<{ Querystring: { fail?: string; bad?: string } }>('/api/items/:id', async (req, reply) => {
    const { status, body } = answer(req.url, req.query.fail === '1', req.query.bad === '1');
    return reply.code(status).send(body);
  });
  app.post('/api/orders', (_req, reply) => reply.code(201).send('created'));
  app.get('/health', (_req, reply) => reply.send('ok'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

async function play(
  port: number,
  n: number,
  concurrency: number,
): Promise<{ failed: number; wrong: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let failed = 0;
  let wrong = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const p = planned(next++);
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port, method: p.method, path: p.path, agent },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
              res.on('error', reject);
            },
          );
          req.on('error', reject);
          req.end();
        });
        if (status !== p.status) wrong++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { failed, wrong };
}

describe.each([
  ['Express', expressApp],
  ['Fastify', fastifyApp],
])('a mixed load on %s', (name, start) => {
  it('counts every request exactly, writes every verdict, fails none', async () => {
    const n = scale(2_000, 50_000);
    telemetry = createTestTelemetry();
    kit = createSlokit({
      slis,
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
    const port = await start(kit);
    const { failed, wrong } = await play(port, n, 20);
    expect({ failed, wrong }).toEqual({ failed: 0, wrong: 0 });

    expect(await telemetry.sliCounts()).toEqual({
      ...expectedCounts(n),
      // Both outcome series exist from start-up; the reasons that never happened stay at 0.
      ...zeroReasons(await telemetry.sliCounts()),
    });
    const spans = telemetry.serverSpans();
    expect(spans).toHaveLength(n);
    const outcomes: Record<string, number> = {};
    for (const span of spans) {
      for (const sli of ['availability', 'items']) {
        const outcome = span.attributes[`slokit.sli.${sli}.outcome`];
        if (outcome === undefined) continue;
        const reason = span.attributes[`slokit.sli.${sli}.reason`];
        const key = [sli, outcome, reason].filter((x) => x !== undefined).join('/');
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    }
    expect(outcomes).toEqual(expectedCounts(n));
    // Unrouted requests have no route; the health check is judged not eligible.
    expect(spans.filter((s) => s.attributes['http.route'] === undefined)).toHaveLength(n / 10);
    expect(spans.filter((s) => s.attributes['slokit.sli.availability.outcome'] === undefined)).toHaveLength(
      n / 10,
    );
    expect(kit.status().slis.map((s) => [s.name, s.good, s.bad])).toEqual([
      ['availability', (8 * n) / 10, n / 10],
      ['items', (5 * n) / 10, (2 * n) / 10],
    ]);
    report(`mixed load, ${name}`, {
      requests: n,
      failed,
      spans: spans.length,
      verdictsGood: (13 * n) / 10,
      verdictsBad: (3 * n) / 10,
      verdictsIneligible: (4 * n) / 10,
    });
  });
});

/** The zero-valued reason series the counters report besides the expected ones. */
function zeroReasons(actual: Record<string, number>): Record<string, number> {
  const expectedKeys = new Set(Object.keys(expectedCounts(10)));
  return Object.fromEntries(
    Object.entries(actual).filter(([key, value]) => !expectedKeys.has(key) && value === 0),
  );
}
