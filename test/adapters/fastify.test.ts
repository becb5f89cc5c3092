import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { SpanStatusCode, context } from '@opentelemetry/api';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import type { Slokit } from 'slokit';
import { slokitFastify } from 'slokit/fastify';
import { createTestTelemetry } from '../helpers/otel.js';
import type { TestTelemetry } from '../helpers/otel.js';
import { captureDiag } from '../helpers/diag.js';
import {
  EXPECTED,
  EXPECTED_COUNTS,
  SLOW_MS,
  STREAM_CHUNKS,
  STREAM_GAP_MS,
  THRESHOLD_MS,
  checkSpans,
  playScript,
  scenarioSlis,
  verdictOf,
  waitForSpans,
  zeroSeries,
} from '../helpers/scenario.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The scenario's endpoints (test/helpers/scenario.ts, ENDPOINTS) in Fastify 5. `kit` undefined
 * builds the same app without slokit, to compare behaviour.
 */
async function scenarioApp(
  kit: Slokit | undefined,
  options: FastifyServerOptions = {},
  lateReply: () => void = () => {},
): Promise<FastifyInstance> {
  const app = Fastify(options);
  if (kit !== undefined) await app.register(slokitFastify, { kit });
  app.get('/fast', () => {
    addContext({ 'app.kind': 'fast' });
    return 'ok';
  });
  app.get('/slow', async () => {
    await sleep(SLOW_MS);
    return 'ok';
  });
  app.get('/fail', (_request, reply) => {
    void reply.code(500).send('failed');
  });
  app.get('/throw', () => {
    throw new Error('boom');
  });
  app.get('/reject', async () => {
    await sleep(1);
    throw new Error('rejected');
  });
  // A stream whose first chunk goes out at once, then nothing for 2 s (the client leaves first).
  app.get('/abort', (_request, reply) => {
    const stream = new Readable({
      read() {},
      destroy(error, callback) {
        clearTimeout(timer);
        callback(error);
      },
    });
    stream.push('first');
    const timer = setTimeout(() => stream.push(null), 2_000);
    void reply.type('text/plain').send(stream);
  });
  app.get('/abort-late', async () => {
    await sleep(1_000);
    lateReply();
    return 'late';
  });
  app.get('/stream', (_request, reply) => {
    const chunks = async function* () {
      for (let i = 0; i < STREAM_CHUNKS; i++) {
        yield 'chunk ';
        await sleep(STREAM_GAP_MS);
      }
    };
    void reply.type('text/plain').send(Readable.from(chunks()));
  });
  // /api/users/:id: a plugin at prefix /api registering a users plugin at prefix /users.
  await app.register(
    async (api) => {
      await api.register(
        (users, _options, done) => {
          users.get<{ Params: { id: string } }>('/:id', (request) => {
            addContext({ 'app.user': request.params.id });
            return { id: request.params.id };
          });
          done();
        },
        { prefix: '/users' },
      );
    },
    { prefix: '/api' },
  );
  return app;
}

function newKit(telemetry: TestTelemetry, slis = scenarioSlis, extra: { spans?: boolean } = {}): Slokit {
  return createSlokit({
    slis,
    tracerProvider: telemetry.tracerProvider,
    meterProvider: telemetry.meterProvider,
    ...extra,
  });
}

/** Collects what slokit logs through diag, from a clean slate of once-only warnings. */

/** One GET over a real socket; resolves with the status, or with `error` when the server cut it. */
function get(port: number, path: string): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ body: '', error: error.code ?? error.message }),
    );
  });
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

