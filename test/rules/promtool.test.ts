// The generated Prometheus rules, run by the real promtool on synthetic series. Every scenario is
// one SLI at 99.9% over 30 days (budget 0.1%), so the workbook factors are 14.4 (2% in 1h), 6 (5% in
// 6h), 3 (10% in 1d) and 1 (10% in 3d). Series are sampled every minute, and the good and bad
// counters of one instance share their timestamps, so rate() extrapolates both alike and every
// recorded ratio is exactly (bad increase) ÷ (all increase) over the window. Scenarios with days of
// samples evaluate the rules every 5 (or 30) minutes rather than every minute: each evaluation
// reads the whole 30d window, and the checked times are multiples of the interval.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defineSli } from '../../src/index.js';
import { toPrometheusRules, toYaml } from '../../src/rules/index.js';
import type { PrometheusRulesOptions } from '../../src/rules/index.js';
import { slis as exampleSlis } from '../../examples/slis.js';
import { alertTable } from '../../src/budget/alert-table.js';
import { tierWords } from '../../src/doc/words.js';
import { PROMTOOL, checkConfig, checkRules, firing, sliSeries, testRules } from './promtool.js';
import type { AlertTest, Stretch, UnitTest } from './promtool.js';

const checkout = defineSli({
  name: 'checkout',
  objective: '99.9%',
  window: '30d',
  description: 'Checkout requests answer 2xx',
  runbook: 'https://runbooks.example.com/checkout',
  good: { status: '2xx' },
});

function rulesFor(options?: PrometheusRulesOptions) {
  const rules = toPrometheusRules([checkout], options);
  return { rules, yaml: toYaml(rules) };
}

const noAlerts = (evalTime: string): AlertTest => ({
  eval_time: evalTime,
  alertname: 'SlokitErrorBudgetBurn',
  exp_alerts: [],
});

// A day of clean traffic, 2000 events a minute, so that the 1d and 3d windows hold a realistic
// history when the burn starts at minute 1440.
const DAY_CLEAN: Stretch = { minutes: 1440, good: 2000, bad: 0 };

