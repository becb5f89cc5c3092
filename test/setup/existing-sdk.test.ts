// startTelemetry in an app that already runs an OpenTelemetry SDK: the app's SDK stays in charge,
// slokit says so once, and still enriches the app's spans and counts through the app's meter provider.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyTracerProvider } from '@opentelemetry/api';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { SumMetricData } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import { apiAvailability, catalogFreshness, checkout } from '../../examples/slis.js';
import { REQUESTS, expectedCounts, send, shopHandler, slis } from './fixtures/shop.js';

class AppReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** What an app's own SDK set-up registers (as NodeSDK would). */
function appSdk(signals: { traces: boolean; metrics: boolean }) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new AppReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (signals.traces) trace.setGlobalTracerProvider(tracerProvider);
  if (signals.metrics) metrics.setGlobalMeterProvider(meterProvider);
  return {
    exporter,
    tracerProvider,
    meterProvider,
    async counts(): Promise<Record<string, number>> {
      const { resourceMetrics } = await reader.collect();
      const out: Record<string, number> = {};
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== 'slokit.sli.events') continue;
          for (const p of (metric as SumMetricData).dataPoints) {
            if (p.value === 0) continue;
            const a = p.attributes;
            out[
              [a['slokit.sli.name'], a['slokit.sli.outcome'], a['slokit.sli.reason']]
                .filter((x) => x !== undefined)
                .join('/')
            ] = p.value;
          }
        }
      }
      return out;
    },
    async stop() {
      trace.disable();
      metrics.disable();
      context.disable();
      propagation.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

async function serve(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function get(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ status: number; body: string }> {
  return serve(handler).then(async (server) => {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    const result = { status: response.status, body: await response.text() };
    await server.close();
    return result;
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('startTelemetry with the app’s own OpenTelemetry SDK', () => {
  it('leaves tracing and metrics to it, says so once, and still enriches and counts', async () => {
    const app = appSdk({ traces: true, metrics: true });
    cleanups.push(() => app.stop());
    // A kit made before startTelemetry and one after, judging different SLIs.
    const before = createSlokit({ slis: [checkout] });
    const lines: string[] = [];
    const telemetry = startTelemetry({
      serviceName: 'shop',
      serviceInstanceId: 'abcdef12-x',
      log: (line) => lines.push(line),
    });
    cleanups.push(() => telemetry.shutdown());
    const after = createSlokit({ slis: [apiAvailability, catalogFreshness] });
    cleanups.push(
      () => before.shutdown(),
      () => after.shutdown(),
    );

    expect(lines).toEqual([
      'slokit: telemetry for service "shop" (instance abcdef12): an OpenTelemetry SDK was already registered in this process and stays in charge of traces and metrics; slokit adds its verdicts to that SDK\'s spans and its counters to that SDK\'s MeterProvider, and exports nothing itself',
    ]);
    expect(telemetry.sdk).toEqual({ traces: 'app', metrics: 'app' });
    expect(telemetry.destinations).toEqual({ traces: undefined, metrics: undefined });
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(app.tracerProvider);
    expect(metrics.getMeterProvider()).toBe(app.meterProvider);
    expect(telemetry.meterProvider).toBe(app.meterProvider);

    // Requests through both kits: their spans are the app's, enriched with verdicts; their counts
    // are in the app's meter provider.
    const plan = [REQUESTS.checkout, REQUESTS.failedCheckout, REQUESTS.staleCatalog];
    for (const kit of [before, after]) {
      const server = await serve(shopHandler(kit));
      for (const request of plan) expect(await send(server.port, request)).toBe(request.status);
      await server.close();
    }
    const spans = app.exporter.getFinishedSpans();
    expect(
      spans.map((s) => [
        s.name,
        s.attributes['slokit.sli.checkout.outcome'],
        s.attributes['slokit.sli.api-availability.outcome'],
        s.attributes['slokit.sli.catalog-freshness.outcome'],
      ]),
    ).toEqual([
      ['POST /api/checkout', 'good', undefined, undefined],
      ['POST /api/checkout', 'bad', undefined, undefined],
      ['GET /api/catalog', undefined, undefined, undefined],
      ['POST /api/checkout', undefined, 'good', undefined],
      ['POST /api/checkout', undefined, 'bad', undefined],
      ['GET /api/catalog', undefined, 'good', 'bad'],
    ]);
    expect(await app.counts()).toEqual(expectedCounts(plan));
    expect(telemetry.recentSpans()).toEqual([]);

    const metricsResponse = await get(telemetry.metricsHandler);
    expect(metricsResponse).toEqual({
      status: 404,
      body: "slokit: metrics go through the application's own OpenTelemetry MeterProvider (registered before startTelemetry); serve or export them from there\n",
    });

    // slokit's shutdown leaves the app's SDK registered and working.
    await telemetry.shutdown();
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(app.tracerProvider);
    expect(metrics.getMeterProvider()).toBe(app.meterProvider);
    const server = await serve(shopHandler(after));
    expect(await send(server.port, REQUESTS.checkout)).toBe(200);
    await server.close();
    expect(app.exporter.getFinishedSpans()).toHaveLength(7);
    expect(lines).toHaveLength(1);
  });

  it('with only the app’s tracer provider: leaves traces to it and serves metrics itself', async () => {
    const app = appSdk({ traces: true, metrics: false });
    cleanups.push(() => app.stop());
    const lines: string[] = [];
    const telemetry = startTelemetry({
      serviceName: 'shop',
      serviceInstanceId: 'abcdef12-x',
      log: (line) => lines.push(line),
      diagLogLevel: false,
    });
    cleanups.push(() => telemetry.shutdown());
    const kit = createSlokit({ slis });
    cleanups.push(() => kit.shutdown());

    expect(lines).toEqual([
      'slokit: telemetry for service "shop" (instance abcdef12): traces → the app\'s own OpenTelemetry SDK (registered before slokit; it stays in charge); metrics → metricsHandler (Prometheus text)',
    ]);
    expect(telemetry.sdk).toEqual({ traces: 'app', metrics: 'slokit' });
    const server = await serve(shopHandler(kit));
    expect(await send(server.port, REQUESTS.slowCheckout)).toBe(200);
    await server.close();
    expect(app.exporter.getFinishedSpans().map((s) => s.attributes['slokit.sli.checkout.reason'])).toEqual([
      'latency',
    ]);
    const text = (await get(telemetry.metricsHandler)).body;
    expect(text).toContain(
      'slokit_sli_events_total{slokit_sli_name="checkout",slokit_sli_outcome="bad",slokit_sli_reason="latency",otel_scope_name="slokit",otel_scope_version="0.1.0"} 1',
    );
  });
});
