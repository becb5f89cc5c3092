import { ValueType } from '@opentelemetry/api';
import type { Attributes, BatchObservableResult, MeterProvider, Observable } from '@opentelemetry/api';
import {
  ATTR_EXPORT_REASON,
  ATTR_EXPORT_SIGNAL,
  EXPORT_DROPPED_SPANS_METRIC,
  EXPORT_DROPPED_SPANS_UNIT,
  EXPORT_FAILURES_METRIC,
  EXPORT_FAILURES_UNIT,
} from '../conventions.js';
import { describeValue } from '../errors.js';
import { warnOnce } from '../runtime/diag.js';
import { VERSION } from '../version.js';

/**
 * Why spans never reached the collector: the queue was full, their batch failed, they ended after
 * shutdown; with tail sampling, their trace was not one of the 1 in N kept (`sampled_out`), or its
 * root did not end in time (`sampling_timeout`) or it was decided early to make room
 * (`sampling_buffer_full`), and it was not kept.
 */
export type DropReason =
  'queue_full' | 'export_failed' | 'shutdown' | 'sampled_out' | 'sampling_timeout' | 'sampling_buffer_full';
/** The two signals slokit exports over OTLP. */
export type ExportSignal = 'traces' | 'metrics';

/** Export health since start-up, as counted for `slokit.export.*`. */
export interface ExportStatsSnapshot {
  /** Failed OTLP export requests (after the exporter's own retries), per signal. */
  readonly failures: Readonly<Record<ExportSignal, number>>;
  /** Spans that never reached the collector, per reason. */
  readonly droppedSpans: Readonly<Record<DropReason, number>>;
  /** Spans the collector accepted. */
  readonly exportedSpans: number;
}

const SIGNALS: readonly ExportSignal[] = ['traces', 'metrics'];
const REASONS: readonly DropReason[] = [
  'queue_full',
  'export_failed',
  'shutdown',
  'sampled_out',
  'sampling_timeout',
  'sampling_buffer_full',
];
const SIGNAL_ATTRIBUTES: Readonly<Record<ExportSignal, Attributes>> = {
  traces: Object.freeze({ [ATTR_EXPORT_SIGNAL]: 'traces' }),
  metrics: Object.freeze({ [ATTR_EXPORT_SIGNAL]: 'metrics' }),
};
const REASON_ATTRIBUTES = Object.fromEntries(
  REASONS.map((reason) => [reason, Object.freeze({ [ATTR_EXPORT_REASON]: reason })]),
) as unknown as Readonly<Record<DropReason, Attributes>>;
/** What each kind of drop logs (once a minute); deliberate drops (`sampled_out`) log nothing. */
const DROP_WARNINGS: Readonly<Record<Exclude<DropReason, 'export_failed'>, string | undefined>> = {
  queue_full: `the span export queue is full (the collector is slow or unreachable); new spans are dropped and counted in ${EXPORT_DROPPED_SPANS_METRIC}. Requests are not affected.`,
  shutdown: `spans ended after telemetry shut down were dropped (counted in ${EXPORT_DROPPED_SPANS_METRIC}).`,
  sampled_out: undefined,
  sampling_timeout: `tail sampling: traces whose local root span did not end within tailSampling.decisionWaitMillis were decided without it; the spans of those not kept were dropped (counted in ${EXPORT_DROPPED_SPANS_METRIC}). A span that is never ended, or requests longer than the wait, cause this.`,
  sampling_buffer_full: `tail sampling: the buffer of spans waiting for their trace's decision is full (tailSampling.maxBufferedSpans, maxPendingTraces); the oldest traces are decided early and the spans of those not kept are dropped (counted in ${EXPORT_DROPPED_SPANS_METRIC}).`,
};

/**
 * Counts what export lost, so a collector outage is visible in the metrics instead of hidden:
 * plain numbers bumped off the request path, reported as observable counters at collection time.
 * Every failure kind is also logged, at most once a minute per kind (`warnOnce`).
 */
export class ExportStats {
  private readonly failures: Record<ExportSignal, number> = { traces: 0, metrics: 0 };
  private readonly dropped: Record<DropReason, number> = {
    queue_full: 0,
    export_failed: 0,
    shutdown: 0,
    sampled_out: 0,
    sampling_timeout: 0,
    sampling_buffer_full: 0,
  };
  private exported = 0;
  // Errors already reported here, so the SDK's own report of the same failure can be skipped.
  private readonly reported = new WeakSet<object>();
  private unregister: (() => void) | undefined;

