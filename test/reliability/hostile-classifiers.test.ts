// Classifiers, match predicates and addContext() calls are the user's code on slokit's request
// path. A buggy classifier may throw, return nonsense, or write to the event it is handed; none of
// that may change another SLI's verdict, the span, or what redaction removed. addContext() may be
// handed anything at all; what reaches the collector stays bounded, secret-free and counted. Real
// Express over 127.0.0.1, real SDK, a real OTLP receiver.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';
import { SpanStatusCode } from '@opentelemetry/api';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import type { HttpEvent, Slokit, WorkEvent } from 'slokit';
import { slokitExpress } from 'slokit/express';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';
import { createTestTelemetry } from '../helpers/otel.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import type { TestTelemetry } from '../helpers/otel.js';
import { captureDiag } from '../helpers/diag.js';
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

// Every way a classifier can write to what it is handed, each tried on its own request, as source
// text: compiled with "use strict" a write to a frozen object throws, without it the write fails
// silently. Both must leave everything else as it was.
const MUTATIONS: Readonly<Record<string, string>> = {
  status: 'e.status = 500;',
  error: "e.error = new Error('planted by a classifier');",
  route: "e.route = '/planted';",
  'attributes: a secret under a redacted key': "e.attributes['app.password'] = 'hunter2';",
  'attributes: overwrite a value': "e.attributes['app.kind'] = 'changed';",
  'attributes: delete a value': "delete e.attributes['app.kind'];",
  'attributes: the redacted header back to its secret':
    "e.attributes['http.request.header.authorization'][0] = 'Bearer secret-token';",
  'attributes: push into an array': "e.attributes['http.request.header.x-tag'].push('planted');",
  'attributes: replace the bag': "e.attributes = { 'app.password': 'hunter2' };",
};

// Array.prototype.push throws on a frozen array in either mode.
const THROWS_IN_SLOPPY_MODE = new Set(['attributes: push into an array']);

async function serve(mutation: string, strict: boolean): Promise<number> {
  telemetry = createTestTelemetry();
  const run = compileFunction(`${strict ? "'use strict'; " : ''}${mutation}`, ['e']) as (
    e: HttpEvent,
  ) => void;
  const mutator = defineSli({
    name: 'mutator',
    objective: 0.99,
    good: (e) => {
      run(e);
      return true;
    },
  });
  const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });
  const observer = defineSli({
    name: 'observer',
    objective: 0.99,
    good: (e) =>
      e.status === 200 &&
      e.error === undefined &&
      e.route === '/fast' &&
      e.attributes?.['app.kind'] === 'fast' &&
      e.attributes['app.password'] === undefined,
  });
  kit = createSlokit({
    slis: [mutator, availability, observer],
    tracerProvider: telemetry.tracerProvider,
    meterProvider: telemetry.meterProvider,
    captureHeaders: ['authorization', 'x-tag'],
  });
  const app = express();
  app.use(slokitExpress(kit));
  app.get('/fast', (_req, res) => {
    addContext({ 'app.kind': 'fast' });
    res.send('ok');
  });
  server = http.createServer(app);
  return listen(server);
}

describe('a classifier that writes to the event', () => {
  for (const strict of [true, false]) {
    it.each(Object.keys(MUTATIONS))(
      `${strict ? 'strict' : 'sloppy'} mode, %s: no other verdict, no span attribute, no status changes`,
      async (name) => {
        const port = await serve(MUTATIONS[name]!, strict);
        const response = await fetch(`http://127.0.0.1:${port}/fast`, {
          headers: { authorization: 'Bearer secret-token', 'x-tag': 'eval' },
        });
        expect(response.status).toBe(200);
        await response.text();
        const spans = telemetry!.serverSpans();
        expect(spans).toHaveLength(1);
        const span = spans[0]!;
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.name).toBe('GET /fast');
        expect(span.attributes['http.route']).toBe('/fast');
        expect(span.attributes['http.response.status_code']).toBe(200);
        expect(span.attributes['app.kind']).toBe('fast');
        expect(span.attributes['app.password']).toBeUndefined();
        expect(span.attributes['http.request.header.authorization']).toEqual(['[REDACTED]']);
        expect(span.attributes['http.request.header.x-tag']).toEqual(['eval']);
        expect(span.attributes['error.type']).toBeUndefined();
        expect(span.attributes['slokit.sli.availability.outcome']).toBe('good');
        expect(span.attributes['slokit.sli.observer.outcome']).toBe('good');
        // Where the write throws, the mutator's own event is not eligible, and counted.
        const threw = strict || THROWS_IN_SLOPPY_MODE.has(name);
        expect(span.attributes['slokit.sli.mutator.outcome']).toBe(threw ? undefined : 'good');
        const errors = await telemetry!.sumPoints('slokit.sli.classifier_errors');
        const byName = Object.fromEntries(errors.map((p) => [p.attributes['slokit.sli.name'], p.value]));
        expect(byName).toEqual({ mutator: threw ? 1 : 0, availability: 0, observer: 0 });
      },
    );
  }
});

