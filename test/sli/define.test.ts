import { describe, expect, it } from 'vitest';
import { SlokitDefinitionError, classify, defineSli, isSli } from 'slokit';
import type { Sli } from 'slokit';
import { thrown } from './support.js';

/** Declares an SLI from an untyped spec: these tests hand defineSli what TypeScript would refuse. */
const define = (spec: Record<string, unknown>): Sli => defineSli(spec as never);
const base = { name: 'checkout', objective: 0.999, good: { status: '2xx' } };

describe('defineSli validation', () => {
  const FIELD = 'SLOKIT_E_SLI_FIELD';
  it.each([
    // The declaration itself
    [
      'not an object',
      null,
      FIELD,
      'defineSli: expected an SLI declaration object { name, objective, good }; got null',
    ],
    [
      'an array',
      [],
      FIELD,
      'defineSli: expected an SLI declaration object { name, objective, good }; got an array of 0',
    ],
    [
      'an unknown key (a typo)',
      { name: 'checkout', objetive: 0.999, good: {} },
      FIELD,
      'SLI "checkout": unknown field "objetive"; expected only name, objective, window, description, runbook, owner, rationale, events, match, good, freshness',
    ],
    [
      'a description that is not text',
      { ...base, description: 42 },
      FIELD,
      'SLI "checkout": description: expected a string; got number 42',
    ],
    [
      'an owner that is not text',
      { ...base, owner: ['shop'] },
      FIELD,
      'SLI "checkout": owner: expected the team or person who defends this SLI, one line of 1 to 128 characters without surrounding spaces, e.g. "shop-team"; got an array of 1',
    ],
    [
      'an empty owner',
      { ...base, owner: '' },
      FIELD,
      'SLI "checkout": owner: expected the team or person who defends this SLI, one line of 1 to 128 characters without surrounding spaces, e.g. "shop-team"; got string ""',
    ],
    [
      'an owner on two lines',
      { ...base, owner: 'shop\nteam' },
      FIELD,
      'SLI "checkout": owner: expected the team or person who defends this SLI, one line of 1 to 128 characters without surrounding spaces, e.g. "shop-team"; got string "shop\\nteam"',
    ],
    [
      'an owner with a trailing space',
      { ...base, owner: 'shop-team ' },
      FIELD,
      'SLI "checkout": owner: expected the team or person who defends this SLI, one line of 1 to 128 characters without surrounding spaces, e.g. "shop-team"; got string "shop-team "',
    ],
    [
      'an owner of 129 characters',
      { ...base, owner: 'x'.repeat(129) },
      FIELD,
      `SLI "checkout": owner: expected the team or person who defends this SLI, one line of 1 to 128 characters without surrounding spaces, e.g. "shop-team"; got string "${'x'.repeat(57)}..."`,
    ],
    [
      'a blank rationale',
      { ...base, rationale: '  ' },
      FIELD,
      'SLI "checkout": rationale: expected a sentence or two saying why this objective and threshold (1 to 2000 characters), e.g. "users abandon checkouts after 300 ms, per the 2025 funnel study"; got string "  "',
    ],
    [
      'a rationale that is not text',
      { ...base, rationale: 300 },
      FIELD,
      'SLI "checkout": rationale: expected a sentence or two saying why this objective and threshold (1 to 2000 characters), e.g. "users abandon checkouts after 300 ms, per the 2025 funnel study"; got number 300',
    ],
    [
      'a relative runbook',
      { ...base, runbook: 'wiki/runbooks/checkout' },
      FIELD,
      'SLI "checkout": runbook: expected an absolute http(s) URL such as "https://wiki.example.com/runbooks/checkout"; got string "wiki/runbooks/checkout"',
    ],
    [
      'a runbook that is not http(s)',
      { ...base, runbook: 'ftp://example.com/checkout' },
      FIELD,
      'SLI "checkout": runbook: expected an absolute http(s) URL such as "https://wiki.example.com/runbooks/checkout"; got string "ftp://example.com/checkout"',
    ],
    [
      'a runbook that is not text',
      { ...base, runbook: 1 },
      FIELD,
      'SLI "checkout": runbook: expected a string; got number 1',
    ],
    // Name
    ...(
      [
        ['a missing name', undefined, 'undefined'],
        ['an upper-case name', 'Checkout', 'string "Checkout"'],
        ['a name with a space', 'check out', 'string "check out"'],
        ['a name with a dot', 'check.out', 'string "check.out"'],
        ['a name starting with a digit', '1checkout', 'string "1checkout"'],
        ['an empty name', '', 'string ""'],
        ['a 64-character name', 'a'.repeat(64), `string "${'a'.repeat(57)}..."`],
        ['a numeric name', 7, 'number 7'],
      ] as const
    ).map(
      ([title, name, shown]) =>
        [
          title,
          { ...base, name },
          'SLOKIT_E_SLI_NAME',
          `defineSli: expected "name" to be 1 to 63 characters of lower-case letters, digits, "-" and "_", starting with a letter (it becomes a metric label), e.g. "checkout"; got ${shown}`,
        ] as const,
    ),
    // Objective
    [
      'an objective of 99.9',
      { ...base, objective: 99.9 },
      'SLOKIT_E_OBJECTIVE',
      'SLI "checkout": objective: expected a fraction between 0 and 1 or a percentage string; got the number 99.9. Did you mean 0.999 or "99.9%"?',
    ],
    [
      'a missing objective',
      { name: 'checkout', good: {} },
      'SLOKIT_E_OBJECTIVE',
      'SLI "checkout": objective: expected a fraction between 0 and 1 (0.999) or a percentage string ("99.9%"); got undefined',
    ],
    // Window
    [
      'a window of "0"',
      { ...base, window: '0' },
      'SLOKIT_E_DURATION',
      'SLI "checkout": window must be longer than zero; got string "0"',
    ],
    [
      'a window of "0d"',
      { ...base, window: '0d' },
      'SLOKIT_E_DURATION',
      'SLI "checkout": window must be longer than zero; got string "0d"',
    ],
    [
      'a window of "30 days"',
      { ...base, window: '30 days' },
      'SLOKIT_E_DURATION',
      'SLI "checkout": window: expected a duration such as "300ms", "1.5s", "5m", "28d" (a non-negative number and one of the units ms, s, m, h, d, w, without spaces); got string "30 days"',
    ],
    [
      'a window of 30',
      { ...base, window: 30 },
      'SLOKIT_E_DURATION',
      'SLI "checkout": window: expected a duration string such as "300ms", "1.5s", "5m", "28d"; got number 30 (write the unit: "30ms" or "30s")',
    ],
    // Match
    [
      'a match filter on an unknown field',
      { ...base, match: { path: '/api/checkout' } },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match: unknown filter "path"; expected "method" and/or "route", or a predicate (event) => boolean',
    ],
    [
      'a match that is a string',
      { ...base, match: 'POST /api/checkout' },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match: expected { method?, route? } or a predicate (event) => boolean; got string "POST /api/checkout"',
    ],
    [
      'a match that is an array',
      { ...base, match: ['POST'] },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match: expected { method?, route? } or a predicate (event) => boolean; got an array of 1',
    ],
    [
      'a method that is not a method name',
      { ...base, match: { method: 'GET /' } },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match.method: expected a method name or a list of them, e.g. "GET" or ["GET", "HEAD"]; got string "GET /"',
    ],
    [
      'an empty method list',
      { ...base, match: { method: [] } },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match.method: expected a method name or a list of them, e.g. "GET" or ["GET", "HEAD"]; got an array of 0',
    ],
    [
      'a route that is a number',
      { ...base, match: { route: 5 } },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match.route: expected route templates ("/api/users/:id") or RegExps, alone or in a list; got number 5',
    ],
    [
      'an empty route in a list',
      { ...base, match: { route: ['/a', ''] } },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match.route: expected route templates ("/api/users/:id") or RegExps, alone or in a list; got string "" in the list',
    ],
    [
      'an empty route list',
      { ...base, match: { route: [] } },
      'SLOKIT_E_MATCH',
      'SLI "checkout": match.route: expected at least one route; got an empty list',
    ],
    // Good
    [
      'no good',
      { name: 'checkout', objective: 0.999 },
      'SLOKIT_E_GOOD',
      `SLI "checkout": "good" must be thresholds such as { status: '2xx', latency: { under: '300ms' } } or a classifier (event) => true | false | null, or give "freshness: { maxAge }"; got undefined`,
    ],
    [
      'a good that is a string',
      { ...base, good: '2xx' },
      'SLOKIT_E_GOOD',
      `SLI "checkout": "good" must be thresholds such as { status: '2xx', latency: { under: '300ms' } } or a classifier (event) => true | false | null, or give "freshness: { maxAge }"; got string "2xx"`,
    ],
    [
      'both good and freshness',
      { ...base, freshness: { maxAge: '24h' } },
      'SLOKIT_E_GOOD',
      'SLI "checkout": give either "good" or "freshness", not both',
    ],
    [
      'an unknown threshold',
      { ...base, good: { status: '2xx', duration: { under: '300ms' } } },
      'SLOKIT_E_GOOD',
      'SLI "checkout": good: unknown threshold "duration"; expected "status" and/or "latency"',
    ],
    [
      'a latency with both under and atMost',
      { ...base, good: { latency: { under: '300ms', atMost: '300ms' } } },
      'SLOKIT_E_GOOD',
      `SLI "checkout": good.latency: expected { under: '300ms' } (strictly below) or { atMost: '300ms' } (at most); got an object`,
    ],
    [
      'a latency given as a bare duration',
      { ...base, good: { latency: '300ms' } },
      'SLOKIT_E_GOOD',
      `SLI "checkout": good.latency: expected { under: '300ms' } (strictly below) or { atMost: '300ms' } (at most); got string "300ms"`,
    ],
    [
      'a latency with a misspelt key',
      { ...base, good: { latency: { below: '300ms' } } },
      'SLOKIT_E_GOOD',
      `SLI "checkout": good.latency: expected { under: '300ms' } (strictly below) or { atMost: '300ms' } (at most); got an object`,
    ],
    [
      'a latency in bare milliseconds',
      { ...base, good: { latency: { under: 300 } } },
      'SLOKIT_E_DURATION',
      'SLI "checkout": good.latency.under: expected a duration string such as "300ms", "1.5s", "5m", "28d"; got number 300 (write the unit: "300ms" or "300s")',
    ],
    // Status
    [
      'an empty status list',
      { ...base, good: { status: [] } },
      'SLOKIT_E_STATUS_RULE',
      'SLI "checkout": good.status: expected at least one status rule such as "2xx", "<500" or "200-299"; got an empty list',
    ],
    [
      'a backwards status range',
      { ...base, good: { status: '299-200' } },
      'SLOKIT_E_STATUS_RULE',
      'SLI "checkout": good.status: the range "299-200" runs backwards; expected the lower code first, e.g. "200-299"',
    ],
    [
      'status 700',
      { ...base, good: { status: 700 } },
      'SLOKIT_E_STATUS_RULE',
      'SLI "checkout": good.status: string "700" names status 700; expected codes from 100 to 599',
    ],
    [
      'an unreadable status rule',
      { ...base, good: { status: 'ok' } },
      'SLOKIT_E_STATUS_RULE',
      'SLI "checkout": good.status: expected a status rule such as "2xx", "<500", "<=499", ">=200", "200-299" or 204; got string "ok"',
    ],
    // Freshness
    [
      'a freshness that is a duration',
      { name: 'catalog', objective: 0.99, freshness: '24h' },
      'SLOKIT_E_GOOD',
      `SLI "catalog": freshness: expected { maxAge: '24h', field?: 'updatedAt' }; got string "24h"`,
    ],
    [
      'a freshness with an unknown key',
      { name: 'catalog', objective: 0.99, freshness: { maxAge: '24h', fields: 'x' } },
      'SLOKIT_E_GOOD',
      'SLI "catalog": freshness: unknown field "fields"; expected "maxAge" and optionally "field"',
    ],
    [
      'a freshness with an empty field',
      { name: 'catalog', objective: 0.99, freshness: { maxAge: '24h', field: '' } },
      'SLOKIT_E_GOOD',
      'SLI "catalog": freshness.field: expected the name of the event field holding the update time; got string ""',
    ],
    [
      'a freshness without maxAge',
      { name: 'catalog', objective: 0.99, freshness: {} },
      'SLOKIT_E_DURATION',
      'SLI "catalog": freshness.maxAge: expected a duration string such as "300ms", "1.5s", "5m", "28d"; got undefined',
    ],
  ] as const)('rejects %s', (_title, spec, code, message) => {
    const error = thrown(() => define(spec as Record<string, unknown>));
    expect(error).toBeInstanceOf(SlokitDefinitionError);
    expect(error.code).toBe(code);
    expect(error.message).toBe(`${message} [${code}]`);
  });
});

