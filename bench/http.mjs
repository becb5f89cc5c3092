// HTTP overhead benchmark: hello-world Express 5 and Fastify 5, bare and with slokit (counters
// only; counters + recording spans exported to a no-op exporter). Every server is its own process,
// load comes from this process (autocannon), variants run interleaved A/B/C/A/B/C... in one run, and
// the medians of requests/s are printed with their ratio to bare.
//   npm run bench:http [-- --rounds 5 --seconds 5 --connections 50]
import { spawn, execSync } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    frameworks: { type: 'string', default: 'express,fastify' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const frameworks = values.frameworks.split(',');
const variants = ['bare', 'counters', 'spans'];

if (!values['skip-build']) execSync('npm run build', { stdio: 'ignore' });

async function start(framework, variant) {
  const child = spawn(process.execPath, ['bench/http-server.mjs', framework, variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    buffer += chunk;
    const match = /ready (\d+)/.exec(buffer);
    if (match) return { child, port: Number(match[1]) };
  }
  throw new Error(`${framework}/${variant} did not start`);
}

function load(port) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/`, connections, duration: seconds, pipelining: 1 },
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
for (const framework of frameworks) {
  const servers = {};
  for (const variant of variants) servers[variant] = await start(framework, variant);
  // Warm-up: JIT and connection pools, not measured.
  for (const variant of variants) await load(servers[variant].port);
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no variant always runs first or last.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const variant of order) {
      const result = await load(servers[variant].port);
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

console.log(
  `\nslokit HTTP overhead — node ${process.version}, ${rounds} rounds × ${seconds}s, ${connections} connections\n`,
);
console.log('framework  variant    median req/s   ratio to bare   runs');
for (const framework of frameworks) {
  const bare = median(results[framework].bare);
  for (const variant of variants) {
    const runs = results[framework][variant];
    const m = median(runs);
    console.log(
      `${framework.padEnd(10)} ${variant.padEnd(10)} ${m.toFixed(0).padStart(12)}   ${(m / bare).toFixed(3).padStart(13)}   ${runs.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
}