describe('a match predicate that writes to the event', () => {
  it('cannot change the verdict of the threshold SLI it filters for, nor the next SLI', async () => {
    telemetry = createTestTelemetry();
    const lines = captureDiag();
    const sneaky = defineSli({
      name: 'sneaky',
      objective: '99%',
      match: (e) => {
        (e as { status?: number }).status = 200;
        return true;
      },
      good: { status: '2xx' },
    });
    const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });
    kit = createSlokit({
      slis: [sneaky, availability],
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
    const app = express();
    app.use(slokitExpress(kit));
    app.get('/fail', (_req, res) => {
      res.status(503).send('down');
    });
    server = http.createServer(app);
    const port = await listen(server);
    expect((await fetch(`http://127.0.0.1:${port}/fail`)).status).toBe(503);
    const [span] = telemetry.serverSpans();
    expect(span!.attributes['slokit.sli.sneaky.outcome']).toBeUndefined();
    expect(span!.attributes['slokit.sli.availability.outcome']).toBe('bad');
    expect(span!.attributes['slokit.sli.availability.reason']).toBe('status');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(lines.filter((l) => l.includes('The classifier of SLI "sneaky" failed'))).toHaveLength(1);
  });
});

describe('kit.track() hands its classifier a work event it cannot change', () => {
  it('the span keeps the wide event as added, redaction included', async () => {
    telemetry = createTestTelemetry();
    const job = defineSli<WorkEvent>({
      name: 'job',
      events: 'custom',
      objective: 0.99,
      good: (e) => {
        (e.attributes as Record<string, unknown>)['app.password'] = 'hunter2';
        return true;
      },
    });
    kit = createSlokit({ slis: [job], tracerProvider: telemetry.tracerProvider });
    await kit.track(job, () => addContext({ 'app.rows': 3, 'app.api_key': 'k-123' }));
    const [span] = telemetry.spans();
    expect(span!.attributes['app.rows']).toBe(3);
    expect(span!.attributes['app.api_key']).toBe('[REDACTED]');
    expect(span!.attributes['app.password']).toBeUndefined();
  });
});

describe('classifiers that throw or return nonsense, under load', () => {
  it('every request is answered; the other SLIs count exactly; each failure is counted, logged once', async () => {
    telemetry = createTestTelemetry();
    const lines = captureDiag();
    let calls = 0;
    const thrower = defineSli({
      name: 'thrower',
      objective: 0.99,
      good: () => {
        calls++;
        if (calls % 3 === 0) throw new Error('classifier bug');
        if (calls % 3 === 1) return 'yes' as unknown as boolean;
        return Symbol('odd') as unknown as boolean;
      },
    });
    const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });
    kit = createSlokit({
      slis: [thrower, availability],
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
    const app = express();
    app.use(slokitExpress(kit));
    app.get('/fast', (_req, res) => {
      res.send('ok');
    });
    server = http.createServer(app);
    const port = await listen(server);
    const requests = scale(300, 5_000);
    let failed = 0;
    for (let i = 0; i < requests; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, requests - i) }, () =>
          fetch(`http://127.0.0.1:${port}/fast`).then(async (r) => {
            await r.arrayBuffer();
            return r.status;
          }),
        ),
      );
      failed += batch.filter((s) => s !== 200).length;
    }
    expect(failed).toBe(0);
    expect(await telemetry.sliCounts()).toEqual({
      'availability/good': requests,
      'availability/bad/status': 0,
      'availability/bad/error': 0,
      'thrower/good': 0,
      'thrower/bad/custom': 0,
    });
    const errors = await telemetry.sumPoints('slokit.sli.classifier_errors');
    expect(errors.find((p) => p.attributes['slokit.sli.name'] === 'thrower')!.value).toBe(requests);
    expect(lines.filter((l) => l.includes('The classifier of SLI "thrower" failed'))).toHaveLength(1);
    report('hostile classifiers (throwing, nonsense returns) on Express', {
      requests,
      failed,
      classifierErrors: requests,
      warningLines: 1,
    });
  });
});