describe('slokitFastify over real sockets', () => {
  const telemetry = createTestTelemetry();
  const kit = newKit(telemetry);
  let app: FastifyInstance;
  let port = 0;
  let lateReplied: () => void = () => {};
  const lateReply = new Promise<void>((resolve) => (lateReplied = resolve));

  beforeAll(async () => {
    app = await scenarioApp(kit, {}, () => lateReplied());
    port = await listen(app);
  });
  afterAll(async () => {
    await app.close();
    await kit.shutdown();
    await telemetry.shutdown();
  });

  it('records exactly the expected verdict, route and attributes for every request of the script', async () => {
    await playScript(port);
    const spans = await waitForSpans(() => telemetry.serverSpans(), EXPECTED.length);
    checkSpans(spans);
    expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), ...EXPECTED_COUNTS });
    // The aborted requests end once although more than one signal may report them;
    // /abort-late's handler returns long after the client left: wait for it and count again.
    await lateReply;
    await sleep(50);
    expect(telemetry.serverSpans()).toHaveLength(EXPECTED.length);
    expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), ...EXPECTED_COUNTS });
    const aborted = telemetry.serverSpans().filter((s) => s.attributes['slokit.aborted'] === true);
    expect(aborted.map((s) => s.attributes['url.path']).sort()).toEqual(['/abort', '/abort-late']);
  });
});

