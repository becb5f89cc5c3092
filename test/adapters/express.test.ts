// The Express adapter on Express 5 and Express 4 (the `express4` alias), over real sockets on
// 127.0.0.1 with the real OTel SDK: the scenario's scripted request mix, then route templates
// (nested, parameterised and repeated mounts, Express 5 path syntax), errors, options and context.
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import type { SlokitOptions } from 'slokit';
import { slokitErrors, slokitExpress } from 'slokit/express';
import type { SlokitExpressOptions } from 'slokit/express';
import { captureDiag } from '../helpers/diag.js';
import { createTestTelemetry } from '../helpers/otel.js';
import type { TestTelemetry } from '../helpers/otel.js';
import {
  EXPECTED,
  EXPECTED_COUNTS,
  SLOW_MS,
  STREAM_CHUNKS,
  STREAM_GAP_MS,
  checkSpans,
  playScript,
  scenarioSlis,
  waitForSpans,
  zeroSeries,
} from '../helpers/scenario.js';

type Express = typeof express;
// Express 4 is installed under the alias `express4`; its API is the same for everything used here.
const express4 = createRequire(import.meta.url)('express4') as Express;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A status-only SLI that counts every non-2xx as bad, to show which reason a 4xx gets.
const strict = defineSli({ name: 'strict', objective: '99%', good: { status: '2xx' } });

/** The scenario's endpoints (test/helpers/scenario.ts, ENDPOINTS) as an Express app. */
function scenarioApp(x: Express, version: 4 | 5, kit: ReturnType<typeof createSlokit>, errors: boolean) {
  const app = x();
  // Keep Express's final handler from printing the expected errors.
  app.set('env', 'test');
  app.use(slokitExpress(kit));
  app.get('/fast', (_req, res) => {
    addContext({ 'app.kind': 'fast' });
    res.send('ok');
  });
  app.get('/slow', async (_req, res) => {
    await sleep(SLOW_MS);
    res.send('ok');
  });
  app.get('/fail', (_req, res) => {
    res.status(500).send('failed');
  });
  app.get('/throw', () => {
    throw new Error('boom');
  });
  if (version === 5) {
    // Express 5 forwards a rejected promise to next(err).
    app.get('/reject', async () => {
      await sleep(1);
      throw new Error('rejected');
    });
  } else {
    // Express 4 ignores what a handler returns, so Express 4 apps catch and forward themselves.
    app.get('/reject', (_req, _res, next) => {
      (async () => {
        await sleep(1);
        throw new Error('rejected');
      })().catch(next);
    });
  }
  app.get('/abort', async (_req, res) => {
    res.writeHead(200);
    res.write('first');
    await sleep(2_000);
    res.end();
  });
  app.get('/abort-late', async (_req, res) => {
    await sleep(1_000);
    res.send('late');
  });
  app.get('/stream', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < STREAM_CHUNKS; i++) {
      res.write('chunk ');
      await sleep(STREAM_GAP_MS);
    }
    res.end();
  });
  const api = x.Router();
  const users = x.Router();
  users.get('/:id', (req, res) => {
    addContext({ 'app.user': req.params.id });
    res.json({ id: req.params.id });
  });
  api.use('/users', users);
  app.use('/api', api);
  if (errors) app.use(slokitErrors());
  return app;
}

interface Served {
  readonly telemetry: TestTelemetry;
  readonly server: http.Server;
  readonly port: number;
  /** The SERVER spans, once `count` of them have ended. */
  readonly spans: (count: number) => Promise<ReadableSpan[]>;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

/** A kit with its own test telemetry, an app built by `build`, listening on 127.0.0.1. */
async function serve(
  build: (kit: ReturnType<typeof createSlokit>, telemetry: TestTelemetry) => http.RequestListener,
  kitOptions: Partial<Omit<SlokitOptions, 'tracerProvider' | 'meterProvider'>> = {},
): Promise<Served> {
  const telemetry = createTestTelemetry();
  const kit = createSlokit({
    slis: scenarioSlis,
    ...kitOptions,
    tracerProvider: telemetry.tracerProvider,
    meterProvider: telemetry.meterProvider,
  });
  const server = http.createServer(build(kit, telemetry));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await kit.shutdown();
    await telemetry.shutdown();
  });
  return {
    telemetry,
    server,
    port: (server.address() as AddressInfo).port,
    spans: (count) => waitForSpans(() => telemetry.serverSpans(), count),
  };
}

