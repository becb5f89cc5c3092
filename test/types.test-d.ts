// Type tests: run by vitest's typecheck (tsc) and never executed. Each `@ts-expect-error` must
// meet a type error, so a type that became too loose fails the run as surely as one too strict.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { classify, defineSli } from 'slokit';
import type { HttpEvent, Sli, Verdict } from 'slokit';
import { httpEvent } from 'slokit/testing';
import 'slokit/vitest';

interface Catalog {
  updatedAt: Date;
}

describe('defineSli types', () => {
  it('ties a custom SLI to its event type', () => {
    const catalog = defineSli<Catalog>({ name: 'catalog', objective: '99%', freshness: { maxAge: '24h' } });
    expectTypeOf(catalog).toEqualTypeOf<Sli<{ updatedAt: Date }>>();
    expectTypeOf(classify(catalog, { updatedAt: new Date() })).toEqualTypeOf<Verdict>();
    // @ts-expect-error: not the SLI's event shape
    classify(catalog, { foo: 1 });
    // @ts-expect-error: an HTTP event is not a catalog read either
    classify(catalog, httpEvent());
  });

  it('defaults to HTTP events', () => {
    const checkout = defineSli({ name: 'checkout', objective: 0.999, good: { status: '2xx' } });
    expectTypeOf(checkout).toEqualTypeOf<Sli<HttpEvent>>();
    classify(checkout, { method: 'GET', status: 200, durationMs: 12 });
    // @ts-expect-error: durationMs is required
    classify(checkout, { method: 'GET', status: 200 });
  });

  it('types the classifier and the match predicate by the event type', () => {
    const jobs = defineSli<{ ok: boolean; queue: string }>({
      events: 'custom',
      name: 'jobs',
      objective: 0.99,
      match: (job) => {
        expectTypeOf(job).toEqualTypeOf<{ ok: boolean; queue: string }>();
        return job.queue !== 'test';
      },
      good: (job) => job.ok,
    });
    expectTypeOf(jobs).toEqualTypeOf<Sli<{ ok: boolean; queue: string }>>();
    defineSli<{ ok: boolean }>({
      name: 'jobs',
      objective: 0.99,
      // @ts-expect-error: the classifier must return boolean | null
      good: (job) => (job.ok ? 'good' : 'bad'),
    });
  });

  it('rejects thresholds for an event type that has no duration', () => {
    defineSli<Catalog>({
      name: 'catalog',
      objective: 0.99,
      // @ts-expect-error: status and latency thresholds judge requests, not catalog reads
      good: { status: '2xx' },
    });
  });

  it('requires the freshness field to be a Date or number key', () => {
    defineSli<{ syncedAt: number; owner: string }>({
      name: 'sync',
      objective: 0.99,
      freshness: { maxAge: '15m', field: 'syncedAt' },
    });
    defineSli<{ syncedAt: number; owner: string }>({
      name: 'sync',
      objective: 0.99,
      // @ts-expect-error: owner is a string, not a time
      freshness: { maxAge: '15m', field: 'owner' },
    });
    defineSli<{ syncedAt: number }>({
      name: 'sync',
      objective: 0.99,
      // @ts-expect-error: no such field
      freshness: { maxAge: '15m', field: 'updatedAt' },
    });
  });

  it('checks durations, objectives and latency keys', () => {
    // @ts-expect-error: a bare number is not a duration
    defineSli({ name: 'a', objective: 0.99, window: 30, good: {} });
    // @ts-expect-error: "30 days" is not a duration
    defineSli({ name: 'a', objective: 0.99, window: '30 days', good: {} });
    // @ts-expect-error: a percentage needs its "%"
    defineSli({ name: 'a', objective: '99.9', good: {} });
    // @ts-expect-error: latency is { under } or { atMost }
    defineSli({ name: 'a', objective: 0.99, good: { latency: { below: '300ms' } } });
  });
});

describe('events: which SLIs the adapters feed', () => {
  it("requires events: 'custom' for SLIs over anything but HTTP events", () => {
    const run = defineSli<{ ok: boolean }>({
      name: 'run',
      events: 'custom',
      objective: 0.99,
      good: (r) => r.ok,
    });
    expectTypeOf(run.events).toEqualTypeOf<'http' | 'custom'>();
    const ok = (r: { ok: boolean }): boolean => r.ok;
    // @ts-expect-error: a classifier over custom events must say events: 'custom'
    defineSli<{ ok: boolean }>({ name: 'run', objective: 0.99, good: ok });
    // @ts-expect-error: and may not claim to judge HTTP requests
    defineSli<{ ok: boolean }>({ name: 'run', events: 'http', objective: 0.99, good: ok });
    // HTTP SLIs default to 'http' and may opt out of the adapters.
    defineSli({ name: 'replayed', events: 'custom', objective: 0.99, good: { status: '2xx' } });
    // @ts-expect-error: freshness SLIs are always custom
    defineSli<Catalog>({ name: 'catalog', events: 'http', objective: '99%', freshness: { maxAge: '24h' } });
  });
});

describe('toClassifyAs types', () => {
  const checkout = defineSli({ name: 'checkout', objective: 0.999, good: { latency: { under: '300ms' } } });
  const catalog = defineSli<Catalog>({ name: 'catalog', objective: '99%', freshness: { maxAge: '24h' } });

  it('takes the event type of the SLI under test', () => {
    expect(checkout).toClassifyAs('bad/latency', httpEvent({ durationMs: 450 }));
    expect(catalog).toClassifyAs('good', { updatedAt: new Date() }, { now: Date.now() });
    // @ts-expect-error: not an HTTP event
    expect(checkout).toClassifyAs('bad/latency', { updatedAt: new Date() });
    // @ts-expect-error: not a catalog read
    expect(catalog).toClassifyAs('good', httpEvent());
  });

  it('takes only outcomes and bad/<reason>', () => {
    expect(checkout).toClassifyAs('bad', httpEvent());
    expect(checkout).not.toClassifyAs('ineligible', httpEvent());
    // @ts-expect-error: "slow" is not a reason
    expect(checkout).toClassifyAs('bad/slow', httpEvent());
    // @ts-expect-error: good has no reason
    expect(checkout).toClassifyAs('good/latency', httpEvent());
  });
});
