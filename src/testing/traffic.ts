import { SlokitDefinitionError, describeValue } from '../errors.js';
import type { FakeClock } from './clock.js';

/**
 * The traffic of one step: counts, or a total and the share of it that is bad
 * (`bad = Math.round(total × errorRatio)`, `good = total − bad`).
 */
export type StepTraffic =
  { readonly good: number; readonly bad: number } | { readonly total: number; readonly errorRatio: number };

/** Options of {@link playTraffic}. */
export interface PlayTrafficOptions {
  /** The fake clock to move; the kit under test should read the same clock. */
  readonly clock: FakeClock;
  /** How long to play, in ms. */
  readonly durationMs: number;
  /** The length of a step, in ms. Default one minute. */
  readonly stepMs?: number | undefined;
  /**
   * The traffic of the step starting `tMs` after the start (and at clock time `atMs`). Called once per
   * step, in order.
   */
  readonly rate: (tMs: number, atMs: number) => StepTraffic;
  /**
   * Records one step's events. Called at the start of the step, with the clock at `atMs`, before the
   * clock moves on: wire it to the kit (`kit.record(...)` `good + bad` times) and evaluate there.
   */
  readonly onStep: (good: number, bad: number, atMs: number) => void;
}

/** What {@link playTraffic} played. */
export interface TrafficTotals {
  readonly steps: number;
  readonly good: number;
  readonly bad: number;
  /** The clock's time before the first step. */
  readonly startMs: number;
  /** The clock's time after the last step: `startMs + durationMs`. */
  readonly endMs: number;
}

/**
 * Plays synthetic traffic against a fake clock: hours of traffic in milliseconds, with no timers.
 *
 * Each step, starting at clock time `atMs`: asks `rate(tMs, atMs)` for the step's counts, calls
 * `onStep(good, bad, atMs)` and then advances the clock by the step (the last step is shorter when
 * `durationMs` is not a multiple of `stepMs`). The events of a step are all stamped at its start.
 *
 * @throws SlokitError `SLOKIT_E_TEST_INPUT` for a non-positive duration or step, or a `rate` that
 *   returns anything but whole counts ≥ 0 (or an `errorRatio` outside [0, 1]).
 * @example
 * const clock = createFakeClock();
 * playTraffic({
 *   clock,
 *   durationMs: 6 * 3_600_000,
 *   rate: (t) => ({ total: 1000, errorRatio: t < 3_600_000 ? 0.15 : 0 }),
 *   onStep: (good, bad, at) => windows.add(at, good, bad),
 * });
 */
export function playTraffic(options: PlayTrafficOptions): TrafficTotals {
  const { clock, durationMs, stepMs = 60_000, rate, onStep } = options;
  if (!isPositive(durationMs))
    fail(`playTraffic: durationMs: expected ms > 0; got ${describeValue(durationMs)}`);
  if (!isPositive(stepMs)) fail(`playTraffic: stepMs: expected ms > 0; got ${describeValue(stepMs)}`);
  const startMs = clock.now();
  let steps = 0;
  let good = 0;
  let bad = 0;
  for (let t = 0; t < durationMs; t += stepMs) {
    const atMs = clock.now();
    const counts = toCounts(rate(t, atMs), t);
    onStep(counts.good, counts.bad, atMs);
    steps++;
    good += counts.good;
    bad += counts.bad;
    clock.advance(Math.min(stepMs, durationMs - t));
  }
  return { steps, good, bad, startMs, endMs: clock.now() };
}

/** A phase of {@link trafficPhases}: a traffic level held for `durationMs`. */
export type TrafficPhase = StepTraffic & { readonly durationMs: number };

/**
 * A `rate` for {@link playTraffic} made of phases played one after the other, e.g. an hour clean,
 * ten minutes at 15% errors, then clean again. After the last phase there is no traffic.
 *
 * @example
 * trafficPhases([
 *   { durationMs: 3_600_000, total: 1000, errorRatio: 0 },
 *   { durationMs: 600_000, total: 1000, errorRatio: 0.15 },
 *   { durationMs: 3_600_000, total: 1000, errorRatio: 0 },
 * ]);
 */
export function trafficPhases(phases: readonly TrafficPhase[]): (tMs: number) => StepTraffic {
  phases.forEach((p, i) => {
    if (!isPositive(p.durationMs)) fail(`trafficPhases: phases[${i}].durationMs: expected ms > 0`);
  });
  return (tMs) => {
    let end = 0;
    for (const phase of phases) {
      end += phase.durationMs;
      if (tMs < end) return phase;
    }
    return { good: 0, bad: 0 };
  };
}

function toCounts(traffic: StepTraffic, tMs: number): { good: number; bad: number } {
  if (typeof traffic !== 'object' || traffic === null) {
    fail(
      `playTraffic: rate(${tMs}) returned ${describeValue(traffic)}; expected { good, bad } or { total, errorRatio }`,
    );
  }
  if ('total' in traffic) {
    const { total, errorRatio } = traffic;
    if (!isCount(total) || !(errorRatio >= 0 && errorRatio <= 1)) {
      fail(
        `playTraffic: rate(${tMs}) returned total ${describeValue(total)}, errorRatio ${describeValue(errorRatio)}`,
      );
    }
    const bad = Math.round(total * errorRatio);
    return { good: total - bad, bad };
  }
  if (!isCount(traffic.good) || !isCount(traffic.bad)) {
    fail(
      `playTraffic: rate(${tMs}) returned good ${describeValue(traffic.good)}, bad ${describeValue(traffic.bad)}`,
    );
  }
  return { good: traffic.good, bad: traffic.bad };
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function fail(message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_TEST_INPUT', message);
}
