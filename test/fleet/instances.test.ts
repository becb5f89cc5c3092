// Fleet-wide figures from two real instances of the test shop (each a process of its own running
// startTelemetry, judged by the example SLIs, serving /metrics), through a real Prometheus with the
// generated rules loaded. The test is Prometheus's scraper: for each minute of a staged history it
// sends that minute's requests to each instance over loopback, then reads both instances' /metrics
// and keeps what the exporter wrote, with the `job` and `instance` labels a scrape adds. Those
// scrapes are backfilled at exact minute marks (promtool tsdb create-blocks-from openmetrics; see
// backfill.ts for why the samples must be aligned), the recording rules are evaluated over them
// (... from rules), and fleetStatus() and `slokit budget` must report what the requests the test
// sent add up to.
//
// The history, 112 minutes (minute 0 is the exporters' zero series, before any request):
//
//   app-1: 4 checkouts and 1 catalog read a minute; the catalog read fails (503) at minutes 30 and 70
//   app-2: 3 checkouts a minute
//   the incident, minutes 100 to 109: app-1 fails 2 of its 4 checkouts, app-2 1 of its 3
//
// Before the incident checkout's budget is untouched and api-availability has about half of its
// budget left (2 bad in 792); after it both budgets are overspent and checkout pages.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
import { REQUESTS, send } from '../setup/fixtures/shop.js';
import type { PlannedRequest } from '../setup/fixtures/shop.js';
import { startShop } from '../setup/fixtures/spawn.js';
import type { ShopProcess } from '../setup/fixtures/spawn.js';
import { main } from '../../src/cli/main.js';
import { rounded } from '../../src/doc/numbers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MODULE = 'test/fleet/fixtures/slis.ts';
const T0 = Date.UTC(2025, 5, 2, 8, 0, 0);
const MINUTES = 112;
const INCIDENT = 100;
const INCIDENT_MINUTES = 10;
const INSTANCES = ['app-1:9464', 'app-2:9464'] as const;
const SELECTOR = { job: 'shop' };

/** The requests the test sends to instance `i` in minute `m`. */
function plan(i: number, m: number): PlannedRequest[] {
  if (m === 0) return [];
  const incident = m >= INCIDENT && m < INCIDENT + INCIDENT_MINUTES;
  const { checkout, failedCheckout, catalog, failedCatalog } = REQUESTS;
  if (i === 0) {
    const read = m === 30 || m === 70 ? failedCatalog : catalog;
    return incident
      ? [failedCheckout, checkout, failedCheckout, checkout, read]
      : [checkout, checkout, checkout, checkout, read];
  }
  return incident ? [checkout, failedCheckout, checkout] : [checkout, checkout, checkout];
}

/** The verdicts the requests of minute `m` on instance `i` must get, per SLI and outcome. */
function sent(sli: string, i: number, m: number): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (const request of plan(i, m)) {
    const verdict = (request.verdicts as Record<string, string>)[sli];
    if (verdict === 'good') good++;
    else if (verdict !== undefined) bad++;
  }
  return { good, bad };
}

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