describe('addContext() after the event was judged', () => {
  it.each([
    ['thresholds only', false],
    ['with a classifier', true],
  ] as const)('%s: ignored and logged once, the span as it was', async (_label, classifier) => {
    telemetry = createTestTelemetry();
    const lines = captureDiag();
    const slis = [defineSli({ name: 'availability', objective: '99.9%', good: {} })];
    if (classifier) slis.push(defineSli({ name: 'custom', objective: 0.99, good: (e) => e.status === 200 }));
    kit = createSlokit({ slis, tracerProvider: telemetry.tracerProvider });
    let late: Promise<void> = Promise.resolve();
    const app = express();
    app.use(slokitExpress(kit));
    app.get('/late', (_req, res) => {
      addContext({ 'app.kind': 'early' });
      // The timer keeps the request's async context; it fires after the response is complete.
      late = new Promise((resolve) =>
        setTimeout(() => {
          addContext({ 'app.kind': 'late', 'app.more': 1 });
          addContext({ 'app.again': 2 });
          resolve();
        }, 50),
      );
      res.send('ok');
    });
    server = http.createServer(app);
    const port = await listen(server);
    expect((await fetch(`http://127.0.0.1:${port}/late`)).status).toBe(200);
    await late;
    const [span] = telemetry.serverSpans();
    expect(span!.attributes['app.kind']).toBe('early');
    expect(span!.attributes['app.more']).toBeUndefined();
    expect(
      lines.filter((l) => l.includes('addContext() was called after its event had been judged')),
    ).toHaveLength(1);
  });
});

// One bag with everything addContext() can be handed that is not a plain attribute, built once and
// handed to every request. Per request it must cost what a small bag costs, and leave exactly:
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype); // 12, `__proto__` among them
const FILLER = 120;
function hostileBag(): Record<string, unknown> {
  const bag: Record<string, unknown> = {
    'app.huge_numbers': new Array<number>(1_000_000).fill(7), // cut to 128: truncated_array
    'app.many_strings': Array.from({ length: 20_000 }, (_, i) => `${i}`.padEnd(200, 's')), // 128 × 128 chars
    ['k'.repeat(1_000_000)]: 'a 1 MB key', // key_too_long
    'app.password': 'hunter2', // redacted
    'app.long': 'x'.repeat(100_000), // cut to 1024: truncated_value
    'slokit.sli.availability.outcome': 'bad', // reserved_key
    'app.symbol': Symbol('s'), // invalid_value
    [Symbol('key') as unknown as string]: 'a symbol key', // not an attribute key: never read
    'app.bigint': 10n, // invalid_value
    'app.date': new Date(0), // invalid_value
    'app.nan': Number.NaN, // invalid_value
    'app.infinity': Number.NEGATIVE_INFINITY, // invalid_value
  };
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  bag['app.cyclic'] = cyclic; // invalid_value
  Object.defineProperty(bag, 'app.getter', {
    enumerable: true,
    get() {
      throw new Error('getter bug');
    },
  }); // invalid_value
  // `constructor`, `toString`, ...: 11 attributes; `__proto__`: reserved_key.
  for (const name of PROTOTYPE_NAMES)
    Object.defineProperty(bag, name, { value: `v-${name}`, enumerable: true, writable: true });
  for (let i = 0; i < FILLER; i++) bag[`app.f${i}`] = i;
  return bag;
}
// 3 captured headers + huge_numbers, many_strings, password, long + 11 prototype names = 18 kept
// before the filler; the filler fills the bag to 128 and the rest is over the limit.
const KEPT_BEFORE_FILLER = 3 + 4 + (PROTOTYPE_NAMES.length - 1);
const PER_REQUEST = {
  attribute_limit: KEPT_BEFORE_FILLER + FILLER - 128,
  invalid_value: 7,
  truncated_value: 128 + 1,
  reserved_key: 2,
  truncated_array: 2,
  key_too_long: 1,
};

// What slokit itself writes on a request span, beside the wide event.
const OWN = new Set([
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'url.path',
  'url.scheme',
]);

