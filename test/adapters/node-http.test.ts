import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import { wrapHandler } from 'slokit/node';
import { createTestTelemetry } from '../helpers/otel.js';
import {
  EXPECTED,
  EXPECTED_COUNTS,
  SLOW_MS,
  STREAM_CHUNKS,
  STREAM_GAP_MS,
  availability,
  checkSpans,
  playScript,
  scenarioSlis,
  waitForSpans,
  zeroSeries,
} from '../helpers/scenario.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function route(req: http.IncomingMessage): string | undefined {
  const path = (req.url ?? '/').split('?')[0]!;
  if (/^\/api\/users\/[^/]+$/.test(path)) return '/api/users/:id';
  return ['/fast', '/slow', '/fail', '/throw', '/reject', '/abort', '/abort-late', '/stream'].includes(path)
    ? path
    : undefined;
}

// The node:http version of the scenario's endpoints; plain node has no framework to turn a throw
// into a 500, so the test's server does it the way a node app would (a try/catch around the handler).
async function app(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  switch (route(req)) {
    case '/fast':
      addContext({ 'app.kind': 'fast' });
      res.end('ok');
      return;
    case '/slow':
      await sleep(SLOW_MS);
      res.end('ok');
      return;
    case '/fail':
      res.statusCode = 500;
      res.end('failed');
      return;
    case '/throw':
      throw new Error('boom');
    case '/reject':
      await sleep(1);
      throw new Error('rejected');
    case '/abort':
      res.writeHead(200);
      res.write('first');
      await sleep(2_000);
      res.end();
      return;
    case '/abort-late':
      await sleep(1_000);
      res.end('late');
      return;
    case '/stream':
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < STREAM_CHUNKS; i++) {
        res.write('chunk ');
        await sleep(STREAM_GAP_MS);
      }
      res.end();
      return;
    case '/api/users/:id': {
      const id = path.split('/')[3]!;
      addContext({ 'app.user': id });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id }));
      return;
    }
    default:
      res.statusCode = 404;
      res.end('not found');
  }
}

describe('wrapHandler (node:http) over real sockets', () => {
  const telemetry = createTestTelemetry();
  const kit = createSlokit({
    slis: scenarioSlis,
    tracerProvider: telemetry.tracerProvider,
    meterProvider: telemetry.meterProvider,
  });
  const wrapped = wrapHandler(kit, app, { route });
  const server = http.createServer((req, res) => {
    // What a node app does with a failing async handler: answer 500 itself.
    (wrapped(req, res) as Promise<void>).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('error');
      }
    });
  });
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
    expect(await telemetry.sliCounts()).toEqual({
      ...zeroSeries(),
      ...EXPECTED_COUNTS,
    });
  });
});

describe("wrapHandler feeds only the kit's HTTP SLIs", () => {
  it("never hands a request to an SLI with events: 'custom' (nor to a freshness SLI)", async () => {
    const telemetry = createTestTelemetry();
    const jobs = defineSli<{ ok: boolean }>({
      name: 'jobs',
      events: 'custom',
      objective: 0.99,
      good: (run) => {
        if (typeof run.ok !== 'boolean') throw new TypeError('not a job run');
        return run.ok;
      },
    });
    const catalog = defineSli<{ updatedAt: Date }>({
      name: 'catalog',
      objective: 0.99,
      freshness: { maxAge: '1h' },
    });
    const kit = createSlokit({ slis: [availability, jobs, catalog], meterProvider: telemetry.meterProvider });
    const server = http.createServer(wrapHandler(kit, (_req, res) => res.end('ok')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => res.resume().on('end', resolve))
          .on('error', reject),
      );
    }
    kit.record(jobs, { ok: false });
    await new Promise((r) => setTimeout(r, 50));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(await telemetry.sliCounts()).toEqual({
      'availability/good': 3,
      'availability/bad/error': 0,
      'availability/bad/status': 0,
      'jobs/good': 0,
      'jobs/bad/custom': 1,
      'catalog/good': 0,
      'catalog/bad/error': 0,
      'catalog/bad/latency': 0,
    });
    const errors = await telemetry.sumPoints('slokit.sli.classifier_errors');
    expect(errors.map((p) => p.value)).toEqual([0, 0, 0]);
    expect(() => wrapHandler(kit, () => undefined, { slis: ['jobs'] })).toThrow(/judges custom events/);
    await kit.shutdown();
    await telemetry.shutdown();
  });
});
