// slokit against the bare app, the OpenTelemetry floor and its peers, in one run.
//
//   npm run bench:peers [-- --rounds 5 --seconds 4 --connections 32 --apps express,fastify,...
//                          --variants bare,floor,... --latency-rounds 3 --alloc-requests 2000
//                          --no-write --skip-build --smoke]
//
// Every variant (bench/server.mjs) is its own server process pinned to CPU 0; the load (wrk) runs
// pinned to CPU 1, and a live OTLP/HTTP receiver (bench/otlp-sink.mjs) for the *-otlp variants too.
// Per app:
//
//   throughput  `rounds` rounds of `seconds` s with `connections` connections; each round runs every
//               variant once, in an order rotated from round to round. Server CPU time (user +
//               system, /proc, all threads) per request and requests/s; medians and min–max.
//   latency     single connection, `latency-rounds` interleaved rounds; p50 and p99 from wrk.
//   allocation  a fresh server per variant with a young generation large enough that no GC runs
//               during `alloc-requests` requests: heap growth per request (bytes) and, from the
//               sampling heap profiler at interval 1, objects per request.
//
// It writes the tables (with date, Node version and machine) between the markers in
// docs/performance.md and a chart of CPU µs per request to docs/performance-peers.svg, unless
// --no-write. --smoke runs every variant for about a second, from src/ (through tsx), and writes
// nothing: the test suite runs it so the benchmark cannot rot. CI never runs the benchmark itself.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
    apps: { type: 'string', default: 'express,fastify,express-nested,fastify-nested' },
    variants: { type: 'string' },
    'latency-rounds': { type: 'string', default: '3' },
    'latency-seconds': { type: 'string' },
    'alloc-requests': { type: 'string', default: '2000' },
    'no-write': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    wrk: { type: 'string', default: '/usr/bin/wrk' },
  },
});
const smoke = values.smoke;
const rounds = smoke ? 1 : Number(values.rounds);
const seconds = smoke ? 2 : Number(values.seconds);
const latencyRounds = smoke ? 1 : Number(values['latency-rounds']);
const latencySeconds = smoke ? 1 : Number(values['latency-seconds'] ?? values.seconds);
const connections = Number(values.connections);
const allocRequests = smoke ? 100 : Number(values['alloc-requests']);
const apps = values.apps.split(',');
const write = !values['no-write'] && !smoke;

// The variants of each app, in table order (the smoke test expects a row for each).
const DEFAULT_VARIANTS = JSON.parse(readFileSync(new URL('peer-variants.json', import.meta.url), 'utf8'));
const variantsOf = (app) =>
  values.variants?.split(',') ?? DEFAULT_VARIANTS[app.endsWith('-nested') ? 'nested' : 'flat'];

const LABELS = {
  bare: 'bare',
  als: 'ALS context manager only',
  floor: 'OTel floor (ALS + 1 SDK span)',
  'slokit-counters': 'slokit counters only (`spans: false`)',
  'slokit-counters-sync': 'slokit counters only, no ALS (`asyncContext: false`)',
  'slokit-nosdk': 'slokit, no SDK',
  'slokit-full': 'slokit full (metrics + traces SDK + ALS)',
  'otel-auto': 'OTel auto-instrumentation',
  prom: 'Prometheus middleware',
  'floor-otlp': 'OTel floor, OTLP export on',
  'slokit-otlp': 'slokit via `startTelemetry()`, OTLP export on',
  'slokit-otlp-tail': 'slokit via `startTelemetry()`, OTLP export on, tail sampling 1 in 10',
  'slokit-noreservoir': 'slokit full, no event sample for `explain()`',
  'slokit-memory': 'slokit via `startTelemetry()`, no endpoint',
  'slokit-memory-tail': 'slokit via `startTelemetry()`, no endpoint, tail sampling 1 in 10',
};
const PEER_NAMES = {
  express: { 'otel-auto': 'instrumentation-http + instrumentation-express', prom: 'express-prom-bundle' },
  fastify: { 'otel-auto': '@fastify/otel + instrumentation-http', prom: 'fastify-metrics' },
};
const labelOf = (app, variant) => {
  const peer = PEER_NAMES[app.startsWith('express') ? 'express' : 'fastify'][variant];
  // A variant given with --variants that has no label of its own is shown by its name.
  const label = LABELS[variant] ?? `\`${variant}\``;
  return peer === undefined ? label : `${label}: ${peer}`;
};

