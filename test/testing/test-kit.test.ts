// createTestKit: a kit on in-memory telemetry, the way a user's vitest test of an instrumented app
// would use it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlokitError, addContext } from 'slokit';
import { wrapHandler } from 'slokit/node';
import { createTestKit } from 'slokit/testing';
import { catalogFreshness, checkout, slis } from '../../examples/slis.js';

describe('createTestKit', () => {
  const t = createTestKit({ slis });
  const other = createTestKit({ slis: [checkout] });
  let server: http.Server;
  let port = 0;

  beforeAll(async () => {
    server = http.createServer(
      wrapHandler(
        t.kit,
        async (req, res) => {
          if (req.url === '/api/checkout') {
            addContext({ 'app.cart_items': 2 });
            if (req.headers['x-slow'] === '1') await new Promise((resolve) => setTimeout(resolve, 320));
            res.statusCode = req.headers['x-fail'] === '1' ? 503 : 200;
          } else if (req.url === '/api/catalog') {
            t.kit.record(catalogFreshness, { updatedAt: new Date(Date.now() - 25 * 3_600_000) });
          } else {
            res.statusCode = 404;
          }
          res.end();
        },
        { route: (req) => (req.url === '/api/checkout' || req.url === '/api/catalog' ? req.url : undefined) },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.shutdown();
    await other.shutdown();
  });

  const call = async (path: string, method: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers });
    await response.arrayBuffer();
    return response.status;
  };

  it('records spans with verdicts, and counts through a real metric collection', async () => {
    expect(await call('/api/checkout', 'POST')).toBe(200);
    expect(await call('/api/checkout', 'POST', { 'x-slow': '1' })).toBe(200);
    expect(await call('/api/checkout', 'POST', { 'x-fail': '1' })).toBe(503);
    expect(await call('/api/catalog', 'GET')).toBe(200);
    expect(await call('/nope', 'GET')).toBe(404);

    const spans = await t.waitForServerSpans(5);
    expect(spans.map((span) => [span.name, t.verdicts(span)])).toEqual([
      ['POST /api/checkout', { checkout: 'good', 'api-availability': 'good' }],
      ['POST /api/checkout', { checkout: 'bad/latency', 'api-availability': 'good' }],
      ['POST /api/checkout', { checkout: 'bad/status', 'api-availability': 'bad/status' }],
      ['GET /api/catalog', { 'api-availability': 'good', 'catalog-freshness': 'bad/latency' }],
      ['GET', {}],
    ]);
    expect(spans[0]!.attributes['app.cart_items']).toBe(2);
    expect(t.spans()).toHaveLength(5);
    expect(await t.counts()).toEqual({
      checkout: { good: 1, bad: 2, badByReason: { latency: 1, status: 1 } },
      'api-availability': { good: 3, bad: 1, badByReason: { status: 1 } },
      'catalog-freshness': { good: 0, bad: 1, badByReason: { latency: 1 } },
    });
    // Another test kit sees none of it.
    expect(other.spans()).toEqual([]);
    expect(await other.counts()).toEqual({ checkout: { good: 0, bad: 0, badByReason: {} } });
  });

  it('reset() forgets the spans and starts the counts from zero', async () => {
    t.reset();
    expect(t.spans()).toEqual([]);
    expect(await t.counts()).toEqual({
      checkout: { good: 0, bad: 0, badByReason: {} },
      'api-availability': { good: 0, bad: 0, badByReason: {} },
      'catalog-freshness': { good: 0, bad: 0, badByReason: {} },
    });
    expect(await call('/api/checkout', 'POST')).toBe(200);
    await t.waitForServerSpans(1);
    expect((await t.counts()).checkout).toEqual({ good: 1, bad: 0, badByReason: {} });
  });

  it('honours an incoming traceparent (W3C propagation is registered when none is)', async () => {
    t.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    expect(await call('/api/checkout', 'POST', { traceparent: `00-${traceId}-b7ad6b7169203331-01` })).toBe(
      200,
    );
    const [span] = await t.waitForServerSpans(1);
    expect(span!.spanContext().traceId).toBe(traceId);
    expect(span!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('waitForServerSpans rejects with what it found', async () => {
    t.reset();
    await expect(t.waitForServerSpans(1, 30)).rejects.toThrow(
      'waitForServerSpans: expected 1 SERVER spans within 30 ms, found 0: none',
    );
  });

  it('refuses providers (it brings its own) and passes kit option errors through', () => {
    const attempt = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return error instanceof SlokitError ? error.code : 'not a SlokitError';
      }
      return undefined;
    };
    expect(attempt(() => createTestKit({ slis, tracerProvider: {} } as never))).toBe(
      'SLOKIT_E_TELEMETRY_OPTION',
    );
    expect(attempt(() => createTestKit({ slis: [] }))).toBe('SLOKIT_E_OPTION');
    expect(attempt(() => createTestKit({ slis: [checkout, checkout] }))).toBe('SLOKIT_E_DUPLICATE_SLI');
  });

  it('shutdown() is idempotent', async () => {
    const kit = createTestKit({ slis: [checkout] });
    const first = kit.shutdown();
    expect(kit.shutdown()).toBe(first);
    await first;
  });
});
