// Shutdown under load: telemetry.shutdown() is called while twenty requests at a time keep coming.
// Every request completed before shutdown() resolved has its span at the collector when it
// resolves; every later span is at the collector or counted (reason `shutdown`); no request fails.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit } from 'slokit';
import type { Slokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { shopHandler, slis } from '../setup/fixtures/shop.js';
import { LOAD_TEST_TIMEOUT_MS, close, listen, report, scale } from './support.js';

let receiver: OtlpReceiver | undefined;
let server: http.Server | undefined;
let kit: Slokit | undefined;

afterEach(async () => {
  await close(server);
  await kit?.shutdown();
  await receiver?.close();
  server = kit = receiver = undefined;
});

describe('shutdown under load', () => {
  it(
    'loses no span of a request completed before it resolves, and fails no request',
    async () => {
      const n = scale(1_000, 20_000);
      receiver = await startOtlpReceiver();
      // Each export takes 50 ms, so the shutdown lasts a while and requests complete during it.
      receiver.setMode({ kind: 'delay', ms: 50 }, { path: '/v1/traces' });
      const telemetry = startTelemetry({
        endpoint: receiver.url,
        log: false,
        diagLogLevel: false,
        metricsExportIntervalMillis: 60_000,
        // Spans keep ending while the load goes on, and shutdown exports them all: it resolves once the
        // load is over (well within this), never in the middle of it with spans still unexported.
        shutdownTimeoutMillis: 60_000,
        batch: { maxQueueSize: 4_096, maxExportBatchSize: 64, scheduledDelayMillis: 20 },
      });
      kit = createSlokit({ slis });
      server = http.createServer(shopHandler(kit));
      const port = await listen(server);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });

      let resolved = false;
      let shutdown: Promise<void> | undefined;
      let completed = 0;
      const beforeResolve: number[] = [];
      const statuses: number[] = [];
      let next = 1;
      const worker = async (): Promise<void> => {
        while (next <= n) {
          const items = next++;
          const status = await post(port, agent, `/api/checkout?items=${items}`).catch(() => 0);
          statuses.push(status);
          if (!resolved) beforeResolve.push(items);
          // Half-way through, shut down; the load goes on.
          if (++completed === n / 2) shutdown = telemetry.shutdown();
        }
      };
      const load = Promise.all(Array.from({ length: 20 }, worker));
      while (shutdown === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      await shutdown;
      resolved = true;
      const atResolve = new Set(receiver.spans().map((s) => s.attributes['app.cart_items'] as number));
      await load;
      agent.destroy();

      expect(statuses).toHaveLength(n);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const missing = beforeResolve.filter((items) => !atResolve.has(items));
      expect(missing).toEqual([]);
      const stats = telemetry.exportStats();
      expect(stats.failures).toEqual({ traces: 0, metrics: 0 });
      expect(stats.droppedSpans.queue_full + stats.droppedSpans.export_failed).toBe(0);
      // Each span once. Requests completed after shutdown resolved have no span (the kit's tracer is
      // the no-op one from then on), or one that is at the collector or counted as ended too late.
      const received = receiver.spans().map((s) => s.attributes['app.cart_items'] as number);
      expect(new Set(received).size).toBe(received.length);
      expect(received.length).toBeGreaterThanOrEqual(beforeResolve.length);
      expect(received.length + stats.droppedSpans.shutdown).toBeLessThanOrEqual(n);
      // Requests still complete after shutdown, and make no spans.
      const after = await post(port, new http.Agent(), '/api/checkout?items=0');
      expect(after).toBe(200);
      expect(receiver.spans().filter((s) => s.attributes['app.cart_items'] === 0)).toEqual([]);
      report('shutdown under load', {
        requests: n,
        failedRequests: 0,
        completedBeforeResolve: beforeResolve.length,
        missingAtCollector: missing.length,
        received: received.length,
        droppedShutdown: stats.droppedSpans.shutdown,
      });
    },
    LOAD_TEST_TIMEOUT_MS,
  );
});

function post(port: number, agent: http.Agent, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
