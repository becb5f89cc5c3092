import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit, WorkEvent } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import type { Telemetry } from 'slokit/setup';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';

const job = defineSli<WorkEvent>({ name: 'job', objective: '99%', events: 'custom', good: () => true });

describe('span export off the request path', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let kit: Slokit;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    telemetry = startTelemetry({
      serviceName: 'chunks',
      endpoint: receiver.url,
      metricsExportIntervalMillis: 60_000,
      // Only a full batch triggers an export during the test.
      batch: { maxExportBatchSize: 200, scheduledDelayMillis: 60_000 },
      log: false,
      diagLogLevel: false,
    });
    kit = createSlokit({ slis: [job] });
  });

  afterAll(async () => {
    await telemetry.shutdown();
    await kit.shutdown();
    await receiver.close();
  });

  it('hands a full batch to the exporter after the span that filled it, as one export request', async () => {
    const traceRequests = () => receiver.requests().filter((r) => r.path === '/v1/traces');
    for (let i = 0; i < 199; i++) await kit.track(job, () => i, { name: `work ${i}` });
    // The 200th span fills the batch.
    await kit.track(job, () => undefined, { name: 'work 199' });
    await receiver.waitFor(() => receiver.spans().length >= 200, 10_000, '200 spans');
    // One request, its body serialised 64 spans per turn (test/setup/otlp-trace-exporter.test.ts).
    expect(traceRequests()).toHaveLength(1);
    expect(
      receiver
        .spans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(Array.from({ length: 200 }, (_, i) => `work ${i}`).sort());
  });
});
