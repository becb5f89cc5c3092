import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ExportStats } from './export-stats.js';

/**
 * Counts failed metric exports for `slokit.export.failures{slokit.export.signal="metrics"}` and
 * passes everything else, including the temporality and aggregation preferences the reader asks
 * for, to the real exporter. Metrics are cumulative, so a failed export loses nothing: the next one
 * carries the totals.
 *
 * An export that has not answered within `timeoutMillis` fails here, as a counted failure logged
 * once a minute like every other. Give it less than the reader's own export timeout: the reader
 * would otherwise end the export first and log "metrics export timed out" through `diag` itself, on
 * every interval (its timeout is at most the interval, so with an interval of 10 s or less it
 * always came first). What the inner exporter answers after that is ignored.
 */
export class CountingMetricExporter implements PushMetricExporter {
  constructor(
    private readonly inner: PushMetricExporter,
    private readonly stats: ExportStats,
    private readonly timeoutMillis: number,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    let settled = false;
    const done = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.code === ExportResultCode.SUCCESS) this.stats.exportSucceeded('metrics', 0);
      else this.stats.exportFailed('metrics', 0, result.error);
      resultCallback(result);
    };
    const timer = setTimeout(() => {
      done({
        code: ExportResultCode.FAILED,
        error: new Error(`metrics export timed out after ${this.timeoutMillis} ms`),
      });
    }, this.timeoutMillis);
    timer.unref();
    try {
      this.inner.export(metrics, done);
    } catch (error) {
      done({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality!(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.inner.selectAggregation!(instrumentType);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
