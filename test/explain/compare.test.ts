import { describe, expect, it } from 'vitest';
import { formatExplanation } from 'slokit';
import type { SampledEvent } from 'slokit';
import { compareEvents } from '../../src/explain/compare.js';
import { newcombeLower, normalQuantile, wilson } from '../../src/explain/stats.js';
import { seededRandom } from '../helpers/random.js';

function event(outcome: 'good' | 'bad', fields: Partial<SampledEvent> = {}): SampledEvent {
  return { at: 1000, outcome, attributes: {}, ...fields };
}

function repeat(n: number, make: (i: number) => SampledEvent): SampledEvent[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

describe('stats', () => {
  it('normalQuantile matches the normal table', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 5);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 5);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424, 4);
  });

  it('wilson and newcombe give the published example (Newcombe 1998, table II, 56/70 vs 48/80)', () => {
    const z = normalQuantile(0.975);
    const w = wilson(56, 70, z);
    expect(w.lower).toBeCloseTo(0.6918, 4);
    expect(w.upper).toBeCloseTo(0.877, 3);
    // Method 10's 95% interval for 56/70 − 48/80 is 0.0524 to 0.3339.
    expect(newcombeLower(56, 70, 48, 80, z)).toBeCloseTo(0.0524, 4);
  });
});

describe('compareEvents', () => {
  it('finds the provider and the route that bad events share, with exact counts', () => {
    const bad = repeat(80, (i) =>
      event('bad', {
        route: i < 72 ? '/api/checkout' : '/api/cart',
        method: 'POST',
        attributes: { 'app.payment.provider': i < 70 ? 'acme' : 'globex', 'app.user.id': `u${i}` },
      }),
    );
    const good = repeat(400, (i) =>
      event('good', {
        route: i < 120 ? '/api/checkout' : '/api/cart',
        method: 'POST',
        attributes: { 'app.payment.provider': i < 36 ? 'acme' : 'globex', 'app.user.id': `u${i}` },
      }),
    );
    const explanation = compareEvents('checkout', bad, good);
    expect(explanation).toMatchObject({ sli: 'checkout', bad: 80, good: 400, from: 1000, to: 1000 });
    expect(explanation.findings.map((f) => [f.attribute, f.value, f.badCount, f.goodCount])).toEqual([
      ['app.payment.provider', 'acme', 70, 36],
      ['http.route', '/api/checkout', 72, 120],
    ]);
    expect(explanation.findings[0]!.badShare).toBe(70 / 80);
    expect(explanation.findings[0]!.goodShare).toBe(36 / 400);
    expect(formatExplanation(explanation)).toBe(
      [
        'bad checkout events: 88% have app.payment.provider = acme (good: 9%)',
        'bad checkout events: 90% have http.route = /api/checkout (good: 30%)',
      ].join('\n'),
    );
  });

  it('finds a numeric range from the data: app.cart.items >= 20', () => {
    const bad = repeat(50, (i) => event('bad', { attributes: { 'app.cart.items': 20 + (i % 15) } }));
    const good = repeat(300, (i) => event('good', { attributes: { 'app.cart.items': 1 + (i % 25) } }));
    const [top, ...rest] = compareEvents('latency', bad, good).findings;
    // Good carts 20..25: i % 25 in 19..24, 6 of every 25 → 72 of 300.
    expect(top).toMatchObject({
      attribute: 'app.cart.items',
      range: { min: 20 },
      badCount: 50,
      goodCount: 72,
    });
    expect(rest).toEqual([]);
  });

  it('treats arrays as sets of values and booleans as values', () => {
    const bad = repeat(40, () =>
      event('bad', { attributes: { 'app.flags': ['beta', 'beta', 'dark'], 'app.vip': true } }),
    );
    const good = repeat(200, (i) =>
      event('good', { attributes: { 'app.flags': i < 10 ? ['beta'] : ['dark'], 'app.vip': i < 100 } }),
    );
    const findings = compareEvents('x', bad, good).findings;
    expect(findings.map((f) => [f.attribute, f.value, f.badCount, f.goodCount])).toEqual([
      ['app.flags', 'beta', 40, 10],
      ['app.vip', true, 40, 100],
    ]);
  });

  it('does not flood the findings with user ids, however many', () => {
    const bad = repeat(200, (i) => event('bad', { attributes: { 'app.user.id': `user-${i % 190}` } }));
    const good = repeat(500, (i) => event('good', { attributes: { 'app.user.id': `user-${1000 + i}` } }));
    expect(compareEvents('x', bad, good).findings).toEqual([]);
  });

  it('reports nothing without bad or without good events', () => {
    expect(compareEvents('x', [], [event('good')])).toEqual({
      sli: 'x',
      from: 1000,
      to: 1000,
      bad: 0,
      good: 1,
      findings: [],
    });
    expect(formatExplanation(compareEvents('x', [], [event('good')]))).toBe(
      'x: no bad events to explain (1 good compared)',
    );
  });

  it('on null data (bad and good from one distribution) reports a finding in 5 of 300 seeds (1.7%)', () => {
    // Every event draws the same attributes, whatever its outcome: any finding is a false positive.
    // Bonferroni's correction bounds the rate by alpha = 5%; measured: 5 of 300 seeds (1.7%), one finding each.
    let withFinding = 0;
    let candidatesSeen = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
      const draw = (outcome: 'good' | 'bad'): SampledEvent =>
        event(outcome, {
          route: pick(['/api/checkout', '/api/cart', '/api/search']),
          method: pick(['GET', 'POST']),
          status: pick([200, 200, 200, 201, 404]),
          durationMs: 5 + random() * 300,
          attributes: {
            'app.payment.provider': pick(['acme', 'globex', 'initech', 'umbrella']),
            'app.region': pick(['eu', 'us', 'ap']),
            'app.cart.items': 1 + Math.floor(random() * 40),
            'app.user.id': `user-${Math.floor(random() * 5000)}`,
            'app.vip': random() < 0.1,
          },
        });
      const bad = Array.from({ length: 150 }, () => draw('bad'));
      const good = Array.from({ length: 500 }, () => draw('good'));
      const explanation = compareEvents('null', bad, good);
      candidatesSeen += explanation.findings.length;
      if (explanation.findings.length > 0) withFinding++;
    }
    expect(withFinding).toBe(5);
    expect(candidatesSeen).toBe(5);
    expect(withFinding / 300).toBeLessThanOrEqual(0.05);
  });
});
