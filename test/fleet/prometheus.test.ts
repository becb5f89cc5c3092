// Fleet-wide figures read back from a real Prometheus (Debian's package), on four days of backfilled
// history of two instances of the example shop, with the generated rules loaded and their recording
// rules evaluated over the history (backfill.ts says how, and why the samples are aligned).
//
// The history, per minute (minute 0 is the exporter's zero series, before any traffic):
//
//   checkout (99.9%, 28d)          app-1: 30 good, 1 bad every hour      app-2: 20 good, 1 bad every 90 min
//   api-availability (99.5%, 28d)  app-1: 40 good, 1 bad every 30 min    app-2: 35 good, 1 bad every 45 min
//   app-2 restarts at minute 2500: its counters start again from 0.
//   the incident, 30 minutes from minute 5820 (4 days and 1 hour in): checkout app-1 3 bad of 30,
//   app-2 12 bad of 20; api-availability app-2 4 bad of 35.
//
// Before the incident checkout has about 44% of its budget left, after it the budget is overspent
// (about -109%); api-availability keeps about 80%. Every figure fleetStatus reports is compared with
// the same figure computed here from the events the history holds: they agree to nine significant
// digits (Prometheus's own arithmetic), where four would do.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPrometheusRules, toYaml } from 'slokit/rules';
import { fleetStatus } from 'slokit/fleet';
import type { FleetSliStatus } from 'slokit/fleet';
import { slis } from './fixtures/slis.js';
import {
  MINUTE_MS,
  PROMETHEUS,
  PROMTOOL,
  backfillHistory,
  backfillRules,
  probeOffsets,
  startPrometheus,
} from './backfill.js';
import type { HistorySeries, PrometheusProcess } from './backfill.js';
import { main } from '../../src/cli/main.js';
import { rounded } from '../../src/doc/numbers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MODULE = 'test/fleet/fixtures/slis.ts';

/** `slokit budget` in-process. */
async function budget(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['budget', ...args], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: root,
    isTty: false,
  });
  return { code, stdout, stderr };
}

/** `slokit budget` as a pipeline runs it: a child process, from the sources through tsx. */
function budgetProcess(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'budget', ...args],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number')
          reject(new Error(error.message, { cause: error }));
        else
          resolve({
            code: error === null ? 0 : (error.code as number),
            stdout,
            stderr,
            ms: Date.now() - started,
          });
      },
    );
  });
}

const T0 = Date.UTC(2025, 2, 6, 11, 0, 0);
const INCIDENT = 4 * 1440 + 60;
const INCIDENT_MINUTES = 30;
const MINUTES = INCIDENT + INCIDENT_MINUTES + 5;
const RESTART = 2500;
const INSTANCES = ['app-1:9464', 'app-2:9464'] as const;
const NAMES = slis.map((sli) => sli.name);
const SELECTOR = { job: 'shop' };
const DAY_MS = 86_400_000;

interface Events {
  readonly good: number;
  readonly bad: number;
}

/** The events of one SLI on one instance in minute `m` of the history. */
function traffic(sli: string, instance: number, m: number): Events {
  if (m === 0) return { good: 0, bad: 0 };
  const incident = m >= INCIDENT && m < INCIDENT + INCIDENT_MINUTES;
  const every = (n: number, at: number, total: number): Events =>
    m % n === at ? { good: total - 1, bad: 1 } : { good: total, bad: 0 };
  if (sli === 'checkout') {
    if (instance === 0) return incident ? { good: 27, bad: 3 } : every(60, 7, 30);
    return incident ? { good: 8, bad: 12 } : every(90, 11, 20);
  }
  if (instance === 0) return every(30, 3, 40);
  return incident ? { good: 31, bad: 4 } : every(45, 20, 35);
}

let offsets: ReadonlyMap<string, number> = new Map();
const offsetOf = (sli: string): number => offsets.get(`slokit-${sli}`)!;
/** When minute `m`'s events of `sli` appear in its counters: at its rule group's offset. */
const stamp = (sli: string, m: number): number => T0 + m * MINUTE_MS + offsetOf(sli);
/** A query time: minute `m` at the checkout group's offset, where every series has a sample. */
const at = (m: number): number => stamp('checkout', m);

