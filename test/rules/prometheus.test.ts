import { describe, expect, it } from 'vitest';
import { defineSli } from 'slokit';
import { toPrometheusRules } from 'slokit/rules';
import type { PrometheusAlertingRule, PrometheusRecordingRule, PrometheusRuleFile } from 'slokit/rules';
import { checkout, slis } from '../../examples/slis.js';

const recordings = (file: PrometheusRuleFile, group = 0): PrometheusRecordingRule[] =>
  file.groups[group]!.rules.filter((rule): rule is PrometheusRecordingRule => 'record' in rule);
const alerts = (file: PrometheusRuleFile, group = 0): PrometheusAlertingRule[] =>
  file.groups[group]!.rules.filter((rule): rule is PrometheusAlertingRule => 'alert' in rule);

describe('toPrometheusRules', () => {
  it('makes one group per SLI, in the order given', () => {
    expect(toPrometheusRules(slis).groups.map((group) => group.name)).toEqual([
      'slokit-checkout',
      'slokit-api-availability',
      'slokit-catalog-freshness',
    ]);
  });

  it('records the error ratio over 5m, 30m, 1h, 2h, 6h, 1d, 3d and the period, summed across instances', () => {
    const rules = recordings(toPrometheusRules([checkout]));
    expect(rules.slice(0, 8).map((rule) => rule.record)).toEqual([
      'slokit:sli_error_ratio:rate5m',
      'slokit:sli_error_ratio:rate30m',
      'slokit:sli_error_ratio:rate1h',
      'slokit:sli_error_ratio:rate2h',
      'slokit:sli_error_ratio:rate6h',
      'slokit:sli_error_ratio:rate1d',
      'slokit:sli_error_ratio:rate3d',
      'slokit:sli_error_ratio:rate28d',
    ]);
    expect(rules[0]).toEqual({
      record: 'slokit:sli_error_ratio:rate5m',
      expr:
        'sum by (slokit_sli_name) (rate(slokit_sli_events_total{slokit_sli_name="checkout",slokit_sli_outcome="bad"}[5m]))\n' +
        '/\n' +
        '(sum by (slokit_sli_name) (rate(slokit_sli_events_total{slokit_sli_name="checkout"}[5m])) > 0)',
      labels: { slokit_sli_name: 'checkout' },
    });
  });

  it('records the period once when it is also a burn-rate window', () => {
    const threeDays = defineSli({ name: 'short', objective: 0.99, window: '3d', good: { status: '2xx' } });
    const records = recordings(toPrometheusRules([threeDays])).map((rule) => rule.record);
    expect(records.filter((r) => r === 'slokit:sli_error_ratio:rate3d')).toHaveLength(1);
    expect(records.filter((r) => r.startsWith('slokit:sli_error_ratio:'))).toHaveLength(7);
  });

  it('records the objective, the error budget and the budget remaining over the period', () => {
    const rules = recordings(toPrometheusRules([checkout])).slice(8);
    expect(rules).toEqual([
      {
        record: 'slokit:sli_objective:ratio',
        expr: 'vector(0.999)',
        labels: { slokit_sli_name: 'checkout' },
      },
      {
        record: 'slokit:sli_error_budget:ratio',
        expr: 'vector(0.001)',
        labels: { slokit_sli_name: 'checkout' },
      },
      {
        record: 'slokit:sli_error_budget_remaining:ratio',
        expr: '1 - slokit:sli_error_ratio:rate28d{slokit_sli_name="checkout"} / 0.001',
        labels: { slokit_sli_name: 'checkout' },
      },
    ]);
  });

  it('derives the alert factors from the period: 13.44 / 5.6 / 2.8 / 0.933 for 28 days, 14.4 / 6 / 3 / 1 for 30', () => {
    const thresholds = (window: '28d' | '30d') =>
      alerts(
        toPrometheusRules([defineSli({ name: 'x', objective: '99.9%', window, good: { status: '2xx' } })]),
      ).map((rule) => [
        rule.labels.severity,
        rule.labels.long_window,
        rule.labels.short_window,
        /> ([\d.]+)\n/.exec(rule.expr)![1],
      ]);
    expect(thresholds('28d')).toEqual([
      ['page', '1h', '5m', '13.44'],
      ['page', '6h', '30m', '5.6'],
      ['ticket', '1d', '2h', '2.8'],
      // Exactly the double the in-process alerts compare with, never rounded below 14/15.
      ['ticket', '3d', '6h', '0.9333333333333333'],
    ]);
    expect(thresholds('30d')).toEqual([
      ['page', '1h', '5m', '14.4'],
      ['page', '6h', '30m', '6'],
      ['ticket', '1d', '2h', '3'],
      ['ticket', '3d', '6h', '1'],
    ]);
  });

  it('writes each tier as a burn over both windows with the low-traffic guard, labels and words', () => {
    const page = alerts(toPrometheusRules([checkout]))[0]!;
    expect(page).toEqual({
      alert: 'SlokitErrorBudgetBurn',
      expr:
        '(\n' +
        '  slokit:sli_error_ratio:rate1h{slokit_sli_name="checkout"} / 0.001 > 13.44\n' +
        'and\n' +
        '  slokit:sli_error_ratio:rate5m{slokit_sli_name="checkout"} / 0.001 > 13.44\n' +
        ')\n' +
        'and on (slokit_sli_name)\n' +
        '  sum by (slokit_sli_name) (increase(slokit_sli_events_total{slokit_sli_name="checkout"}[1h])) >= 100',
      labels: {
        severity: 'page',
        slokit_sli_name: 'checkout',
        long_window: '1h',
        short_window: '5m',
        owner: 'shop-team',
      },
      annotations: {
        summary:
          'checkout: more than 2% of its 28-day error budget spent in the last hour (burn rate above 13.4×)',
        description:
          'Over both the last hour and the last 5 minutes, more than 1.34% of eligible events were bad: 13.4× the 0.1% that the 99.9% objective allows. At this rate the whole 28-day budget lasts at most 2.08 days. It fires only with at least 100 eligible events in the last hour. The SLI: Checkout requests answer 2xx in under 300 ms. Owner: shop-team.',
        runbook_url: 'https://runbooks.example.com/shop/checkout',
      },
    });
  });

  it('leaves out the runbook link when the SLI has none, and the guard when minEvents is 0', () => {
    const [, api] = slis;
    const page = alerts(toPrometheusRules([api], { minEvents: 0 }))[0]!;
    expect(page.annotations).not.toHaveProperty('runbook_url');
    expect(page.expr).not.toContain('increase');
    expect(page.expr.endsWith(')')).toBe(true);
    expect(page.annotations.description).not.toContain('eligible events in');
  });

  it('describes the SLI in generated words when it has no description, and leaves out a missing owner', () => {
    const bare = defineSli({
      name: 'search',
      objective: '99%',
      match: { method: 'GET', route: '/api/search' },
      good: { latency: { atMost: '1s' } },
    });
    const [page] = alerts(toPrometheusRules([bare]));
    expect(page!.labels).not.toHaveProperty('owner');
    expect(page!.annotations.description).toBe(
      'Over both the last hour and the last 5 minutes, more than 13.4% of eligible events were bad: 13.4× the 1% that the 99% objective allows. At this rate the whole 28-day budget lasts at most 2.08 days. It fires only with at least 100 eligible events in the last hour. The SLI: GET /api/search; good when the status is neither 5xx nor 429 and the response takes at most 1 s; requests the client abandoned within 1 s are not counted.',
    );
  });

  it("puts the SLI's owner over a rule-wide owner label, and keeps user text out of Prometheus's templates", () => {
    const braces = defineSli({
      name: 'braces',
      objective: '99.9%',
      description: 'p99 {{ under }} 300 ms',
      owner: '{{team}}',
      good: {},
    });
    const [page] = alerts(toPrometheusRules([braces], { labels: { owner: 'platform' } }));
    expect(page!.labels.owner).toBe('{{ "{{" }}team}}');
    expect(page!.annotations.description).toContain(
      'The SLI: p99 {{ "{{" }} under }} 300 ms. Owner: {{ "{{" }}team}}.',
    );
    const [, api] = slis;
    const [apiPage] = alerts(toPrometheusRules([api!], { labels: { owner: 'platform' } }));
    expect(apiPage!.labels.owner).toBe('shop-team');
    const anonymous = defineSli({ name: 'anon', objective: '99.9%', good: {} });
    expect(alerts(toPrometheusRules([anonymous], { labels: { owner: 'platform' } }))[0]!.labels.owner).toBe(
      'platform',
    );
  });

  it('adds the selector to every event selector, and the selector and the labels to every rule and recorded-series selector', () => {
    const file = toPrometheusRules([checkout], {
      selector: { job: 'shop', env: 'prod "eu"' },
      labels: { team: 'shop' },
      minEvents: 250,
    });
    const all = file.groups[0]!.rules;
    for (const rule of all) {
      expect(rule.labels).toMatchObject({
        slokit_sli_name: 'checkout',
        job: 'shop',
        env: 'prod "eu"',
        team: 'shop',
      });
    }
    const ratio = recordings(file)[0]!;
    expect(ratio.expr).toContain(
      'slokit_sli_events_total{slokit_sli_name="checkout",slokit_sli_outcome="bad",job="shop",env="prod \\"eu\\""}[5m]',
    );
    const page = alerts(file)[0]!;
    expect(page.expr).toContain(
      'slokit:sli_error_ratio:rate1h{slokit_sli_name="checkout",job="shop",env="prod \\"eu\\"",team="shop"} / 0.001 > 13.44',
    );
    expect(page.expr).toContain(
      'sum by (slokit_sli_name) (increase(slokit_sli_events_total{slokit_sli_name="checkout",job="shop",env="prod \\"eu\\""}[1h])) >= 250',
    );
    expect(recordings(file)[10]!.expr).toBe(
      '1 - slokit:sli_error_ratio:rate28d{slokit_sli_name="checkout",job="shop",env="prod \\"eu\\"",team="shop"} / 0.001',
    );
  });

  it('uses custom tiers, recording their windows too', () => {
    const file = toPrometheusRules([checkout], {
      tiers: [{ severity: 'page', budgetShare: 0.01, longMs: 15 * 60_000, shortMs: 60_000 }],
    });
    expect(
      recordings(file)
        .map((r) => r.record)
        .slice(0, 3),
    ).toEqual([
      'slokit:sli_error_ratio:rate1m',
      'slokit:sli_error_ratio:rate5m',
      'slokit:sli_error_ratio:rate15m',
    ]);
    const [only, ...rest] = alerts(file);
    expect(rest).toEqual([]);
    // 1% of 28 days in 15 minutes: 0.01 × 2688 quarter hours = 26.88.
    expect(only!.expr).toContain(
      'slokit:sli_error_ratio:rate15m{slokit_sli_name="checkout"} / 0.001 > 26.88',
    );
    expect(only!.labels).toMatchObject({ long_window: '15m', short_window: '1m' });
  });

  it('drops, with a warning each, the tiers that cannot fire when asked to', () => {
    const lenient = defineSli({ name: 'lenient', objective: '90%', window: '30d', good: { status: '<500' } });
    const warnings: unknown[] = [];
    const file = toPrometheusRules([lenient], {
      impossibleTiers: 'drop',
      onWarning: (w) => warnings.push(w),
    });
    // 90%: budget 10%; the page tiers need 14.4 × 10% = 144% and 6 × 10% = 60%: only the first is impossible.
    expect(alerts(file).map((rule) => rule.labels.long_window)).toEqual(['6h', '1d', '3d']);
    expect(warnings).toEqual([
      {
        code: 'SLOKIT_E_RULES_TIER',
        sli: 'lenient',
        message:
          'SLI "lenient": the page tier "2% of the 30d budget in 1h" can never fire at objective 90%: it needs a burn rate above 14.4×, an error ratio above 144%; the tier is left out',
      },
    ]);
  });
});
