// Instructions per request of one bench server, counted by valgrind's callgrind: repeatable whatever
// else the machine is doing, unlike wall-clock time. The server (bench/server.mjs) runs under
// callgrind; this process warms it up, zeroes the counters, sends a fixed number of requests over
// one keep-alive connection, dumps the counters and divides.
//
//   node bench/callgrind.mjs <app> <variant> [--warmup 3000] [--requests 5000] [--keep DIR] [--functions N]
//
// Needs valgrind (Debian: valgrind) and a build (npm run build). With --keep, the callgrind file is
// kept for callgrind_annotate. With --functions N, it also prints the N functions with the most
// instructions of their own per request, JavaScript ones named from the perf map node writes
// (--perf-basic-prof): diff two variants' lists to see where the difference goes.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    warmup: { type: 'string', default: '5000' },
    requests: { type: 'string', default: '5000' },
    keep: { type: 'string' },
    functions: { type: 'string', default: '0' },
  },
});
const [app, variant] = positionals;
const warmup = Number(values.warmup);
const requests = Number(values.requests);
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'slokit-callgrind-'));
mkdirSync(dir, { recursive: true });

// The *-otlp variants export to a live OTLP/HTTP receiver (outside valgrind: its work is not counted,
// the server's encoding and sending of spans is).
let sink;
if (variant.includes('otlp')) {
  sink = spawn(process.execPath, ['bench/otlp-sink.mjs'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: new URL('..', import.meta.url),
  });
  // Also when this script fails half-way: the sink must not outlive it.
  process.on('exit', () => sink.kill('SIGTERM'));
  const sinkPort = await new Promise((resolve, reject) => {
    let out = '';
    sink.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    sink.on('exit', (code) => reject(new Error(`the OTLP sink exited (${code})`)));
  });
  process.env.SLOKIT_BENCH_OTLP = `http://127.0.0.1:${sinkPort}`;
}

const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    // V8 writes machine code into memory at run time; callgrind must see it change.
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'callgrind.out.%p')}`,
    process.execPath,
    // Perf maps name JIT-compiled JavaScript functions (--functions). One thread: no concurrent
    // compilation or GC whose timing would change what the main thread executes from run to run.
    '--perf-basic-prof',
    '--logfile=/dev/null',
    '--no-logfile-per-isolate',
    '--single-threaded',
    'bench/server.mjs',
    app,
    variant,
  ],
  { stdio: ['ignore', 'pipe', 'pipe'], cwd: new URL('..', import.meta.url) },
);
let stderr = '';
child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
const ready = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    const m = /ready (\d+) (\S+)/.exec(out);
    if (m) resolve({ port: Number(m[1]), path: m[2] });
  });
  child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr.slice(-2000)}`)));
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get() {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: ready.port, path: ready.path, agent }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}
async function send(n) {
  // One request at a time: how many requests one turn of the event loop handles would otherwise
  // depend on how fast the client is, and change the count.
  for (let i = 0; i < n; i++) await get();
}

const control = (flag) => execFileSync('callgrind_control', [flag, String(child.pid)], { stdio: 'ignore' });
await send(warmup);
control('--zero');
await send(requests);
control('--dump');
agent.destroy();
child.kill('SIGTERM');
await new Promise((resolve) => child.on('exit', resolve));
if (sink !== undefined) {
  const stats = await (await fetch(`${process.env.SLOKIT_BENCH_OTLP}/stats`)).json();
  console.error(`otlp sink: ${stats.requests} requests, ${stats.bytes} bytes`);
  sink.kill('SIGTERM');
}

// The dump after --zero holds exactly the measured requests (the other files: start-up, exit).
const files = readdirSync(dir)
  .filter((f) => f.startsWith(`callgrind.out.${child.pid}.`))
  .sort();
const measured = files
  .map((f) => join(dir, f))
  .find((f) => /^desc: Trigger: (dump|Client Request)/m.test(readFileSync(f, 'utf8').slice(0, 4000)));
