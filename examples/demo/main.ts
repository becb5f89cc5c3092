// `npm run demo`: an example shop measured by slokit, under traffic with injected slowness and
// errors (one payment provider in trouble), with a live summary in the terminal. No network and no
// set-up needed: metrics are served at /metrics, the status page at /slo, and recent request spans
// are kept in memory. With OTEL_EXPORTER_OTLP_ENDPOINT set, traces and metrics also go to that
// collector. At the end it prints what kit.explain() finds different about the bad checkouts, and
// the wide event of a recent bad one.
//
//   npm run demo                          about 20 s of traffic, a summary, then exits
//   npm run demo -- --duration 60         a longer run
//   npm run demo -- --serve               keeps serving (/slo, /metrics) after the traffic, until Ctrl-C
//   npm run demo -- --port 3000 --seed 7  a fixed port; another random sequence
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createSlokit, formatExplanation } from 'slokit';
import type { Slokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';
import { slis } from '../slis.js';
import { PRODUCT_IDS, createShop } from './shop.js';
import type { Faults } from './shop.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    serve: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '0' },
    seed: { type: 'string', default: '42' },
  },
});
const durationMs = Number(args.duration) * 1000;
const port = Number(args.port);
if (!Number.isFinite(durationMs) || durationMs <= 0 || !Number.isInteger(port) || port < 0) {
  process.stderr.write('usage: npm run demo -- [--duration <seconds>] [--serve] [--port <n>] [--seed <n>]\n');
  process.exit(2);
}

const out = (text: string): boolean => process.stdout.write(text);
const tty = process.stdout.isTTY === true;

// A seeded generator (mulberry32), so two runs with the same seed send the same mix.
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = seeded(Number(args.seed));

/** The story the traffic tells: calm, an incident, recovery. */
const PHASES: readonly { until: number; name: string; faults: Faults }[] = [
  {
    until: 0.3,
    name: 'steady',
    faults: {
      troubledProvider: null,
      paymentSlowRatio: 0.005,
      paymentErrorRatio: 0,
      inventoryErrorRatio: 0.002,
      catalogStale: false,
    },
  },
  {
    until: 0.7,
    name: 'incident: acme-pay slow and failing, inventory errors, catalog sync stalled',
    faults: {
      troubledProvider: 'acme-pay',
      paymentSlowRatio: 0.5,
      paymentErrorRatio: 0.6,
      inventoryErrorRatio: 0.03,
      catalogStale: true,
    },
  },
  {
    until: 1,
    name: 'recovered',
    faults: {
      troubledProvider: null,
      paymentSlowRatio: 0.005,
      paymentErrorRatio: 0,
      inventoryErrorRatio: 0.002,
      catalogStale: false,
    },
  },
];

const faults: Faults = { ...PHASES[0]!.faults };
const alerts: string[] = [];

// Telemetry first: with no endpoint configured nothing leaves the machine. With one, push metrics
// every 5 s (unless OTEL_METRIC_EXPORT_INTERVAL says otherwise) so a short demo shows up there.
const telemetry: Telemetry = startTelemetry({
  serviceName: 'slokit-demo-shop',
  handleSignals: true,
  ...(process.env.OTEL_METRIC_EXPORT_INTERVAL === undefined ? { metricsExportIntervalMillis: 5_000 } : {}),
  exportTimeoutMillis: 3_000,
  log: (line) => out(`${line}\n`),
});
const kit: Slokit = createSlokit({
  slis,
  alerting: { minEvents: 50 },
  onAlert: (t) =>
    alerts.push(
      `${new Date(t.at).toISOString().slice(11, 19)} ${t.severity.toUpperCase()} ${t.state}: ${t.sli} burning its error budget ${t.burnRate.toFixed(1)}x (windows ${t.windows}, threshold ${t.factor}x)`,
    ),
});

