// Graceful shutdown against a real receiver: every request completed before shutdown() resolves is
// at the receiver when it resolves, even those that complete while it runs; the final metrics are
// exported; shutdown is idempotent; and handleSignals flushes on SIGTERM/SIGINT, then lets the
// signal end the process.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { REQUESTS, expectedCounts, send, shopHandler, slis } from './fixtures/shop.js';
import { startShop } from './fixtures/spawn.js';
import type { ShopProcess } from './fixtures/spawn.js';

const receivers: OtlpReceiver[] = [];
const shops: ShopProcess[] = [];
afterAll(async () => {
  await Promise.all(shops.map((shop) => shop.stop()));
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  receivers.push(r);
  return r;
}

describe('shutdown()', () => {
  it('exports every span that ended before it resolves, including requests finishing during it', async () => {
    const otlp = await receiver();
    // Each trace export takes 150 ms, so the shutdown lasts a while and requests end during it.
    otlp.setMode({ kind: 'delay', ms: 150 }, { path: '/v1/traces' });
    const telemetry = startTelemetry({
      endpoint: otlp.url,
      log: false,
      diagLogLevel: false,
      metricsExportIntervalMillis: 60_000,
      batch: { maxQueueSize: 100, maxExportBatchSize: 5, scheduledDelayMillis: 60_000 },
    });
    const kit = createSlokit({ slis });
    const server = http.createServer(shopHandler(kit));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const checkout = async (items: number, delay = 0): Promise<void> => {
      const response = await fetch(`http://127.0.0.1:${port}/api/checkout?items=${items}&delay=${delay}`, {
        method: 'POST',
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    };

    // Phase 1: twelve requests, all complete before shutdown.
    for (let i = 1; i <= 12; i++) await checkout(i);
    // Phase 2: twenty requests in flight, completing every 25 ms from 0 to 475 ms.
    let resolved = false;
    const completedBeforeResolve: number[] = [];
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      checkout(100 + i, i * 25).then(() => {
        if (!resolved) completedBeforeResolve.push(100 + i);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const completedBeforeCall = 12 + completedBeforeResolve.length;

    const shutdown = telemetry.shutdown();
    expect(telemetry.shutdown()).toBe(shutdown);
    await shutdown;
    resolved = true;
    // What the receiver holds at this moment, before anything else can arrive.
    const atResolve = otlp.spans().map((s) => s.attributes['app.cart_items'] as number);
    const finalEvents = otlp.latestPoints('slokit.sli.events');

    await Promise.all(inFlight);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));

    // Requests did complete while shutdown ran (otherwise this test would prove little).
    expect(completedBeforeResolve.length).toBeGreaterThan(completedBeforeCall - 12);
    const mustHave = [...Array.from({ length: 12 }, (_, i) => i + 1), ...completedBeforeResolve].sort(
      (a, b) => a - b,
    );
    expect(atResolve.filter((items) => mustHave.includes(items)).sort((a, b) => a - b)).toEqual(mustHave);
    // Each span once; every span either reached the receiver or was counted as ended too late.
    expect(new Set(atResolve).size).toBe(atResolve.length);
    const stats = telemetry.exportStats();
    expect(stats.failures).toEqual({ traces: 0, metrics: 0 });
    expect(stats.droppedSpans.queue_full + stats.droppedSpans.export_failed).toBe(0);
    expect(otlp.spans().length + stats.droppedSpans.shutdown).toBe(32);

    // The final metric export counts at least every request completed before shutdown was called.
    const checkoutGood = finalEvents.find(
      (p) => p.attributes['slokit.sli.name'] === 'checkout' && p.attributes['slokit.sli.outcome'] === 'good',
    );
    expect(checkoutGood!.value).toBeGreaterThanOrEqual(completedBeforeCall);
    expect(checkoutGood!.value).toBeLessThanOrEqual(32);

    // Afterwards: the handler says so, and telemetry can start again.
    const res = { statusCode: 0, headers: {} as Record<string, string>, body: '' };
    telemetry.metricsHandler(
      { method: 'GET', url: '/metrics' } as http.IncomingMessage,
      {
        set statusCode(v: number) {
          res.statusCode = v;
        },
        setHeader: (k: string, v: string) => (res.headers[k] = v),
        end: (body: string) => (res.body = body),
      } as unknown as http.ServerResponse,
    );
    expect(res).toMatchObject({ statusCode: 503, body: 'slokit: telemetry has shut down\n' });
    const again = startTelemetry({ log: false, diagLogLevel: false });
    await again.shutdown();
    await kit.shutdown();
  });
});

describe('handleSignals: true', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: flushes spans and metrics, then the signal ends the process',
    async (signal) => {
      const otlp = await receiver();
      const shop = await startShop({
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_SERVICE_NAME: 'signal-shop',
        // Nothing would be exported before the signal without the flush.
        OTEL_METRIC_EXPORT_INTERVAL: '600000',
        SHOP_BATCH_DELAY_MS: '600000',
        SHOP_HANDLE_SIGNALS: '1',
      });
      shops.push(shop);
      const plan = [
        REQUESTS.checkout,
        REQUESTS.slowCheckout,
        REQUESTS.failedCheckout,
        REQUESTS.catalog,
        REQUESTS.notFound,
      ];
      for (const request of plan) expect(await send(shop.port, request)).toBe(request.status);
      expect(otlp.requests()).toEqual([]);

      shop.child.kill(signal);
      expect(await shop.exited).toEqual({ code: null, signal });

      expect(otlp.spans()).toHaveLength(plan.length);
      expect(new Set(otlp.spans().map((s) => s.resource['service.name']))).toEqual(new Set(['signal-shop']));
      const events: Record<string, number> = {};
      for (const p of otlp.latestPoints('slokit.sli.events')) {
        if (p.value === 0) continue;
        const a = p.attributes;
        events[
          [a['slokit.sli.name'], a['slokit.sli.outcome'], a['slokit.sli.reason']]
            .filter((x) => x !== undefined)
            .join('/')
        ] = p.value;
      }
      expect(events).toEqual(expectedCounts(plan));
    },
  );
});