if (measured === undefined) throw new Error(`no callgrind dump in ${dir}: ${readdirSync(dir).join(', ')}`);
const totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(measured, 'utf8'));
const perRequest = Number(totals[1]) / requests;
const costs = selfCosts(measured, `/tmp/perf-${child.pid}.map`);
// A full (mark-compact) collection costs millions of instructions and lands in some windows and not
// in others; without it, A/B differences of a few thousand instructions per request are repeatable.
// Scavenges (young generation) stay in: they grow with what a request allocates.
// Its evacuation (moving live old objects) shows under names of its own; the scavenger's
// `Scavenger::Evacuate…` stays in.
const MAJOR_GC =
  /MarkCompact|Marking|Sweep|MarkBit|RememberedSet|PointersUpdating|LiveObjectRange|RecordMigratedSlot|Evacuator|EvacuateVisitor|EvacuateNewSpace|EvacuateOldSpace/;
const majorGc = costs.filter(([name]) => MAJOR_GC.test(name)).reduce((sum, [, ir]) => sum + ir, 0);
// Optimizing compilation (TurboFan, Maglev) is a one-time cost too, that lands in one window and not
// the next: `withoutCompiler` leaves it out as well, for A/B comparisons of the request path itself.
const COMPILER =
  /v8::internal::compiler::|v8::internal::maglev::|Turboshaft|turboshaft|OptimizedCompilationJob|PipelineImpl/;
const compiler = costs.filter(([name]) => COMPILER.test(name)).reduce((sum, [, ir]) => sum + ir, 0);
console.log(
  JSON.stringify({
    app,
    variant,
    requests,
    instructionsPerRequest: Math.round(perRequest),
    withoutMajorGc: Math.round((Number(totals[1]) - majorGc) / requests),
    withoutCompiler: Math.round((Number(totals[1]) - majorGc - compiler) / requests),
    file: values.keep ? measured : undefined,
  }),
);
for (const [name, ir] of costs.slice(0, Number(values.functions)))
  console.log(`${(ir / requests).toFixed(0).padStart(9)}  ${name}`);
if (values.keep === undefined && existsSync(dir)) rmSync(dir, { recursive: true, force: true });

/** Instructions of each function's own (not its callees'), JIT code named from the perf map. */
function selfCosts(file, perfMap) {
  const names = new Map();
  const self = new Map();
  let fn;
  let skipNext = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) {
      const m = /^fn=\((\d+)\)(?: (.*))?$/.exec(line);
      if (m[2] !== undefined) names.set(m[1], m[2]);
      fn = m[1];
    } else if (line.startsWith('cfn=')) {
      const m = /^cfn=\((\d+)\)(?: (.*))?$/.exec(line);
      if (m[2] !== undefined) names.set(m[1], m[2]);
    } else if (line.startsWith('calls=')) {
      skipNext = true;
    } else if (/^[0-9+*-]/.test(line)) {
      if (skipNext) skipNext = false;
      else {
        const ir = Number(line.split(' ')[1] ?? 0);
        self.set(fn, (self.get(fn) ?? 0) + ir);
      }
    }
  }
  const map = existsSync(perfMap)
    ? readFileSync(perfMap, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [start, size, ...name] = l.split(' ');
          return {
            start: parseInt(start, 16),
            end: parseInt(start, 16) + parseInt(size, 16),
            name: name.join(' '),
          };
        })
    : [];
  const named = new Map();
  for (const [id, ir] of self) {
    let name = names.get(id) ?? id;
    if (/^0x[0-9a-f]+$/.test(name)) {
      const address = parseInt(name, 16);
      // The latest code object at that address (V8 reuses code space).
      for (let i = map.length - 1; i >= 0; i--) {
        if (map[i].start <= address && address < map[i].end) {
          name = map[i].name;
          break;
        }
      }
    }
    named.set(name, (named.get(name) ?? 0) + ir);
  }
  return [...named].sort((a, b) => b[1] - a[1]);
}
