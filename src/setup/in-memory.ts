import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { RESOURCE_SERVICE_NAME } from '../conventions.js';
import { registerContext } from './globals.js';
import { TELEMETRY_DEFAULTS } from './options.js';

/** A metric reader that collects only when asked (no timer, nothing exported). */
class OnDemandMetricReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Telemetry that stays in memory, for tests: spans as soon as they end, metrics when asked. */
export interface InMemoryTelemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Finished spans so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** Collects the metrics now. */
  collect(): Promise<ResourceMetrics>;
  /** Forgets the finished spans. */
  resetSpans(): void;
  shutdown(): Promise<void>;
}

/**
 * Real SDK providers wired to an in-memory span exporter (through a simple, synchronous processor,
 * so a span is readable the moment it ends) and a collect-on-demand metric reader. Nothing is
 * registered globally except, where none is registered yet, the AsyncLocalStorage context manager
 * and W3C propagation, so spans nest and `traceparent` is honoured as in the app.
 */
export function createInMemoryTelemetry(serviceName = 'slokit-test'): InMemoryTelemetry {
  registerContext();
  const exporter = new InMemorySpanExporter();
  const resource = resourceFromAttributes({ [RESOURCE_SERVICE_NAME]: serviceName });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanLimits: {
      attributeCountLimit: TELEMETRY_DEFAULTS.attributeCountLimit,
      attributeValueLengthLimit: TELEMETRY_DEFAULTS.attributeValueLengthLimit,
    },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new OnDemandMetricReader();
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  let stopped: Promise<void> | undefined;
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new Error(`metric collection failed: ${errors.map(String).join('; ')}`);
      return resourceMetrics;
    },
    resetSpans: () => exporter.reset(),
    shutdown: () =>
      (stopped ??= Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]).then(() => undefined)),
  };
}
