// A real Prometheus (Debian's `prometheus` package) scraping two instances of the test shop, each a
// process of its own running startTelemetry and serving /metrics on its port. After a known mix of
// traffic, the Prometheus HTTP API must report exactly the ground truth.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { REQUESTS, expectedCounts, send } from './fixtures/shop.js';
import type { PlannedRequest } from './fixtures/shop.js';
import { startShop } from './fixtures/spawn.js';
import type { ShopProcess } from './fixtures/spawn.js';

const prometheusBin = requireTool(
  'prometheus',
  'Debian package "prometheus": sudo apt-get install -y prometheus',
);

const SLIS = ['checkout', 'api-availability', 'catalog-freshness'];

/** Instance A and B get different mixes, so a per-instance mix-up would show. */
const PLAN_A: PlannedRequest[] = [
  ...Array<PlannedRequest>(6).fill(REQUESTS.checkout),
  REQUESTS.slowCheckout,
  REQUESTS.failedCheckout,
  ...Array<PlannedRequest>(4).fill(REQUESTS.catalog),
  REQUESTS.staleCatalog,
  REQUESTS.notFound,
];
const PLAN_B: PlannedRequest[] = [
  ...Array<PlannedRequest>(3).fill(REQUESTS.checkout),
  ...Array<PlannedRequest>(2).fill(REQUESTS.failedCheckout),
  ...Array<PlannedRequest>(5).fill(REQUESTS.catalog),
  ...Array<PlannedRequest>(2).fill(REQUESTS.staleCatalog),
  REQUESTS.notFound,
  REQUESTS.notFound,
];

/** The ground truth of `sum by (slokit_sli_name, slokit_sli_outcome)`: every SLI, both outcomes. */
function groundTruth(plan: readonly PlannedRequest[]): Record<string, number> {
  const truth: Record<string, number> = {};
  for (const sli of SLIS) truth[`${sli}/good`] = truth[`${sli}/bad`] = 0;
  for (const [key, n] of Object.entries(expectedCounts(plan))) {
    const [sli, outcome] = key.split('/');
    truth[`${sli}/${outcome}`]! += n;
  }
  return truth;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(prometheusBin === undefined)('Prometheus scraping two instances', () => {
  const shops: ShopProcess[] = [];
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let api = '';
  let dir = '';

  async function query(promql: string): Promise<Sample[]> {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: Sample[] } };
    expect(body.status).toBe('success');
    return body.data.result;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'slokit-prometheus-'));
    shops.push(
      ...(await Promise.all([
        startShop({ OTEL_SERVICE_NAME: 'shop' }),
        startShop({ OTEL_SERVICE_NAME: 'shop' }),
      ])),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: slokit-shop',
        '    static_configs:',
        `      - targets: [${shops.map((shop) => `'127.0.0.1:${shop.port}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      prometheusBin!,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.setEncoding('utf8').on('data', (chunk: string) => (prometheusLog += chunk));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = await fetch(`${api}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline || prometheus.exitCode !== null) {
        throw new Error(`Prometheus did not become ready:\n${prometheusLog}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 40_000);

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all(shops.map((shop) => shop.stop()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('sum by (slokit_sli_name, slokit_sli_outcome) (slokit_sli_events_total) equals the ground truth', async () => {
    const [a, b] = shops;
    await Promise.all([
      (async () => {
        for (const request of PLAN_A) expect(await send(a!.port, request)).toBe(request.status);
      })(),
      (async () => {
        for (const request of PLAN_B) expect(await send(b!.port, request)).toBe(request.status);
      })(),
    ]);
    const truth = groundTruth([...PLAN_A, ...PLAN_B]);
    expect(truth).toEqual({
      'checkout/good': 9,
      'checkout/bad': 4,
      'api-availability/good': 22,
      'api-availability/bad': 3,
      'catalog-freshness/good': 9,
      'catalog-freshness/bad': 3,
    });

    // Scrapes run every second: wait until both instances' latest counts are in, then compare.
    const totals = async (): Promise<Record<string, number>> => {
      const samples = await query('sum by (slokit_sli_name, slokit_sli_outcome) (slokit_sli_events_total)');
      return Object.fromEntries(
        samples.map((s) => [
          `${s.metric.slokit_sli_name}/${s.metric.slokit_sli_outcome}`,
          Number(s.value[1]),
        ]),
      );
    };
    const deadline = Date.now() + 20_000;
    let seen = await totals();
    while (
      JSON.stringify(seen, Object.keys(truth).sort()) !== JSON.stringify(truth, Object.keys(truth).sort()) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      seen = await totals();
    }
    expect(seen).toEqual(truth);

    // Both targets are up, and each instance holds its own share.
    const up = await query('up{job="slokit-shop"}');
    expect(up.map((s) => Number(s.value[1]))).toEqual([1, 1]);
    const perInstance = await query(
      'sum by (instance) (slokit_sli_events_total{slokit_sli_name="api-availability"})',
    );
    const byPort = Object.fromEntries(
      perInstance.map((s) => [Number(s.metric.instance!.split(':')[1]), Number(s.value[1])]),
    );
    expect(byPort).toEqual({ [a!.port]: 13, [b!.port]: 12 });
    // Each bad event keeps its reason.
    const reasons = await query(
      'sum by (slokit_sli_reason) (slokit_sli_events_total{slokit_sli_name="checkout",slokit_sli_outcome="bad"})',
    );
    expect(Object.fromEntries(reasons.map((s) => [s.metric.slokit_sli_reason, Number(s.value[1])]))).toEqual({
      latency: 1,
      status: 3,
      error: 0,
      aborted: 0,
    });
  }, 45_000);
});
