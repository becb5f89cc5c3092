import { SpanKind, context, diag, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlokitError, addContext, createSlokit, defineSli } from 'slokit';
import type { WorkEvent } from 'slokit';
import { resetWarnings } from '../../src/runtime/diag.js';
import { createTestTelemetry } from '../helpers/otel.js';
import { captureDiag } from '../helpers/diag.js';

const checkout = defineSli({
  name: 'checkout',
  objective: '99.9%',
  good: { status: '2xx', latency: { under: '300ms' } },
});
const freshness = defineSli<{ updatedAt: Date }>({
  name: 'catalog-freshness',
  objective: '99%',
  freshness: { maxAge: '24h' },
});
const job = defineSli<WorkEvent>({
  name: 'nightly-sync',
  events: 'custom',
  objective: '99%',
  good: { latency: { under: '1s' } },
});
const flaky = defineSli<{ n: number }>({
  events: 'custom',
  name: 'flaky',
  objective: 0.99,
  good: (e) => {
    if (e.n < 0) throw new Error('negative');
    return e.n > 0;
  },
});

describe('createSlokit', () => {
  it('rejects bad options with coded errors at creation', () => {
    const cases: [unknown, string, RegExp][] = [
      [undefined, 'SLOKIT_E_OPTION', /expected an options object/],
      [{ slis: [] }, 'SLOKIT_E_OPTION', /slis: expected a non-empty array/],
      [{ slis: [{ name: 'x' }] }, 'SLOKIT_E_NOT_AN_SLI', /slis\[0\]/],
      [{ slis: [checkout, checkout] }, 'SLOKIT_E_DUPLICATE_SLI', /two SLIs are named "checkout"/],
      [{ slis: [checkout], sli: [] }, 'SLOKIT_E_OPTION', /sli: unknown option/],
      [{ slis: [checkout], limits: { maxAttributes: 0 } }, 'SLOKIT_E_OPTION', /limits.maxAttributes/],
      [{ slis: [checkout], limits: { maxArrayLength: 0 } }, 'SLOKIT_E_OPTION', /limits.maxArrayLength/],
      [
        { slis: [checkout], limits: { maxArrayElementLength: 1.5 } },
        'SLOKIT_E_OPTION',
        /limits.maxArrayElementLength: expected a whole number/,
      ],
      [{ slis: [checkout], limits: { maxKeyLength: -1 } }, 'SLOKIT_E_OPTION', /limits.maxKeyLength/],
      [{ slis: [checkout], limits: { maxKeys: 10 } }, 'SLOKIT_E_OPTION', /limits.maxKeys: unknown option/],
      [
        { slis: [checkout], query: 'hide' },
        'SLOKIT_E_OPTION',
        /query: expected 'redact', 'keep', 'drop' or \{ keepValues/,
      ],
      [
        { slis: [checkout], query: { keepValues: 'page' } },
        'SLOKIT_E_OPTION',
        /query.keepValues: expected an array/,
      ],
      [{ slis: [checkout], query: { keep: ['page'] } }, 'SLOKIT_E_OPTION', /query.keep: unknown option/],
      [{ slis: [checkout], captureHeaders: ['x y'] }, 'SLOKIT_E_OPTION', /captureHeaders/],
      [{ slis: [checkout], tracerProvider: {} }, 'SLOKIT_E_OPTION', /tracerProvider/],
      [{ slis: [checkout], clock: {} }, 'SLOKIT_E_OPTION', /clock/],
      [
        { slis: [checkout], asyncContext: 'no' },
        'SLOKIT_E_OPTION',
        /asyncContext: expected true or false; got string "no"/,
      ],
    ];
    for (const [options, code, message] of cases) {
      let thrown: unknown;
      try {
        createSlokit(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(SlokitError);
      expect((thrown as SlokitError).code).toBe(code);
      expect((thrown as SlokitError).message).toMatch(message);
    }
  });

  it('classifies and counts before any OTel SDK is registered (no-op tracer and meter)', () => {
    const kit = createSlokit({ slis: [checkout] });
    expect(trace.getSpan(context.active())).toBeUndefined();
    expect(kit.record(checkout, { method: 'POST', status: 200, durationMs: 5 })).toEqual({ outcome: 'good' });
    expect(kit.record('checkout', { method: 'POST', status: 503, durationMs: 5 })).toEqual({
      outcome: 'bad',
      reason: 'status',
    });
  });
});

describe('kit.record', () => {
  let telemetry: ReturnType<typeof createTestTelemetry>;
  beforeEach(() => {
    telemetry = createTestTelemetry();
    resetWarnings();
  });
  afterEach(async () => {
    diag.disable();
    await telemetry.shutdown();
  });

  it('judges custom events, freshness at the given time, and counts them exactly', async () => {
    const kit = createSlokit({ slis: [freshness, flaky], meterProvider: telemetry.meterProvider });
    const now = Date.UTC(2026, 0, 2);
    const hour = 3_600_000;
    expect(kit.record(freshness, { updatedAt: new Date(now - 23 * hour) }, { at: now })).toEqual({
      outcome: 'good',
    });
    expect(kit.record(freshness, { updatedAt: new Date(now - 24 * hour) }, { at: now })).toEqual({
      outcome: 'good',
    });
    expect(kit.record(freshness, { updatedAt: new Date(now - 25 * hour) }, { at: now })).toEqual({
      outcome: 'bad',
      reason: 'latency',
    });
    expect(kit.record(flaky, { n: 0 })).toEqual({ outcome: 'bad', reason: 'custom' });
    expect(await telemetry.sliCounts()).toEqual({
      'catalog-freshness/good': 2,
      'catalog-freshness/bad/latency': 1,
      'catalog-freshness/bad/error': 0,
      'flaky/good': 0,
      'flaky/bad/custom': 1,
    });
  });

  it('uses the injected clock for freshness when no time is given', () => {
    let now = Date.UTC(2026, 0, 2);
    const kit = createSlokit({ slis: [freshness], clock: { now: () => now } });
    const updatedAt = new Date(now - 1_000);
    expect(kit.record(freshness, { updatedAt })).toEqual({ outcome: 'good' });
    now += 25 * 3_600_000;
    expect(kit.record(freshness, { updatedAt })).toEqual({ outcome: 'bad', reason: 'latency' });
  });

  it('turns a throwing classifier into ineligible, counts it and logs once per minute', async () => {
    const lines = captureDiag();
    const kit = createSlokit({ slis: [flaky], meterProvider: telemetry.meterProvider });
    expect(kit.record(flaky, { n: -1 })).toEqual({ outcome: 'ineligible' });
    expect(kit.record(flaky, { n: -2 })).toEqual({ outcome: 'ineligible' });
    expect(kit.record(flaky, { n: 1 })).toEqual({ outcome: 'good' });
    const errors = await telemetry.sumPoints('slokit.sli.classifier_errors');
    expect(errors.map((p) => [p.attributes['slokit.sli.name'], p.value])).toEqual([['flaky', 2]]);
    expect(lines.filter((l) => l.includes('classifier of SLI "flaky" failed'))).toHaveLength(1);
    expect(await telemetry.sliCounts()).toEqual({ 'flaky/good': 1, 'flaky/bad/custom': 0 });
  });

  it('never throws for an SLI the kit does not have; logs it once', () => {
    const lines = captureDiag();
    const kit = createSlokit({ slis: [checkout] });
    expect(kit.record('nope', {})).toEqual({ outcome: 'ineligible' });
    expect(kit.record('nope', {})).toEqual({ outcome: 'ineligible' });
    const other = defineSli({ name: 'checkout', objective: 0.9, good: {} });
    expect(kit.record(other, { method: 'GET', durationMs: 1 })).toEqual({ outcome: 'ineligible' });
    expect(lines.filter((l) => l.includes('"nope" is not one of this kit'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('is not one of this kit'))).toHaveLength(2);
  });

  it('reports both outcome series at zero from start-up, bad per possible reason', async () => {
    createSlokit({ slis: [checkout, freshness, flaky, job], meterProvider: telemetry.meterProvider });
    expect(await telemetry.sliCounts()).toEqual({
      'checkout/good': 0,
      'checkout/bad/error': 0,
      'checkout/bad/status': 0,
      'checkout/bad/aborted': 0,
      'checkout/bad/latency': 0,
      'catalog-freshness/good': 0,
      'catalog-freshness/bad/error': 0,
      'catalog-freshness/bad/latency': 0,
      'flaky/good': 0,
      'flaky/bad/custom': 0,
      'nightly-sync/good': 0,
      'nightly-sync/bad/error': 0,
      'nightly-sync/bad/status': 0,
      'nightly-sync/bad/aborted': 0,
      'nightly-sync/bad/latency': 0,
    });
  });

  it('warns once when two kits report the same SLI name to one meter provider, and not after a shutdown', async () => {
    const lines = captureDiag();
    const first = createSlokit({ slis: [flaky], meterProvider: telemetry.meterProvider });
    const second = createSlokit({ slis: [flaky, checkout], meterProvider: telemetry.meterProvider });
    expect(lines.filter((l) => l.includes('Two kits report the SLI "flaky"'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('Two kits report the SLI "checkout"'))).toHaveLength(0);
    await second.shutdown();
    await first.shutdown();
    const afterShutdown = captureDiag();
    createSlokit({ slis: [flaky], meterProvider: telemetry.meterProvider });
    createSlokit({ slis: [checkout], meterProvider: telemetry.meterProvider });
    expect(afterShutdown).toEqual([]);
  });

  it('moves its counters to another meter provider with bindMeterProvider', async () => {
    const kit = createSlokit({ slis: [flaky] });
    kit.record(flaky, { n: 1 });
    kit.bindMeterProvider(telemetry.meterProvider);
    kit.record(flaky, { n: 1 });
    expect(await telemetry.sliCounts()).toEqual({ 'flaky/good': 2, 'flaky/bad/custom': 0 });
    await kit.shutdown();
    kit.record(flaky, { n: 1 });
    // After shutdown the kit no longer reports: the reader keeps the last values it saw.
    expect(await telemetry.sliCounts()).toEqual({ 'flaky/good': 2, 'flaky/bad/custom': 0 });
  });
});

describe('kit.track', () => {
  let telemetry: ReturnType<typeof createTestTelemetry>;
  beforeEach(() => {
    telemetry = createTestTelemetry();
  });
  afterEach(async () => {
    await telemetry.shutdown();
  });

  it('times the work, makes its span active inside fn and judges it', async () => {
    const kit = createSlokit({
      slis: [job],
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
    const tracer = telemetry.tracerProvider.getTracer('app');
    const result = await kit.track(job, async () => {
      addContext({ 'app.rows': 12 });
      await new Promise((r) => setTimeout(r, 5));
      tracer.startSpan('child').end();
      return 'done';
    });
    expect(result).toBe('done');
    const spans = telemetry.spans();
    const work = spans.find((s) => s.name === 'nightly-sync')!;
    const child = spans.find((s) => s.name === 'child')!;
    expect(work.kind).toBe(SpanKind.INTERNAL);
    expect(child.parentSpanContext?.spanId).toBe(work.spanContext().spanId);
    expect(work.attributes).toMatchObject({
      'app.rows': 12,
      'slokit.work': 'nightly-sync',
      'slokit.sli.nightly-sync.outcome': 'good',
    });
    expect(await telemetry.sliCounts()).toMatchObject({ 'nightly-sync/good': 1 });
  });

  it('rethrows the error unchanged, records it on the span and counts bad/error', async () => {
    const kit = createSlokit({
      slis: [job],
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
    const boom = new TypeError('sync failed');
    await expect(kit.track(job, () => Promise.reject(boom))).rejects.toBe(boom);
    await expect(
      kit.track('nightly-sync', () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const spans = telemetry.spans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.status.code).toBe(2);
      expect(span.attributes['error.type']).toBe('TypeError');
      expect(span.attributes['slokit.sli.nightly-sync.reason']).toBe('error');
      expect(span.events.map((e) => e.name)).toEqual(['exception']);
    }
    expect(await telemetry.sliCounts()).toMatchObject({
      'nightly-sync/good': 0,
      'nightly-sync/bad/error': 2,
    });
  });

  it('writes verdicts recorded inside the work onto its span; a CONSUMER kind and a name can be given', async () => {
    const kit = createSlokit({ slis: [job, freshness], tracerProvider: telemetry.tracerProvider });
    await kit.track(
      job,
      () => {
        kit.record(freshness, { updatedAt: new Date() });
      },
      { name: 'orders-consumer', kind: SpanKind.CONSUMER, attributes: { 'app.queue': 'orders' } },
    );
    const [span] = telemetry.spans();
    expect(span!.name).toBe('orders-consumer');
    expect(span!.kind).toBe(SpanKind.CONSUMER);
    expect(span!.attributes).toMatchObject({
      'app.queue': 'orders',
      'slokit.sli.catalog-freshness.outcome': 'good',
      'slokit.sli.nightly-sync.outcome': 'good',
    });
  });

  it('still runs the work for an unknown SLI and rejects a non-function at call time', async () => {
    const kit = createSlokit({ slis: [job] });
    await expect(kit.track('other', () => 7)).resolves.toBe(7);
    expect(() => kit.track(job, 'nope' as never)).toThrow(/SLOKIT_E_OPTION/);
  });
});