/** The ground truth: events of `sli` on all instances stamped in (t − window, t]. */
function truth(sli: string, t: number, windowMs: number): Events {
  let good = 0;
  let bad = 0;
  for (let m = 0; m < MINUTES; m++) {
    const s = stamp(sli, m);
    if (s <= t - windowMs || s > t) continue;
    for (let i = 0; i < INSTANCES.length; i++) {
      const e = traffic(sli, i, m);
      good += e.good;
      bad += e.bad;
    }
  }
  return { good, bad };
}

/** Every counter series, sampled once a minute at every group's offset. */
function history(): HistorySeries[] {
  const grid = [...new Set(offsets.values())].sort((a, b) => a - b);
  const series: HistorySeries[] = [];
  for (const sli of NAMES) {
    for (let i = 0; i < INSTANCES.length; i++) {
      for (const outcome of ['good', 'bad'] as const) {
        const samples: [number, number][] = [];
        let value = 0;
        for (let m = 0; m < MINUTES; m++) {
          for (const g of grid) {
            if (i === 1 && m === RESTART && g === grid[0]) value = 0;
            if (g === offsetOf(sli)) value += traffic(sli, i, m)[outcome];
            samples.push([T0 + m * MINUTE_MS + g, value]);
          }
        }
        series.push({
          labels: {
            job: 'shop',
            instance: INSTANCES[i]!,
            slokit_sli_name: sli,
            slokit_sli_outcome: outcome,
            ...(outcome === 'bad' ? { slokit_sli_reason: 'status' } : {}),
          },
          samples,
        });
      }
    }
  }
  return series;
}

/** What fleetStatus should report for one SLI at `t`, from the ground truth. */
function expected(sli: (typeof slis)[number], t: number) {
  const budget = Number((1 - sli.objective).toFixed(15));
  const ratio = (w: number): number | null => {
    const e = truth(sli.name, t, w);
    return e.good + e.bad > 0 ? e.bad / (e.good + e.bad) : null;
  };
  const burn = (w: number): number | null => {
    const r = ratio(w);
    return r === null ? null : r / budget;
  };
  const period = truth(sli.name, t, sli.windowMs);
  const remaining = 1 - ratio(sli.windowMs)! / budget;
  const tiers = [
    ['page', 0.02, 60, 5],
    ['page', 0.05, 360, 30],
    ['ticket', 0.1, 1440, 120],
    ['ticket', 0.1, 4320, 360],
  ] as const;
  const tierFigures = tiers.map(([severity, share, long, short]) => {
    const factor = (share * 28 * 1440) / long;
    const longBurn = burn(long * MINUTE_MS) ?? 0;
    const shortBurn = burn(short * MINUTE_MS) ?? 0;
    const eligible = truth(sli.name, t, long * MINUTE_MS);
    return {
      severity,
      factor,
      longBurn,
      shortBurn,
      eligible: eligible.good + eligible.bad,
      firing: longBurn > factor && shortBurn > factor && eligible.good + eligible.bad >= 100,
    };
  });
  const hourBurn = burn(60 * MINUTE_MS) ?? 0;
  return {
    good: period.good,
    bad: period.bad,
    compliance: 1 - ratio(sli.windowMs)!,
    budgetRemaining: remaining,
    budgetRemainingEvents: budget * (period.good + period.bad) - period.bad,
    burnRates: Object.fromEntries(
      (
        [
          ['5m', 5],
          ['30m', 30],
          ['1h', 60],
          ['2h', 120],
          ['6h', 360],
          ['1d', 1440],
          ['3d', 4320],
        ] as const
      ).map(([w, minutes]) => [w, burn(minutes * MINUTE_MS)]),
    ),
    tiers: tierFigures,
    timeToExhaustionMs: remaining <= 0 ? 0 : hourBurn > 0 ? (remaining * sli.windowMs) / hourBurn : null,
  };
}

/** Nine significant digits: Prometheus's float arithmetic, nothing else. */
function close(actual: number | null, wanted: number | null, what: string): void {
  if (wanted === null || actual === null) {
    expect(actual, what).toBe(wanted);
    return;
  }
  const scale = Math.max(Math.abs(wanted), 1e-12);
  expect(Math.abs(actual - wanted) / scale, `${what}: ${actual} vs ${wanted}`).toBeLessThan(1e-9);
}