describe('slokitFastify under inject()', () => {
  // Fresh telemetry per test: a metric reader keeps reporting the series of earlier kits.
  let telemetry: TestTelemetry;
  beforeEach(() => {
    telemetry = createTestTelemetry();
  });
  afterEach(() => telemetry.shutdown());

  // inject() has no socket to abort; every other row of the script must come out the same.
  const rows = EXPECTED.filter((row) => row.path !== '/abort' && row.path !== '/abort-late');

  it('records the expected verdicts and counters for every request of the script but the aborts', async () => {
    const kit = newKit(telemetry);
    const app = await scenarioApp(kit);
    for (const row of rows) {
      const response = await app.inject({ method: 'GET', url: row.path });
      expect(response.statusCode, row.path).toBe(row.status);
    }
    const spans = telemetry.serverSpans();
    expect(spans).toHaveLength(rows.length);
    for (const row of rows) {
      const matching = spans.filter((s) => s.attributes['url.path'] === row.path);
      expect(matching, row.path).toHaveLength(1);
      const span = matching[0]!;
      expect({
        name: span.name,
        route: span.attributes['http.route'],
        status: span.attributes['http.response.status_code'],
        availability: verdictOf(span, 'availability'),
        fast: verdictOf(span, 'fast'),
        error: span.status.code === SpanStatusCode.ERROR,
        aborted: span.attributes['slokit.aborted'],
      }).toEqual({
        name: row.name,
        route: row.route,
        status: row.status,
        availability: row.availability,
        fast: row.fast,
        error: row.error,
        aborted: undefined,
      });
      for (const [key, value] of Object.entries(row.attributes ?? {}))
        expect(span.attributes[key]).toEqual(value);
    }
    expect(await telemetry.sliCounts()).toEqual({
      ...zeroSeries(),
      ...EXPECTED_COUNTS,
      'fast/bad/aborted': 0,
    });
    await app.close();
    await kit.shutdown();
  });

  it('leaves the app behaviour unchanged: same status, body and headers as without slokit', async () => {
    const kit = newKit(telemetry);
    const withKit = await scenarioApp(kit);
    const bare = await scenarioApp(undefined);
    const shape = (r: Awaited<ReturnType<FastifyInstance['inject']>>) => {
      const { date: _date, ...headers } = r.headers;
      return { status: r.statusCode, body: r.body, headers };
    };
    for (const row of rows) {
      const expected = shape(await bare.inject({ method: 'GET', url: row.path }));
      expect(shape(await withKit.inject({ method: 'GET', url: row.path })), row.path).toEqual(expected);
    }
    // Fastify's own error answers, untouched.
    expect(JSON.parse((await withKit.inject('/throw')).body)).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'boom',
    });
    await Promise.all([withKit.close(), bare.close()]);
    await kit.shutdown();
  });

  it('honours an incoming traceparent and nests the child spans of hooks and handlers under the SERVER span', async () => {
    const kit = newKit(telemetry);
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    const tracer = telemetry.tracerProvider.getTracer('app');
    const child = (name: string) => tracer.startSpan(name, undefined, context.active()).end();
    app.addHook('onRequest', (_request, _reply, done) => {
      child('onRequest');
      done();
    });
    app.addHook('preHandler', async () => {
      await sleep(2);
      child('preHandler');
    });
    app.post<{ Body: { n: number } }>('/orders', async (request) => {
      await sleep(5);
      await new Promise((r) => setImmediate(r));
      child('handler');
      return { n: request.body.n };
    });
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      payload: { n: 3 },
    });
    expect(response.json()).toEqual({ n: 3 });
    const [server] = telemetry.serverSpans();
    expect(server!.name).toBe('POST /orders');
    expect(server!.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(server!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    const children = telemetry.spans().filter((s) => s !== server);
    expect(children.map((s) => s.name).sort()).toEqual(['handler', 'onRequest', 'preHandler']);
    for (const span of children) {
      expect(span.parentSpanContext?.spanId, span.name).toBe(server!.spanContext().spanId);
      expect(span.spanContext().traceId, span.name).toBe(server!.spanContext().traceId);
    }
    await app.close();
    await kit.shutdown();
  });

  it('keeps addContext working after awaits, in hooks and handlers, with and without a body, over inject and a socket', async () => {
    const kit = newKit(telemetry);
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    app.addHook('onRequest', async () => {
      await sleep(1);
      addContext({ 'app.hook.on_request': true });
    });
    // Runs after the body was parsed, which over a socket resumes Fastify from the request stream's
    // events (Fastify carries the async context across).
    app.addHook('preValidation', (_request, _reply, done) => {
      addContext({ 'app.hook.pre_validation': true });
      done();
    });
    app.addHook('preHandler', (_request, _reply, done) => {
      setTimeout(() => {
        addContext({ 'app.hook.pre_handler': true });
        done();
      }, 1);
    });
    const handler = async (request: { body?: unknown; headers: Record<string, unknown> }) => {
      await sleep(3);
      addContext({ 'app.after.sleep': 1 });
      await new Promise((r) => setImmediate(r));
      await Promise.resolve();
      addContext({
        'app.after.immediate': 2,
        'app.has.body': request.body !== undefined,
        'app.via': String(request.headers['x-via']),
      });
      return 'ok';
    };
    app.get('/read', handler);
    app.post('/write', handler);
    await app.inject({ method: 'GET', url: '/read', headers: { 'x-via': 'inject' } });
    await app.inject({ method: 'POST', url: '/write', payload: { a: 1 }, headers: { 'x-via': 'inject' } });
    const port = await listen(app);
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/write', method: 'POST', agent: false },
        (res) => res.resume().on('end', resolve),
      );
      req.on('error', reject);
      req.setHeader('content-type', 'application/json');
      req.setHeader('x-via', 'socket');
      // The body in two pieces, so the parser has to wait for the second.
      req.write('{"a":');
      setTimeout(() => req.end('1}'), 20);
    });
    const spans = await waitForSpans(() => telemetry.serverSpans(), 3);
    const seen = spans.map((s) => `${s.name} via ${String(s.attributes['app.via'])}`).sort();
    expect(seen).toEqual(['GET /read via inject', 'POST /write via inject', 'POST /write via socket']);
    for (const span of spans) {
      expect(span.attributes, span.name).toMatchObject({
        'app.hook.on_request': true,
        'app.hook.pre_validation': true,
        'app.hook.pre_handler': true,
        'app.after.sleep': 1,
        'app.after.immediate': 2,
        'app.has.body': span.name === 'POST /write',
      });
    }
    await app.close();
    await kit.shutdown();
  });

  it('gives the handler its context back when a hook resumes the lifecycle from outside the request', async () => {
    const kit = newKit(telemetry);
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    // A pooled client: its callbacks fire from a timer made at set-up, outside any request.
    const pool = new EventEmitter();
    const tick = setInterval(() => pool.emit('ready'), 2);
    app.addHook('preHandler', (_request, _reply, done) => {
      pool.once('ready', () => {
        addContext({ 'app.in.pool.callback': true }); // outside the request: not recorded
        done();
      });
    });
    app.get('/pooled', async () => {
      addContext({ 'app.in.handler': true });
      await sleep(1);
      addContext({ 'app.after.await': true });
      return 'ok';
    });
    expect((await app.inject('/pooled')).statusCode).toBe(200);
    clearInterval(tick);
    const [span] = telemetry.serverSpans();
    expect(span!.attributes['app.in.handler']).toBe(true);
    expect(span!.attributes['app.after.await']).toBe(true);
    expect(span!.attributes['app.in.pool.callback']).toBeUndefined();
    await app.close();
    await kit.shutdown();
  });

  it('records a 404 from a custom not-found handler without a route, with its context', async () => {
    const kit = newKit(telemetry);
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    app.setNotFoundHandler(async (request, reply) => {
      await sleep(1);
      addContext({ 'app.missing': request.url });
      return reply.code(404).send({ missing: true });
    });
    app.get('/here', () => 'here');
    const response = await app.inject('/users/42?x=1');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ missing: true });
    const [span] = telemetry.serverSpans();
    expect(span!.name).toBe('GET');
    expect(span!.attributes['http.route']).toBeUndefined();
    expect(span!.attributes['http.response.status_code']).toBe(404);
    expect(span!.attributes['app.missing']).toBe('/users/42?x=1');
    expect(verdictOf(span!, 'availability')).toBe('good');
    expect(verdictOf(span!, 'fast')).toBeUndefined();
    expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), 'availability/good': 1 });
    await app.close();
    await kit.shutdown();
  });

  it('lets errors reach a custom error handler; a 5xx answer is bad with reason error, a 4xx answer is judged by its status', async () => {
    const kit = newKit(telemetry);
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    const seen: string[] = [];
    app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      seen.push(error.message);
      if (error.statusCode !== undefined && error.statusCode < 500)
        return reply.code(error.statusCode).send({ refused: true });
      return reply.code(503).send({ retry: true });
    });
    app.get('/down', async () => {
      await sleep(1);
      throw new Error('database down');
    });
    app.get('/forbidden', () => {
      throw Object.assign(new Error('not yours'), { statusCode: 403 });
    });
    app.post('/validated', { schema: { body: { type: 'object', required: ['n'] } } }, () => 'ok');

    const down = await app.inject('/down');
    expect([down.statusCode, down.json()]).toEqual([503, { retry: true }]);
    const forbidden = await app.inject('/forbidden');
    expect([forbidden.statusCode, forbidden.json()]).toEqual([403, { refused: true }]);
    const invalid = await app.inject({ method: 'POST', url: '/validated', payload: { m: 1 } });
    expect(invalid.statusCode).toBe(400);
    expect(seen).toEqual(['database down', 'not yours', "body must have required property 'n'"]);

    const spans = new Map(telemetry.serverSpans().map((s) => [s.name, s]));
    const down503 = spans.get('GET /down')!;
    expect(down503.attributes['http.response.status_code']).toBe(503);
    expect(verdictOf(down503, 'availability')).toBe('bad/error');
    expect(verdictOf(down503, 'fast')).toBe('bad/error');
    expect(down503.attributes['error.type']).toBe('Error');
    expect(down503.events.map((e) => e.name)).toEqual(['exception']);
    for (const [name, status] of [
      ['GET /forbidden', 403],
      ['POST /validated', 400],
    ] as const) {
      const span = spans.get(name)!;
      expect(span.attributes['http.response.status_code'], name).toBe(status);
      expect(verdictOf(span, 'availability'), name).toBe('good');
      expect(span.status.code, name).toBe(0);
      expect(span.events, name).toEqual([]);
    }
    expect(await telemetry.sliCounts()).toEqual({
      ...zeroSeries(),
      'availability/good': 2,
      'availability/bad/error': 1,
      'fast/good': 2,
      'fast/bad/error': 1,
    });
    await app.close();
    await kit.shutdown();
  });

  it('leaves routes with config.slokit false alone, judges config.slokit.slis only, and falls back to the plugin slis', async () => {
    const checkout = defineSli({ name: 'checkout', objective: '99.9%', good: { status: '2xx' } });
    const kit = newKit(telemetry, [...scenarioSlis, checkout]);
    const app = Fastify();
    await app.register(slokitFastify, { kit, slis: ['availability'] });
    app.get('/healthz', { config: { slokit: false } }, () => 'ok');
    app.post('/checkout', { config: { slokit: { slis: ['checkout', 'fast'] } } }, async (_request, reply) =>
      reply.code(201).send({ ok: true }),
    );
    app.get('/other', () => 'ok');
    app.get('/nothing', { config: { slokit: { slis: [] } } }, () => 'ok');

    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/checkout' })).statusCode).toBe(201);
    expect((await app.inject('/other')).statusCode).toBe(200);
    expect((await app.inject('/nothing')).statusCode).toBe(200);

    const spans = telemetry.serverSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /nothing', 'GET /other', 'POST /checkout']);
    const verdicts = Object.fromEntries(
      spans.map((s) => [
        s.name,
        ['availability', 'fast', 'checkout'].map((sli) => verdictOf(s, sli) ?? '-').join(' '),
      ]),
    );
    expect(verdicts).toEqual({
      'POST /checkout': '- good good',
      'GET /other': 'good - -',
      'GET /nothing': '- - -',
    });
    expect(await telemetry.sliCounts()).toEqual({
      ...zeroSeries(),
      'availability/good': 1,
      'fast/good': 1,
      'checkout/good': 1,
      'checkout/bad/error': 0,
      'checkout/bad/status': 0,
    });
    await app.close();
    await kit.shutdown();
  });

  it('leaves requests the ignore predicate picks alone, and records them when it throws', async () => {
    const kit = newKit(telemetry);
    const app = Fastify();
    await app.register(slokitFastify, {
      kit,
      ignore: (request) => {
        if (request.url === '/explode') throw new Error('bad predicate');
        return request.url.startsWith('/healthz');
      },
    });
    app.get('/healthz', () => 'ok');
    app.get('/explode', () => 'ok');
    app.get('/work', () => 'ok');
    for (const url of ['/healthz', '/healthz?deep=1', '/explode', '/work']) {
      expect((await app.inject(url)).statusCode, url).toBe(200);
    }
    expect(
      telemetry
        .serverSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['GET /explode', 'GET /work']);
    expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), 'availability/good': 2, 'fast/good': 2 });
    await app.close();
    await kit.shutdown();
  });

  it('records routes declared before the plugin, reading their config at the first request, and warns once', async () => {
    const lines = captureDiag();
    const kit = newKit(telemetry);
    const app = Fastify();
    // Declared before slokit is registered: onRoute never sees them.
    app.get('/early', { config: { slokit: { slis: ['fast'] } } }, () => 'early');
    app.get('/early-off', { config: { slokit: false } }, () => 'off');
    // An unknown SLI, found only at the first request: logged, not thrown.
    app.get('/early-bad', { config: { slokit: { slis: ['nope'] } } }, () => 'bad');
    await app.register(slokitFastify, { kit });
    for (const url of ['/early', '/early', '/early-off', '/early-bad']) {
      expect((await app.inject(url)).statusCode, url).toBe(200);
    }
    const verdicts = telemetry
      .serverSpans()
      .map((s) => `${s.name} ${verdictOf(s, 'availability') ?? '-'} ${verdictOf(s, 'fast') ?? '-'}`);
    expect(verdicts).toEqual(['GET /early - good', 'GET /early - good', 'GET /early-bad good good']);
    expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), 'availability/good': 1, 'fast/good': 3 });
    const warnings = lines.filter((line) => line.includes('slokitFastify'));
    expect(warnings).toHaveLength(4);
    expect(
      warnings.filter((line) => line.includes('was declared before the plugin was registered')),
    ).toHaveLength(3);
    expect(warnings.filter((line) => line.includes('no SLI named "nope"'))).toHaveLength(1);
    await app.close();
    await kit.shutdown();
  });

  it('counts without spans when the kit has spans off', async () => {
    const kit = newKit(telemetry, scenarioSlis, { spans: false });
    const app = await scenarioApp(kit);
    for (const url of ['/fast', '/fail', '/api/users/7', '/nope']) await app.inject(url);
    expect(telemetry.spans()).toEqual([]);
    expect(await telemetry.sliCounts()).toEqual({
      ...zeroSeries(),
      'availability/good': 3,
      'availability/bad/status': 1,
      'fast/good': 2,
      'fast/bad/status': 1,
    });
    await app.close();
    await kit.shutdown();
  });
});

