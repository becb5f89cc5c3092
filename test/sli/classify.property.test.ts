import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify, defineSli, explainVerdict } from 'slokit';
import type { HttpEvent, Sli } from 'slokit';

// classify is total (it never throws for any event of the SLI's type, however odd) and
// deterministic (the same event always gets the same verdict object).

const methods = fc.oneof(fc.constantFrom('GET', 'POST', 'post', 'HEAD', 'DELETE', ''), fc.string());
const routes = fc.option(
  fc.oneof(fc.constantFrom('/', '/api/checkout', '/api/users/:id', '/health'), fc.string()),
  {
    nil: undefined,
  },
);
const statuses = fc.option(fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer()), { nil: undefined });
const errors = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(false),
  fc.string().map((message) => new Error(message)),
  // Anything a handler could throw, including objects without a prototype that String() rejects.
  fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true, withDate: true }),
);

const httpEvents: fc.Arbitrary<HttpEvent> = fc.record(
  {
    method: methods,
    route: routes,
    status: statuses,
    durationMs: fc.double(),
    aborted: fc.option(fc.boolean(), { nil: undefined }),
    error: errors,
  },
  { requiredKeys: ['method', 'durationMs'] },
);

const SLIS: readonly Sli[] = [
  defineSli({
    name: 'checkout',
    objective: '99.9%',
    match: { method: 'POST', route: ['/api/checkout', /^\/api\/users\//] },
    good: { status: '2xx', latency: { under: '300ms' } },
  }),
  defineSli({ name: 'availability', objective: 0.99, good: {} }),
  defineSli({ name: 'at-most', objective: 0.99, good: { status: ['<400', 404], latency: { atMost: '1s' } } }),
  defineSli({
    name: 'search',
    objective: 0.99,
    match: { route: '/api/users/:id' },
    good: (event) => (event.status === undefined ? null : event.status < 500 && event.durationMs < 500),
  }),
  defineSli({
    name: 'predicate',
    objective: 0.99,
    match: (event) => event.method.length > 2,
    good: (event) => event.error === undefined,
  }),
];

describe.each(SLIS.map((sli) => [sli.name, sli] as const))('classify against SLI %s', (_name, sli) => {
  it('is total: every event gets one of the seven verdicts', () => {
    fc.assert(
      fc.property(httpEvents, (event) => {
        const verdict = classify(sli, event);
        const spelled = verdict.outcome === 'bad' ? `bad/${verdict.reason}` : verdict.outcome;
        return [
          'good',
          'ineligible',
          'bad/error',
          'bad/status',
          'bad/aborted',
          'bad/latency',
          'bad/custom',
        ].includes(spelled);
      }),
      { numRuns: 1_000 },
    );
  });

  it('is deterministic: the same event twice gets the same verdict object', () => {
    fc.assert(
      fc.property(httpEvents, (event) => classify(sli, event) === classify(sli, { ...event })),
      { numRuns: 1_000 },
    );
  });

  it('explainVerdict agrees with classify and always says why', () => {
    fc.assert(
      fc.property(httpEvents, (event) => {
        const { verdict, detail } = explainVerdict(sli, event);
        expect(verdict).toBe(classify(sli, event));
        expect(detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('threshold SLI invariants', () => {
  const [checkout] = SLIS;
  const matched = httpEvents.map((event) => ({ ...event, method: 'POST', route: '/api/checkout' }));

  it('a thrown error always makes a matched event bad/error', () => {
    fc.assert(
      fc.property(matched, fc.string(), (event, message) => {
        expect(classify(checkout!, { ...event, error: new Error(message) })).toEqual({
          outcome: 'bad',
          reason: 'error',
        });
      }),
    );
  });

  it('a fast 2xx that was not aborted and did not throw is always good', () => {
    fc.assert(
      fc.property(
        matched,
        fc.integer({ min: 200, max: 299 }),
        fc.double({ min: 0, max: 299.999, noNaN: true }),
        (event, status, durationMs) => {
          const verdict = classify(checkout!, {
            ...event,
            status,
            durationMs,
            aborted: false,
            error: undefined,
          });
          expect(verdict).toEqual({ outcome: 'good' });
        },
      ),
    );
  });

  it('a client that left before the threshold without a bad status or an error tells nothing', () => {
    fc.assert(
      fc.property(
        matched,
        fc.option(fc.integer({ min: 200, max: 299 }), { nil: undefined }),
        fc.double({ min: 0, max: 299.999, noNaN: true }),
        (event, status, durationMs) => {
          const verdict = classify(checkout!, {
            ...event,
            status,
            durationMs,
            aborted: true,
            error: undefined,
          });
          expect(verdict).toEqual({ outcome: 'ineligible' });
        },
      ),
    );
  });
});
