// What a client controls reaches slokit's spans bounded and without secrets: long paths and query
// strings, secrets in headers and query strings, random paths, malformed requests. Real Express,
// Fastify and node:http servers on 127.0.0.1; spans from the real SDK.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit } from 'slokit';
import { slokitExpress } from 'slokit/express';
import { slokitFastify } from 'slokit/fastify';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';
import { createTestTelemetry } from '../helpers/otel.js';
import type { TestTelemetry } from '../helpers/otel.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { close, listen, report, scale } from './support.js';

let server: http.Server | undefined;
let telemetry: TestTelemetry | undefined;
let kit: Slokit | undefined;

afterEach(async () => {
  await close(server);
  await kit?.shutdown();
  await telemetry?.shutdown();
  server = kit = telemetry = undefined;
});

const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });

describe('url.path and url.query', () => {
  it('are cut to maxValueLength even when the app’s own SDK has no limit', async () => {
    // The app's SDK, without span limits: it would export what it is given.
    telemetry = createTestTelemetry();
    kit = createSlokit({
      slis: [availability],
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
      // Values are redacted by default; a kept value is what a client can make long.
      query: { keepValues: ['q'] },
    });
    const app = express();
    app.use(slokitExpress(kit));
    app.use((_req, res) => {
      res.send('ok');
    });
    server = http.createServer({ maxHeaderSize: 1 << 20 }, app);
    const port = await listen(server);
    const path = `/${'p'.repeat(100_000)}`;
    const query = `q=${'v'.repeat(100_000)}`;
    const response = await fetch(`http://127.0.0.1:${port}${path}?${query}`);
    expect(response.status).toBe(200);
    await response.text();
    const [span] = telemetry.serverSpans();
    const urlPath = span!.attributes['url.path'] as string;
    const urlQuery = span!.attributes['url.query'] as string;
    expect(urlPath).toHaveLength(1024);
    expect(urlPath.endsWith('…[truncated]')).toBe(true);
    expect(urlPath.startsWith('/ppp')).toBe(true);
    expect(urlQuery).toHaveLength(1024);
    expect(urlQuery.endsWith('…[truncated]')).toBe(true);
    const dropped = await telemetry.sumPoints('slokit.dropped');
    expect(dropped.find((p) => p.attributes['slokit.dropped.what'] === 'truncated_value')!.value).toBe(2);
    report('url.path/url.query limit', {
      pathChars: path.length,
      spanPathChars: urlPath.length,
      truncated: 2,
    });
  });
});

// Secrets a client or a third party puts in a URL, each a distinct marker that must not arrive.
const SECRET_QUERIES: readonly string[] = [
  'code=S1-oauth-code&state=S2-state',
  'X-Amz-Signature=S3-signature&X-Amz-Credential=S4-AKIA%2F20260101%2Fus-east-1',
  'page=2;token=S5-after-semicolon',
  '%74oken=S6-encoded-name&sig=S7-sig',
  'session=S8-session&jwt=S9-jwt&key=S10-key&private_key=S11-pem&otp=S12-otp',
  'S13-a-bearer-token-sent-as-the-whole-query-string-eyJhbGciOiJIUzI1NiJ9',
  'page=3&page=S14-second-page-is-kept-too',
];
const SECRET_HEADERS = {
  authorization: 'Bearer S15-bearer',
  'proxy-authorization': 'Basic S16-proxy',
  cookie: 'sid=S17-cookie',
  'x-api-key': 'S18-api-key',
};
const SECRETS = Array.from({ length: 18 }, (_, i) => `S${i + 1}-`).filter((s) => s !== 'S14-');

// Requests Node's parser refuses before any handler runs: slokit never sees them.
const MALFORMED: readonly string[] = [
  'GARBAGE\r\n\r\n',
  'GET /api/items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
  `GET /api/items/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`,
];
// Requests that reach the app, odd as they are: each gets exactly one span. Fastify answers a URL
// its router cannot decode (400) before any hook runs, so slokit's plugin never sees that one.
const ODD: readonly { raw: string; fastify: boolean }[] = [
  { raw: 'PROPFIND /api/items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', fastify: true },
  { raw: 'GET /api/items/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', fastify: false },
  {
    raw: 'GET http://evil.example/api/items/2?token=S5-after-semicolon HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    fastify: true,
  },
];

/** Writes `raw` on a fresh connection and resolves with the status line answered (or '' if none). */
function rawRequest(port: number, raw: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(raw));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