function checkAgainstTruth(status: FleetSliStatus, t: number): void {
  const sli = slis.find((s) => s.name === status.name)!;
  const want = expected(sli, t);
  const name = status.name;
  close(status.good, want.good, `${name} good`);
  close(status.bad, want.bad, `${name} bad`);
  expect(status.eligible).toBeCloseTo(want.good + want.bad, 6);
  close(status.compliance, want.compliance, `${name} compliance`);
  close(status.budgetRemaining, want.budgetRemaining, `${name} budget remaining`);
  close(status.budgetRemainingEvents, want.budgetRemainingEvents, `${name} budget remaining events`);
  for (const [w, value] of Object.entries(want.burnRates))
    close(status.burnRates[w]!, value, `${name} burn ${w}`);
  expect(status.alerts.tiers.map((tier) => [tier.severity, tier.firing])).toEqual(
    want.tiers.map((tier) => [tier.severity, tier.firing]),
  );
  status.alerts.tiers.forEach((tier, i) => {
    const w = want.tiers[i]!;
    close(tier.factor, w.factor, `${name} factor ${tier.windows}`);
    close(tier.longBurnRate, w.longBurn, `${name} long burn ${tier.windows}`);
    close(tier.shortBurnRate, w.shortBurn, `${name} short burn ${tier.windows}`);
    close(tier.eligible, w.eligible, `${name} eligible ${tier.windows}`);
  });
  close(status.timeToExhaustionMs, want.timeToExhaustionMs, `${name} time to exhaustion`);
  // The oldest sample is found to within one step of the subquery, 41 minutes for 28 days.
  expect(Math.abs(status.observedMs - (t - T0))).toBeLessThanOrEqual(41 * MINUTE_MS);
  expect(status).toMatchObject({ scope: 'fleet', at: t, series: 4, data: 'ok', warnings: [], dropped: 0 });
}