/** The verdict of one SLI on a span as `outcome[/reason]`. */
function verdict(span: ReadableSpan, sli: string): string | undefined {
  const outcome = span.attributes[`slokit.sli.${sli}.outcome`] as string | undefined;
  const reason = span.attributes[`slokit.sli.${sli}.reason`] as string | undefined;
  return outcome === undefined || reason === undefined ? outcome : `${outcome}/${reason}`;
}

/** The route and name of each span, by url.path. */
function routes(spans: readonly ReadableSpan[]): Record<string, { route: unknown; name: string }> {
  return Object.fromEntries(
    spans.map((s) => [
      `${s.attributes['http.request.method'] as string} ${s.attributes['url.path'] as string}`,
      { route: s.attributes['http.route'], name: s.name },
    ]),
  );
}

describe.each([
  { label: 'Express 5', x: express, version: 5 as const },
  { label: 'Express 4', x: express4, version: 4 as const },
])('slokitExpress on $label', ({ x, version }) => {
  describe('the scenario over real sockets, with slokitErrors()', () => {
    const telemetry = createTestTelemetry();
    const kit = createSlokit({
      slis: scenarioSlis,
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
    const server = http.createServer(scenarioApp(x, version, kit, true));
    let port = 0;

    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await kit.shutdown();
      await telemetry.shutdown();
    });

    it('records exactly the expected verdict, route and attributes for every request of the script', async () => {
      await playScript(port);
      const spans = await waitForSpans(() => telemetry.serverSpans(), EXPECTED.length);
      checkSpans(spans);
      expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), ...EXPECTED_COUNTS });
    });
  });

  it('without slokitErrors() a thrown or rejected error is still bad, with reason status and no exception', async () => {
    const { port, spans, telemetry } = await serve((kit) => scenarioApp(x, version, kit, false));
    const agent = request(`http://127.0.0.1:${port}`);
    expect((await agent.get('/throw')).status).toBe(500);
    expect((await agent.get('/reject')).status).toBe(500);
    const done = await spans(2);
    expect(
      done.map((s) => [
        s.name,
        verdict(s, 'availability'),
        verdict(s, 'fast'),
        s.status.code,
        s.events.length,
      ]),
    ).toEqual([
      ['GET /throw', 'bad/status', 'bad/status', 2, 0],
      ['GET /reject', 'bad/status', 'bad/status', 2, 0],
    ]);
    expect(await telemetry.sliCounts()).toEqual({
      ...zeroSeries(),
      'availability/bad/status': 2,
      'fast/bad/status': 2,
    });
  });

  it('an async handler that rejects without .catch(next): Express 5 answers 500, Express 4 never answers', async () => {
    const { port, spans } = await serve((kit) => {
      const app = x();
      app.set('env', 'test');
      app.use(slokitExpress(kit));
      app.get('/lost', (_req, _res) => {
        const work = (async () => {
          await sleep(1);
          throw new Error('lost');
        })();
        // Express 4 drops the returned promise; handle it here too so the test process sees no
        // unhandled rejection (in an Express 4 app it would be one).
        work.catch(() => undefined);
        return work;
      });
      app.use(slokitErrors());
      return app;
    });
    const outcome = await new Promise<number | 'no answer'>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/lost', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', () => resolve('no answer'));
      setTimeout(() => req.destroy(), 200);
    });
    const [span] = await spans(1);
    if (version === 5) {
      expect(outcome).toBe(500);
      expect([span!.attributes['http.response.status_code'], verdict(span!, 'availability')]).toEqual([
        500,
        'bad/error',
      ]);
      expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    } else {
      // The request hangs until the client gives up: no status, aborted, not eligible for availability.
      expect(outcome).toBe('no answer');
      expect([
        span!.attributes['http.response.status_code'],
        span!.attributes['slokit.aborted'],
        verdict(span!, 'availability'),
      ]).toEqual([undefined, true, undefined]);
    }
  });

  describe('route templates', () => {
    it('turns parameterised mount paths back into their template, through nested mergeParams routers', async () => {
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        const items = x.Router({ mergeParams: true });
        items.get('/items/:item', (req, res) => {
          res.json(req.params);
        });
        const projects = x.Router({ mergeParams: true });
        projects.use('/projects/:project', items);
        app.use('/tenants/:tenant', projects);
        return app;
      });
      const res = await request(`http://127.0.0.1:${port}`).get('/tenants/acme/projects/p7/items/42');
      // mergeParams works as before: the handler sees every parameter.
      expect(res.body).toEqual({ tenant: 'acme', project: 'p7', item: '42' });
      const [span] = await spans(1);
      expect([span!.name, span!.attributes['http.route'], span!.attributes['url.path']]).toEqual([
        'GET /tenants/:tenant/projects/:project/items/:item',
        '/tenants/:tenant/projects/:project/items/:item',
        '/tenants/acme/projects/p7/items/42',
      ]);
    });

    it('names routes with several parameters, app.route() and a router mounted twice', async () => {
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        app.get('/orgs/:org/repos/:repo/issues/:number', (_req, res) => {
          res.send('issue');
        });
        app
          .route('/books/:isbn')
          .get((_req, res) => {
            res.send('book');
          })
          .put((_req, res) => {
            res.send('saved');
          });
        const things = x.Router();
        things.get('/things/:id', (_req, res) => {
          res.send('thing');
        });
        app.use('/v1', things);
        app.use('/t/:tenant', things);
        return app;
      });
      const agent = request(`http://127.0.0.1:${port}`);
      for (const path of ['/orgs/o1/repos/r2/issues/3', '/books/978-3', '/v1/things/5', '/t/acme/things/6']) {
        expect((await agent.get(path)).status, path).toBe(200);
      }
      expect((await agent.put('/books/978-3')).status).toBe(200);
      expect(routes(await spans(5))).toEqual({
        'GET /orgs/o1/repos/r2/issues/3': {
          route: '/orgs/:org/repos/:repo/issues/:number',
          name: 'GET /orgs/:org/repos/:repo/issues/:number',
        },
        'GET /books/978-3': { route: '/books/:isbn', name: 'GET /books/:isbn' },
        'PUT /books/978-3': { route: '/books/:isbn', name: 'PUT /books/:isbn' },
        'GET /v1/things/5': { route: '/v1/things/:id', name: 'GET /v1/things/:id' },
        'GET /t/acme/things/6': { route: '/t/:tenant/things/:id', name: 'GET /t/:tenant/things/:id' },
      });
    });

    it('records path syntax as written: wildcards, optional parts, RegExp and array paths', async () => {
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        const ok = (_req: Request, res: Response) => {
          res.send('ok');
        };
        const assets = x.Router();
        assets.get('/', ok);
        if (version === 5) {
          app.get('/files/*splat', ok);
          app.get('/docs{/:page}', ok);
          app.use('/assets/*path', assets);
        } else {
          app.get('/files/*', ok);
          app.get('/docs/:page?', ok);
          app.use('/assets/:path', assets);
        }
        app.get(/^\/re\/\d+$/, ok);
        app.get(['/a/:x', '/b'], ok);
        return app;
      });
      const agent = request(`http://127.0.0.1:${port}`);
      const paths = ['/files/a/b.txt', '/docs', '/docs/intro', '/assets/logo', '/re/12', '/a/1', '/b'];
      for (const path of paths) expect((await agent.get(path)).status, path).toBe(200);
      const v5 = version === 5;
      expect(routes(await spans(paths.length))).toEqual({
        'GET /files/a/b.txt': v5
          ? { route: '/files/*splat', name: 'GET /files/*splat' }
          : { route: '/files/*', name: 'GET /files/*' },
        'GET /docs': v5
          ? { route: '/docs{/:page}', name: 'GET /docs{/:page}' }
          : { route: '/docs/:page?', name: 'GET /docs/:page?' },
        'GET /docs/intro': v5
          ? { route: '/docs{/:page}', name: 'GET /docs{/:page}' }
          : { route: '/docs/:page?', name: 'GET /docs/:page?' },
        // A route '/' inside a mounted router is the mount path itself.
        'GET /assets/logo': v5
          ? { route: '/assets/*path', name: 'GET /assets/*path' }
          : { route: '/assets/:path', name: 'GET /assets/:path' },
        'GET /re/12': { route: '/^\\/re\\/\\d+$/', name: 'GET /^\\/re\\/\\d+$/' },
        'GET /a/1': { route: '/a/:x,/b', name: 'GET /a/:x,/b' },
        'GET /b': { route: '/a/:x,/b', name: 'GET /a/:x,/b' },
      });
    });

    it('spells mount paths as registered whatever the case of the request, and includes mounted apps', async () => {
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        const users = x.Router();
        users.get('/users/:id', (_req, res) => {
          res.send('user');
        });
        app.use('/api', users);
        const admin = x();
        admin.get('/reports/:report', (_req, res) => {
          res.send('report');
        });
        app.use('/admin/:org', admin);
        return app;
      });
      const agent = request(`http://127.0.0.1:${port}`);
      expect((await agent.get('/API/users/1')).status).toBe(200);
      expect((await agent.get('/admin/acme/reports/r9')).status).toBe(200);
      expect(routes(await spans(2))).toEqual({
        'GET /API/users/1': { route: '/api/users/:id', name: 'GET /api/users/:id' },
        'GET /admin/acme/reports/r9': {
          route: '/admin/:org/reports/:report',
          name: 'GET /admin/:org/reports/:report',
        },
      });
    });

    it('gives an unrouted 404 no route: its span is named by the method alone', async () => {
      const { port, spans, telemetry } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        app.get('/known', (_req, res) => {
          res.send('ok');
        });
        return app;
      });
      expect((await request(`http://127.0.0.1:${port}`).get('/unknown/42?x=1')).status).toBe(404);
      const [span] = await spans(1);
      expect([
        span!.name,
        'http.route' in span!.attributes,
        span!.attributes['http.response.status_code'],
      ]).toEqual(['GET', false, 404]);
      expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), 'availability/good': 1 });
    });
  });

  describe('errors', () => {
    const teapot: ErrorRequestHandler = (_err, _req, res, _next) => {
      res.status(418).set('x-handled', 'yes').send('teapot');
    };

    it('an error handler answering 418 decides the verdict: the status, not the error, counts', async () => {
      const { port, spans, telemetry } = await serve(
        (kit) => {
          const app = x();
          app.use(slokitExpress(kit));
          app.get('/brew', () => {
            throw new Error('not coffee');
          });
          app.use(slokitErrors());
          app.use(teapot);
          return app;
        },
        { slis: [...scenarioSlis, strict] },
      );
      const res = await request(`http://127.0.0.1:${port}`).get('/brew');
      expect([res.status, res.text, res.headers['x-handled']]).toEqual([418, 'teapot', 'yes']);
      const [span] = await spans(1);
      expect({
        status: span!.attributes['http.response.status_code'],
        availability: verdict(span!, 'availability'),
        fast: verdict(span!, 'fast'),
        strict: verdict(span!, 'strict'),
        spanStatus: span!.status.code,
        events: span!.events.length,
      }).toEqual({
        status: 418,
        availability: 'good',
        fast: 'good',
        strict: 'bad/status',
        spanStatus: 0,
        events: 0,
      });
      expect((await telemetry.sliCounts())['strict/bad/status']).toBe(1);
    });

    it('next(err) answered 5xx by the error handler is bad with reason error; a 404 error is judged by its status', async () => {
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.set('env', 'test');
        app.use(slokitExpress(kit));
        app.get('/down', (_req, _res, next) => {
          next(Object.assign(new TypeError('db down'), { status: 503 }));
        });
        app.get('/missing', (_req, _res, next) => {
          next(Object.assign(new Error('no such thing'), { status: 404 }));
        });
        app.use(slokitErrors());
        return app;
      });
      const agent = request(`http://127.0.0.1:${port}`);
      expect((await agent.get('/down')).status).toBe(503);
      expect((await agent.get('/missing')).status).toBe(404);
      const done = await spans(2);
      expect(
        done.map((s) => [
          s.name,
          s.attributes['http.response.status_code'],
          verdict(s, 'availability'),
          s.attributes['error.type'],
          s.status.code,
          s.events.map((e) => e.name),
        ]),
      ).toEqual([
        ['GET /down', 503, 'bad/error', 'TypeError', 2, ['exception']],
        ['GET /missing', 404, 'good', undefined, 0, []],
      ]);
    });

    it('leaves the app unchanged: same status, body and headers with and without slokit', async () => {
      const build = (kit?: ReturnType<typeof createSlokit>) => {
        const app = x();
        app.set('env', 'test');
        if (kit !== undefined) app.use(slokitExpress(kit));
        app.get('/ok', (_req, res) => {
          res.set('x-app', '1').json({ ok: true });
        });
        // Express's development error page shows the stack, which differs by one frame with slokit.
        const error = (message: string) => Object.assign(new Error(message), { stack: `Error: ${message}` });
        app.get('/throw', () => {
          throw error('boom');
        });
        app.get('/teapot', () => {
          throw error('tea');
        });
        if (kit !== undefined) app.use(slokitErrors());
        app.use('/teapot', teapot);
        return app;
      };
      const withKit = await serve((kit) => build(kit));
      const bare = await serve(() => build());
      const answer = async (port: number, path: string) => {
        const res = await request(`http://127.0.0.1:${port}`).get(path);
        return {
          status: res.status,
          body: res.text,
          type: res.headers['content-type'],
          app: res.headers['x-app'],
          handled: res.headers['x-handled'],
        };
      };
      for (const path of ['/ok', '/throw', '/teapot', '/nope']) {
        expect(await answer(withKit.port, path), path).toEqual(await answer(bare.port, path));
      }
      expect(await withKit.spans(4)).toHaveLength(4);
    });
  });

  describe('options', () => {
    it('validates its options when created, with coded errors', () => {
      const kit = createSlokit({ slis: scenarioSlis });
      expect(() => slokitExpress(kit, { nope: true } as never)).toThrow(
        expect.objectContaining({ code: 'SLOKIT_E_OPTION' }),
      );
      expect(() => slokitExpress(kit, { ignore: '/healthz' } as never)).toThrow(
        expect.objectContaining({ code: 'SLOKIT_E_OPTION' }),
      );
      expect(() => slokitExpress(kit, { slis: 'fast' } as never)).toThrow(
        expect.objectContaining({ code: 'SLOKIT_E_OPTION' }),
      );
      expect(() => slokitExpress(kit, { slis: ['latency'] })).toThrow(
        expect.objectContaining({ code: 'SLOKIT_E_UNKNOWN_SLI' }),
      );
      expect(() => slokitExpress({} as never)).toThrow(expect.objectContaining({ code: 'SLOKIT_E_OPTION' }));
      expect(slokitExpress(kit).name).toBe('slokitExpressMiddleware');
      // Express tells error handlers by their four parameters.
      expect([slokitErrors().name, slokitErrors().length]).toEqual(['slokitErrorsMiddleware', 4]);
    });

    it('ignore leaves requests alone; slis judges only the SLIs named', async () => {
      const options: SlokitExpressOptions<Request> = {
        ignore: (req) => req.path === '/healthz',
        slis: ['availability'],
      };
      const { port, spans, telemetry } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit, options));
        app.get('/healthz', (_req, res) => {
          res.send('up');
        });
        app.get('/work', (_req, res) => {
          res.send('done');
        });
        return app;
      });
      const agent = request(`http://127.0.0.1:${port}`);
      expect((await agent.get('/healthz')).text).toBe('up');
      expect((await agent.get('/work')).text).toBe('done');
      const done = await spans(1);
      await sleep(20);
      expect(telemetry.serverSpans()).toHaveLength(1);
      expect([done[0]!.name, verdict(done[0]!, 'availability'), verdict(done[0]!, 'fast')]).toEqual([
        'GET /work',
        'good',
        undefined,
      ]);
      expect(await telemetry.sliCounts()).toEqual({ ...zeroSeries(), 'availability/good': 1 });
    });

    it('adds its close listener through a prependListener the app replaced, not around it', async () => {
      const added: string[] = [];
      const { port, spans, telemetry } = await serve((kit) => {
        const app = x();
        // Another library's wrapper on the app's response prototype: slokit calls Node's own method
        // directly only for prototypes that inherit it unchanged.
        const response = app.response as http.ServerResponse;
        response.prependListener = function (this: http.ServerResponse, ...args) {
          added.push(String(args[0]));
          return http.ServerResponse.prototype.prependListener.apply(this, args) as http.ServerResponse;
        };
        app.use(slokitExpress(kit));
        app.get('/x', (_req, res) => {
          res.send('x');
        });
        return app;
      });
      const agent = request(`http://127.0.0.1:${port}`);
      for (let i = 0; i < 3; i++) expect((await agent.get('/x')).status).toBe(200);
      await spans(3);
      expect(added.filter((e) => e === 'close')).toHaveLength(3);
      expect((await telemetry.sliCounts())['availability/good']).toBe(3);
    });

    it('records a request once even when slokitExpress is registered twice', async () => {
      const { port, spans, telemetry } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        const api = x.Router();
        api.use(slokitExpress(kit));
        api.get('/x/:id', (_req, res) => {
          res.send('x');
        });
        app.use('/api', api);
        return app;
      });
      expect((await request(`http://127.0.0.1:${port}`).get('/api/x/1')).status).toBe(200);
      const [span] = await spans(1);
      await sleep(20);
      expect(telemetry.serverSpans()).toHaveLength(1);
      expect(span!.attributes['http.route']).toBe('/api/x/:id');
      expect((await telemetry.sliCounts())['availability/good']).toBe(1);
    });
  });

  describe('hints', () => {
    it('names the routes registered before it, once, and still captures the route of a request that already has one', async () => {
      const lines = captureDiag();
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.get('/healthz', (_req, res) => {
          res.send('up');
        });
        // A route that passes the request on: Express has set req.route before slokit runs.
        app.get('/items/:id', (_req, _res, next) => {
          next();
        });
        app.use(slokitExpress(kit));
        app.get('/items/:id', (_req, res) => {
          res.send('item');
        });
        return app;
      });
      const agent = request(`http://127.0.0.1:${port}`);
      expect((await agent.get('/healthz')).text).toBe('up');
      expect((await agent.get('/items/1')).text).toBe('item');
      expect((await agent.get('/items/2')).text).toBe('item');
      const done = await spans(2);
      expect(done.map((s) => [s.name, s.attributes['url.path']])).toEqual([
        ['GET /items/:id', '/items/1'],
        ['GET /items/:id', '/items/2'],
      ]);
      expect(lines.filter((l) => l.includes('registered before'))).toEqual([
        'slokit slokitExpress: 2 routes are registered before slokitExpress() (GET /healthz, GET /items/:id); requests they answer never reach it and are not recorded. Register app.use(slokitExpress(kit)) before your routes; to leave health checks out, use its ignore option.',
      ]);
    });

    it('says once that slokitErrors() is missing when a 5xx comes without an error, and nothing when it is there', async () => {
      const lines = captureDiag();
      const without = await serve((kit) => scenarioApp(x, version, kit, false));
      const withErrors = await serve((kit) => scenarioApp(x, version, kit, true));
      for (const port of [withErrors.port, without.port]) {
        const agent = request(`http://127.0.0.1:${port}`);
        expect((await agent.get('/fast')).status).toBe(200);
        expect((await agent.get('/throw')).status).toBe(500);
        expect((await agent.get('/fail')).status).toBe(500);
      }
      await without.spans(3);
      await withErrors.spans(3);
      expect(lines.filter((l) => l.includes('slokitErrors() is not registered'))).toEqual([
        'slokit slokitExpress: a request was answered with a 5xx and slokitErrors() is not registered in this app, so errors thrown by handlers count as bad with reason "status" and their exceptions are not recorded on the spans. Add app.use(slokitErrors()) after your routes, before your own error handlers.',
      ]);
      expect(lines.filter((l) => l.includes('registered before'))).toEqual([]);
    });
  });

  describe('context and spans', () => {
    it('nests child spans under the SERVER span and keeps addContext working after awaits', async () => {
      const served = await serve((kit, telemetry) => {
        const tracer = telemetry.tracerProvider.getTracer('app');
        const app = x();
        app.use(slokitExpress(kit));
        app.get('/work/:id', async (_req, res) => {
          await sleep(5);
          await tracer.startActiveSpan('db.query', async (child) => {
            await sleep(1);
            child.end();
          });
          addContext({ 'app.step': 'after-await', 'app.items': 3 });
          res.send('ok');
        });
        return app;
      });
      expect((await request(`http://127.0.0.1:${served.port}`).get('/work/1')).status).toBe(200);
      const [server] = await served.spans(1);
      const child = served.telemetry.spans().find((s) => s.name === 'db.query')!;
      expect(child.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(server!.spanContext().traceId);
      expect([server!.attributes['app.step'], server!.attributes['app.items']]).toEqual(['after-await', 3]);
    });

    it('continues the trace of an incoming traceparent', async () => {
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        app.get('/traced', (_req, res) => {
          res.send('ok');
        });
        return app;
      });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parentId = '00f067aa0ba902b7';
      await request(`http://127.0.0.1:${port}`)
        .get('/traced')
        .set('traceparent', `00-${traceId}-${parentId}-01`);
      const [span] = await spans(1);
      expect([span!.spanContext().traceId, span!.parentSpanContext?.spanId]).toEqual([traceId, parentId]);
    });

    it('reads traceparent and tracestate whatever the case the client wrote them in', async () => {
      const { port, spans } = await serve((kit) => {
        const app = x();
        app.use(slokitExpress(kit));
        app.get('/traced', (_req, res) => {
          res.send('ok');
        });
        return app;
      });
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const parentId = 'b7ad6b7169203331';
      await new Promise<void>((resolve, reject) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port,
              path: '/traced',
              agent: false,
              headers: { TraceParent: `00-${traceId}-${parentId}-01`, TRACESTATE: 'vendor=v1' },
            },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          )
          .on('error', reject);
      });
      const [span] = await spans(1);
      expect([
        span!.spanContext().traceId,
        span!.parentSpanContext?.spanId,
        span!.spanContext().traceState?.serialize(),
      ]).toEqual([traceId, parentId, 'vendor=v1']);
    });

    it('redacts query values and records only allow-listed headers, credentials censored', async () => {
      const { port, spans } = await serve(
        (kit) => {
          const app = x();
          app.use(slokitExpress(kit));
          app.get('/search', (_req, res) => {
            res.send('ok');
          });
          return app;
        },
        { captureHeaders: ['x-request-id', 'authorization'] },
      );
      await request(`http://127.0.0.1:${port}`)
        .get('/search?token=abc&page=2')
        .set('x-request-id', 'r-1')
        .set('authorization', 'Bearer secret')
        .set('x-other', 'not captured');
      const [span] = await spans(1);
      expect({
        query: span!.attributes['url.query'],
        id: span!.attributes['http.request.header.x-request-id'],
        auth: span!.attributes['http.request.header.authorization'],
        other: span!.attributes['http.request.header.x-other'],
      }).toEqual({
        query: 'token=[REDACTED]&page=[REDACTED]',
        id: ['r-1'],
        auth: ['[REDACTED]'],
        other: undefined,
      });
    });
  });
});

describe('slokitExpress with router < 2.3 (Express 5.0/5.1 layers, which do not keep the written path)', () => {
  // router 2.3 keeps `rawPath`; earlier versions overwrite the layer's path with what it matched.
  // With `rawPath` removed, the adapter must keep literal mounts and refuse to guess parameters.
  it('keeps literal mount paths and leaves a parameterised mount without a route', async () => {
    const { port, spans } = await serve((kit) => {
      const app = express();
      app.use(slokitExpress(kit));
      const things = express.Router();
      things.get('/things/:id', (_req, res) => {
        res.send('thing');
      });
      app.use('/v1', things);
      app.use('/t/:tenant', things);
      for (const layer of (app.router as unknown as { stack: Record<string, unknown>[] }).stack)
        delete layer.rawPath;
      return app;
    });
    const agent = request(`http://127.0.0.1:${port}`);
    expect((await agent.get('/v1/things/1')).status).toBe(200);
    expect((await agent.get('/t/acme/things/2')).status).toBe(200);
    expect(routes(await spans(2))).toEqual({
      'GET /v1/things/1': { route: '/v1/things/:id', name: 'GET /v1/things/:id' },
      'GET /t/acme/things/2': { route: undefined, name: 'GET' },
    });
  });
});
