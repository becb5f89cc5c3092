import { afterEach, describe, expect, it, vi } from 'vitest';
import { SlokitClassifierError, SlokitError, classify, defineSli, explainVerdict } from 'slokit';
import type { HttpEvent, Verdict } from 'slokit';
import { httpEvent } from 'slokit/testing';

/** A verdict in one word, as the tables below spell it: `good`, `ineligible`, `bad/<reason>`. */
function spell(verdict: Verdict): string {
  return verdict.outcome === 'bad' ? `bad/${verdict.reason}` : verdict.outcome;
}

/** The error `fn` throws, whatever it is (the classifier tests assert on its class). */
function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

const checkout = defineSli({
  name: 'checkout',
  objective: '99.9%',
  match: { method: 'POST', route: '/api/checkout' },
  good: { status: '2xx', latency: { under: '300ms' } },
});
const post = (overrides: Partial<HttpEvent>) =>
  httpEvent({ method: 'POST', route: '/api/checkout', ...overrides });

const under = defineSli({ name: 'under', objective: 0.99, good: { latency: { under: '300ms' } } });
const atMost = defineSli({ name: 'at-most', objective: 0.99, good: { latency: { atMost: '300ms' } } });
const availability = defineSli({ name: 'availability', objective: 0.99, good: {} });
const noStatus = defineSli({ name: 'no-status', objective: 0.99, good: { status: '2xx' } });
/** The SLIs above by name, so that test titles name them. */
const SLIS = { checkout, under, 'at-most': atMost, availability, 'no-status': noStatus } as const;

describe('latency thresholds', () => {
  it.each([
    ['under', 0, 'good'],
    ['under', 299.999, 'good'],
    ['under', 300, 'bad/latency'],
    ['under', 300.001, 'bad/latency'],
    ['under', Number.POSITIVE_INFINITY, 'bad/latency'],
    // A duration that could not be measured is never shown to be fast enough.
    ['under', Number.NaN, 'bad/latency'],
    ['at-most', 299.999, 'good'],
    ['at-most', 300, 'good'],
    ['at-most', 300.001, 'bad/latency'],
    ['at-most', Number.NaN, 'bad/latency'],
    ['availability', 1e9, 'good'],
    ['availability', Number.NaN, 'good'],
  ] as const)('%s: %d ms is %s', (name, durationMs, expected) => {
    expect(spell(classify(SLIS[name], httpEvent({ durationMs })))).toBe(expected);
  });

  it('combines the status and latency thresholds with AND', () => {
    expect(spell(classify(checkout, post({ status: 201, durationMs: 120 })))).toBe('good');
    expect(spell(classify(checkout, post({ status: 201, durationMs: 450 })))).toBe('bad/latency');
    expect(spell(classify(checkout, post({ status: 302, durationMs: 120 })))).toBe('bad/status');
  });
});

describe('aborted requests', () => {
  it.each([
    [
      'left before the threshold, nothing sent',
      'checkout',
      { aborted: true, status: undefined, durationMs: 120 },
      'ineligible',
    ],
    [
      'left exactly at the `under` threshold',
      'checkout',
      { aborted: true, status: undefined, durationMs: 300 },
      'bad/aborted',
    ],
    [
      'left after the threshold',
      'checkout',
      { aborted: true, status: undefined, durationMs: 450 },
      'bad/aborted',
    ],
    [
      'left before the threshold, 200 sent',
      'checkout',
      { aborted: true, status: 200, durationMs: 120 },
      'ineligible',
    ],
    [
      'left after the threshold, 200 sent',
      'checkout',
      { aborted: true, status: 200, durationMs: 450 },
      'bad/aborted',
    ],
    [
      'left before the threshold, 503 sent',
      'checkout',
      { aborted: true, status: 503, durationMs: 120 },
      'bad/status',
    ],
    [
      'left before the threshold, handler threw',
      'checkout',
      { aborted: true, status: undefined, durationMs: 120, error: new Error('x') },
      'bad/error',
    ],
    [
      'left exactly at the `atMost` threshold',
      'at-most',
      { aborted: true, status: undefined, durationMs: 300 },
      'ineligible',
    ],
    [
      'left just after the `atMost` threshold',
      'at-most',
      { aborted: true, status: undefined, durationMs: 300.001 },
      'bad/aborted',
    ],
    [
      'left with an unknown duration',
      'checkout',
      { aborted: true, status: undefined, durationMs: Number.NaN },
      'bad/aborted',
    ],
    [
      'no latency threshold: left after a minute',
      'availability',
      { aborted: true, status: undefined, durationMs: 60_000 },
      'ineligible',
    ],
    [
      'aborted: false is an ordinary request',
      'checkout',
      { aborted: false, status: 200, durationMs: 450 },
      'bad/latency',
    ],
  ] as const)('%s (SLI %s, %o) → %s', (_title, name, overrides, expected) => {
    const event = name === 'checkout' ? post(overrides) : httpEvent(overrides);
    expect(spell(classify(SLIS[name], event))).toBe(expected);
  });
});