describe.skipIf(PROMETHEUS === undefined || PROMTOOL === undefined)(
  'fleet status from a real Prometheus, on backfilled history',
  () => {
    let dir = '';
    let prometheus: PrometheusProcess | undefined;
    const before = (): number => at(INCIDENT - 1);
    const after = (): number => at(INCIDENT + INCIDENT_MINUTES - 1);

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'slokit-fleet-'));
      const rulesFile = 'slokit-rules.yaml';
      const rules = toPrometheusRules(slis, { selector: SELECTOR });
      const groups = rules.groups.map((g) => g.name);
      // The rules are evaluated a little before the incident to its end; the probe uses the same range.
      const startS = Math.floor((T0 + (INCIDENT - 6) * MINUTE_MS) / 1000);
      const endS = Math.floor((T0 + (INCIDENT + INCIDENT_MINUTES + 1) * MINUTE_MS) / 1000);

      const empty = await startPrometheus(dir, path.join(dir, 'empty'), []);
      try {
        offsets = await probeOffsets(dir, rulesFile, groups, empty.url, startS, endS);
      } finally {
        await empty.stop();
      }

      const data = path.join(dir, 'data');
      await backfillHistory(dir, data, 'slokit_sli_events_total', history());
      await writeFile(path.join(dir, rulesFile), toYaml(rules));
      // The backfiller evaluates recording rules only; it gets a copy without the alerts, under the
      // same file name (the name sets the groups' evaluation offsets).
      const recordingOnly = path.join(dir, 'recording');
      await mkdir(recordingOnly);
      await writeFile(
        path.join(recordingOnly, rulesFile),
        toYaml({ groups: rules.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => 'record' in r) })) }),
      );
      const loading = await startPrometheus(dir, data, [rulesFile]);
      try {
        await backfillRules(recordingOnly, rulesFile, loading.url, startS, endS, data);
      } finally {
        await loading.stop();
      }
      prometheus = await startPrometheus(dir, data, [rulesFile]);
    }, 90_000);

    afterAll(async () => {
      await prometheus?.stop();
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    }, 20_000);

    it('holds recorded ratios exactly at the query instants (the test itself is sound)', async () => {
      const query = new URL('/api/v1/query', prometheus!.url);
      query.searchParams.set('query', 'timestamp(slokit:sli_error_ratio:rate5m{slokit_sli_name="checkout"})');
      query.searchParams.set('time', (after() / 1000).toFixed(3));
      const body = (await (await fetch(query)).json()) as { data: { result: { value: [number, string] }[] } };
      expect(body.data.result.map((r) => Number(r.value[1]) * 1000)).toEqual([after()]);
    });

    it('reports the ground truth before the incident: budget left, no alert, from the recording rules', async () => {
      const fleet = await fleetStatus({
        prometheus: prometheus!.url,
        slis,
        selector: SELECTOR,
        at: before(),
      });
      expect(fleet).toMatchObject({ scope: 'fleet', at: before(), prometheus: prometheus!.url });
      for (const status of fleet.slis) {
        checkAgainstTruth(status, before());
        expect(status.source).toBe('recording-rules');
      }
      const [checkout, api] = fleet.slis;
      expect(checkout!.budgetRemaining).toBeCloseTo(0.44, 2);
      expect(api!.budgetRemaining).toBeCloseTo(0.85, 2);
      expect([checkout!.alerts.page.state, checkout!.alerts.ticket.state]).toEqual(['ok', 'ok']);
    });

    it('reports the ground truth after the incident: the budget overspent, page and ticket firing', async () => {
      const fleet = await fleetStatus({ prometheus: prometheus!.url, slis, selector: SELECTOR, at: after() });
      for (const status of fleet.slis) {
        checkAgainstTruth(status, after());
        expect(status.source).toBe('recording-rules');
      }
      const [checkout, api] = fleet.slis;
      expect(checkout!.budgetRemaining).toBeCloseTo(-1.09, 2);
      expect(checkout!.timeToExhaustionMs).toBe(0);
      expect(checkout!.alerts.page).toMatchObject({
        state: 'firing',
        windows: '1h/5m',
        since: null,
        conditionMet: true,
      });
      expect(checkout!.alerts.ticket).toMatchObject({ state: 'firing', windows: '1d/2h' });
      expect(api!.budgetRemaining).toBeCloseTo(0.8, 1);
      expect(api!.alerts.page.state).toBe('ok');
    });

    it('falls back to the raw counters where the rules were not evaluated, or carry other labels, with the same figures', async () => {
      const earlier = at(INCIDENT - 600);
      const fleet = await fleetStatus({ prometheus: prometheus!.url, slis, selector: SELECTOR, at: earlier });
      for (const status of fleet.slis) {
        checkAgainstTruth(status, earlier);
        expect(status.source).toBe('raw-counters');
      }
      const labelled = await fleetStatus({
        prometheus: prometheus!.url,
        slis,
        selector: SELECTOR,
        labels: { team: 'shop' },
        at: after(),
      });
      for (const status of labelled.slis) {
        checkAgainstTruth(status, after());
        expect(status.source).toBe('raw-counters');
      }
    });

    it('says "no-series" for an SLI Prometheus holds nothing of, and for a selector that matches nothing', async () => {
      const fleet = await fleetStatus({
        prometheus: prometheus!.url,
        slis,
        selector: { job: 'shop-typo' },
        at: after(),
      });
      expect(fleet.slis.map((s) => [s.name, s.data, s.series, s.eligible])).toEqual([
        ['checkout', 'no-series', 0, 0],
        ['api-availability', 'no-series', 0, 0],
      ]);
    });

    it('covers the days Prometheus holds', async () => {
      const [checkout] = (
        await fleetStatus({ prometheus: prometheus!.url, slis, selector: SELECTOR, at: after() })
      ).slis;
      expect(checkout!.observedRatio).toBeCloseTo((after() - T0) / (28 * DAY_MS), 2);
    });

    describe('slokit budget', () => {
      const flags = (t: number): string[] => [
        MODULE,
        '--prometheus',
        prometheus!.url,
        '--selector',
        'job=shop',
        '--at',
        new Date(t).toISOString(),
      ];

      it('prints as JSON exactly what fleetStatus returns', async () => {
        const { code, stdout, stderr } = await budget(...flags(after()), '--format', 'json');
        expect([code, stderr]).toEqual([0, '']);
        const fleet = await fleetStatus({
          prometheus: prometheus!.url,
          slis,
          selector: SELECTOR,
          at: after(),
        });
        expect(JSON.parse(stdout)).toEqual({ ...JSON.parse(JSON.stringify(fleet)), gate: null });
      });

      it('prints a table with the ground-truth budgets, burn rates and firing tiers', async () => {
        const { code, stdout, stderr } = await budget(...flags(after()));
        expect([code, stderr]).toEqual([0, '']);
        const lines = stdout.split('\n');
        expect(lines[0]).toBe(
          `Fleet error budgets from ${prometheus!.url} at ${new Date(after()).toISOString()}`,
        );
        expect(lines[2]).toMatch(
          /^SLI +objective +budget left +compliance +bad \/ eligible +burn 5m +1h +6h +1d +3d +firing +exhausted in +from$/,
        );
        const [checkout, api] = slis.map((sli) => expected(sli, after()));
        const row = (line: string): string[] => line.split(/ {2,}/);
        expect(row(lines[3]!)).toEqual([
          'checkout',
          '99.9% / 28d',
          `${rounded(checkout!.budgetRemaining * 100)}%`,
          `${rounded(checkout!.compliance * 100, 5)}%`,
          `${checkout!.bad} / ${(checkout!.good + checkout!.bad).toLocaleString('en-US')}`,
          ...['5m', '1h', '6h', '1d', '3d'].map((w) => rounded(checkout!.burnRates[w]!)),
          'page 1h/5m, ticket 1d/2h',
          'spent',
          'rules',
        ]);
        expect(row(lines[4]!).slice(0, 3)).toEqual([
          'api-availability',
          '99.5% / 28d',
          `${rounded(api!.budgetRemaining * 100)}%`,
        ]);
      });

      it('writes the weekly report as Markdown', async () => {
        const { code, stdout } = await budget(...flags(before()), '--format', 'markdown');
        expect(code).toBe(0);
        expect(stdout.split('\n').slice(0, 6)).toEqual([
          `## Error budgets at ${new Date(before()).toISOString()}`,
          '',
          `Fleet-wide, from Prometheus (${prometheus!.url}), over each SLI's window.`,
          '',
          '| SLI | objective | budget left | compliance | bad / eligible | burn 5m | 1h | 6h | 1d | 3d | firing | exhausted in | from |',
          '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
        ]);
        expect(stdout).toContain(
          `| checkout | 99.9% / 28d | ${rounded(expected(slis[0]!, before()).budgetRemaining * 100)}% |`,
        );
      });

      it('passes the gate before the incident (exit 0) and fails it after (exit 1), naming the SLI', async () => {
        const pass = await budget(...flags(before()), '--fail-under', '25%');
        expect([pass.code, pass.stderr]).toEqual([
          0,
          'slokit: every SLI has at least 25% of its error budget left\n',
        ]);
        const fail = await budget(...flags(after()), '--fail-under', '25%');
        expect(fail.code).toBe(1);
        expect(fail.stderr).toBe(
          `slokit: "checkout" has ${rounded(expected(slis[0]!, after()).budgetRemaining * 100)}% of its error budget left, under --fail-under 25%: hold releases\n`,
        );
        expect(fail.stdout).toContain('checkout');
        // The gate judges the SLIs selected: api-availability alone still has its budget.
        const api = await budget(...flags(after()), '--fail-under', '25%', '--sli', 'api-availability');
        expect(api.code).toBe(0);
        const json = await budget(...flags(after()), '--fail-under', '25%', '--format', 'json');
        expect(JSON.parse(json.stdout).gate).toEqual({
          failUnder: 0.25,
          passed: false,
          failing: ['checkout'],
          unknown: [],
        });
      });

      it('exits 3 for an SLI Prometheus holds nothing of, under the gate', async () => {
        const { code, stderr } = await budget(
          MODULE,
          '--prometheus',
          prometheus!.url,
          '--selector',
          'job=nope',
          '--at',
          new Date(after()).toISOString(),
          '--fail-under',
          '25%',
          '--sli',
          'checkout',
        );
        expect(code).toBe(3);
        expect(stderr).toBe(
          'slokit: warning: Prometheus holds no slokit_sli_events_total{slokit_sli_name="checkout",job="nope"} series in the last 28d: is the service scraped, and is the selector right?\n' +
            'slokit: cannot judge the budget of "checkout": Prometheus has no usable data for it\n',
        );
      });

      it('exits 3 within the timeout once Prometheus is stopped, as a process a pipeline runs', async () => {
        await prometheus!.stop();
        const result = await budgetProcess(...flags(after()), '--fail-under', '25%', '--timeout', '5s');
        expect(result.code).toBe(3);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(
          `slokit: cannot reach Prometheus at ${prometheus!.url}: connect ECONNREFUSED 127.0.0.1:${prometheus!.port} [SLOKIT_E_FLEET_UNAVAILABLE]\n`,
        );
        // The process, tsx's start included, ends well within the 5 s timeout.
        expect(result.ms).toBeLessThan(5_000);
      });
    });
  },
);
