import { afterEach, describe, expect, it } from 'vitest';
import { SlokitError, createSlokit, defineSli, formatExplanation } from 'slokit';
import type { HttpEvent, Slokit } from 'slokit';
import { createTestTelemetry } from '../helpers/otel.js';

const checkout = defineSli({
  name: 'checkout',
  objective: '99%',
  good: { status: '2xx', latency: { under: '300ms' } },
});
const custom = defineSli<{ ok: boolean; attributes: Record<string, unknown> }>({
  name: 'reads',
  events: 'custom',
  objective: '99%',
  good: (e) => e.ok,
});

let now = Date.UTC(2026, 0, 1, 12);
const clock = { now: () => now };
const kits: Slokit[] = [];
function kit(options: Record<string, unknown> = {}): Slokit {
  const made = createSlokit({ slis: [checkout, custom], clock, ...options });
  kits.push(made);
  return made;
}
afterEach(async () => {
  for (const k of kits.splice(0)) await k.shutdown();
});

const http = (
  status: number,
  attributes: Record<string, string | number>,
  route = '/api/checkout',
): HttpEvent => ({
  method: 'POST',
  route,
  status,
  durationMs: 20,
  attributes,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof SlokitError ? `${error.code}: ${error.message}` : String(error);
  }
  return undefined;
}

describe('the reservoir options', () => {
  it('rejects bad options with SLOKIT_E_OPTION at creation', () => {
    expect(codeOf(() => kit({ reservoir: 'big' }))).toMatch(
      /^SLOKIT_E_OPTION: createSlokit: reservoir: expected false or/,
    );
    expect(codeOf(() => kit({ reservoir: { size: 3 } }))).toMatch(
      /^SLOKIT_E_OPTION: createSlokit: reservoir.size: unknown option/,
    );
    expect(codeOf(() => kit({ reservoir: { good: 0 } }))).toMatch(
      /reservoir.good: expected a whole number of at least 1; got number 0/,
    );
    expect(codeOf(() => kit({ reservoir: { horizon: '10s' } }))).toMatch(
      /reservoir.horizon: expected at least "1m"/,
    );
    expect(codeOf(() => kit({ reservoir: { horizon: 60 } }))).toMatch(/^SLOKIT_E_DURATION|^SLOKIT_E_OPTION/);
    expect(codeOf(() => kit({ reservoir: { maxChars: 1.5 } }))).toMatch(/reservoir.maxChars/);
  });

  it('with reservoir: false, keeps nothing: explain compares nothing and recentEvents is empty', () => {
    const k = kit({ reservoir: false });
    k.record('checkout', http(500, {}));
    expect(k.explain('checkout')).toEqual({ sli: 'checkout', from: 0, to: 0, bad: 0, good: 0, findings: [] });
    expect(k.recentEvents('checkout')).toEqual([]);
  });
});

describe('kit.explain and kit.recentEvents', () => {
  it('explain throws SLOKIT_E_UNKNOWN_SLI for a name the kit lacks, SLOKIT_E_OPTION for a bad option', () => {
    const k = kit();
    expect(codeOf(() => k.explain('nope'))).toMatch(
      /^SLOKIT_E_UNKNOWN_SLI: kit.explain: no SLI named "nope"/,
    );
    expect(codeOf(() => k.recentEvents('nope'))).toMatch(/^SLOKIT_E_UNKNOWN_SLI: kit.recentEvents/);
    expect(codeOf(() => k.explain('checkout', { alpha: 2 }))).toBe(
      'SLOKIT_E_OPTION: kit.explain: alpha: expected a number between 0 and 1 (exclusive); got 2 [SLOKIT_E_OPTION]',
    );
    expect(codeOf(() => k.recentEvents('checkout', { outcome: 'meh' as never }))).toMatch(/^SLOKIT_E_OPTION/);
  });

  it("compares what the kit judged (all within one bucket's 84), leaving out the dimension the SLI judges by", () => {
    const k = kit();
    for (let i = 0; i < 60; i++) {
      const acme = i % 10 < 9;
      k.record('checkout', http(acme ? 502 : 200, { 'app.payment.provider': acme ? 'acme' : 'globex' }));
      k.record('checkout', http(200, { 'app.payment.provider': i % 10 === 0 ? 'acme' : 'globex' }));
    }
    const explanation = k.explain('checkout');
    expect(explanation).toMatchObject({ sli: 'checkout', bad: 54, good: 66, from: now, to: now });
    expect(explanation.findings.map((f) => [f.attribute, f.value, f.badCount, f.goodCount])).toEqual([
      ['app.payment.provider', 'acme', 54, 6],
    ]);
    expect(formatExplanation(explanation)).toBe(
      'bad checkout events: 100% have app.payment.provider = acme (good: 9%)',
    );
  });

  it('keeps the most recent events newest first, with their attributes within the caps', () => {
    const k = kit({ reservoir: { recent: 3, maxValues: 2, maxChars: 40 } });
    for (let i = 0; i < 5; i++) {
      now += 1000;
      k.record('checkout', http(500, { 'app.n': i, 'app.note': 'x'.repeat(100), 'app.more': 'dropped' }));
    }
    now += 1000;
    k.record('checkout', http(200, { 'app.n': 9 }));
    const bad = k.recentEvents('checkout', { outcome: 'bad' });
    expect(bad.map((e) => e.attributes)).toEqual(
      [4, 3, 2].map((n) => ({ 'app.n': n, 'app.note': 'x'.repeat(27) })),
    );
    expect(bad[0]).toEqual({
      at: now - 1000,
      outcome: 'bad',
      reason: 'status',
      method: 'POST',
      route: '/api/checkout',
      status: 500,
      durationMs: 20,
      attributes: { 'app.n': 4, 'app.note': 'x'.repeat(27) },
    });
    expect(k.recentEvents('checkout', { limit: 2 }).map((e) => [e.outcome, e.attributes['app.n']])).toEqual([
      ['good', 9],
      ['bad', 4],
    ]);
    // The sample's copies are capped the same way.
    expect(k.explain('checkout', { minCount: 1 }).bad).toBe(5);
  });

  it('forgets events older than the horizon', () => {
    const k = kit({ reservoir: { horizon: '1h' } });
    k.record('checkout', http(500, {}));
    now += 2 * 3_600_000;
    k.record('checkout', http(200, {}));
    expect(k.explain('checkout')).toMatchObject({ bad: 0, good: 1 });
  });

  it('records custom events with their attributes, and the trace of the span around them', async () => {
    const telemetry = createTestTelemetry();
    const k = kit({ tracerProvider: telemetry.tracerProvider });
    await k.track('reads', () => {
      k.record('reads', { ok: false, attributes: { 'app.table': 'orders' } });
    });
    const [event] = k.recentEvents('reads', { outcome: 'bad' });
    const span = telemetry.spans().find((s) => s.name === 'reads')!;
    expect(event).toEqual({
      at: now,
      outcome: 'bad',
      reason: 'custom',
      attributes: { 'app.table': 'orders' },
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
    await telemetry.shutdown();
  });

  it('never throws on the request path: a hostile event is skipped', () => {
    const k = kit();
    const hostile = {
      ok: false,
      get attributes(): Record<string, unknown> {
        throw new Error('boom');
      },
    };
    expect(k.record('reads', hostile).outcome).toBe('bad');
    expect(k.recentEvents('reads')).toEqual([]);
    expect(k.status().slis[1]).toMatchObject({ good: 0, bad: 1 });
  });
});
