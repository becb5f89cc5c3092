// examples/with-collector against a real OTLP/HTTP receiver standing in for the collector: configured
// only through the standard environment variables, it delivers its spans (with the headers) and the
// final SLI counts when it shuts down.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpReceiver } from '../helpers/otlp-receiver.js';

const run = promisify(execFile);

describe('examples/with-collector', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('--smoke: sends spans and the final counts to OTEL_EXPORTER_OTLP_ENDPOINT, with its headers', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/with-collector/server.ts', '--smoke'],
      {
        timeout: 30_000,
        env: {
          ...env,
          PORT: '0',
          OTEL_SERVICE_NAME: 'checkout-service',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.version=4.2.0',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=test-key',
        },
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^slokit: telemetry for service "checkout-service" \\(instance [0-9a-f]{8}\\): traces → OTLP/HTTP ${receiver.url}/v1/traces`,
      ),
    );
    expect(lines.slice(2)).toEqual([
      'POST /api/checkout -> 200',
      'POST /api/checkout -> 200',
      'POST /api/checkout?fail=1 -> 503',
      `traces: ${receiver.url}/v1/traces`,
      `metrics: ${receiver.url}/v1/metrics`,
      'exported 3 spans; failed exports: 0 (traces), 0 (metrics)',
    ]);

    const spans = receiver.spans();
    expect(
      spans.map((s) => [
        s.name,
        s.attributes['slokit.sli.checkout.outcome'],
        s.attributes['app.payment.provider'],
      ]),
    ).toEqual([
      ['POST /api/checkout', 'good', 'acme-pay'],
      ['POST /api/checkout', 'good', 'acme-pay'],
      ['POST /api/checkout', 'bad', 'acme-pay'],
    ]);
    expect(spans[0]!.resource).toMatchObject({
      'service.name': 'checkout-service',
      'service.version': '4.2.0',
      'deployment.environment.name': 'staging',
    });
    for (const request of receiver.requests()) expect(request.headers['x-honeycomb-team']).toBe('test-key');
    const counts = Object.fromEntries(
      receiver
        .latestPoints('slokit.sli.events')
        .filter((p) => p.value > 0)
        .map((p) => [
          `${String(p.attributes['slokit.sli.name'])}/${String(p.attributes['slokit.sli.outcome'])}`,
          p.value,
        ]),
    );
    expect(counts).toEqual({
      'checkout/good': 2,
      'checkout/bad': 1,
      'api-availability/good': 2,
      'api-availability/bad': 1,
    });
  });
});
