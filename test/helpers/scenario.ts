// The scripted request mix every adapter is tested with. Each adapter's test builds an app that
// serves these endpoints with the same behaviour (see ENDPOINTS), starts it on 127.0.0.1, plays
// the script with real sockets, and compares what slokit recorded with EXPECTED.
import http from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { defineSli } from 'slokit';

/** Latency threshold of the `fast` SLI; `SLOW_MS` and `LATE_ABORT_MS` are well beyond it. */
export const THRESHOLD_MS = 300;
export const SLOW_MS = 450;
export const LATE_ABORT_MS = 380;
export const STREAM_CHUNKS = 5;
export const STREAM_GAP_MS = 30;

/** Every request, eligible or not: good unless 5xx or 429 (the default status rule). */
export const availability = defineSli({ name: 'availability', objective: '99.9%', good: {} });
/** Routed requests answered without a 5xx in under THRESHOLD_MS. */
export const fast = defineSli({
  name: 'fast',
  objective: '99%',
  match: { route: /^\// },
  good: { status: '<500', latency: { under: `${THRESHOLD_MS}ms` } },
});
export const scenarioSlis = [availability, fast];

/**
 * What each endpoint must do, in every framework:
 * - GET /fast: 200 "ok" at once; addContext({ 'app.kind': 'fast' }).
 * - GET /slow: 200 "ok" after SLOW_MS.
 * - GET /fail: a 500 sent by the handler itself.
 * - GET /throw: the handler throws new Error('boom') synchronously (the framework answers 500).
 * - GET /reject: an async handler rejects with new Error('rejected') (the framework answers 500).
 * - GET /abort: 200 head and a first chunk at once, then nothing for 2 s (the client leaves).
 * - GET /abort-late: nothing for 1 s, then 200 (the client leaves at LATE_ABORT_MS).
 * - GET /stream: 200, STREAM_CHUNKS chunks STREAM_GAP_MS apart, then end.
 * - GET /api/users/:id: a router mounted at /api, with a users router mounted at /users inside it
 *   (where the framework has nested routers), answering 200 JSON { id }; addContext({ 'app.user': id }).
 * - anything else: the framework's own 404.
 */
export const ENDPOINTS = [
  '/fast',
  '/slow',
  '/fail',
  '/throw',
  '/reject',
  '/abort',
  '/abort-late',
  '/stream',
  '/api/users/:id',
];

interface Expected {
  readonly path: string;
  readonly name: string;
  readonly route: string | undefined;
  readonly status: number | undefined;
  readonly availability: string | undefined;
  readonly fast: string | undefined;
  readonly error: boolean;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** The verdicts (`outcome[/reason]`, undefined = not eligible) each request must get. */
export const EXPECTED: readonly Expected[] = [
  {
    path: '/fast',
    name: 'GET /fast',
    route: '/fast',
    status: 200,
    availability: 'good',
    fast: 'good',
    error: false,
    attributes: { 'app.kind': 'fast' },
  },
  {
    path: '/slow',
    name: 'GET /slow',
    route: '/slow',
    status: 200,
    availability: 'good',
    fast: 'bad/latency',
    error: false,
  },
  {
    path: '/fail',
    name: 'GET /fail',
    route: '/fail',
    status: 500,
    availability: 'bad/status',
    fast: 'bad/status',
    error: true,
  },
  {
    path: '/throw',
    name: 'GET /throw',
    route: '/throw',
    status: 500,
    availability: 'bad/error',
    fast: 'bad/error',
    error: true,
  },
  {
    path: '/reject',
    name: 'GET /reject',
    route: '/reject',
    status: 500,
    availability: 'bad/error',
    fast: 'bad/error',
    error: true,
  },
  {
    path: '/nope',
    name: 'GET',
    route: undefined,
    status: 404,
    availability: 'good',
    fast: undefined,
    error: false,
  },
  {
    path: '/abort',
    name: 'GET /abort',
    route: '/abort',
    status: 200,
    availability: undefined,
    fast: undefined,
    error: false,
  },
  {
    path: '/abort-late',
    name: 'GET /abort-late',
    route: '/abort-late',
    status: undefined,
    availability: undefined,
    fast: 'bad/aborted',
    error: false,
  },
  {
    path: '/stream',
    name: 'GET /stream',
    route: '/stream',
    status: 200,
    availability: 'good',
    fast: 'good',
    error: false,
  },
  {
    path: '/api/users/42',
    name: 'GET /api/users/:id',
    route: '/api/users/:id',
    status: 200,
    availability: 'good',
    fast: 'good',
    error: false,
    attributes: { 'app.user': '42' },
  },
];

/** The series of the scenario SLIs reported at zero from start-up (both outcomes; bad per possible reason). */
export function zeroSeries(): Record<string, number> {
  return {
    'availability/good': 0,
    'availability/bad/error': 0,
    'availability/bad/status': 0,
    'fast/good': 0,
    'fast/bad/error': 0,
    'fast/bad/status': 0,
    'fast/bad/aborted': 0,
    'fast/bad/latency': 0,
  };
}

/** The counter values the script must produce. */
export const EXPECTED_COUNTS: Readonly<Record<string, number>> = {
  'availability/good': 5,
  'availability/bad/status': 1,
  'availability/bad/error': 2,
  'fast/good': 3,
  'fast/bad/latency': 1,
  'fast/bad/status': 1,
  'fast/bad/error': 2,
  'fast/bad/aborted': 1,
};

/** A GET that resolves with status and body, or with `aborted` after destroying the socket. */
function get(
  port: number,
  path: string,
  abort?: 'first-chunk' | number,
): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (abort === 'first-chunk') {
          req.destroy();
          resolve({ status: res.statusCode!, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', () => undefined);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (abort !== undefined) resolve({ body: '' });
      else reject(error);
    });
    if (typeof abort === 'number') setTimeout(() => req.destroy(), abort);
  });
}

