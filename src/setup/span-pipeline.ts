import { TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { activeExportStats } from './export-stats.js';
import type { ExportStats } from './export-stats.js';

/** Sizes and timeouts of the span export pipeline. */
export interface SpanPipelineOptions {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

/**
 * Counts what the exporter does with each batch (exported or failed) and tells the processor when
 * spans leave its queue. It only wraps: the batch goes to the real exporter unchanged.
 */
class CountingSpanExporter implements SpanExporter {
  /** Called with the size of each batch the BatchSpanProcessor hands over. */
  onHandedOver: (count: number) => void = () => undefined;
  private shutdownDeferred = false;
  /** Export requests sent and not answered yet. */
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly inner: SpanExporter,
    private readonly stats: ExportStats,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.onHandedOver(spans.length);
    // The BatchSpanProcessor calls export() from the span.end() that filled a batch, that is from
    // the end of some request. The batch is handed on from a macrotask of its own instead, so no
    // request pays for the export of others' spans; the exporter of startTelemetry() then
    // serialises it a slice per turn (see OtlpTraceExporter).
    setImmediate(() => this.send(spans, resultCallback));
  }

  /** Exports without touching the queue count (spans that ended while shutting down). */
  send(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inFlight++;
    let answered = false;
    const done = (result: ExportResult): void => {
      if (answered) return;
      answered = true;
      if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      if (result.code === ExportResultCode.SUCCESS) this.stats.exportSucceeded('traces', spans.length);
      else this.stats.exportFailed('traces', spans.length, result.error);
      resultCallback(result);
    };
    try {
      this.inner.export(spans, done);
    } catch (error) {
      done({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  /** The number of export requests in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves once no export request is in flight (each is bounded by the exporter's timeout). */
  idle(): Promise<void> {
    return this.inFlight === 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          this.idleWaiters.push(resolve);
        });
  }

  /** While deferred, the BatchSpanProcessor's shutdown leaves the real exporter open for late spans. */
  deferShutdown(): void {
    this.shutdownDeferred = true;
  }

  shutdown(): Promise<void> {
    return this.shutdownDeferred ? Promise.resolve() : this.inner.shutdown();
  }

  shutdownNow(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

type State = 'open' | 'draining' | 'closed';

/**
 * The span export pipeline: a bounded admission gate in front of the SDK's BatchSpanProcessor and
 * a counting exporter behind it.
 *
 * Why a gate: the BatchSpanProcessor drops spans when its queue is full but does not say so to
 * anyone but `diag`. The gate keeps the number of spans handed to the processor and not yet handed
 * to the exporter (exactly the processor's queue, or more while a batch is being formed) and drops
 * a span itself, counted, before that number would exceed `maxQueueSize`; the processor, given the
 * same limit, never drops one silently. Export runs in macrotasks of its own, never on the request
 * path (see CountingSpanExporter.export), and each export is bounded by the exporter's timeout, so
 * a hanging collector costs at most `maxQueueSize` queued spans plus the batches in flight.
 *
 * Shutdown exports every span that ended before it resolves: first the queue is flushed while
 * spans are still admitted; then the processor shuts down while the exporter stays open, and spans
 * ending meanwhile are collected (bounded) and exported by the gate itself, until the caller's other
 * shutdown work is done and none are left. Only then is it closed and the exporter shut down.
 */
export class SpanExportPipeline implements SpanProcessor {
  private readonly exporter: CountingSpanExporter;
  private readonly batch: BatchSpanProcessor;
  private queued = 0;
  private state: State = 'open';
  private late: ReadableSpan[] = [];
  private lateArrived: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private released: Promise<unknown> = Promise.resolve();

  constructor(
    exporter: SpanExporter,
    private readonly stats: ExportStats,
    private readonly options: SpanPipelineOptions,
  ) {
    this.exporter = new CountingSpanExporter(exporter, stats);
    this.exporter.onHandedOver = (count) => {
      this.queued -= count;
    };
    this.batch = new BatchSpanProcessor(this.exporter, {
      maxQueueSize: options.maxQueueSize,
      maxExportBatchSize: options.maxExportBatchSize,
      scheduledDelayMillis: options.scheduledDelayMillis,
      // The exporter's own timeout ends a hanging request first and reports why; this one only
      // guards against an exporter that never calls back.
      exportTimeoutMillis: options.exportTimeoutMillis + 1_000,
    });
  }

  onStart(span: Span, parentContext: Context): void {
    this.batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // Unsampled spans are never exported (the BatchSpanProcessor ignores them too).
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.state === 'open') {
      if (this.queued >= this.options.maxQueueSize) {
        this.stats.spansDropped('queue_full', 1);
        return;
      }
      this.queued++;
      this.batch.onEnd(span);
    } else if (this.state === 'draining') {
      if (this.late.length >= this.options.maxQueueSize) {
        this.stats.spansDropped('queue_full', 1);
        return;
      }
      this.late.push(span);
      this.lateArrived?.();
    } else {
      // Counted by the telemetry running now, if one was started since: this one reports no more.
      (activeExportStats() ?? this.stats).spansDropped('shutdown', 1);
    }
  }

  forceFlush(): Promise<void> {
    return this.state === 'open' ? this.batch.forceFlush() : (this.closing ?? Promise.resolve());
  }

  /**
   * Keeps accepting (and exporting) spans during shutdown until `done` settles, so spans that end
   * while the rest of the telemetry shuts down are not lost. Call before `shutdown()`.
   */
  holdOpenUntil(done: Promise<unknown>): void {
    this.released = done.then(
      () => undefined,
      () => undefined,
    );
  }

  shutdown(): Promise<void> {
    return (this.closing ??= this.drain());
  }

  private async drain(): Promise<void> {
    // 1. Export what is queued; spans ending meanwhile are still admitted to the queue.
    await this.batch.forceFlush().catch(() => undefined);
    // 2. From now on, late spans wait in `late`; the processor exports its queue and stops, while
    //    the real exporter stays open for them.
    this.state = 'draining';
    this.exporter.deferShutdown();
    await this.batch.shutdown().catch(() => undefined);
    // 3. Export late spans until the caller's other shutdown work is done, none are left, and every
    //    export request sent (by the processor too: its flush does not wait for a batch already in
    //    flight) has been answered.
    let released = false;
    void this.released.then(() => {
      released = true;
      this.lateArrived?.();
    });
    for (;;) {
      if (this.late.length > 0) {
        const spans = this.late.splice(0, this.options.maxExportBatchSize);
        await new Promise<void>((resolve) => this.exporter.send(spans, () => resolve()));
        continue;
      }
      if (this.exporter.pending > 0) {
        await this.exporter.idle();
        continue;
      }
      if (released) break;
      await new Promise<void>((resolve) => {
        this.lateArrived = resolve;
      });
      this.lateArrived = undefined;
    }
    // Nothing may be awaited between the last check above and here: a span that ended before the
    // caller sees shutdown resolve is either exported above or ends after `closed` is set.
    this.state = 'closed';
    void this.exporter.shutdownNow().catch(() => undefined);
  }
}