/** The slokit_sli_events_total samples of one exposition, by their label set. */
function parseExposition(text: string): Map<string, { labels: Record<string, string>; value: number }> {
  const series = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const line of text.split('\n')) {
    const match = /^slokit_sli_events_total\{(.*)\} (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of match[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!;
    series.set(match[1]!, { labels, value: Number(match[2]) });
  }
  return series;
}

describe.skipIf(PROMETHEUS === undefined || PROMTOOL === undefined)(
  'fleet status from two real instances, scraped into Prometheus',
  () => {
    let dir = '';
    let prometheus: PrometheusProcess | undefined;
    const shops: ShopProcess[] = [];
    let offsets: ReadonlyMap<string, number> = new Map();
    const offsetOf = (sli: string): number => offsets.get(`slokit-${sli}`)!;
    const stamp = (sli: string, m: number): number => T0 + m * MINUTE_MS + offsetOf(sli);
    const at = (m: number): number => stamp('checkout', m);
    const before = (): number => at(INCIDENT - 1);
    const after = (): number => at(INCIDENT + INCIDENT_MINUTES - 1);

    /** The ground truth: what the test sent for `sli`, on both instances, stamped in (t − w, t]. */
    function truth(sli: string, t: number, windowMs: number): { good: number; bad: number } {
      let good = 0;
      let bad = 0;
      for (let m = 0; m < MINUTES; m++) {
        const s = stamp(sli, m);
        if (s <= t - windowMs || s > t) continue;
        for (let i = 0; i < INSTANCES.length; i++) {
          good += sent(sli, i, m).good;
          bad += sent(sli, i, m).bad;
        }
      }
      return { good, bad };
    }

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'slokit-fleet-instances-'));
      const rulesFile = 'slokit-rules.yaml';
      const rules = toPrometheusRules(slis, { selector: SELECTOR });
      const startS = Math.floor(T0 / 1000);
      const endS = Math.floor((T0 + MINUTES * MINUTE_MS) / 1000);
      const [empty, ...started] = await Promise.all([
        startPrometheus(dir, path.join(dir, 'empty'), []),
        startShop({ OTEL_SERVICE_NAME: 'shop' }),
        startShop({ OTEL_SERVICE_NAME: 'shop' }),
      ]);
      shops.push(...started);
      try {
        offsets = await probeOffsets(
          dir,
          rulesFile,
          rules.groups.map((g) => g.name),
          empty.url,
          startS,
          endS,
        );
      } finally {
        await empty.stop();
      }

      // Each minute: that minute's requests to both instances, then one scrape of each.
      const scrapes: Map<string, { labels: Record<string, string>; value: number }>[][] = [[], []];
      for (let m = 0; m < MINUTES; m++) {
        await Promise.all(
          shops.map(async (shop, i) => {
            for (const request of plan(i, m)) expect(await send(shop.port, request)).toBe(request.status);
            const text = await (await fetch(`http://127.0.0.1:${shop.port}/metrics`)).text();
            scrapes[i]!.push(parseExposition(text));
          }),
        );
      }

      // The history: every series each instance exported, at every rule group's offset of each
      // minute, taking minute m's value from its SLI's offset on (as in prometheus.test.ts).
      const grid = [...new Set(offsets.values())].sort((a, b) => a - b);
      const history: HistorySeries[] = [];
      scrapes.forEach((byMinute, i) => {
        for (const [key, { labels }] of byMinute[0]!) {
          const sli = labels.slokit_sli_name!;
          if (!slis.some((s) => s.name === sli)) continue;
          const samples: [number, number][] = [];
          for (let m = 0; m < MINUTES; m++) {
            for (const g of grid) {
              const minute = g >= offsetOf(sli) ? m : Math.max(0, m - 1);
              samples.push([T0 + m * MINUTE_MS + g, byMinute[minute]!.get(key)!.value]);
            }
          }
          history.push({ labels: { job: 'shop', instance: INSTANCES[i]!, ...labels }, samples });
        }
      });
      // The exporters counted what the test sent, minute by minute: the shop judged every request
      // as planned (a slow machine making a checkout miss 300 ms would show here first).
      for (const sli of slis) {
        scrapes.forEach((byMinute, i) => {
          let good = 0;
          let bad = 0;
          byMinute.forEach((series, m) => {
            good += sent(sli.name, i, m).good;
            bad += sent(sli.name, i, m).bad;
            const exported = { good: 0, bad: 0 };
            for (const { labels, value } of series.values()) {
              if (labels.slokit_sli_name !== sli.name) continue;
              exported[labels.slokit_sli_outcome as 'good' | 'bad'] += value;
            }
            expect(exported, `${sli.name} on ${INSTANCES[i]} after minute ${m}`).toEqual({ good, bad });
          });
        });
      }

      const data = path.join(dir, 'data');
      await backfillHistory(dir, data, 'slokit_sli_events_total', history);
      await writeFile(path.join(dir, rulesFile), toYaml(rules));
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
    }, 120_000);

    afterAll(async () => {
      await Promise.all(shops.map((shop) => shop.stop()));
      await prometheus?.stop();
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    }, 20_000);

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
      const budgetShare = Number((1 - sli.objective).toFixed(15));
      const burn = (minutes: number): number | null => {
        const e = truth(sli.name, t, minutes * MINUTE_MS);
        return e.good + e.bad > 0 ? e.bad / (e.good + e.bad) / budgetShare : null;
      };
      const period = truth(sli.name, t, sli.windowMs);
      const ratio = period.bad / (period.good + period.bad);
      const name = status.name;
      close(status.good, period.good, `${name} good`);
      close(status.bad, period.bad, `${name} bad`);
      close(status.compliance, 1 - ratio, `${name} compliance`);
      close(status.budgetRemaining, 1 - ratio / budgetShare, `${name} budget remaining`);
      const windows = { '5m': 5, '30m': 30, '1h': 60, '2h': 120, '6h': 360, '1d': 1440, '3d': 4320 };
      for (const [w, minutes] of Object.entries(windows)) {
        close(status.burnRates[w]!, burn(minutes), `${name} burn ${w}`);
      }
      const tiers = [
        [0.02, 60, 5],
        [0.05, 360, 30],
        [0.1, 1440, 120],
        [0.1, 4320, 360],
      ] as const;
      expect(status.alerts.tiers.map((tier) => tier.firing)).toEqual(
        tiers.map(([share, long, short]) => {
          const factor = (share * 28 * 1440) / long;
          const eligible = truth(sli.name, t, long * MINUTE_MS);
          return (
            (burn(long) ?? 0) > factor && (burn(short) ?? 0) > factor && eligible.good + eligible.bad >= 100
          );
        }),
      );
      // Two instances, each exporting a good series and one bad series per reason.
      const series = sli.name === 'checkout' ? 2 * 5 : 2 * 3;
      expect(status).toMatchObject({ scope: 'fleet', at: t, series, data: 'ok', warnings: [] });
      expect(status.source).toBe('recording-rules');
    }

    it('reports what the requests sent add up to, before and after the incident', async () => {
      const ahead = await fleetStatus({
        prometheus: prometheus!.url,
        slis,
        selector: SELECTOR,
        at: before(),
      });
      for (const status of ahead.slis) checkAgainstTruth(status, before());
      const [checkout, api] = ahead.slis;
      // 99 minutes of 7 checkouts and 1 catalog read on the two instances.
      expect(checkout).toMatchObject({ good: 693, bad: 0, budgetRemaining: 1 });
      expect(api).toMatchObject({ good: 790, bad: 2 });
      expect(api!.budgetRemaining).toBeCloseTo(1 - 2 / 792 / 0.005, 9);
      expect([checkout!.alerts.page.state, checkout!.alerts.ticket.state]).toEqual(['ok', 'ok']);

      const behind = await fleetStatus({
        prometheus: prometheus!.url,
        slis,
        selector: SELECTOR,
        at: after(),
      });
      for (const status of behind.slis) checkAgainstTruth(status, after());
      const [hit, apiHit] = behind.slis;
      expect(hit).toMatchObject({ good: 693 + 40, bad: 30 });
      expect(apiHit).toMatchObject({ good: 790 + 50, bad: 2 + 30 });
      expect(hit!.alerts.page).toMatchObject({ state: 'firing', windows: '1h/5m' });
    });

    it('passes the gate before the incident (exit 0), fails it after (exit 1), and exits 3 once Prometheus is stopped', async () => {
      const flags = (t: number): string[] => [
        MODULE,
        '--prometheus',
        prometheus!.url,
        '--selector',
        'job=shop',
        '--at',
        new Date(t).toISOString(),
        '--fail-under',
        '25%',
      ];
      const pass = await budget(...flags(before()));
      expect([pass.code, pass.stderr]).toEqual([
        0,
        'slokit: every SLI has at least 25% of its error budget left\n',
      ]);
      const row = (line: string | undefined): string[] => line!.split(/ {2,}/).slice(0, 5);
      const lines = pass.stdout.split('\n');
      expect([row(lines[3]), row(lines[4])]).toEqual([
        ['checkout', '99.9% / 28d', '100%', '100%', '0 / 693'],
        [
          'api-availability',
          '99.5% / 28d',
          `${rounded((1 - 2 / 792 / 0.005) * 100)}%`,
          `${rounded((1 - 2 / 792) * 100, 5)}%`,
          '2 / 792',
        ],
      ]);
      const fail = await budget(...flags(after()));
      expect([fail.code, fail.stderr]).toEqual([
        1,
        `slokit: "checkout" has ${rounded((1 - 30 / 763 / 0.001) * 100)}% of its error budget left, under --fail-under 25%: hold releases\n` +
          `slokit: "api-availability" has ${rounded((1 - 32 / 872 / 0.005) * 100)}% of its error budget left, under --fail-under 25%: hold releases\n`,
      ]);
      await prometheus!.stop();
      const down = await budget(...flags(after()), '--timeout', '5s');
      expect(down).toEqual({
        code: 3,
        stdout: '',
        stderr: `slokit: cannot reach Prometheus at ${prometheus!.url}: connect ECONNREFUSED 127.0.0.1:${prometheus!.port} [SLOKIT_E_FLEET_UNAVAILABLE]\n`,
      });
    });
  },
);
