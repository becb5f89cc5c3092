// Micro-benchmark of classify(): the cost of judging one event against one SLI.
//
//   npm run bench:classify
//
// Not a test: the figures depend on the machine. It measures, in one process and interleaved so
// that they share the machine's state, three loops over the same pre-built array of varied events:
//
//   baseline    reads the fields a threshold SLI reads and folds them into a checksum,
//   thresholds  classify() against an SLI with a method/route match, a status rule and a latency
//               threshold,
//   no match    the same thresholds without the match,
//   classifier  classify() against an SLI whose `good` is a function,
//
// and prints the median nanoseconds per event over the rounds, with the ratio to the baseline.
// The target (issue 2) is under 200 ns per event per threshold SLI.
import { classify, defineSli } from 'slokit';
import type { HttpEvent } from 'slokit';

const EVENTS = 4_096;
const PASSES = 100; // passes over the array per timed round: ~400k events, tens of milliseconds
const WARMUP_ROUNDS = 5;
const ROUNDS = 15;
const TARGET_NS = 200;

const thresholds = defineSli({
  name: 'checkout',
  objective: '99.9%',
  match: { method: ['POST', 'PUT'], route: ['/api/checkout', /^\/api\/orders\//] },
  good: { status: '2xx', latency: { under: '300ms' } },
});

// The same thresholds without a match: the difference to `thresholds` is the cost of the match.
const unmatched = defineSli({
  name: 'checkout-all',
  objective: '99.9%',
  good: { status: '2xx', latency: { under: '300ms' } },
});

const classifier = defineSli({
  name: 'search',
  objective: '99%',
  good: (event) =>
    event.status === 404 ? null : event.status !== undefined && event.status < 500 && event.durationMs < 500,
});

/** A deterministic pseudo-random sequence (mulberry32), so every run judges the same events. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Events of every kind the judge distinguishes, in proportions a busy service might see. */
function buildEvents(): HttpEvent[] {
  const next = random(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  // About a third of the events are matched by the threshold SLI (a lower-case method among them), and
  // those reach every branch of the judge.
  const methods = ['POST', 'POST', 'POST', 'PUT', 'GET', 'GET', 'DELETE', 'post'] as const;
  const routes = [
    '/api/checkout',
    '/api/checkout',
    '/api/orders/:id',
    '/api/cart',
    '/health',
    undefined,
  ] as const;
  const statuses = [200, 200, 200, 201, 204, 302, 400, 404, 429, 500, 503] as const;
  const events: HttpEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const roll = next();
    const durationMs = Math.round(next() * next() * 900 * 1000) / 1000;
    // One shape for every event (all keys present) as adapters build them.
    events.push({
      method: pick(methods),
      route: pick(routes),
      status: roll < 0.03 ? undefined : pick(statuses),
      durationMs,
      aborted: roll < 0.03,
      error: roll > 0.99 ? new Error('handler failed') : undefined,
    });
  }
  return events;
}

type Loop = (events: readonly HttpEvent[]) => number;

// Each loop returns a checksum that depends on every event, so the JIT cannot drop the work.
const loops: Readonly<Record<string, Loop>> = {
  baseline: (events) => {
    let sum = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      sum +=
        e.method.length +
        (e.route === undefined ? 0 : e.route.length) +
        (e.status ?? 0) +
        (e.durationMs < 300 ? 1 : 0) +
        (e.aborted === true ? 1 : 0) +
        (e.error === undefined ? 0 : 1);
    }
    return sum;
  },
  thresholds: (events) => {
    let sum = 0;
    for (let i = 0; i < events.length; i++) sum += classify(thresholds, events[i]!).outcome.length;
    return sum;
  },
  'no match': (events) => {
    let sum = 0;
    for (let i = 0; i < events.length; i++) sum += classify(unmatched, events[i]!).outcome.length;
    return sum;
  },
  classifier: (events) => {
    let sum = 0;
    for (let i = 0; i < events.length; i++) sum += classify(classifier, events[i]!).outcome.length;
    return sum;
  },
};

/** Runs `loop` PASSES times over the events; returns nanoseconds per event. */
function time(loop: Loop, events: readonly HttpEvent[]): { ns: number; checksum: number } {
  let checksum = 0;
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < PASSES; pass++) checksum += loop(events);
  const elapsed = Number(process.hrtime.bigint() - start);
  return { ns: elapsed / (PASSES * events.length), checksum };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function main(): void {
  const events = buildEvents();
  const names = Object.keys(loops);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  const checksums = new Map<string, number>();

  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    // Rotate the order every round so that no loop always runs first (or right after the GC
    // pressure of another).
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      const { ns, checksum } = time(loops[name]!, events);
      // The same events must give the same checksum every round; anything else is a bug.
      const seen = checksums.get(name);
      if (seen !== undefined && seen !== checksum)
        throw new Error(`${name}: checksum changed between rounds`);
      checksums.set(name, checksum);
      if (round >= WARMUP_ROUNDS) samples.get(name)!.push(ns);
    }
  }

  const outcomes = { good: 0, bad: 0, ineligible: 0 };
  for (const event of events) outcomes[classify(thresholds, event).outcome]++;

  const baseline = median(samples.get('baseline')!);
  console.log(
    `classify() micro-benchmark: Node ${process.version}, ${EVENTS} events × ${PASSES} passes, ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up rounds`,
  );
  console.log(
    `threshold SLI verdicts over the events: ${outcomes.good} good, ${outcomes.bad} bad, ${outcomes.ineligible} ineligible\n`,
  );
  console.log(
    `${'loop'.padEnd(12)} ${'median ns/event'.padStart(16)} ${'min'.padStart(8)} ${'max'.padStart(8)} ${'× baseline'.padStart(11)}`,
  );
  for (const name of names) {
    const values = samples.get(name)!;
    const med = median(values);
    console.log(
      `${name.padEnd(12)} ${med.toFixed(1).padStart(16)} ${Math.min(...values)
        .toFixed(1)
        .padStart(8)} ${Math.max(...values)
        .toFixed(1)
        .padStart(8)} ${(med / baseline).toFixed(2).padStart(11)}`,
    );
  }
  const threshold = median(samples.get('thresholds')!);
  console.log(
    `\nthreshold SLI: ${threshold.toFixed(1)} ns/event, ${threshold < TARGET_NS ? 'under' : 'OVER'} the ${TARGET_NS} ns target`,
  );
}

main();