describe('hostile addContext() values, checked at a real OTLP receiver', () => {
  let receiver: OtlpReceiver | undefined;
  let otel: Telemetry | undefined;
  afterEach(async () => {
    await close(server);
    server = undefined;
    await kit?.shutdown();
    kit = undefined;
    await otel?.shutdown();
    await receiver?.close();
    otel = receiver = undefined;
  });

  it('every request answered; each span bounded and secret-free; every drop counted exactly', async () => {
    receiver = await startOtlpReceiver();
    otel = startTelemetry({
      endpoint: receiver.url,
      batch: { scheduledDelayMillis: 50 },
      metricsExportIntervalMillis: 60_000,
      log: false,
      diagLogLevel: false,
    });
    const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });
    kit = createSlokit({ slis: [availability], captureHeaders: ['authorization', 'cookie', 'x-request-id'] });
    const bag = hostileBag();
    const app = express();
    app.use(slokitExpress(kit));
    app.get('/hostile', (_req, res) => {
      addContext(bag as never);
      res.send('ok');
    });
    server = http.createServer(app);
    const port = await listen(server);
    const requests = scale(40, 2_000);
    let failed = 0;
    for (let i = 0; i < requests; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, requests - i) }, (_, j) =>
          fetch(`http://127.0.0.1:${port}/hostile`, {
            headers: {
              authorization: 'Bearer s3cr3t-token',
              cookie: 'sid=s3cr3t-cookie',
              'x-request-id': `r-${i + j}`,
            },
          }).then(async (r) => {
            await r.arrayBuffer();
            return r.status;
          }),
        ),
      );
      failed += batch.filter((s) => s !== 200).length;
    }
    expect(failed).toBe(0);
    await otel.forceFlush();
    await receiver.waitFor(() => receiver!.spans().length >= requests, 10_000, `${requests} spans`);
    const spans = receiver.spans();
    expect(spans).toHaveLength(requests);

    const wire = JSON.stringify(spans, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    for (const secret of ['hunter2', 's3cr3t-token', 's3cr3t-cookie']) expect(wire).not.toContain(secret);
    let longestKey = 0;
    let chars = 0;
    for (const span of spans) {
      const a = span.attributes;
      const user = Object.keys(a).filter((k) => !OWN.has(k) && !k.startsWith('slokit.'));
      expect(user).toHaveLength(128);
      expect(a['app.huge_numbers']).toEqual(new Array(128).fill(7));
      const strings = a['app.many_strings'] as string[];
      expect(strings).toHaveLength(128);
      expect(strings.every((x) => x.length === 128 && x.endsWith('…[truncated]'))).toBe(true);
      expect((a['app.long'] as string).length).toBe(1024);
      expect(a['app.password']).toBe('[REDACTED]');
      expect(a['http.request.header.authorization']).toEqual(['[REDACTED]']);
      expect(a['http.request.header.cookie']).toEqual(['[REDACTED]']);
      for (const name of PROTOTYPE_NAMES) {
        if (name === '__proto__') expect(Object.keys(a)).not.toContain(name);
        else expect(Object.getOwnPropertyDescriptor(a, name)?.value).toBe(`v-${name}`);
      }
      // 110 of the 120 fillers fit.
      expect(a['app.f109']).toBe(109);
      expect(a['app.f110']).toBeUndefined();
      expect(a['slokit.sli.availability.outcome']).toBe('good');
      for (const key of ['app.nan', 'app.infinity', 'app.date', 'app.bigint', 'app.cyclic', 'app.getter'])
        expect(a[key]).toBeUndefined();
      for (const [key, value] of Object.entries(a)) {
        longestKey = Math.max(longestKey, key.length);
        chars += key.length + (Array.isArray(value) ? value.join('').length : String(value).length);
      }
    }
    expect(longestKey).toBeLessThanOrEqual(256);

    await receiver.waitFor(
      () => receiver!.latestPoints('slokit.dropped').length > 0,
      5_000,
      'slokit.dropped',
    );
    const counted = Object.fromEntries(
      receiver.latestPoints('slokit.dropped').map((p) => [p.attributes['slokit.dropped.what'], p.value]),
    );
    expect(counted).toEqual(
      Object.fromEntries(Object.entries(PER_REQUEST).map(([what, n]) => [what, n * requests])),
    );
    const recent = otel.recentSpans().length;
    report('hostile addContext values on Express, at the OTLP receiver', {
      requests,
      failed,
      spans: spans.length,
      userAttributesPerSpan: 128,
      charsPerSpan: chars / spans.length,
      recentSpans: recent,
      // What 100 recent spans like these hold in memory at most (2 bytes a character).
      mbPer100Spans: (100 * (chars / spans.length) * 2) / 1_048_576,
      dropped: Object.values(counted as Record<string, number>).reduce((x, y) => x + y, 0),
      secretsAtReceiver: 0,
    });
  });
});

describe('memory kept for hostile wide events', () => {
  it('100 recent spans of the largest wide events addContext() keeps hold tens of MB, not the values handed in', () => {
    // In a process of its own, with --expose-gc, so the heap is measured after a full collection.
    const script = fileURLToPath(new URL('./fixtures/retained-spans.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, '150'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    const { recentSpans, retainedMb } = JSON.parse(out) as { recentSpans: number; retainedMb: number };
    expect(recentSpans).toBe(100);
    // Each span holds at most 128 attributes of 1,024 two-byte characters (the marker is not
    // Latin-1): about 0.3 MB, 30 MB for 100. Cut strings that kept their originals alive held 1.2 GB.
    expect(retainedMb).toBeLessThan(40);
    report('memory kept by 100 recent spans of hostile wide events', { recentSpans, retainedMb });
  });
});