  constructor(private readonly destinations: Readonly<Record<ExportSignal, string | undefined>>) {}

  exportSucceeded(signal: ExportSignal, spans: number): void {
    if (signal === 'traces') this.exported += spans;
  }

  /** One export request failed; for traces, its `spans` are lost. */
  exportFailed(signal: ExportSignal, spans: number, error: unknown): void {
    this.failures[signal]++;
    if (signal === 'traces') this.dropped.export_failed += spans;
    if (typeof error === 'object' && error !== null) this.reported.add(error);
    warnOnce(
      `export.failed.${signal}`,
      `could not export ${signal} to ${this.destinations[signal] ?? 'the collector'}: ${describeError(error)}. ` +
        (signal === 'traces' ? `The batch of ${spans} spans was dropped. ` : '') +
        `Failures are counted in ${EXPORT_FAILURES_METRIC}; export goes on and recovers by itself when the collector answers again.`,
    );
  }

  /** Spans dropped before export: the queue was full, they ended after shutdown, or tail sampling. */
  spansDropped(reason: Exclude<DropReason, 'export_failed'>, count: number): void {
    this.dropped[reason] += count;
    const warning = DROP_WARNINGS[reason];
    if (warning !== undefined) warnOnce(`export.dropped.${reason}`, warning);
  }

  /**
   * Whether the SDK's global error handler is being told about an export failure counted and
   * logged here already: the batch processor passes on the exporter's error itself, the metric
   * reader wraps it in a message of its own.
   */
  alreadyReported(error: unknown): boolean {
    if (typeof error === 'object' && error !== null && this.reported.has(error)) return true;
    return (
      error instanceof Error &&
      error.message.startsWith('PeriodicExportingMetricReader: metrics export failed')
    );
  }

  snapshot(): ExportStatsSnapshot {
    return {
      failures: { ...this.failures },
      droppedSpans: { ...this.dropped },
      exportedSpans: this.exported,
    };
  }

  /** Reports the counts through `provider` (and stops reporting through a previous one). */
  bind(provider: MeterProvider): void {
    this.unbind();
    const meter = provider.getMeter('slokit', VERSION);
    const failures = meter.createObservableCounter(EXPORT_FAILURES_METRIC, {
      description: 'OTLP export requests that failed after retries, by signal.',
      unit: EXPORT_FAILURES_UNIT,
      valueType: ValueType.INT,
    });
    const dropped = meter.createObservableCounter(EXPORT_DROPPED_SPANS_METRIC, {
      description: `Spans that never reached the collector, by reason (${REASONS.join(', ')}).`,
      unit: EXPORT_DROPPED_SPANS_UNIT,
      valueType: ValueType.INT,
    });
    const observables: Observable[] = [failures, dropped];
    const callback = (result: BatchObservableResult): void => {
      for (const signal of SIGNALS)
        result.observe(failures, this.failures[signal], SIGNAL_ATTRIBUTES[signal]);
      for (const reason of REASONS) result.observe(dropped, this.dropped[reason], REASON_ATTRIBUTES[reason]);
    };
    meter.addBatchObservableCallback(callback, observables);
    this.unregister = () => meter.removeBatchObservableCallback(callback, observables);
  }

  unbind(): void {
    this.unregister?.();
    this.unregister = undefined;
  }
}

// The counts of the telemetry running now, shared by the ESM and CJS builds: a span that ends after
// its own telemetry shut down is counted there (the earlier telemetry no longer reports anything).
const ACTIVE_STATS = Symbol.for('slokit.export.activeStats');

/** The export counts of the telemetry running now, if any. */
export function activeExportStats(): ExportStats | undefined {
  return (globalThis as Record<symbol, unknown>)[ACTIVE_STATS] as ExportStats | undefined;
}

/** Makes `stats` the counts of the running telemetry (`undefined`: none runs). */
export function setActiveExportStats(stats: ExportStats | undefined, previous?: ExportStats): void {
  const slots = globalThis as Record<symbol, unknown>;
  if (stats !== undefined) slots[ACTIVE_STATS] = stats;
  else if (slots[ACTIVE_STATS] === previous) delete slots[ACTIVE_STATS];
}

/** A one-line description of an export error, without headers or bodies that might hold secrets. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.message || error.name}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}`;
  }
  if (typeof error === 'string') return error;
  return error === undefined ? 'unknown error' : describeValue(error);
}