if (!existsSync(values.wrk)) throw new Error(`wrk not found at ${values.wrk} (Debian: apt-get install wrk)`);
if (!smoke && !values['skip-build']) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });

// Two cores or more: servers on CPU 0, load and receiver on CPU 1.
const cores = os.availableParallelism();
// (The smoke run spreads over every core: it measures nothing.)
const pin = !smoke && existsSync('/usr/bin/taskset') && cores >= 2;
const pinned = (cpu, command, args) =>
  pin ? ['/usr/bin/taskset', ['-c', String(cpu), command, ...args]] : [command, args];

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts a process that prints "ready <port> [path]"; resolves when it does. */
async function startProcess(cpu, args, env = {}, ipc = false) {
  const [command, argv] = pinned(cpu, process.execPath, args);
  const child = spawn(command, argv, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  return await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /ready (\d+)(?: (\S+))?/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), path: m[2] ?? '/' });
    });
    child.on('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited (${code}): ${stderr.slice(-3000)}`)),
    );
  });
}

async function stop(proc) {
  if (proc.child.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  await exited;
}

const serverArgs = (app, variant, extra = []) => [
  ...(smoke ? ['--import', 'tsx'] : []),
  ...extra,
  'bench/server.mjs',
  app,
  variant,
];
const serverEnv = (sink) => ({
  ...(smoke ? { SLOKIT_BENCH_FROM: 'src' } : {}),
  SLOKIT_BENCH_OTLP: `http://127.0.0.1:${sink.port}`,
});

/** CPU time (user + system, all threads) a process used so far, in µs. */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

const UNIT = { us: 1, ms: 1e3, s: 1e6 };
/** Runs wrk against a server; requests, req/s and (with --latency) p50/p99 in µs. */
async function wrk(server, conns, secs) {
  const url = `http://127.0.0.1:${server.port}${server.path}`;
  const [command, args] = pinned(1, values.wrk, [
    '-t1',
    `-c${conns}`,
    `-d${secs}s`,
    '--latency',
    '--timeout',
    '5s',
    url,
  ]);
  const { stdout: out } = await promisify(execFile)(command, args, { encoding: 'utf8' });
  const total = /(\d+) requests in/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (total === null || rps === null) throw new Error(`cannot read wrk output:\n${out}`);
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (bad !== null || (errors !== null && errors.slice(1).some((n) => Number(n) > 0)))
    throw new Error(`wrk saw failures against ${url}:\n${out}`);
  const percentile = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    return m === null ? Number.NaN : Number(m[1]) * UNIT[m[2]];
  };
  return { requests: Number(total[1]), rps: Number(rps[1]), p50: percentile(50), p99: percentile(99) };
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

// A young generation large enough for a whole burst: no scavenge runs during it, so the growth of
// the used heap is exactly what the burst allocated.
const ALLOC_FLAGS = ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256'];
const startAllocServer = (app, variant) =>
  startProcess(0, serverArgs(app, variant, ALLOC_FLAGS), { ...serverEnv(sink), SLOKIT_BENCH_IPC: '1' }, true);

/** Allocation per request of a server started by startAllocServer (and warmed up). */
async function allocation(server) {
  const ask = (message) =>
    new Promise((resolve) => {
      server.child.once('message', resolve);
      server.child.send(message);
    });
  // The probe's own allocation (an empty burst), then the burst.
  await ask('alloc:start');
  const idle = await ask('alloc:stop');
  await ask('alloc:start');
  await sendRequests(server, allocRequests);
  const r = await ask('alloc:stop');
  return {
    bytes: (r.grown - idle.grown) / allocRequests,
    objects: (r.objects - idle.objects) / allocRequests,
    gcDuring: r.gcDuring,
    spansPerRequest: r.spans / allocRequests,
  };
}

/** Exactly `n` sequential keep-alive requests (wrk counts by time, not by number). */
async function sendRequests(server, n) {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: server.path, agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  }
  agent.destroy();
}

