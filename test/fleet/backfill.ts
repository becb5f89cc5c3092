// Days of Prometheus data in seconds: a real Prometheus (Debian's package) on a free loopback port,
// history written with `promtool tsdb create-blocks-from openmetrics`, and the generated recording
// rules evaluated over it with `promtool tsdb create-blocks-from rules`
// (https://prometheus.io/docs/prometheus/latest/storage/#backfilling-from-openmetrics-format).
//
// Exact figures need aligned samples. Prometheus extrapolates increase() and rate() to the ends of
// the range unless the first and last samples sit exactly on them (ranges are closed in Prometheus
// 2.x), and the rule backfiller evaluates each rule group at its own offset within the evaluation
// interval (a hash of the file and group names). So the offsets are probed first, by backfilling
// `vector(1)` under the same group names and reading the timestamps back, and every series is then
// sampled at every group's offset, once a minute. Queries at one of those instants read exact counts
// for every SLI, and each group's latest evaluation covers exactly the same events.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { requireTool } from '../helpers/tools.js';

export const PROMETHEUS = requireTool(
  'prometheus',
  'Debian package "prometheus": apt-get install prometheus',
);
export const PROMTOOL = requireTool('promtool', 'Debian package "prometheus": apt-get install prometheus');

export const MINUTE_MS = 60_000;

/** Runs promtool in `cwd`, bounded in time; resolves with its output, rejects on failure. */
export function promtool(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      PROMTOOL!,
      [...args],
      { cwd, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`promtool ${args.join(' ')}: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrometheusProcess {
  readonly url: string;
  readonly port: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts Prometheus on `dataDir` with `ruleFiles` loaded (paths relative to `dir`), on a free port
 * (or `port`), and waits until it is ready. Retention is ten years: the history lies in the past.
 */
export async function startPrometheus(
  dir: string,
  dataDir: string,
  ruleFiles: readonly string[],
  port?: number,
): Promise<PrometheusProcess> {
  const listen = port ?? (await freePort());
  const config = path.join(dir, `prometheus-${listen}.yml`);
  await writeFile(
    config,
    stringify({ global: { evaluation_interval: '1m' }, rule_files: ruleFiles.map((f) => path.join(dir, f)) }),
  );
  const child: ChildProcess = spawn(
    PROMETHEUS!,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=3650d',
      `--web.listen-address=127.0.0.1:${listen}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${listen}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`Prometheus did not become ready:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port: listen, stop };
}

/**
 * The evaluation offset (ms within the minute) at which the rule backfiller evaluates each of the
 * named groups of a file called `file`, between `startS` and `endS` (Unix seconds): found by
 * backfilling `vector(1)` under the same file and group names from a running Prometheus.
 */
export async function probeOffsets(
  dir: string,
  file: string,
  groups: readonly string[],
  prometheusUrl: string,
  startS: number,
  endS: number,
): Promise<ReadonlyMap<string, number>> {
  const probeDir = path.join(dir, 'probe');
  await mkdir(path.join(probeDir, 'blocks', 'wal'), { recursive: true });
  await writeFile(
    path.join(probeDir, file),
    stringify({
      groups: groups.map((name) => ({
        name,
        rules: [{ record: 'slokit_probe', expr: 'vector(1)', labels: { group: name } }],
      })),
    }),
  );
  await promtool(
    [
      'tsdb',
      'create-blocks-from',
      'rules',
      `--url=${prometheusUrl}`,
      `--start=${startS}`,
      `--end=${endS}`,
      '--output-dir=blocks',
      file,
    ],
    probeDir,
  );
  // `promtool tsdb dump` prints `{labels} value timestamp`, one sample a line.
  const dump = await promtool(['tsdb', 'dump', 'blocks'], probeDir);
  const offsets = new Map<string, number>();
  for (const line of dump.split('\n')) {
    const match = /group="([^"]+)"\} \S+ (\d+)$/.exec(line);
    if (match !== null) offsets.set(match[1]!, Number(match[2]) % MINUTE_MS);
  }
  for (const group of groups) {
    if (!offsets.has(group)) throw new Error(`no probe sample for group ${group}:\n${dump}`);
  }
  return offsets;
}

/** One counter series of the history: its labels and its value at each sample time. */
export interface HistorySeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Ascending [epoch ms, value] pairs. */
  readonly samples: readonly (readonly [number, number])[];
}

/** Writes the series as OpenMetrics and turns them into TSDB blocks in `dataDir`. */
export async function backfillHistory(
  dir: string,
  dataDir: string,
  metric: string,
  series: readonly HistorySeries[],
): Promise<void> {
  const family = metric.replace(/_total$/, '');
  const lines = [`# HELP ${family} SLI events, backfilled`, `# TYPE ${family} counter`];
  for (const s of series) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    for (const [at, value] of s.samples)
      lines.push(`${metric}{${labels}} ${value} ${(at / 1000).toFixed(3)}`);
  }
  lines.push('# EOF', '');
  const file = path.join(dir, 'history.om');
  await writeFile(file, lines.join('\n'));
  // Large blocks: a few instead of one per two hours, which would take seconds to write.
  await promtool(
    ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=120h', '-q', file, dataDir],
    dir,
  );
}

/**
 * Evaluates the recording rules of `file` (in `rulesDir`) over [startS, endS] against a running
 * Prometheus and moves the blocks into `dataDir`.
 */
export async function backfillRules(
  rulesDir: string,
  file: string,
  prometheusUrl: string,
  startS: number,
  endS: number,
  dataDir: string,
): Promise<void> {
  await promtool(
    [
      'tsdb',
      'create-blocks-from',
      'rules',
      `--url=${prometheusUrl}`,
      `--start=${startS}`,
      `--end=${endS}`,
      '--output-dir=blocks',
      '-q',
      file,
    ],
    rulesDir,
  );
  for (const block of await readdir(path.join(rulesDir, 'blocks'))) {
    if (/^[0-9A-Z]{26}$/.test(block))
      await rename(path.join(rulesDir, 'blocks', block), path.join(dataDir, block));
  }
}
