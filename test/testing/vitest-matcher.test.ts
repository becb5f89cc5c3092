import { describe, expect, it } from 'vitest';
import { defineSli } from 'slokit';
import { httpEvent } from 'slokit/testing';
import 'slokit/vitest';

const checkout = defineSli({
  name: 'checkout',
  objective: '99.9%',
  match: { method: 'POST', route: '/api/checkout' },
  good: { status: '2xx', latency: { under: '300ms' } },
});
const post = (overrides: Parameters<typeof httpEvent>[0] = {}) =>
  httpEvent({ method: 'POST', route: '/api/checkout', ...overrides });

/** The message of the assertion error `fn` throws. */
function failure(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the assertion to fail, but it passed');
}

describe('toClassifyAs', () => {
  it('passes when the verdict is the expected one', () => {
    expect(checkout).toClassifyAs('good', post({ durationMs: 250 }));
    expect(checkout).toClassifyAs('bad/latency', post({ durationMs: 450 }));
    expect(checkout).toClassifyAs('bad/status', post({ status: 503 }));
    expect(checkout).toClassifyAs('bad/error', post({ error: new Error('boom') }));
    expect(checkout).toClassifyAs('bad/aborted', post({ aborted: true, status: undefined, durationMs: 900 }));
    expect(checkout).toClassifyAs('ineligible', post({ aborted: true, status: undefined, durationMs: 90 }));
    expect(checkout).toClassifyAs('ineligible', httpEvent({ route: '/api/cart' }));
  });

  it('accepts "bad" whatever the reason', () => {
    expect(checkout).toClassifyAs('bad', post({ durationMs: 450 }));
    expect(checkout).toClassifyAs('bad', post({ status: 503 }));
    expect(failure(() => expect(checkout).toClassifyAs('bad', post()))).toBe(
      'expected SLI "checkout" to classify the event as bad, got good: status 200 is 2xx and 10 ms is under the 300 ms threshold',
    );
  });

  it('explains the verdict when it fails', () => {
    expect(failure(() => expect(checkout).toClassifyAs('bad/latency', post({ durationMs: 250 })))).toBe(
      'expected SLI "checkout" to classify the event as bad/latency, got good: status 200 is 2xx and 250 ms is under the 300 ms threshold',
    );
    expect(
      failure(() => expect(checkout).toClassifyAs('bad/latency', post({ status: 503, durationMs: 450 }))),
    ).toBe(
      'expected SLI "checkout" to classify the event as bad/latency, got bad/status: status 503 is not 2xx',
    );
    expect(failure(() => expect(checkout).toClassifyAs('good', httpEvent({ route: '/api/cart' })))).toBe(
      'expected SLI "checkout" to classify the event as good, got ineligible: the event is not matched by the SLI (GET /api/cart)',
    );
  });

  it('works with .not', () => {
    expect(checkout).not.toClassifyAs('good', post({ status: 503 }));
    expect(checkout).not.toClassifyAs('bad/latency', post({ status: 503 }));
    expect(failure(() => expect(checkout).not.toClassifyAs('bad', post({ durationMs: 450 })))).toBe(
      'expected SLI "checkout" not to classify the event as bad, but it did: 450 ms is not under the 300 ms threshold',
    );
    expect(failure(() => expect(checkout).not.toClassifyAs('good', post()))).toBe(
      'expected SLI "checkout" not to classify the event as good, but it did: status 200 is 2xx and 10 ms is under the 300 ms threshold',
    );
  });

  it('works for custom events and passes options on to classify', () => {
    const now = Date.UTC(2025, 0, 2);
    const catalog = defineSli<{ updatedAt: Date }>({
      name: 'catalog',
      objective: '99%',
      freshness: { maxAge: '24h' },
    });
    expect(catalog).toClassifyAs('good', { updatedAt: new Date(now - 3_600_000) }, { now });
    expect(catalog).toClassifyAs('bad/latency', { updatedAt: new Date(now - 90_000_000) }, { now });
    expect(
      failure(() => expect(catalog).toClassifyAs('good', { updatedAt: new Date(now - 90_000_000) }, { now })),
    ).toBe(
      'expected SLI "catalog" to classify the event as good, got bad/latency: the data is 1.04 d old, over the 1 d max age',
    );
  });

  it('lets a throwing classifier fail the test with SLOKIT_E_CLASSIFIER', () => {
    const buggy = defineSli<{ ok: boolean }>({
      events: 'custom',
      name: 'buggy',
      objective: 0.99,
      good: () => {
        throw new Error('oops');
      },
    });
    expect(() => expect(buggy).toClassifyAs('good', { ok: true })).toThrow(
      'The classifier of SLI "buggy" failed: Error: oops. Expected it to return true (good), false (bad) or null (not eligible) [SLOKIT_E_CLASSIFIER]',
    );
  });

  it('throws a TypeError for arguments it cannot judge', () => {
    expect(() => expect({ name: 'checkout' }).toClassifyAs('good', post() as never)).toThrow(
      new TypeError('toClassifyAs: expect() must be given an SLI made by defineSli(); got object'),
    );
    expect(() => expect('checkout').toClassifyAs('good', post() as never)).toThrow(TypeError);
    const expectedList = 'good, bad, ineligible, bad/error, bad/status, bad/aborted, bad/latency, bad/custom';
    expect(() => expect(checkout).toClassifyAs('bad/slow' as never, post())).toThrow(
      new TypeError(`toClassifyAs: expected must be one of ${expectedList}; got "bad/slow"`),
    );
    expect(() => expect(checkout).toClassifyAs('Good' as never, post())).toThrow(TypeError);
    expect(() => expect(checkout).toClassifyAs(undefined as never, post())).toThrow(
      new TypeError(`toClassifyAs: expected must be one of ${expectedList}; got undefined`),
    );
  });
});
