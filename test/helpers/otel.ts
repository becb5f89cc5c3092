// Real OpenTelemetry SDK parts for tests: an in-memory span exporter behind a simple processor, a
// metric reader we can collect on demand, the AsyncLocalStorage context manager and the W3C
// propagator, registered globally the way an app's SDK set-up would.
import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, SumMetricData } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A metric reader that collects only when asked. */
export class TestMetricReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TestTelemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  readonly exporter: InMemorySpanExporter;
  readonly reader: TestMetricReader;
  /** Finished spans so far. */
  spans(): ReadableSpan[];
  /** The SERVER spans so far. */
  serverSpans(): ReadableSpan[];
  /** `slokit.sli.events` as `{ "<sli>/<outcome>[/<reason>]": value }`. */
  sliCounts(): Promise<Record<string, number>>;
  /** The data points of a sum metric by name. */
  sumPoints(name: string): Promise<DataPoint<number>[]>;
  reset(): void;
  shutdown(): Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Registers the context manager and propagator once per test file (as an app's SDK would). */
export function installGlobalContext(): void {
  if (contextManager !== undefined) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

export function createTestTelemetry(options: { registerGlobalTracer?: boolean } = {}): TestTelemetry {
  installGlobalContext();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  if (options.registerGlobalTracer === true) trace.setGlobalTracerProvider(tracerProvider);
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const sumPoints = async (name: string): Promise<DataPoint<number>[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${errors.map(String).join('; ')}`);
    const points: DataPoint<number>[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name === name) points.push(...(metric as SumMetricData).dataPoints);
      }
    }
    return points;
  };
  return {
    tracerProvider,
    meterProvider,
    exporter,
    reader,
    spans: () => exporter.getFinishedSpans(),
    serverSpans: () => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER),
    sumPoints,
    async sliCounts() {
      const counts: Record<string, number> = {};
      for (const point of await sumPoints('slokit.sli.events')) {
        const a = point.attributes;
        const key = [a['slokit.sli.name'], a['slokit.sli.outcome'], a['slokit.sli.reason']]
          .filter((x) => x !== undefined)
          .join('/');
        counts[key] = point.value;
      }
      return counts;
    },
    reset: () => exporter.reset(),
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
