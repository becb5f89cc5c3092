import { runtimeOf } from '../runtime/kit.js';
import type { Slokit } from '../runtime/kit.js';
import type { Sli } from '../sli/types.js';

/**
 * An `onStep` for {@link playTraffic} that plays synthetic good and bad events straight into a kit's
 * budget windows for one SLI, stamped at the fake clock's time: hours of traffic in milliseconds,
 * for testing `kit.status()` and `onAlert`. (The events are synthetic outcomes: they skip
 * classification and the metric counters.) Create the kit with the same fake clock.
 *
 * @example
 * const clock = createFakeClock();
 * const kit = createSlokit({ slis: [checkout], clock, onAlert: (t) => alerts.push(t) });
 * playTraffic({
 *   clock,
 *   durationMs: 2 * 3_600_000,
 *   rate: trafficPhases([{ durationMs: 3_600_000, total: 1000, errorRatio: 0 }, { durationMs: 3_600_000, total: 1000, errorRatio: 0.15 }]),
 *   onStep: kitTraffic(kit, checkout),
 * });
 * kit.status().slis[0].alerts.page.state; // 'firing'
 */
export function kitTraffic(
  kit: Slokit,
  sli: Sli<never> | string,
): (good: number, bad: number, atMs: number) => void {
  const runtime = runtimeOf(kit, 'kitTraffic');
  const index = runtime.indexFor(sli as Sli<unknown> | string, 'kitTraffic');
  return (good, bad, atMs) => runtime.slo.addCounts(index, good, bad, atMs);
}