/** Plays the script against a server on 127.0.0.1:`port`, one request after another. */
export async function playScript(port: number): Promise<void> {
  for (const expected of EXPECTED) {
    const abort =
      expected.path === '/abort'
        ? 'first-chunk'
        : expected.path === '/abort-late'
          ? LATE_ABORT_MS
          : undefined;
    const response = await get(port, expected.path, abort);
    if (abort === undefined) expect(response.status, expected.path).toBe(expected.status);
    if (expected.path === '/stream') expect(response.body).toBe('chunk '.repeat(STREAM_CHUNKS));
    if (expected.path === '/api/users/42') expect(JSON.parse(response.body)).toEqual({ id: '42' });
  }
}

/** Waits until `count` SERVER spans have ended (the server ends them on `close`, after the client). */
export async function waitForSpans(
  spans: () => ReadableSpan[],
  count: number,
  timeoutMs = 5_000,
): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  while (spans().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return spans();
}

/** An SLI's verdict on a span as `outcome[/reason]`, or undefined when it was not eligible. */
export function verdictOf(span: ReadableSpan, sli: string): string | undefined {
  const outcome = span.attributes[`slokit.sli.${sli}.outcome`] as string | undefined;
  const reason = span.attributes[`slokit.sli.${sli}.reason`] as string | undefined;
  return outcome === undefined ? undefined : reason === undefined ? outcome : `${outcome}/${reason}`;
}

/** Checks every SERVER span against EXPECTED: one per request, none lost, none twice. */
export function checkSpans(serverSpans: readonly ReadableSpan[]): void {
  expect(serverSpans).toHaveLength(EXPECTED.length);
  const byPath = new Map<string, ReadableSpan[]>();
  for (const span of serverSpans) {
    const path = span.attributes['url.path'] as string;
    byPath.set(path, [...(byPath.get(path) ?? []), span]);
  }
  for (const expected of EXPECTED) {
    const spans = byPath.get(expected.path) ?? [];
    expect(spans, expected.path).toHaveLength(1);
    const span = spans[0]!;
    expect({
      path: expected.path,
      name: span.name,
      route: span.attributes['http.route'],
      status: span.attributes['http.response.status_code'],
      availability: verdictOf(span, 'availability'),
      fast: verdictOf(span, 'fast'),
      error: span.status.code === SpanStatusCode.ERROR,
      method: span.attributes['http.request.method'],
    }).toEqual({
      path: expected.path,
      name: expected.name,
      route: expected.route,
      status: expected.status,
      availability: expected.availability,
      fast: expected.fast,
      error: expected.error,
      method: 'GET',
    });
    for (const [key, value] of Object.entries(expected.attributes ?? {})) {
      expect(span.attributes[key], `${expected.path} ${key}`).toEqual(value);
    }
    if (expected.path === '/throw' || expected.path === '/reject') {
      expect(span.events.map((e) => e.name)).toContain('exception');
    }
    if (expected.path === '/stream') {
      // The duration runs until the last chunk is written, not until the head was sent.
      const ms = (span.endTime[0] - span.startTime[0]) * 1e3 + (span.endTime[1] - span.startTime[1]) / 1e6;
      expect(ms).toBeGreaterThanOrEqual((STREAM_CHUNKS - 1) * STREAM_GAP_MS);
    }
  }
}
