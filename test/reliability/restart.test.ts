// Restarting telemetry in one process (a reload, a test suite): a kit made before the first start
// sends its spans to whichever telemetry runs now, to nothing while none runs, and a span that ends
// after its telemetry shut down is counted, never lost silently.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit } from 'slokit';
import type { Slokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { shopHandler, slis } from '../setup/fixtures/shop.js';
import { close, listen, report, until } from './support.js';

const receivers: OtlpReceiver[] = [];
const telemetries: Telemetry[] = [];
let kit: Slokit | undefined;
let server: http.Server | undefined;

afterEach(async () => {
  await close(server);
  await kit?.shutdown();
  for (const t of telemetries.splice(0)) await t.shutdown();
  for (const r of receivers.splice(0)) await r.close();
  server = kit = undefined;
});

async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  receivers.push(r);
  return r;
}

function start(otlp: OtlpReceiver): Telemetry {
  const t = startTelemetry({
    endpoint: otlp.url,
    log: false,
    diagLogLevel: false,
    metricsEndpoint: false,
    batch: { maxQueueSize: 100, maxExportBatchSize: 5, scheduledDelayMillis: 60_000 },
  });
  telemetries.push(t);
  return t;
}

describe('telemetry restarted in the same process', () => {
  it('a kit made before the first start sends its spans to the second telemetry’s collector', async () => {
    const first = await receiver();
    const second = await receiver();
    kit = createSlokit({ slis });
    server = http.createServer(shopHandler(kit));
    const port = await listen(server);
    const checkout = async (items: number): Promise<number> => {
      const response = await fetch(`http://127.0.0.1:${port}/api/checkout?items=${items}`, {
        method: 'POST',
      });
      await response.arrayBuffer();
      return response.status;
    };

    const one = start(first);
    for (let i = 1; i <= 10; i++) expect(await checkout(i)).toBe(200);
    await one.shutdown();
    expect(first.spans()).toHaveLength(10);

    // Between the two: no telemetry, so no span is made (and none is lost).
    for (let i = 11; i <= 15; i++) expect(await checkout(i)).toBe(200);

    const two = start(second);
    for (let i = 16; i <= 25; i++) expect(await checkout(i)).toBe(200);
    await two.forceFlush();
    await until(() => second.spans().length === 10, '10 spans at the second collector');
    expect(second.spans().map((s) => s.attributes['app.cart_items'])).toEqual(
      Array.from({ length: 10 }, (_, i) => 16 + i),
    );
    expect(first.spans()).toHaveLength(10);
    expect(two.exportStats().droppedSpans).toEqual({
      queue_full: 0,
      export_failed: 0,
      shutdown: 0,
      sampled_out: 0,
      sampling_timeout: 0,
      sampling_buffer_full: 0,
    });
    report('restart', { firstCollector: first.spans().length, secondCollector: second.spans().length });
  });

  it('a span that ends after its telemetry shut down is counted by the telemetry running then', async () => {
    const first = await receiver();
    const second = await receiver();
    kit = createSlokit({ slis });
    const one = start(first);
    // Work that starts under the first telemetry and ends after it shut down and a second started.
    let finish: () => void = () => undefined;
    const work = kit.track('checkout', () => new Promise<void>((resolve) => (finish = resolve)));
    await one.shutdown();
    const two = start(second);
    finish();
    await work;
    expect(two.exportStats().droppedSpans).toEqual({
      queue_full: 0,
      export_failed: 0,
      shutdown: 1,
      sampled_out: 0,
      sampling_timeout: 0,
      sampling_buffer_full: 0,
    });
    await two.forceFlush();
    expect(first.spans()).toHaveLength(0);
    expect(second.spans()).toHaveLength(0);
    report('restart, span ending across it', { droppedShutdown: two.exportStats().droppedSpans.shutdown });
  });
});