describe('slokitFastify set-up errors', () => {
  const telemetry = createTestTelemetry();
  const kit = newKit(telemetry);
  afterAll(async () => {
    await kit.shutdown();
    await telemetry.shutdown();
  });

  it('fails app.ready() with SLOKIT_E_UNKNOWN_SLI for an unknown SLI in a route config, top-level or in a plugin', async () => {
    const top = Fastify();
    await top.register(slokitFastify, { kit });
    top.get('/pay', { config: { slokit: { slis: ['fast', 'payments'] } } }, () => 'ok');
    await expect(top.ready()).rejects.toMatchObject({
      code: 'SLOKIT_E_UNKNOWN_SLI',
      message: expect.stringContaining('route GET /pay: config.slokit.slis: no SLI named "payments"'),
    });

    const nested = Fastify();
    await nested.register(slokitFastify, { kit });
    await nested.register(
      (api, _options, done) => {
        api.get('/pay', { config: { slokit: { slis: ['payments'] } } }, () => 'ok');
        done();
      },
      { prefix: '/api' },
    );
    await expect(nested.ready()).rejects.toMatchObject({
      code: 'SLOKIT_E_UNKNOWN_SLI',
      message: expect.stringContaining('route GET /api/pay'),
    });
  });

  it('fails app.ready() with SLOKIT_E_OPTION for a malformed route config', async () => {
    for (const slokit of [true, { slis: 'fast' }, { sli: ['fast'] }, null]) {
      const app = Fastify();
      await app.register(slokitFastify, { kit });
      // @ts-expect-error config.slokit is false or { slis?: string[] }
      app.get('/x', { config: { slokit } }, () => 'ok');
      await expect(app.ready(), JSON.stringify(slokit)).rejects.toMatchObject({ code: 'SLOKIT_E_OPTION' });
    }
  });

  it('rejects bad plugin options at registration with coded errors', async () => {
    const cases: [unknown, string, string][] = [
      [{}, 'SLOKIT_E_OPTION', 'slokitFastify: kit: expected a kit made by createSlokit(); got undefined'],
      [{ kit: {} }, 'SLOKIT_E_OPTION', 'expected a kit made by createSlokit(); got an object'],
      [{ kit, ignore: '/healthz' }, 'SLOKIT_E_OPTION', 'slokitFastify: ignore: expected a function'],
      [{ kit, slis: 'fast' }, 'SLOKIT_E_OPTION', 'slokitFastify: slis: expected an array of SLI names'],
      [{ kit, slis: ['slow'] }, 'SLOKIT_E_UNKNOWN_SLI', 'no SLI named "slow"'],
      [{ kit, spans: false }, 'SLOKIT_E_OPTION', 'unknown option "spans"'],
    ];
    for (const [options, code, message] of cases) {
      const app = Fastify();
      await expect(
        app.register(slokitFastify, options as never),
        JSON.stringify(Object.keys(options as object)),
      ).rejects.toMatchObject({
        code,
        message: expect.stringContaining(message),
      });
    }
  });

  it('refuses a second registration on the same app', async () => {
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    await expect(app.register(slokitFastify, { kit })).rejects.toMatchObject({
      code: 'SLOKIT_E_OPTION',
      message: expect.stringContaining('already registered'),
    });
  });
});

