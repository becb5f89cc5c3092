// Where a bench server spends its CPU time: runs it under `node --cpu-prof` with wrk load for a few
// seconds and prints the functions with the most self time and slokit's functions with their
// inclusive time, as shares of all samples.
//
//   node bench/profile.mjs <app> <variant> [--seconds 10] [--top 25]
//
// Needs wrk (Debian: wrk) and a build (npm run build).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string', default: '10' }, top: { type: 'string', default: '25' } },
});
const [app, variant] = positionals;
const dir = mkdtempSync(join(tmpdir(), 'slokit-profile-'));
const child = spawn(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'bench/server.mjs', app, variant],
  { stdio: ['ignore', 'pipe', 'inherit'], cwd: new URL('..', import.meta.url) },
);
const ready = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    const m = /ready (\d+) (\S+)/.exec(out);
    if (m) resolve({ port: Number(m[1]), path: m[2] });
  });
  child.on('exit', (code) => reject(new Error(`server exited (${code})`)));
});
execFileSync('wrk', ['-t1', '-c32', `-d${values.seconds}s`, `http://127.0.0.1:${ready.port}${ready.path}`], {
  stdio: 'ignore',
});
child.kill('SIGTERM');
await new Promise((resolve) => child.on('exit', resolve));

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
rmSync(dir, { recursive: true, force: true });

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = profile.samples.length;
const label = (n) => {
  const f = n.callFrame;
  const where = f.url.replace(/^.*\/(node_modules\/)?/, '').replace(/^file:\/\//, '');
  return `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
};
// Self time per function.
const self = new Map();
for (const [id, count] of selfSamples) {
  const key = label(byId.get(id));
  self.set(key, (self.get(key) ?? 0) + count);
}
// Inclusive time of slokit's functions (each sample counted once per function, whatever the recursion).
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map();
for (const [id, count] of selfSamples) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at);
    if (!/\/(dist|src)\//.test(n.callFrame.url) || /node_modules/.test(n.callFrame.url)) continue;
    const key = label(n);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + count);
  }
}
const pct = (x) => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
const top = Number(values.top);
console.log(`${app} ${variant}: ${total} samples\n\nself time`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
console.log('\nslokit, inclusive');
for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