describe('precedence of reasons: error, then status, then aborted, then latency', () => {
  const boom = new Error('boom');
  it.each([
    [{ error: boom, status: 503, aborted: true, durationMs: 450 }, 'bad/error'],
    [{ error: boom, status: 200, durationMs: 10 }, 'bad/error'],
    [{ status: 503, aborted: true, durationMs: 450 }, 'bad/status'],
    [{ status: 503, durationMs: 450 }, 'bad/status'],
    [{ status: undefined, aborted: true, durationMs: 450 }, 'bad/aborted'],
    [{ status: 200, durationMs: 450 }, 'bad/latency'],
    [{ status: 200, durationMs: 10 }, 'good'],
    // Only something thrown counts as an error; "nothing" spelled as null or false does not.
    [{ error: 'boom', status: 200, durationMs: 10 }, 'bad/error'],
    [{ error: 0, status: 200, durationMs: 10 }, 'bad/error'],
    [{ error: null, status: 200, durationMs: 10 }, 'good'],
    [{ error: false, status: 200, durationMs: 10 }, 'good'],
    [{ error: undefined, status: 200, durationMs: 10 }, 'good'],
  ] as const)('%o → %s', (overrides, expected) => {
    expect(spell(classify(checkout, post(overrides)))).toBe(expected);
  });

  it('an event the SLI does not match is ineligible whatever went wrong', () => {
    expect(
      spell(
        classify(checkout, httpEvent({ method: 'GET', route: '/api/checkout', error: boom, status: 500 })),
      ),
    ).toBe('ineligible');
  });
});