describe('slokitFastify and server timeouts', () => {
  it('ends a request cut by connectionTimeout in onTimeout: aborted, no status, counted once', async () => {
    const telemetry = createTestTelemetry();
    const kit = newKit(telemetry);
    // Past the latency threshold, so the `fast` SLI counts the cut request as bad/aborted.
    const app = Fastify({ connectionTimeout: THRESHOLD_MS + 100 });
    await app.register(slokitFastify, { kit });
    let endedBeforeClose: number | undefined;
    app.addHook('onTimeout', (request, _reply, done) => {
      // Runs after slokit's onTimeout and before the socket's `close`: the span must be ended already.
      endedBeforeClose = telemetry.serverSpans().length;
      done();
    });
    app.get('/hang', async () => {
      await sleep(1_500);
      return 'too late';
    });
    const port = await listen(app);
    const response = await get(port, '/hang');
    expect(response).toEqual({ body: '', error: 'ECONNRESET' });
    expect(endedBeforeClose).toBe(1);
    const [span] = await waitForSpans(() => telemetry.serverSpans(), 1);
    expect(span!.name).toBe('GET /hang');
    expect(span!.attributes['slokit.aborted']).toBe(true);
    expect(span!.attributes['http.response.status_code']).toBeUndefined();
    expect(verdictOf(span!, 'availability')).toBeUndefined();
    expect(verdictOf(span!, 'fast')).toBe('bad/aborted');
    await sleep(1_300); // past the handler's late reply
    expect(telemetry.serverSpans()).toHaveLength(1);
    expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), 'fast/bad/aborted': 1 });
    await app.close();
    await kit.shutdown();
    await telemetry.shutdown();
  });

  it('records a request whose body never arrives within requestTimeout as aborted without a status', async () => {
    const telemetry = createTestTelemetry();
    const kit = newKit(telemetry);
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default), which
    // Fastify does not expose: a server factory sets both.
    const app = Fastify({
      serverFactory: (handler) =>
        http.createServer({ requestTimeout: THRESHOLD_MS + 100, connectionsCheckingInterval: 50 }, handler),
    });
    await app.register(slokitFastify, { kit });
    app.post('/upload', () => 'stored');
    const port = await listen(app);
    const answer = await new Promise<string>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: '/upload',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': '100' },
      });
      req.on('response', (res) => resolve(String(res.statusCode)));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.write('{"a":'); // and never the rest
    });
    // Node's own 408, written to the socket by Fastify's clientError handler, outside the response.
    expect(answer).toBe('408');
    const [span] = await waitForSpans(() => telemetry.serverSpans(), 1);
    expect(span!.name).toBe('POST /upload');
    expect(span!.attributes['slokit.aborted']).toBe(true);
    expect(span!.attributes['http.response.status_code']).toBeUndefined();
    expect(verdictOf(span!, 'fast')).toBe('bad/aborted');
    expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), 'fast/bad/aborted': 1 });
    await app.close();
    await kit.shutdown();
    await telemetry.shutdown();
  });
});