const startedAt = new Date();
const loadBefore = os.loadavg();
const sink = await startProcess(1, ['bench/otlp-sink.mjs']);
const results = {};
for (const app of apps) {
  const variants = variantsOf(app);
  // The smoke run measures allocation on the same servers (started with the allocation flags), to
  // stay short; a real run gives allocation servers of their own.
  const list = await Promise.all(
    variants.map((variant) =>
      smoke ? startAllocServer(app, variant) : startProcess(0, serverArgs(app, variant), serverEnv(sink)),
    ),
  );
  const servers = Object.fromEntries(variants.map((v, i) => [v, list[i]]));
  const r = (results[app] = Object.fromEntries(
    variants.map((v) => [v, { cpu: [], rps: [], p50: [], p99: [], alloc: undefined }]),
  ));
  // One phase over every variant: one after the other (in an order rotated by `round`) for a
  // measurement, all at once in the smoke run, which only checks that everything works.
  const phase = async (round, run) => {
    if (smoke) await Promise.all(variants.map(run));
    else for (const variant of rotate(variants, round)) await run(variant);
  };
  // Warm-up: JIT, connection handling; not measured.
  if (!smoke) await phase(0, (variant) => wrk(servers[variant], connections, 2));
  for (let round = 0; round < rounds; round++) {
    await phase(round, async (variant) => {
      const server = servers[variant];
      const before = cpuMicros(server.child.pid);
      const w = await wrk(server, connections, seconds);
      const cpu = cpuMicros(server.child.pid) - before;
      r[variant].cpu.push(w.requests > 0 ? cpu / w.requests : Number.NaN);
      r[variant].rps.push(w.rps);
    });
  }
  for (let round = 0; round < latencyRounds; round++) {
    await phase(round, async (variant) => {
      const w = await wrk(servers[variant], 1, latencySeconds);
      r[variant].p50.push(w.p50);
      r[variant].p99.push(w.p99);
    });
  }
  if (smoke) {
    await Promise.all(
      variants.map(async (variant) => (r[variant].alloc = await allocation(servers[variant]))),
    );
    await Promise.all(variants.map((variant) => stop(servers[variant])));
  } else {
    await Promise.all(variants.map((variant) => stop(servers[variant])));
    for (const variant of variants) {
      const server = await startAllocServer(app, variant);
      try {
        await wrk(server, 4, 2);
        r[variant].alloc = await allocation(server);
      } finally {
        await stop(server);
      }
    }
  }
  process.stderr.write(`${app}: done\n`);
}
const exported = await (await fetch(`http://127.0.0.1:${sink.port}/stats`)).json();
await stop(sink);
const loadAfter = os.loadavg();

// ---- report --------------------------------------------------------------------------------------
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}` : '–');
const range = (xs) => (xs.length > 1 ? ` (${f1(Math.min(...xs))}–${f1(Math.max(...xs))})` : '');

function table(app) {
  const r = results[app];
  const bare = r.bare;
  const cpuBare = median(bare.cpu);
  // The floor of a variant that exports is the floor that exports to the same receiver.
  const floorOf = (variant) => (variant.includes('otlp') ? 'floor-otlp' : 'floor');
  const cpuOf = (variant) => (r[variant] === undefined ? Number.NaN : median(r[variant].cpu));
  const lines = [
    `### ${app}`,
    '',
    '| variant | CPU µs/req (min–max) | over bare | over floor | req/s | × bare | p50 µs | p99 µs | p99 × bare | bytes/req | objects/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [variant, v] of Object.entries(r)) {
    const cpu = median(v.cpu);
    lines.push(
      `| ${labelOf(app, variant)} | ${f1(cpu)}${range(v.cpu)} | ${variant === 'bare' ? '' : signed(cpu - cpuBare)} | ${
        variant === 'bare' || variant === floorOf(variant) ? '' : signed(cpu - cpuOf(floorOf(variant)))
      } | ${median(v.rps).toFixed(0)} | ${f2(median(v.rps) / median(bare.rps))} | ${f1(median(v.p50))} | ${f1(
        median(v.p99),
      )} | ${f2(median(v.p99) / median(bare.p99))} | ${v.alloc.bytes.toFixed(0)}${v.alloc.gcDuring > 0 ? '*' : ''} | ${f1(v.alloc.objects)} |`,
    );
  }
  return lines.join('\n');
}