describe('defineSli result', () => {
  it('fills in the defaults', () => {
    const sli = defineSli({ name: 'api', objective: '99.5%', good: {} });
    expect(sli).toEqual({
      name: 'api',
      objective: 0.995,
      window: '28d',
      windowMs: 2_419_200_000,
      description: undefined,
      runbook: undefined,
      owner: undefined,
      rationale: undefined,
      kind: 'thresholds',
      events: 'http',
      match: undefined,
      thresholds: {
        status: { rules: ['100-428', '430-499'], text: 'not 5xx or 429' },
        latency: undefined,
      },
      freshness: undefined,
    });
  });

  it('normalises what it was given', () => {
    const sli = defineSli({
      name: 'checkout',
      objective: '99.9%',
      window: '720h',
      description: 'Checkout answers 2xx in under 300 ms',
      runbook: 'https://runbooks.example.com/checkout',
      owner: 'Shop team <shop@example.com>',
      rationale: 'Users abandon checkouts after 300 ms.\nSee the 2025 funnel study.',
      match: { method: 'post', route: '/api/checkout' },
      good: { status: [' 2XX', 304], latency: { under: '0.3s' } },
    });
    expect(sli).toEqual({
      name: 'checkout',
      objective: 0.999,
      window: '30d',
      windowMs: 2_592_000_000,
      description: 'Checkout answers 2xx in under 300 ms',
      runbook: 'https://runbooks.example.com/checkout',
      owner: 'Shop team <shop@example.com>',
      rationale: 'Users abandon checkouts after 300 ms.\nSee the 2025 funnel study.',
      kind: 'thresholds',
      events: 'http',
      match: { kind: 'filter', methods: ['POST'], routes: ['/api/checkout'], routePatterns: undefined },
      thresholds: {
        status: { rules: ['2xx', '304'], text: '2xx or 304' },
        latency: { ms: 300, inclusive: false, text: 'under 300 ms' },
      },
      freshness: undefined,
    });
    expect(defineSli({ ...base, window: '4w' }).window).toBe('28d');
    expect(defineSli({ ...base, good: { latency: { atMost: '1.5s' } } }).thresholds?.latency).toEqual({
      ms: 1_500,
      inclusive: true,
      text: 'at most 1500 ms',
    });
  });

  it("rejects an events value other than 'http' or 'custom', and 'http' for freshness", () => {
    expect(() => defineSli({ name: 'a', objective: 0.99, events: 'requests' as never, good: {} })).toThrow(
      /SLI "a": events: expected 'http' \(requests from the adapters\) or 'custom'.*got string "requests" \[SLOKIT_E_SLI_FIELD\]/,
    );
    expect(() =>
      defineSli<{ updatedAt: Date }>({
        name: 'c',
        objective: 0.99,
        events: 'http' as never,
        freshness: { maxAge: '1h' },
      }),
    ).toThrow(/SLI "c": events: a freshness SLI judges data reads you record, so it must be 'custom'/);
  });

  it('describes classifier and freshness SLIs', () => {
    const jobs = defineSli<{ ok: boolean }>({
      events: 'custom',
      name: 'jobs',
      objective: 0.99,
      window: '7d',
      good: (job) => job.ok,
    });
    expect(jobs).toMatchObject({
      kind: 'classifier',
      events: 'custom',
      window: '7d',
      windowMs: 604_800_000,
      thresholds: undefined,
      freshness: undefined,
    });
    const catalog = defineSli<{ updatedAt: Date }>({
      name: 'catalog',
      objective: 0.99,
      freshness: { maxAge: '24h' },
    });
    expect(catalog).toMatchObject({
      kind: 'freshness',
      events: 'custom',
      thresholds: undefined,
      freshness: { maxAgeMs: 86_400_000, field: 'updatedAt' },
    });
    const sync = defineSli<{ syncedAt: number }>({
      name: 'sync',
      objective: 0.99,
      freshness: { maxAge: '15m', field: 'syncedAt' },
    });
    expect(sync.freshness).toEqual({ maxAgeMs: 900_000, field: 'syncedAt' });
  });

  it('keeps the match as data: methods upper case and once, exact routes and RegExps apart', () => {
    const routes: (string | RegExp)[] = ['/api/cart', /^\/api\/orders\//i];
    const sli = defineSli({ ...base, match: { method: ['get', 'HEAD', 'Get'], route: routes } });
    expect(sli.match).toEqual({
      kind: 'filter',
      methods: ['GET', 'HEAD'],
      routes: ['/api/cart'],
      routePatterns: ['/^\\/api\\/orders\\//i'],
    });
    routes.push('/api/later');
    expect(sli.match!.routes).toEqual(['/api/cart']);
    expect(Object.isFrozen(sli.match)).toBe(true);
    expect(Object.isFrozen(sli.match!.methods)).toBe(true);
    expect(defineSli({ ...base, match: { route: '/health' } }).match).toEqual({
      kind: 'filter',
      methods: undefined,
      routes: ['/health'],
      routePatterns: undefined,
    });
    expect(defineSli({ ...base, match: () => true }).match).toEqual({
      kind: 'predicate',
      methods: undefined,
      routes: undefined,
      routePatterns: undefined,
    });
  });

  it('is frozen all the way down', () => {
    const sli = defineSli({ ...base, good: { status: '2xx', latency: { under: '300ms' } } });
    expect(Object.isFrozen(sli)).toBe(true);
    expect(Object.isFrozen(sli.thresholds)).toBe(true);
    expect(Object.isFrozen(sli.thresholds!.status)).toBe(true);
    expect(Object.isFrozen(sli.thresholds!.status.rules)).toBe(true);
    expect(Object.isFrozen(sli.thresholds!.latency)).toBe(true);
    expect(() => {
      (sli as { name: string }).name = 'other';
    }).toThrow(TypeError);
    const catalog = defineSli<{ updatedAt: Date }>({
      name: 'catalog',
      objective: 0.99,
      freshness: { maxAge: '24h' },
    });
    expect(Object.isFrozen(catalog.freshness)).toBe(true);
  });

  it('does not keep a reference to the declaration', () => {
    const good = { status: '2xx' as string };
    const sli = defineSli({ ...base, good });
    good.status = '5xx';
    expect(classify(sli, { method: 'GET', status: 200, durationMs: 1 })).toEqual({ outcome: 'good' });
    expect(sli.thresholds!.status.text).toBe('2xx');
  });
});

describe('isSli', () => {
  it('is true only for what defineSli made', () => {
    const sli = defineSli(base);
    expect(isSli(sli)).toBe(true);
    expect(isSli({ ...sli })).toBe(false);
    expect(isSli(base)).toBe(false);
    expect(isSli(null)).toBe(false);
    expect(isSli('checkout')).toBe(false);
    expect(isSli(() => true)).toBe(false);
  });
});
