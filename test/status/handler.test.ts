// kit.statusHandler() mounted as users mount it, over real sockets: node:http (behind wrapHandler),
// Express and Fastify. Its requests are never judged; it is read-only, guarded by `authorize`,
// negotiates HTML or JSON, and answers 500 (never throws) when something inside fails.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit, StatusDocument, StatusHandlerOptions } from 'slokit';
import { slokitExpress } from 'slokit/express';
import { createFakeClock } from 'slokit/testing';
import { slokitFastify } from 'slokit/fastify';
import { wrapHandler } from 'slokit/node';
import { createStatusHandler, kitStatusSource, STATUS_PAGE_CSP } from '../../src/status/handler.js';
import { runtimeOf } from '../../src/runtime/kit.js';
import { captureDiag } from '../helpers/diag.js';

const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });
const fast = defineSli({ name: 'fast', objective: '99%', good: { latency: { under: '1s' } } });

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  diag.disable();
});

function newKit(): Slokit {
  const kit = createSlokit({ slis: [availability, fast] });
  cleanups.push(() => kit.shutdown());
  return kit;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Mount = (kit: Slokit, options?: StatusHandlerOptions) => Promise<string>;

const MOUNTS: Record<string, Mount> = {
  'node:http (wrapHandler)': async (kit, options) => {
    const status = kit.statusHandler(options);
    return listen(
      http.createServer(
        wrapHandler(kit, (req, res) => {
          if (req.url?.startsWith('/slo') === true) return status(req, res);
          res.end('hi');
        }),
      ),
    );
  },
  'Express: app.all("/slo", kit.statusHandler())': async (kit, options) => {
    const app = express();
    app.use(slokitExpress(kit));
    app.all('/slo', kit.statusHandler(options));
    app.get('/hello', (_req, res) => void res.send('hi'));
    return listen(http.createServer(app));
  },
  'Fastify: app.all("/slo", kit.statusHandler())': async (kit, options) => {
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    app.all('/slo', kit.statusHandler(options));
    app.get('/hello', () => 'hi');
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  },
};

describe.each(Object.entries(MOUNTS))('%s', (_, mount) => {
  it('serves the page, JSON and HEAD, and never counts its own requests', async () => {
    const kit = newKit();
    const base = await mount(kit);
    expect((await fetch(`${base}/hello`)).status).toBe(200);

    const page = await fetch(`${base}/slo`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('vary')).toBe('Accept');
    const body = await page.text();
    expect(body).toMatch(/^<!doctype html>/);
    expect(Number(page.headers.get('content-length'))).toBe(Buffer.byteLength(body));

    const json = await fetch(`${base}/slo`, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const doc = (await json.json()) as StatusDocument;
    expect([doc.format, doc.version, doc.scope]).toEqual(['slokit.status', 1, 'instance']);
    expect(doc.slis.map((s) => [s.name, s.good, s.bad])).toEqual([
      ['availability', 1, 0],
      ['fast', 1, 0],
    ]);
    const byQuery = (await (await fetch(`${base}/slo?format=json`)).json()) as StatusDocument;
    expect(byQuery.format).toBe('slokit.status');

    const head = await fetch(`${base}/slo`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');

    // One request of the app; the five looks at the page are slokit's own.
    expect(kit.status().slis.map((s) => [s.good, s.bad])).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it('is read-only: other methods get 405 with Allow, and are not counted either', async () => {
    const kit = newKit();
    const base = await mount(kit);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(`${base}/slo`, { method, body: method === 'DELETE' ? null : 'x' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(await response.text()).toBe('slokit: the status page is read-only; use GET\n');
    }
    expect(kit.status().slis.map((s) => s.good + s.bad)).toEqual([0, 0]);
  });

  it('answers 401 unless authorize says true, with the raw request in hand', async () => {
    const kit = newKit();
    const seen: string[] = [];
    const base = await mount(kit, {
      authorize: (req) => {
        seen.push(`${req.method ?? ''} ${String(req.headers['x-key'])}`);
        return req.headers['x-key'] === 'let-me-in';
      },
    });
    const denied = await fetch(`${base}/slo`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="slokit status", charset="UTF-8"');
    expect(await denied.text()).toBe('slokit: not authorized to see the status page\n');
    const allowed = await fetch(`${base}/slo?format=json`, { headers: { 'x-key': 'let-me-in' } });
    expect(allowed.status).toBe(200);
    expect(seen).toEqual(['GET undefined', 'GET let-me-in']);
    expect(kit.status().slis.map((s) => s.good + s.bad)).toEqual([0, 0]);
  });

  it('rejects an unknown format with 400', async () => {
    const kit = newKit();
    const base = await mount(kit);
    const response = await fetch(`${base}/slo?format=xml`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('slokit: the format parameter must be "html" or "json"\n');
  });
});

describe('authorize', () => {
  it('may answer with a promise; a throw or a rejection is a 401, logged once', async () => {
    const logged = captureDiag();
    const kit = newKit();
    let mode: 'async-yes' | 'async-no' | 'throw' | 'reject' | 'truthy' = 'async-yes';
    const base = await MOUNTS['node:http (wrapHandler)']!(kit, {
      authorize: (): boolean | Promise<boolean> => {
        if (mode === 'throw') throw new Error('auth service down');
        if (mode === 'reject') return Promise.reject(new Error('auth timeout'));
        if (mode === 'truthy') return 'yes' as unknown as boolean;
        return Promise.resolve(mode === 'async-yes');
      },
    });
    const statuses: number[] = [];
    for (const m of ['async-yes', 'async-no', 'throw', 'reject', 'truthy'] as const) {
      mode = m;
      statuses.push((await fetch(`${base}/slo`)).status);
    }
    expect(statuses).toEqual([200, 401, 401, 401, 401]);
    expect(logged.filter((l) => l.includes('authorize'))).toEqual([
      "slokit The status page's authorize function failed; answered 401: Error: auth service down",
    ]);
  });
});

describe('failures', () => {
  it('answers 500 and logs once when the status cannot be computed; the server carries on', async () => {
    const logged = captureDiag();
    const kit = newKit();
    const source = kitStatusSource(runtimeOf(kit, 'test'));
    let broken = true;
    const handler = createStatusHandler(
      {
        ...source,
        status: () => {
          if (broken) throw new Error('windows unreadable');
          return source.status();
        },
      },
      {},
    );
    const base = await listen(http.createServer(handler));
    const failed = await fetch(`${base}/slo`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('slokit: the status page failed\n');
    expect(logged).toEqual(['slokit The status page failed to answer: Error: windows unreadable']);
    broken = false;
    expect((await fetch(`${base}/slo`)).status).toBe(200);
  });
});

describe('the fleet view', () => {
  it('asks Prometheus once for pages asked for together or within 10 s of the clock, and again after', async () => {
    const clock = createFakeClock();
    const kit = createSlokit({ slis: [availability, fast], clock });
    cleanups.push(() => kit.shutdown());
    // A Prometheus API that holds nothing, counting the queries it is sent and the times they ask for.
    const times: string[] = [];
    const prometheus = await listen(
      http.createServer((req, res) => {
        times.push(new URL(req.url!, 'http://x').searchParams.get('time')!);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      }),
    );
    const base = await listen(http.createServer(kit.statusHandler({ prometheus })));
    const json = async (): Promise<StatusDocument> =>
      (await (await fetch(`${base}/slo?format=json`)).json()) as StatusDocument;

    const [a, b] = await Promise.all([json(), json()]);
    const perRead = times.length;
    expect(perRead).toBeGreaterThan(0);
    expect(new Set(times)).toEqual(new Set([(clock.now() / 1000).toFixed(3)]));
    expect([a.fleet, b.fleet]).toEqual([
      { prometheus, selector: {}, at: clock.now(), available: true, error: null },
      { prometheus, selector: {}, at: clock.now(), available: true, error: null },
    ]);
    expect(a.slis.map((s) => [s.name, s.fleet?.data, s.fleet?.state])).toEqual([
      ['availability', 'no-series', 'no-data'],
      ['fast', 'no-series', 'no-data'],
    ]);

    clock.advance(9_999);
    const c = await json();
    expect(times).toHaveLength(perRead);
    expect(c.at - c.fleet!.at).toBe(9_999);

    clock.advance(1);
    const d = await json();
    expect(times).toHaveLength(2 * perRead);
    expect(d.fleet!.at).toBe(d.at);
  });
});