describe('slokitFastify and pipelined requests', () => {
  it('records a request whose response waited behind another when the client left as aborted, once', async () => {
    const telemetry = createTestTelemetry();
    const kit = newKit(telemetry);
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    let arrived = 0;
    let bothArrived: () => void = () => {};
    const both = new Promise<void>((resolve) => (bothArrived = resolve));
    app.addHook('onRequest', (_request, _reply, done) => {
      if (++arrived === 2) bothArrived();
      done();
    });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/hold', async () => {
      await held;
      return 'held';
    });
    app.get('/second', () => 'second');
    const port = await listen(app);
    // Two requests in one write: Node routes the second while the first one's response holds the
    // connection, so the second response waits in Node's queue, without a socket of its own.
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    await both;
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.destroy();
    await closed;
    const spans = await waitForSpans(() => telemetry.serverSpans(), 2);
    expect(
      spans
        .map((s) => [s.name, s.attributes['slokit.aborted'], s.attributes['http.response.status_code']])
        .sort(),
    ).toEqual([
      ['GET /hold', true, undefined],
      // Its handler answered at once: the head waits in the queue with the status it will carry.
      ['GET /second', true, 200],
    ]);
    release();
    await sleep(50);
    expect(telemetry.serverSpans()).toHaveLength(2);
    // Aborted before any threshold was missed: not eligible for either SLI.
    expect(await telemetry.sliCounts()).toEqual(zeroSeries());
    await app.close();
    await kit.shutdown();
    await telemetry.shutdown();
  });
});