describe('hostile HTTP, checked at a real OTLP receiver', () => {
  let receiver: OtlpReceiver | undefined;
  let otel: Telemetry | undefined;
  let fastify: FastifyInstance | undefined;
  afterEach(async () => {
    await close(server);
    await fastify?.close();
    await kit?.shutdown();
    await otel?.shutdown();
    await receiver?.close();
    server = fastify = kit = otel = receiver = undefined;
  });

  it.each([
    ['Express', 'http/json'],
    ['Fastify', 'http/protobuf'],
  ] as const)(
    '%s over %s: no secret arrives, random paths mint no span name or series, every request that reached the app has one span',
    async (framework, protocol) => {
      receiver = await startOtlpReceiver();
      otel = startTelemetry({
        endpoint: receiver.url,
        protocol,
        batch: { scheduledDelayMillis: 50 },
        metricsExportIntervalMillis: 60_000,
        log: false,
        diagLogLevel: false,
      });
      kit = createSlokit({
        slis: [availability],
        captureHeaders: ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'user-agent'],
        query: { keepValues: ['page'] },
      });
      let port: number;
      if (framework === 'Express') {
        const app = express();
        app.use(slokitExpress(kit));
        app.get('/api/items/:id', (_req, res) => {
          res.send('item');
        });
        server = http.createServer(app);
        port = await listen(server);
      } else {
        const app = Fastify();
        fastify = app;
        await app.register(slokitFastify, { kit });
        app.get('/api/items/:id', (_request, reply) => reply.send('item'));
        await app.listen({ port: 0, host: '127.0.0.1' });
        port = (app.server.address() as AddressInfo).port;
      }

      const base = `http://127.0.0.1:${port}`;
      const statuses: number[] = [];
      const get = async (path: string, headers: Record<string, string> = {}) => {
        const response = await fetch(base + path, { headers });
        await response.arrayBuffer();
        statuses.push(response.status);
      };
      for (const query of SECRET_QUERIES) await get(`/api/items/1?${query}`, SECRET_HEADERS);
      const randomPaths = scale(200, 30_000);
      for (let i = 0; i < randomPaths; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, randomPaths - i) }, () =>
            get(`/${randomBytes(6).toString('hex')}/${randomBytes(4).toString('hex')}`),
          ),
        );
      }
      const refused = await Promise.all(MALFORMED.map((raw) => rawRequest(port, raw)));
      const odd = await Promise.all(ODD.map(({ raw }) => rawRequest(port, raw)));

      expect(statuses.slice(0, SECRET_QUERIES.length)).toEqual(SECRET_QUERIES.map(() => 200));
      expect(statuses.slice(SECRET_QUERIES.length).every((s) => s === 404)).toBe(true);
      for (const line of refused) expect(line).toMatch(/^HTTP\/1\.1 (400|431) /);
      for (const line of odd) expect(line).toMatch(/^HTTP\/1\.1 \d{3} /);

      const reached = framework === 'Express' ? ODD.length : ODD.filter((o) => o.fastify).length;
      const expected = SECRET_QUERIES.length + randomPaths + reached;
      await otel.forceFlush();
      await receiver.waitFor(() => receiver!.spans().length >= expected, 10_000, `${expected} spans`);
      const spans = receiver.spans();
      expect(spans).toHaveLength(expected);

      // Nothing secret arrives, wherever it was put.
      const wire = JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      const leaked = SECRETS.filter((secret) => wire.includes(secret));
      expect(leaked).toEqual([]);
      const queries = spans
        .filter(
          (s) =>
            s.attributes['http.route'] === '/api/items/:id' && s.attributes['http.request.method'] === 'GET',
        )
        .slice(0, SECRET_QUERIES.length)
        .map((s) => s.attributes['url.query']);
      expect(queries).toEqual([
        'code=[REDACTED]&state=[REDACTED]',
        'X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]',
        'page=2;token=[REDACTED]',
        '%74oken=[REDACTED]&sig=[REDACTED]',
        'session=[REDACTED]&jwt=[REDACTED]&key=[REDACTED]&private_key=[REDACTED]&otp=[REDACTED]',
        '[REDACTED]',
        'page=3&page=S14-second-page-is-kept-too',
      ]);
      const first = spans.find((s) => s.attributes['url.query'] === 'code=[REDACTED]&state=[REDACTED]')!;
      for (const header of Object.keys(SECRET_HEADERS))
        expect(first.attributes[`http.request.header.${header}`]).toEqual(['[REDACTED]']);

      // Random paths and odd methods mint no span name and no route.
      const names = [...new Set(spans.map((s) => s.name))].sort();
      const routes = [...new Set(spans.map((s) => s.attributes['http.route']))].map(String).sort();
      expect(names).toEqual(
        framework === 'Express'
          ? ['GET', 'GET /api/items/:id', '_OTHER']
          : ['GET', 'GET /api/items/:id', '_OTHER'],
      );
      expect(routes.filter((r) => r !== 'undefined')).toEqual(['/api/items/:id']);
      // ... and no metric series: the SLI counter has the series it had at start-up.
      await otel.forceFlush();
      await receiver.waitFor(() => receiver!.latestPoints('slokit.sli.events').length > 0, 5_000, 'metrics');
      const series = receiver.latestPoints('slokit.sli.events').map((p) => JSON.stringify(p.attributes));
      expect(series.every((attributes) => !/[0-9a-f]{12}/.test(attributes))).toBe(true);
      expect(new Set(series).size).toBe(series.length);
      // availability: good, bad/status, bad/error — from start-up, whatever the paths.
      expect(series).toHaveLength(3);
      report(`hostile HTTP on ${framework} (${protocol}), at the OTLP receiver`, {
        requests: SECRET_QUERIES.length + randomPaths + MALFORMED.length + ODD.length,
        spans: spans.length,
        refusedByParser: MALFORMED.length,
        randomPaths,
        spanNames: names.length,
        sliSeries: series.length,
        secretsPlanted: SECRETS.length,
        secretsAtReceiver: leaked.length,
      });
    },
  );
});