const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
const header = [
  `Run ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} · ${cpuModel}, ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Linux ${os.release()}`,
  `· load average ${loadBefore[0].toFixed(1)} before, ${loadAfter[0].toFixed(1)} after.`,
  `${rounds} interleaved rounds of ${seconds} s, ${connections} connections (wrk)${pin ? ', servers pinned to CPU 0, wrk and the OTLP receiver to CPU 1' : ''};`,
  `latency: ${latencyRounds} rounds of ${latencySeconds} s over one connection; allocation: ${allocRequests} requests after a warm-up, no GC in between (* where one ran anyway).`,
].join('\n');
const markdown = [header, '', ...apps.map(table)].join('\n\n');
console.log(markdown);
if (smoke) {
  // What the smoke test checks beyond the tables: the variants record what they claim to.
  for (const app of apps)
    for (const [variant, v] of Object.entries(results[app]))
      console.log(`smoke ${app} ${variant} spans/request ${v.alloc.spansPerRequest.toFixed(2)}`);
  console.log(`smoke otlp-receiver requests ${exported.requests} bytes ${exported.bytes}`);
}

if (write) {
  const docPath = `${root}docs/performance.md`;
  const doc = readFileSync(docPath, 'utf8');
  const begin = '<!-- bench:peers begin -->';
  const end = '<!-- bench:peers end -->';
  const at = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (at === -1 || to === -1) throw new Error(`docs/performance.md lacks the ${begin} / ${end} markers`);
  writeFileSync(docPath, `${doc.slice(0, at + begin.length)}\n\n${markdown}\n\n${doc.slice(to)}`);
  writeFileSync(`${root}docs/performance-peers.svg`, chart());
  console.log('\nwrote docs/performance.md and docs/performance-peers.svg');
}

/** A horizontal bar chart of the median CPU µs per request, one group per app. */
function chart() {
  const rowHeight = 18;
  const labelWidth = 480;
  const barWidth = 420;
  const rows = [];
  for (const app of apps) {
    rows.push({ heading: app });
    for (const [variant, v] of Object.entries(results[app])) rows.push({ app, variant, cpu: median(v.cpu) });
  }
  const max = Math.max(...rows.filter((r) => r.cpu !== undefined).map((r) => r.cpu));
  const scale = barWidth / max;
  const height = rows.length * rowHeight + 50;
  const escape = (s) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, '');
  const colour = (variant) =>
    variant === 'bare'
      ? '#9e9e9e'
      : variant.startsWith('slokit')
        ? '#1565c0'
        : variant.startsWith('floor')
          ? '#2e7d32'
          : '#ef6c00';
  let y = 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 70}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="4" y="16" font-weight="bold">Server CPU µs per request (median; lower is better) · Node ${process.version} · ${startedAt.toISOString().slice(0, 10)}</text>`,
  ];
  for (const row of rows) {
    if (row.heading !== undefined) {
      parts.push(`<text x="4" y="${y + 13}" font-weight="bold">${escape(row.heading)}</text>`);
    } else {
      const w = Math.max(1, row.cpu * scale);
      parts.push(
        `<text x="${labelWidth - 6}" y="${y + 13}" text-anchor="end">${escape(labelOf(row.app, row.variant))}</text>`,
        `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${colour(row.variant)}"/>`,
        `<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + 13}">${f1(row.cpu)}</text>`,
      );
    }
    y += rowHeight;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