describe('declarative match', () => {
  it.each([
    [{ method: 'post' }, { method: 'POST' }, 'good'],
    [{ method: 'POST' }, { method: 'post' }, 'good'],
    [{ method: 'POST' }, { method: 'GET' }, 'ineligible'],
    [{ method: ['GET', 'HEAD'] }, { method: 'HEAD' }, 'good'],
    [{ method: ['GET', 'HEAD'] }, { method: 'DELETE' }, 'ineligible'],
    [{ route: '/api/checkout' }, { route: '/api/checkout' }, 'good'],
    [{ route: '/api/checkout' }, { route: '/api/checkout/' }, 'ineligible'],
    [{ route: '/api/users/:id' }, { route: '/api/users/42' }, 'ineligible'],
    [{ route: /^\/api\// }, { route: '/api/users/:id' }, 'good'],
    [{ route: /^\/api\// }, { route: '/health' }, 'ineligible'],
    [{ route: ['/health', /^\/api\//] }, { route: '/health' }, 'good'],
    [{ route: ['/health', /^\/api\//] }, { route: '/api/cart' }, 'good'],
    [{ route: ['/health', /^\/api\//] }, { route: '/admin' }, 'ineligible'],
    // A request that never reached a route (a 404 before routing) has no route to match.
    [{ route: /.*/ }, { route: undefined }, 'ineligible'],
    [{ route: ['/', /^/] }, { route: undefined }, 'ineligible'],
    [{ method: 'GET' }, { route: undefined }, 'good'],
    [{ method: 'GET', route: '/' }, { method: 'GET', route: '/' }, 'good'],
    [{ method: 'GET', route: '/' }, { method: 'POST', route: '/' }, 'ineligible'],
    [{ method: 'GET', route: '/' }, { method: 'GET', route: '/x' }, 'ineligible'],
    [{}, { method: 'WHATEVER', route: undefined }, 'good'],
  ] as const)('match %o, event %o → %s', (match, overrides, expected) => {
    const sli = defineSli({ name: 'matched', objective: 0.99, match, good: {} });
    expect(spell(classify(sli, httpEvent(overrides)))).toBe(expected);
  });

  it('a global or sticky RegExp matches the same route every time', () => {
    const sli = defineSli({ name: 'matched', objective: 0.99, match: { route: /^\/api/gy }, good: {} });
    const event = httpEvent({ route: '/api/cart' });
    expect([classify(sli, event), classify(sli, event), classify(sli, event)].map(spell)).toEqual([
      'good',
      'good',
      'good',
    ]);
  });

  it('a match predicate decides eligibility; only `true` makes an event eligible', () => {
    const onlyTrue = (result: unknown) =>
      defineSli({ name: 'predicate', objective: 0.99, match: () => result as boolean, good: {} });
    expect(spell(classify(onlyTrue(true), httpEvent()))).toBe('good');
    expect(spell(classify(onlyTrue(false), httpEvent()))).toBe('ineligible');
    expect(spell(classify(onlyTrue(1), httpEvent()))).toBe('ineligible');
    expect(spell(classify(onlyTrue('yes'), httpEvent()))).toBe('ineligible');
  });
});

describe('classifier SLIs', () => {
  interface Job {
    readonly ok: boolean;
    readonly skipped?: boolean;
    readonly queue: string;
  }
  const calls: Job[] = [];
  const jobs = defineSli<Job>({
    events: 'custom',
    name: 'jobs',
    objective: 0.99,
    match: (job) => job.queue !== 'test',
    good: (job) => {
      calls.push(job);
      return job.skipped === true ? null : job.ok;
    },
  });

  it.each([
    [{ ok: true, queue: 'mail' }, 'good'],
    [{ ok: false, queue: 'mail' }, 'bad/custom'],
    [{ ok: false, skipped: true, queue: 'mail' }, 'ineligible'],
    [{ ok: false, queue: 'test' }, 'ineligible'],
  ] as const)('%o → %s', (job, expected) => {
    expect(spell(classify(jobs, job))).toBe(expected);
  });

  it('does not call the classifier for an event the SLI does not match', () => {
    calls.length = 0;
    classify(jobs, { ok: true, queue: 'test' });
    classify(jobs, { ok: true, queue: 'mail' });
    expect(calls).toEqual([{ ok: true, queue: 'mail' }]);
  });

  it('a classifier over HTTP events can use the declarative match', () => {
    const sli = defineSli<HttpEvent>({
      name: 'http-classifier',
      objective: 0.99,
      match: { route: '/api/search' },
      good: (event) => (event.status === 404 ? null : event.status === 200),
    });
    expect(spell(classify(sli, httpEvent({ route: '/api/search' })))).toBe('good');
    expect(spell(classify(sli, httpEvent({ route: '/api/search', status: 404 })))).toBe('ineligible');
    expect(spell(classify(sli, httpEvent({ route: '/api/search', status: 500 })))).toBe('bad/custom');
    expect(spell(classify(sli, httpEvent({ route: '/' })))).toBe('ineligible');
  });

  it('a throwing classifier makes classify throw SLOKIT_E_CLASSIFIER with the error as cause', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'ok')");
    const sli = defineSli<Job>({
      events: 'custom',
      name: 'buggy',
      objective: 0.99,
      good: () => {
        throw bug;
      },
    });
    const error = caught(() => classify(sli, { ok: true, queue: 'mail' }));
    expect(error).toBeInstanceOf(SlokitClassifierError);
    expect(error).toBeInstanceOf(SlokitError);
    const e = error as SlokitClassifierError;
    expect(e.code).toBe('SLOKIT_E_CLASSIFIER');
    expect(e.name).toBe('SlokitClassifierError');
    expect(e.cause).toBe(bug);
    expect(e.sli).toBe('buggy');
    expect(e.part).toBe('classifier');
    expect(e.message).toBe(
      `The classifier of SLI "buggy" failed: TypeError: Cannot read properties of undefined (reading 'ok'). Expected it to return true (good), false (bad) or null (not eligible) [SLOKIT_E_CLASSIFIER]`,
    );
  });

  it('a classifier throwing a non-error value is reported with that value', () => {
    const sli = defineSli<Job>({
      events: 'custom',
      name: 'throws-string',
      objective: 0.99,
      good: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a user's bug might do
        throw 'nope';
      },
    });
    const error = caught(() => classify(sli, { ok: true, queue: 'mail' })) as SlokitClassifierError;
    expect(error.cause).toBe('nope');
    expect(error.message).toBe(
      'The classifier of SLI "throws-string" failed: a non-error value string "nope". Expected it to return true (good), false (bad) or null (not eligible) [SLOKIT_E_CLASSIFIER]',
    );
  });

  it.each([
    [undefined, 'undefined'],
    [1, 'number 1'],
    ['good', 'string "good"'],
    [{ outcome: 'good' }, 'an object'],
  ])('a classifier returning %j makes classify throw SLOKIT_E_CLASSIFIER', (result, shown) => {
    const sli = defineSli<Job>({
      events: 'custom',
      name: 'sloppy',
      objective: 0.99,
      good: () => result as unknown as boolean,
    });
    const error = caught(() => classify(sli, { ok: true, queue: 'mail' })) as SlokitClassifierError;
    expect(error).toBeInstanceOf(SlokitClassifierError);
    expect(error.code).toBe('SLOKIT_E_CLASSIFIER');
    expect(error.part).toBe('classifier');
    expect(error.cause).toBeInstanceOf(TypeError);
    expect((error.cause as Error).message).toBe(`the classifier returned ${shown}`);
    expect(error.message).toBe(
      `The classifier of SLI "sloppy" failed: TypeError: the classifier returned ${shown}. Expected it to return true (good), false (bad) or null (not eligible) [SLOKIT_E_CLASSIFIER]`,
    );
  });

  it('a throwing match predicate makes classify throw SLOKIT_E_CLASSIFIER with part "match"', () => {
    const bug = new RangeError('bad queue');
    const threshold = defineSli({
      name: 'match-bug',
      objective: 0.99,
      match: () => {
        throw bug;
      },
      good: { status: '2xx' },
    });
    const error = caught(() => classify(threshold, httpEvent())) as SlokitClassifierError;
    expect(error).toBeInstanceOf(SlokitClassifierError);
    expect(error.code).toBe('SLOKIT_E_CLASSIFIER');
    expect(error.part).toBe('match');
    expect(error.sli).toBe('match-bug');
    expect(error.cause).toBe(bug);
    expect(error.message).toBe(
      'The match predicate of SLI "match-bug" failed: RangeError: bad queue. Expected it to return true or false [SLOKIT_E_CLASSIFIER]',
    );
    const classifier = defineSli<Job>({
      events: 'custom',
      name: 'match-bug-2',
      objective: 0.99,
      match: () => {
        throw bug;
      },
      good: () => true,
    });
    expect((caught(() => classify(classifier, { ok: true, queue: 'x' })) as SlokitClassifierError).part).toBe(
      'match',
    );
  });
});

describe('freshness SLIs', () => {
  const NOW = Date.UTC(2025, 0, 2, 12, 0, 0);
  const HOUR = 3_600_000;
  const catalog = defineSli<{ updatedAt: Date | number }>({
    name: 'catalog-freshness',
    objective: '99%',
    freshness: { maxAge: '24h' },
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ['updated an hour ago', new Date(NOW - HOUR), 'good'],
    ['updated exactly 24 h ago', new Date(NOW - 24 * HOUR), 'good'],
    ['updated 24 h and 1 ms ago', new Date(NOW - 24 * HOUR - 1), 'bad/latency'],
    ['updated two days ago', new Date(NOW - 48 * HOUR), 'bad/latency'],
    ['stamped in the future (clock skew)', new Date(NOW + HOUR), 'good'],
    ['with epoch milliseconds, fresh', NOW - HOUR, 'good'],
    ['with epoch milliseconds, stale', NOW - 25 * HOUR, 'bad/latency'],
    ['with an invalid Date', new Date('not a date'), 'bad/error'],
    ['with NaN', Number.NaN, 'bad/error'],
  ] as const)('%s → %s', (_title, updatedAt, expected) => {
    expect(spell(classify(catalog, { updatedAt }, { now: NOW }))).toBe(expected);
    expect(spell(classify(catalog, { updatedAt }, { now: new Date(NOW) }))).toBe(expected);
  });

  it('a missing or non-time field is bad/error: freshness cannot be shown', () => {
    expect(spell(classify(catalog, {} as never, { now: NOW }))).toBe('bad/error');
    expect(spell(classify(catalog, { updatedAt: '2025-01-02' } as never, { now: NOW }))).toBe('bad/error');
  });

  it('reads the clock when no `now` is given', () => {
    vi.useFakeTimers({ now: NOW });
    expect(spell(classify(catalog, { updatedAt: NOW - 24 * HOUR }))).toBe('good');
    vi.setSystemTime(NOW + 1);
    expect(spell(classify(catalog, { updatedAt: NOW - 24 * HOUR }))).toBe('bad/latency');
  });

  it('reads a custom field and honours a match predicate', () => {
    const sync = defineSli<{ lastSync: number; tenant: string }>({
      name: 'sync-freshness',
      objective: 0.99,
      match: (event) => event.tenant !== 'demo',
      freshness: { maxAge: '15m', field: 'lastSync' },
    });
    expect(spell(classify(sync, { lastSync: NOW - 15 * 60_000, tenant: 'a' }, { now: NOW }))).toBe('good');
    expect(spell(classify(sync, { lastSync: NOW - 16 * 60_000, tenant: 'a' }, { now: NOW }))).toBe(
      'bad/latency',
    );
    expect(spell(classify(sync, { lastSync: NOW - 16 * 60_000, tenant: 'demo' }, { now: NOW }))).toBe(
      'ineligible',
    );
  });
});

describe('verdict objects', () => {
  it('are frozen and shared: judging allocates nothing', () => {
    const a = classify(checkout, post({ durationMs: 10 }));
    const b = classify(checkout, post({ durationMs: 20, status: 204 }));
    expect(a).toBe(b);
    expect(a).toEqual({ outcome: 'good' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(classify(under, httpEvent())).toBe(a);

    const slow1 = classify(checkout, post({ durationMs: 400 }));
    const slow2 = classify(under, httpEvent({ durationMs: 500 }));
    expect(slow1).toBe(slow2);
    expect(slow1).toEqual({ outcome: 'bad', reason: 'latency' });
    expect(Object.isFrozen(slow1)).toBe(true);

    const out1 = classify(checkout, httpEvent());
    expect(classify(atMost, httpEvent({ aborted: true, durationMs: 1 }))).toBe(out1);
    expect(out1).toEqual({ outcome: 'ineligible' });
    expect(Object.isFrozen(out1)).toBe(true);
  });

  it('have a reason exactly when bad', () => {
    expect(Object.keys(classify(checkout, post({})))).toEqual(['outcome']);
    expect(Object.keys(classify(checkout, httpEvent()))).toEqual(['outcome']);
    expect(classify(checkout, post({ status: 500 }))).toEqual({ outcome: 'bad', reason: 'status' });
  });
});

describe('classify with something that is not an SLI', () => {
  it.each([
    [{ name: 'checkout', objective: 0.999, kind: 'thresholds' }, 'an object'],
    [null, 'null'],
    ['checkout', 'string "checkout"'],
  ])('throws SLOKIT_E_NOT_AN_SLI for %j', (value, shown) => {
    const error = caught(() => classify(value as never, httpEvent())) as SlokitError;
    expect(error).toBeInstanceOf(SlokitError);
    expect(error.code).toBe('SLOKIT_E_NOT_AN_SLI');
    expect(error.message).toBe(
      `classify: expected an SLI made by defineSli(); got ${shown} [SLOKIT_E_NOT_AN_SLI]`,
    );
  });

  it('a copy of an SLI is not an SLI', () => {
    expect((caught(() => classify({ ...checkout }, httpEvent())) as SlokitError).code).toBe(
      'SLOKIT_E_NOT_AN_SLI',
    );
  });
});

describe('explainVerdict', () => {
  it.each([
    [
      'checkout',
      post({ status: 200, durationMs: 250 }),
      'good',
      'status 200 is 2xx and 250 ms is under the 300 ms threshold',
    ],
    [
      'checkout',
      post({ status: 200, durationMs: 250.123456 }),
      'good',
      'status 200 is 2xx and 250.123 ms is under the 300 ms threshold',
    ],
    [
      'at-most',
      httpEvent({ status: 200, durationMs: 300 }),
      'good',
      'status 200 is not 5xx or 429 and 300 ms is at most the 300 ms threshold',
    ],
    ['availability', httpEvent({ status: undefined }), 'good', 'no threshold was missed'],
    ['no-status', httpEvent({ status: 204 }), 'good', 'status 204 is 2xx'],
    ['checkout', post({ durationMs: 450 }), 'bad/latency', '450 ms is not under the 300 ms threshold'],
    ['checkout', post({ durationMs: 300 }), 'bad/latency', '300 ms is not under the 300 ms threshold'],
    ['at-most', httpEvent({ durationMs: 300.001 }), 'bad/latency', '300.001 ms is over the 300 ms threshold'],
    ['checkout', post({ status: 503 }), 'bad/status', 'status 503 is not 2xx'],
    ['no-status', httpEvent({ status: 302 }), 'bad/status', 'status 302 is not 2xx'],
    ['availability', httpEvent({ status: 503 }), 'bad/status', 'status 503 is 5xx'],
    [
      'availability',
      httpEvent({ status: 429 }),
      'bad/status',
      'status 429 is 429, which counts as bad by default',
    ],
    [
      'availability',
      httpEvent({ status: 600 }),
      'bad/status',
      'status 600 is not a valid HTTP status code (100-599)',
    ],
    [
      'checkout',
      post({ status: 200.5 }),
      'bad/status',
      'status 200.5 is not a valid HTTP status code (100-599)',
    ],
    [
      'checkout',
      post({ error: new TypeError('x is undefined') }),
      'bad/error',
      'the request failed with TypeError: x is undefined',
    ],
    ['checkout', post({ error: 'timeout' }), 'bad/error', 'the request failed with timeout'],
    [
      'checkout',
      post({ error: Object.create(null) as unknown }),
      'bad/error',
      'the request failed with an object',
    ],
    [
      'checkout',
      post({ aborted: true, status: undefined, durationMs: 450 }),
      'bad/aborted',
      'the client aborted at 450 ms, after missing the 300 ms threshold',
    ],
    [
      'checkout',
      post({ aborted: true, status: undefined, durationMs: 120 }),
      'ineligible',
      'the client aborted at 120 ms, before the 300 ms threshold, which tells nothing about the service',
    ],
    [
      'availability',
      httpEvent({ aborted: true, status: undefined, durationMs: 120 }),
      'ineligible',
      'the client aborted at 120 ms, before any threshold could be missed, which tells nothing about the service',
    ],
    [
      'checkout',
      httpEvent({ route: '/api/cart' }),
      'ineligible',
      'the event is not matched by the SLI (GET /api/cart)',
    ],
    [
      'checkout',
      httpEvent({ method: 'POST', route: undefined }),
      'ineligible',
      'the event is not matched by the SLI (POST (no route))',
    ],
    // Not matched and aborted: the match is why, not the abort.
    [
      'checkout',
      httpEvent({ route: '/api/cart', aborted: true, durationMs: 10 }),
      'ineligible',
      'the event is not matched by the SLI (GET /api/cart)',
    ],
  ] as const)('%s, %o → %s: %s', (name, event, verdict, detail) => {
    const sli = SLIS[name];
    const explained = explainVerdict(sli, event);
    expect(spell(explained.verdict)).toBe(verdict);
    expect(explained.verdict).toBe(classify(sli, event));
    expect(explained.detail).toBe(detail);
  });

  it('explains classifier verdicts', () => {
    const sli = defineSli<{ ok: boolean | null }>({
      events: 'custom',
      name: 'jobs',
      objective: 0.99,
      good: (job) => job.ok,
    });
    expect(explainVerdict(sli, { ok: true }).detail).toBe('the classifier returned true');
    expect(explainVerdict(sli, { ok: false }).detail).toBe('the classifier returned false');
    expect(explainVerdict(sli, { ok: null }).detail).toBe(
      'the event is not matched or the classifier returned null',
    );
  });

  it('explains freshness verdicts', () => {
    const NOW = Date.UTC(2025, 0, 2);
    const sli = defineSli<{ updatedAt: Date; region: string }>({
      name: 'catalog-freshness',
      objective: 0.99,
      match: (event) => event.region === 'eu',
      freshness: { maxAge: '24h' },
    });
    const explain = (updatedAt: Date, region = 'eu') =>
      explainVerdict(sli, { updatedAt, region }, { now: new Date(NOW) });
    expect(explain(new Date(NOW - 3_600_000)).detail).toBe('the data is 1 h old, within the 1 d max age');
    expect(explain(new Date(NOW - 90_000_000)).detail).toBe('the data is 1.04 d old, over the 1 d max age');
    expect(explain(new Date(Number.NaN)).detail).toBe('"updatedAt" holds no valid time (Invalid Date)');
    expect(explain(new Date(NOW), 'us')).toEqual({
      verdict: { outcome: 'ineligible' },
      detail: 'the event is not matched',
    });
    expect(explainVerdict(sli, { region: 'eu' } as never, { now: NOW }).detail).toBe(
      '"updatedAt" holds no valid time (undefined)',
    );
  });
});
