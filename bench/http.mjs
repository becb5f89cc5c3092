// Quick A/B HTTP benchmark for development: the bench apps (bench/server.mjs) bare and with slokit
// (counters only; counters + recording spans exported to a no-op exporter). Every server is its own
// process, load comes from this process (autocannon), variants run interleaved A/B/C/A/B/C... in
// one run, and the medians of requests/s and server CPU per request are printed with their ratio to
// bare. The full comparison with the OpenTelemetry floor and the peers is `npm run bench:peers`.
//   npm run bench:http [-- --rounds 5 --seconds 5 --connections 50 --frameworks express,fastify
//                          --variants bare,slokit-counters,slokit-full,slokit-noreservoir]
//   (slokit-noreservoir is slokit-full without the event reservoir: compare the two for its cost)
// The *-otlp variants (e.g. --variants bare,slokit-otlp,slokit-otlp-tail: export without and with
// tail sampling) export to a live OTLP/HTTP receiver (bench/otlp-sink.mjs) this script starts.
import { spawn, execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    frameworks: { type: 'string', default: 'express,fastify' },
    variants: { type: 'string', default: 'bare,slokit-counters,slokit-full,slokit-noreservoir' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const frameworks = values.frameworks.split(',');
const variants = values.variants.split(',');

if (!values['skip-build']) execSync('npm run build', { stdio: 'ignore' });

// On a machine with two or more cores, the servers run on CPU 0 and this process (the load) on the
// others, so load generation and serving do not compete for one core.
const pin = existsSync('/usr/bin/taskset') && availableParallelism() >= 2;
if (pin) execSync(`taskset -pc 1-${availableParallelism() - 1} ${process.pid}`, { stdio: 'ignore' });

/** Starts `script` with `args` (pinned to `cpu` when pinning), and waits for its "ready" line. */
async function startProcess(cpu, script, args, env) {
  const command = pin ? '/usr/bin/taskset' : process.execPath;
  const argv = pin ? ['-c', cpu, process.execPath, script, ...args] : [script, ...args];
  const child = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let buffer = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    buffer += chunk;
    const match = /ready (\d+)(?: (\S+))?/.exec(buffer);
    if (match) return { child, port: Number(match[1]), path: match[2] };
  }
  throw new Error(`${script} ${args.join(' ')} did not start`);
}

// The OTLP variants export to a live receiver, on the load's CPUs.
const sink = variants.some((v) => v.includes('otlp'))
  ? await startProcess(`1-${Math.max(1, availableParallelism() - 1)}`, 'bench/otlp-sink.mjs', [], {})
  : undefined;
const serverEnv = sink === undefined ? {} : { SLOKIT_BENCH_OTLP: `http://127.0.0.1:${sink.port}` };

async function start(framework, variant) {
  return startProcess('0', 'bench/server.mjs', [framework, variant], serverEnv);
}

// CPU time the server process used (user + system, Linux /proc), in ms. CPU per request is much
// less sensitive to a shared machine's scheduling noise than requests per second.
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function load({ port, path }) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}${path}`, connections, duration: seconds, pipelining: 1 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const results = {};
const cpuPerRequest = {};
for (const framework of frameworks) {
  const servers = {};
  for (const variant of variants) servers[variant] = await start(framework, variant);
  // Warm-up: JIT and connection pools, not measured.
  for (const variant of variants) await load(servers[variant]);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no variant always runs first or last.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const variant of order) {
      const before = cpuMs(servers[variant].child.pid);
      const result = await load(servers[variant]);
      const cpu = cpuMs(servers[variant].child.pid) - before;
      ((cpuPerRequest[framework] ??= {})[variant] ??= []).push((cpu * 1000) / result.requests.total);
      if (result.errors > 0 || result.non2xx > 0)
        throw new Error(`${framework}/${variant}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      ((results[framework] ??= {})[variant] ??= []).push(result.requests.average);
    }
  }
  for (const { child } of Object.values(servers)) {
    child.kill();
    await once(child, 'exit');
  }
}

if (sink !== undefined) {
  sink.child.kill();
  await once(sink.child, 'exit');
}

console.log(
  `\nslokit HTTP overhead — node ${process.version}, ${rounds} rounds × ${seconds}s, ${connections} connections` +
    (pin ? ', servers pinned to CPU 0, load on the others' : '') +
    '\n',
);
console.log(
  'framework       variant            median req/s   ratio to bare   server CPU µs/req   bare/this   req/s runs',
);
for (const framework of frameworks) {
  const bare = median(results[framework].bare);
  const bareCpu = median(cpuPerRequest[framework].bare);
  for (const variant of variants) {
    const runs = results[framework][variant];
    const m = median(runs);
    const cpu = median(cpuPerRequest[framework][variant]);
    console.log(
      `${framework.padEnd(15)} ${variant.padEnd(18)} ${m.toFixed(0).padStart(12)}   ${(m / bare).toFixed(3).padStart(13)}   ${cpu.toFixed(1).padStart(17)}   ${(bareCpu / cpu).toFixed(3).padStart(9)}   ${runs.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
}
console.log(
  "\nratio to bare: median requests/s of the variant ÷ bare. bare/this: bare server CPU per request ÷ the variant's\n" +
    '(the throughput ratio a CPU-bound server would see; steadier than requests/s on a shared machine).',
);