const app = createShop(kit, telemetry, faults, random);
const server: Server = await new Promise((resolve, reject) => {
  const s = app.listen(port, '127.0.0.1', () => resolve(s));
  s.once('error', reject);
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
out(`shop listening on ${base}\nmetrics (Prometheus text): ${base}/metrics\nstatus page: ${base}/slo\n\n`);

// The traffic: a few concurrent clients, each sending the shop's mix of requests.
const sent = { total: 0, failed: 0 };
function nextRequest(): { method: string; path: string } {
  const r = random();
  if (r < 0.3) return { method: 'POST', path: '/api/checkout' };
  if (r < 0.55) return { method: 'GET', path: '/api/catalog' };
  if (r < 0.95)
    return { method: 'GET', path: `/api/products/${PRODUCT_IDS[Math.floor(random() * PRODUCT_IDS.length)]}` };
  if (r < 0.98) return { method: 'GET', path: '/api/products/999' };
  return { method: 'GET', path: '/favicon.ico' };
}
async function client(until: number): Promise<void> {
  while (Date.now() < until) {
    const { method, path } = nextRequest();
    try {
      const response = await fetch(`${base}${path}`, { method });
      await response.arrayBuffer();
    } catch {
      sent.failed++;
    }
    sent.total++;
    await new Promise((resolve) => setTimeout(resolve, 20 + random() * 40));
  }
}

// The summary: SLI counts as the kit judged them, with the budget left.
function pct(x: number | null): string {
  return x === null ? '-' : `${(100 * x).toFixed(2)}%`;
}
function table(): string[] {
  const rows = [['SLI', 'objective', 'good', 'bad', 'good %', 'budget left']];
  for (const s of kit.status().slis) {
    rows.push([
      s.name,
      pct(s.objective),
      String(s.good),
      String(s.bad),
      pct(s.compliance),
      pct(s.budgetRemaining),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('   '),
  );
}
let drawn = 0;
let lastPlain = 0;
function render(elapsedMs: number, phase: string): void {
  const head = `[${(elapsedMs / 1000).toFixed(0).padStart(3)} s / ${durationMs / 1000} s] ${phase} · ${sent.total} requests sent`;
  if (tty) {
    const lines = [head, '', ...table(), '', ...alerts.slice(-3)];
    out(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
    drawn = lines.length;
  } else if (elapsedMs - lastPlain >= 5_000 || elapsedMs === 0) {
    // Not a terminal (a pipe, a CI log): a progress line every 5 s instead of redrawing.
    lastPlain = elapsedMs;
    const counts = kit
      .status()
      .slis.map((s) => `${s.name} ${s.good} good/${s.bad} bad`)
      .join(', ');
    out(`${head}: ${counts}\n`);
  }
}

const start = Date.now();
const end = start + durationMs;
const clients = Promise.all(Array.from({ length: 6 }, () => client(end)));
let phaseName = PHASES[0]!.name;
let printedAlerts = 0;
const ticker = setInterval(() => {
  const elapsed = Date.now() - start;
  const phase = PHASES.find((p) => elapsed < p.until * durationMs) ?? PHASES[PHASES.length - 1]!;
  if (phase.name !== phaseName) {
    phaseName = phase.name;
    Object.assign(faults, phase.faults);
  }
  if (!tty) for (; printedAlerts < alerts.length; printedAlerts++) out(`${alerts[printedAlerts]}\n`);
  render(Math.min(elapsed, durationMs), phaseName);
}, 250);
render(0, phaseName);
await clients;
clearInterval(ticker);
if (!tty) for (; printedAlerts < alerts.length; printedAlerts++) out(`${alerts[printedAlerts]}\n`);
render(durationMs, 'done');

// What the process exports: the counters as a Prometheus scrape sees them, and the wide event of
// a recent bad request (kept in memory by the embedded default).
const scrape = await (await fetch(`${base}/metrics`)).text();
const counters = scrape
  .split('\n')
  .filter((line) => line.startsWith('slokit_sli_events_total{') && !line.endsWith(' 0'))
  .map((line) => line.replace(/,otel_scope_name="[^"]*",otel_scope_version="[^"]*"/, ''));
out(`\nFinal summary (${sent.total} requests, ${sent.failed} failed to send)\n${table().join('\n')}\n`);
out(`\nFrom ${base}/metrics (non-zero series):\n${counters.join('\n')}\n`);

// Where to look: what sets the bad checkouts apart from the good ones (kit.explain), and the wide
// event of the latest bad one (kit.recentEvents), with its trace id.
out(
  `\nWhat is different about the bad checkouts (kit.explain):\n${formatExplanation(kit.explain('checkout'))}\n`,
);
const [bad] = kit.recentEvents('checkout', { outcome: 'bad', limit: 1 });
if (bad === undefined) {
  out('\nNo bad checkout in this run.\n');
} else {
  const fields = [
    `  http.request.method = ${JSON.stringify(bad.method)}`,
    `  http.route = ${JSON.stringify(bad.route)}`,
    `  http.response.status_code = ${bad.status ?? '(none)'}`,
    `  duration = ${bad.durationMs?.toFixed(1)} ms`,
    `  verdict = bad (${bad.reason})`,
    ...Object.entries(bad.attributes).map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`),
    `  trace = ${bad.traceId ?? '(no span)'}`,
  ];
  const ago = ((Date.now() - bad.at) / 1000).toFixed(1);
  out(
    `\nThe latest bad checkout (${ago} s ago), as slokit kept it (kit.recentEvents):\n${fields.join('\n')}\n`,
  );
}
out(
  `\nNext: \`node --import tsx src/cli/main.ts rules examples/slis.ts\` writes the Prometheus rules for these SLIs (in your own project, after \`npm install slokit\`: \`npx slokit rules slis.ts\`); docs/exporting.md shows how to send all this to a collector.\n`,
);

if (args.serve) {
  out(`\nStill serving on ${base} (status page: ${base}/slo, metrics: ${base}/metrics). Ctrl-C to stop.\n`);
} else {
  await telemetry.shutdown();
  await kit.shutdown();
  server.closeAllConnections();
  server.close();
}
