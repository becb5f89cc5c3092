import { SpanKind } from '@opentelemetry/api';
import type { SumMetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_SLI_NAME,
  ATTR_SLI_OUTCOME,
  ATTR_SLI_REASON,
  SLI_EVENTS_METRIC,
  sliOutcomeAttribute,
  sliReasonAttribute,
} from '../conventions.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { createSlokit, runtimeOf } from '../runtime/kit.js';
import type { Slokit } from '../runtime/kit.js';
import type { SlokitOptions } from '../runtime/options.js';
import { createInMemoryTelemetry } from '../setup/in-memory.js';
import type { BadReason } from '../sli/types.js';
import { BAD_REASONS } from '../sli/verdicts.js';

/** Options of {@link createTestKit}: the kit's options, without providers (the test kit brings its own). */
export type TestKitOptions = Omit<SlokitOptions, 'tracerProvider' | 'meterProvider'>;

/** Good and bad events of one SLI, as the `slokit.sli.events` counter reports them. */
export interface SliCount {
  readonly good: number;
  readonly bad: number;
  /** Bad events per reason; reasons with no bad event are left out. */
  readonly badByReason: Readonly<Partial<Record<BadReason, number>>>;
}

/** A kit wired to in-memory telemetry, with readers for tests. */
export interface TestKit {
  /** The kit: hand it to your adapter (`slokitExpress(t.kit)`, `wrapHandler(t.kit, ...)`). */
  readonly kit: Slokit;
  /** Every span that ended since the start (or the last `reset()`), in the order they ended. */
  spans(): ReadableSpan[];
  /** The SERVER spans (one per request) among them. */
  serverSpans(): ReadableSpan[];
  /**
   * Waits until at least `count` SERVER spans have ended and returns them. A request's span ends when
   * its response is fully written, which can be a moment after your HTTP client saw the response.
   * Rejects after `timeoutMs` (default 2000) with what it found.
   */
  waitForServerSpans(count: number, timeoutMs?: number): Promise<ReadableSpan[]>;
  /** The verdicts a span carries, `{ '<sli>': 'good' | 'bad/<reason>' }` for each SLI it was eligible for. */
  verdicts(span: ReadableSpan): Record<string, string>;
  /**
   * Good and bad counts per SLI since the start (or the last `reset()`), read through a real metric
   * collection of `slokit.sli.events`: what Prometheus or a collector would receive. Every SLI of
   * the kit is present.
   */
  counts(): Promise<Record<string, SliCount>>;
  /** Forgets the spans and starts the counts from zero again. */
  reset(): void;
  /** Shuts the kit and its providers down. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Creates a kit for tests, wired to real OpenTelemetry SDK providers that keep everything in
 * memory: spans are readable as soon as they end, and counts are collected on demand. Nothing is
 * exported and no global provider is registered, so tests run in parallel without seeing each
 * other's data.
 *
 * @example
 * import { createTestKit } from 'slokit/testing';
 * import { slokitExpress } from 'slokit/express';
 *
 * const t = createTestKit({ slis: [checkout] });
 * const app = express().use(slokitExpress(t.kit));
 * // ... routes ...
 * await request(app).post('/api/checkout').expect(200);
 * const [span] = await t.waitForServerSpans(1);
 * expect(t.verdicts(span)).toEqual({ checkout: 'good' });
 * expect(await t.counts()).toEqual({ checkout: { good: 1, bad: 0, badByReason: {} } });
 */
export function createTestKit(options: TestKitOptions): TestKit {
  if (typeof options === 'object' && options !== null) {
    for (const key of ['tracerProvider', 'meterProvider']) {
      if (key in options) {
        throw new SlokitDefinitionError(
          'SLOKIT_E_TELEMETRY_OPTION',
          `createTestKit: ${key}: the test kit brings its own in-memory providers; use createSlokit() to choose providers (got ${describeValue((options as Record<string, unknown>)[key])})`,
        );
      }
    }
  }
  const telemetry = createInMemoryTelemetry();
  let kit: Slokit;
  try {
    kit = createSlokit({
      ...options,
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
  } catch (error) {
    void telemetry.shutdown();
    throw error;
  }
  const runtime = runtimeOf(kit, 'createTestKit');
  const names = runtime.slis.map((sli) => sli.name);
  // Counts at the last reset(), per SLI: "good" and "bad/<reason>".
  let baseline = new Map<string, number>();
  let stopped: Promise<void> | undefined;

  const serverSpans = (): ReadableSpan[] => telemetry.spans().filter((span) => span.kind === SpanKind.SERVER);

  return Object.freeze({
    kit,
    spans: () => telemetry.spans(),
    serverSpans,
    async waitForServerSpans(count: number, timeoutMs = 2_000): Promise<ReadableSpan[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spans = serverSpans();
        if (spans.length >= count) return spans;
        if (Date.now() >= deadline) {
          throw new Error(
            `waitForServerSpans: expected ${count} SERVER spans within ${timeoutMs} ms, found ${spans.length}: ${spans.map((s) => s.name).join(', ') || 'none'}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    verdicts(span: ReadableSpan): Record<string, string> {
      const out: Record<string, string> = {};
      for (const name of names) {
        const outcome = span.attributes[sliOutcomeAttribute(name)];
        if (outcome === undefined) continue;
        const reason = span.attributes[sliReasonAttribute(name)];
        out[name] = reason === undefined ? String(outcome) : `${String(outcome)}/${String(reason)}`;
      }
      return out;
    },
    async counts(): Promise<Record<string, SliCount>> {
      const raw = new Map<string, number>();
      const metrics = await telemetry.collect();
      for (const scope of metrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== SLI_EVENTS_METRIC) continue;
          for (const point of (metric as SumMetricData).dataPoints) {
            const a = point.attributes;
            const key = a[ATTR_SLI_OUTCOME] === 'good' ? 'good' : `bad/${String(a[ATTR_SLI_REASON])}`;
            raw.set(`${String(a[ATTR_SLI_NAME])}\n${key}`, point.value);
          }
        }
      }
      const counts: Record<string, SliCount> = {};
      for (const name of names) {
        const value = (key: string): number =>
          (raw.get(`${name}\n${key}`) ?? 0) - (baseline.get(`${name}\n${key}`) ?? 0);
        const badByReason: Partial<Record<BadReason, number>> = {};
        let bad = 0;
        for (const reason of BAD_REASONS) {
          const n = value(`bad/${reason}`);
          if (n !== 0) badByReason[reason] = n;
          bad += n;
        }
        counts[name] = { good: value('good'), bad, badByReason };
      }
      return counts;
    },
    reset(): void {
      telemetry.resetSpans();
      // The counters behind the metric cannot go back to zero (they are cumulative), so remember
      // where they stand; the kit's own totals are what the metric reports.
      const next = new Map<string, number>();
      names.forEach((name, i) => {
        const totals = runtime.counters.totals(i);
        next.set(`${name}\ngood`, totals.good);
        for (const reason of BAD_REASONS) next.set(`${name}\nbad/${reason}`, totals.badByReason[reason]);
      });
      baseline = next;
    },
    shutdown: () =>
      (stopped ??= (async () => {
        await kit.shutdown();
        await telemetry.shutdown();
      })()),
  });
}