describe.skipIf(PROMTOOL === undefined)('generated rules under promtool', () => {
  it('passes promtool check rules for the example SLIs and every option, and check config for the example', async () => {
    const variants: readonly PrometheusRulesOptions[] = [
      {},
      { minEvents: 0 },
      {
        labels: { team: 'shop', env: 'prod' },
        selector: { job: 'shop', namespace: 'prod "eu"' },
        minEvents: 1000,
      },
    ];
    for (const options of variants) {
      const result = await checkRules(toYaml(toPrometheusRules(exampleSlis, options)));
      expect(result.output).toContain('SUCCESS: 45 rules found');
      expect(result.code).toBe(0);
    }
    const shipped = await readFile(
      new URL('../../examples/prometheus/slokit-rules.yaml', import.meta.url),
      'utf8',
    );
    expect((await checkRules(shipped)).code).toBe(0);
    // The example configuration, with the rule files it loads.
    const config = await checkConfig('examples/prometheus/prometheus.yml');
    expect(config.output).toContain('SUCCESS: 45 rules found');
    expect(config.code).toBe(0);
    const dropped = defineSli({ name: 'lenient', objective: '90%', window: '2d', good: { status: '<500' } });
    const result = await checkRules(toYaml(toPrometheusRules([dropped], { impossibleTiers: 'drop' })));
    expect(result.code).toBe(0);
  });

  it('pages for 2% of a 30-day budget spent in an hour, not before, and stops once the burn stops', async () => {
    // 1.5% errors (30 of 2000 a minute) is a burn rate of 15, just above 14.4: after 60 minutes the
    // 1h window holds 1800 bad of 120,000 = 1.5%, i.e. 2.08% of the month's budget. After 50 minutes
    // it holds 1500 of 120,000 = 1.25% (burn 12.5): no page yet. The other tiers stay quiet: the 6h
    // window holds 1800 of 720,000 (burn 2.5 < 6), the 1d window 1800 of 2,880,000 (0.625 < 3), the
    // 3d window (25h of data) 1800 of 3,000,000 (0.6 < 1). Ten minutes after the burn the 5m window
    // is clean again and the page resolves, although the 1h window still burns at 12.5... 15.
    const { rules, yaml } = rulesFor();
    const tests: UnitTest = {
      interval: '1m',
      input_series: sliSeries('checkout', [
        DAY_CLEAN,
        { minutes: 60, good: 1970, bad: 30 },
        { minutes: 10, good: 2000, bad: 0 },
      ]),
      alert_rule_test: [
        noAlerts('1440m'),
        noAlerts('1490m'),
        {
          eval_time: '1500m',
          alertname: 'SlokitErrorBudgetBurn',
          exp_alerts: [firing(rules, 'checkout', '1h')],
        },
        noAlerts('1510m'),
      ],
    };
    const result = await testRules(yaml, { evaluation_interval: '5m', tests: [tests] });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it("fires with the owner label and the words as written, braces in the user's text included", async () => {
    // Labels and annotations are Go templates in Prometheus; the user's text must come out as typed.
    const braces = defineSli({
      name: 'checkout',
      objective: '99.9%',
      window: '30d',
      description: 'Checkout answers 2xx, {{ not a template }}',
      owner: '{{shop}}',
      runbook: 'https://runbooks.example.com/checkout?q={{x}}',
      good: { status: '2xx' },
    });
    const rules = toPrometheusRules([braces]);
    const words = tierWords(braces, alertTable(braces.windowMs)[0]!, { minEvents: 100 });
    const tests: UnitTest = {
      interval: '1m',
      input_series: sliSeries('checkout', [DAY_CLEAN, { minutes: 60, good: 1970, bad: 30 }]),
      alert_rule_test: [
        {
          eval_time: '1500m',
          alertname: 'SlokitErrorBudgetBurn',
          exp_alerts: [
            {
              exp_labels: {
                severity: 'page',
                slokit_sli_name: 'checkout',
                long_window: '1h',
                short_window: '5m',
                owner: '{{shop}}',
              },
              exp_annotations: {
                summary: words.summary,
                description: words.description,
                runbook_url: 'https://runbooks.example.com/checkout?q={{x}}',
              },
            },
          ],
        },
      ],
    };
    expect(words.description).toContain(
      'The SLI: Checkout answers 2xx, {{ not a template }}. Owner: {{shop}}.',
    );
    const result = await testRules(toYaml(rules), { evaluation_interval: '5m', tests: [tests] });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('does not page for half that burn (0.75% errors, burn 7.5)', async () => {
    // 15 of 2000 a minute for an hour: 1h burn 7.5 < 14.4; 6h burn 1.25 < 6; nothing else either.
    const { yaml } = rulesFor();
    const tests: UnitTest = {
      interval: '1m',
      input_series: sliSeries('checkout', [DAY_CLEAN, { minutes: 60, good: 1985, bad: 15 }]),
      alert_rule_test: [noAlerts('1470m'), noAlerts('1500m')],
    };
    const result = await testRules(yaml, { evaluation_interval: '5m', tests: [tests] });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('fails when an expectation is wrong: a page expected 10 minutes too early', async () => {
    const { rules, yaml } = rulesFor();
    const tests: UnitTest = {
      interval: '1m',
      input_series: sliSeries('checkout', [DAY_CLEAN, { minutes: 60, good: 1970, bad: 30 }]),
      alert_rule_test: [
        {
          eval_time: '1490m',
          alertname: 'SlokitErrorBudgetBurn',
          exp_alerts: [firing(rules, 'checkout', '1h')],
        },
      ],
    };
    const result = await testRules(yaml, { evaluation_interval: '5m', tests: [tests] });
    expect(result.code).toBe(1);
    expect(result.output).toContain('FAILED');
    expect(result.output).toContain('alertname: SlokitErrorBudgetBurn, time: 1d50m');
    expect(result.output).toContain('got:[]');
  });

  it('opens a ticket for a burn just above 1x sustained over 3 days (the 10%-in-3d tier)', async () => {
    // 11 bad of 10,000 a minute is a burn of 1.1. Slightly above 1 on purpose: the tier fires when
    // the burn is strictly above its factor (`> 1`), and at exactly 1 the floating-point ratio may
    // land on either side of it. After 3 clean days the burn starts at minute 4320; the 3d window
    // averages clean and burning minutes, and passes 1 only when more than 4320 / 1.1 = 3927 of its
    // minutes burn. 2.5 days in (minute 7920) it is 1.1 × 3600 / 4320 = 0.92: no ticket. 3 days in
    // (minute 8640) it is 1.1 and the 6h window is 1.1 too: a ticket, and only the 3d/6h one (the
    // 1d tier needs 3, the pages 6 and 14.4).
    const { rules, yaml } = rulesFor();
    const tests: UnitTest = {
      interval: '1m',
      input_series: sliSeries('checkout', [
        { minutes: 4320, good: 10_000, bad: 0 },
        { minutes: 4320, good: 9989, bad: 11 },
      ]),
      alert_rule_test: [
        noAlerts('7920m'),
        {
          eval_time: '8640m',
          alertname: 'SlokitErrorBudgetBurn',
          exp_alerts: [firing(rules, 'checkout', '3d')],
        },
      ],
    };
    const result = await testRules(yaml, { evaluation_interval: '30m', tests: [tests] });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('fires nothing below the low-traffic minimum, and every tier once the minimum is lowered', async () => {
    // One event a minute, all bad (a burn of 1000) for an hour: every window holds 60 events, fewer
    // than the default minimum of 100, so nothing fires. With minEvents 50 the same series fire all
    // four tiers, which shows the guard, not the data, kept them quiet.
    const lowTraffic: UnitTest = {
      interval: '1m',
      input_series: sliSeries('checkout', [{ minutes: 60, good: 0, bad: 1 }]),
      alert_rule_test: [noAlerts('60m')],
    };
    const guarded = await testRules(rulesFor().yaml, { evaluation_interval: '1m', tests: [lowTraffic] });
    expect(guarded.output).toContain('SUCCESS');
    expect(guarded.code).toBe(0);

    const { rules, yaml } = rulesFor({ minEvents: 50 });
    const unguarded: UnitTest = {
      ...lowTraffic,
      alert_rule_test: [
        {
          eval_time: '60m',
          alertname: 'SlokitErrorBudgetBurn',
          exp_alerts: ['1h', '6h', '1d', '3d'].map((long) => firing(rules, 'checkout', long)),
        },
      ],
    };
    const result = await testRules(yaml, { evaluation_interval: '1m', tests: [unguarded] });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('sums instances before dividing: one alert per SLI, without an instance label', async () => {
    // Two instances share 2000 events a minute. Only app-1 fails (30 of its 1000, 3%); the fleet's
    // ratio is 30 of 2000 = 1.5% (burn 15 > 14.4): one page, labelled by SLI, not by instance.
    const { rules, yaml } = rulesFor();
    const split: UnitTest = {
      interval: '1m',
      input_series: [
        ...sliSeries(
          'checkout',
          [
            { minutes: 1440, good: 1000, bad: 0 },
            { minutes: 60, good: 970, bad: 30 },
          ],
          'app-1:9464',
        ),
        ...sliSeries('checkout', [{ minutes: 1500, good: 1000, bad: 0 }], 'app-2:9464'),
      ],
      alert_rule_test: [
        {
          eval_time: '1500m',
          alertname: 'SlokitErrorBudgetBurn',
          exp_alerts: [firing(rules, 'checkout', '1h')],
        },
      ],
      promql_expr_test: [
        {
          expr: 'slokit:sli_error_ratio:rate1h',
          eval_time: '1500m',
          exp_samples: [
            { labels: 'slokit:sli_error_ratio:rate1h{slokit_sli_name="checkout"}', value: 0.015 },
          ],
        },
      ],
    };
    // A small instance with 10% errors (1 of its 10 a minute) next to a busy clean one (1990 a
    // minute): the fleet ratio is 1 of 2000 = 0.05% (burn 0.5) and nothing fires, where an average
    // of the two instances' ratios (5%, burn 50) would page.
    const small: UnitTest = {
      interval: '1m',
      input_series: [
        ...sliSeries(
          'checkout',
          [
            { minutes: 1440, good: 10, bad: 0 },
            { minutes: 60, good: 9, bad: 1 },
          ],
          'app-1:9464',
        ),
        ...sliSeries('checkout', [{ minutes: 1500, good: 1990, bad: 0 }], 'app-2:9464'),
      ],
      alert_rule_test: [noAlerts('1500m')],
      promql_expr_test: [
        {
          expr: 'slokit:sli_error_ratio:rate1h',
          eval_time: '1500m',
          exp_samples: [
            { labels: 'slokit:sli_error_ratio:rate1h{slokit_sli_name="checkout"}', value: 0.0005 },
          ],
        },
      ],
    };
    const result = await testRules(yaml, { evaluation_interval: '5m', tests: [split, small] });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('records no ratio, no budget remaining and fires nothing when there is no traffic', async () => {
    // Both outcome series exist at 0 and never move: rate() is 0 for both, and the `> 0` on the
    // denominator drops the 0/0 instead of recording NaN.
    const { yaml } = rulesFor({ minEvents: 0 });
    const idle: UnitTest = {
      interval: '1m',
      input_series: sliSeries('checkout', [{ minutes: 60, good: 0, bad: 0 }]),
      alert_rule_test: [noAlerts('60m')],
      promql_expr_test: [
        { expr: 'slokit:sli_error_ratio:rate5m', eval_time: '60m', exp_samples: [] },
        { expr: 'slokit:sli_error_ratio:rate30d', eval_time: '60m', exp_samples: [] },
        { expr: 'slokit:sli_error_budget_remaining:ratio', eval_time: '60m', exp_samples: [] },
        {
          expr: 'slokit:sli_objective:ratio',
          eval_time: '60m',
          exp_samples: [{ labels: 'slokit:sli_objective:ratio{slokit_sli_name="checkout"}', value: 0.999 }],
        },
      ],
    };
    const result = await testRules(yaml, { evaluation_interval: '1m', tests: [idle] });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});
