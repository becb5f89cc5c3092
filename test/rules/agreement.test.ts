// The in-process evaluator (SliWindows + evaluateBurn) and the generated Prometheus rules (run by
// promtool) judge one synthetic scenario alike: the same tiers fire at the same times.
//
// Where they may differ, and why the checked times avoid it: Prometheus evaluates rate() and
// increase() over [T − W, T] on samples taken every whole minute, extrapolating when the first or
// last sample is not on the window's edge; SliWindows at T sums whole-minute buckets, the current
// one (still empty at T) and the W − 1 full minutes before it, so its window starts one minute
// later. A burn rate within about one minute's worth of traffic of a tier's factor (or an event count
// within a minute of minEvents) can therefore be judged differently for a minute. Every checked time
// keeps each burn rate at least 5% away from its factor and each long window's event count away
// from minEvents; the test checks that margin too, so a change of scenario cannot sneak onto an edge.
import { describe, expect, it } from 'vitest';
import { defineSli } from '../../src/index.js';
import { evaluateBurn } from '../../src/budget/alerts.js';
import { SliWindows } from '../../src/budget/windows.js';
import { toPrometheusRules, toYaml } from '../../src/rules/index.js';
import { PROMTOOL, firing, sliSeries, testRules } from './promtool.js';
import type { AlertTest, Stretch } from './promtool.js';

const MINUTE = 60_000;
const PERIOD = 30 * 86_400_000;
const T0 = Date.UTC(2025, 0, 6); // minute 0 of the scenario, on an hour boundary

// 99.9% over 30 days: budget 0.1%, factors 14.4 (1h/5m), 6 (6h/30m), 3 (1d/2h), 1 (3d/6h).
const checkout = defineSli({ name: 'checkout', objective: '99.9%', window: '30d', good: { status: '2xx' } });
const search = defineSli({ name: 'search', objective: '99.9%', window: '30d', good: { status: '2xx' } });

// checkout, 2000 events a minute: a clean day; an hour at 1.8% errors (burn 18: pages, "2% of the
// month in 1h" takes 14.4); half an hour clean; seven hours at 0.35% (burn 3.5: a ticket, 10% of the
// month within 3 days).
const CHECKOUT: readonly Stretch[] = [
  { minutes: 1440, good: 2000, bad: 0 },
  { minutes: 60, good: 1964, bad: 36 },
  { minutes: 30, good: 2000, bad: 0 },
  { minutes: 420, good: 1993, bad: 7 },
];
// search: idle, then one failing request a minute for the last hour: a burn of 1000, on 60 events.
const SEARCH: readonly Stretch[] = [
  { minutes: 1890, good: 0, bad: 0 },
  { minutes: 60, good: 0, bad: 1 },
];

// Evaluation times (minutes): before the spike, at its end, 15 minutes after it, at the end.
const TIMES = [1440, 1500, 1515, 1950] as const;

type Firing = readonly (readonly [sli: string, long: string])[];

/** The tiers firing in-process at each time, evaluating as the minutes go by (as the kit does). */
function inProcess(minEvents: number): Map<number, Firing> {
  const series = [
    { sli: checkout, stretches: CHECKOUT, windows: new SliWindows(PERIOD) },
    { sli: search, stretches: SEARCH, windows: new SliWindows(PERIOD) },
  ];
  const perMinute = (stretches: readonly Stretch[], minute: number): Stretch => {
    let start = 0;
    for (const s of stretches) {
      if (minute < start + s.minutes) return s;
      start += s.minutes;
    }
    throw new Error(`minute ${minute} is past the scenario`);
  };
  const result = new Map<number, Firing>();
  let minute = 0;
  for (const time of TIMES) {
    // The events of minute m happen between the samples at m and m + 1, stamped mid-minute.
    for (; minute < time; minute++) {
      for (const { stretches, windows } of series) {
        const { good, bad } = perMinute(stretches, minute);
        windows.add(T0 + minute * MINUTE + 30_000, good, bad);
      }
    }
    const fired: (readonly [string, string])[] = [];
    for (const { sli, windows } of series) {
      const evaluation = evaluateBurn(windows, sli.objective, PERIOD, T0 + time * MINUTE, { minEvents });
      for (const tier of evaluation.tiers) {
        // Stay off the edges (see the top of the file).
        for (const burn of [tier.longBurnRate, tier.shortBurnRate]) {
          expect(
            Math.abs(burn - tier.factor) / tier.factor,
            `${sli.name} ${tier.windows} at ${time}m`,
          ).toBeGreaterThanOrEqual(0.05);
        }
        if (minEvents > 0) expect(Math.abs(tier.eligible - minEvents)).toBeGreaterThanOrEqual(5);
        if (tier.firing) fired.push([sli.name, tier.windows.split('/')[0]!]);
      }
    }
    result.set(time, fired);
  }
  return result;
}

describe.skipIf(PROMTOOL === undefined)('in-process evaluation and generated rules agree', () => {
  it.each([100, 50])(
    'on a spike, a recovery, a slow burn and a quiet SLI, with minEvents %i',
    async (minEvents) => {
      const expected = inProcess(minEvents);
      // The scenario is not vacuous: in-process, the spike pages, its end clears the page, the slow
      // burn opens a ticket, and the quiet SLI fires everything only without the guard.
      const quiet =
        minEvents === 50 ? (['1h', '6h', '1d', '3d'] as const).map((long) => ['search', long] as const) : [];
      expect(Object.fromEntries(expected)).toEqual({
        1440: [],
        1500: [['checkout', '1h']],
        1515: [],
        1950: [['checkout', '3d'], ...quiet],
      });

      const rules = toPrometheusRules([checkout, search], { minEvents });
      const alertTests: AlertTest[] = TIMES.map((time) => ({
        eval_time: `${time}m`,
        alertname: 'SlokitErrorBudgetBurn',
        exp_alerts: expected.get(time)!.map(([sli, long]) => firing(rules, sli, long)),
      }));
      const result = await testRules(toYaml(rules), {
        evaluation_interval: '5m',
        tests: [
          {
            interval: '1m',
            input_series: [...sliSeries('checkout', CHECKOUT), ...sliSeries('search', SEARCH)],
            alert_rule_test: alertTests,
          },
        ],
      });
      expect(result.output).toContain('SUCCESS');
      expect(result.code).toBe(0);
    },
  );
});
