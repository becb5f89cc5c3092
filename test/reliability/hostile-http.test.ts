// What a client controls reaches slokit's spans bounded and without secrets: long paths and query
// strings, secrets in headers and query strings, random paths, malformed requests. Real Express,
// Fastify and node:http servers on 127.0.0.1; spans from the real SDK.
import http from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit } from 'slokit';
import { slokitExpress } from 'slokit/express';
import { createTestTelemetry } from '../helpers/otel.js';
import type { TestTelemetry } from '../helpers/otel.js';
import { close, listen, report } from './support.js';

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
