// examples/with-existing-otel: an app with its own OTel SDK and instrumentation-http. One SERVER span
// per request, started by instrumentation-http and enriched by slokit; counters in the app's
// MeterProvider; startTelemetry says once that the app's SDK stays in charge.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/with-existing-otel', () => {
  it('--smoke: one enriched SERVER span per request, counters on the app’s /metrics, exit 0', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/with-existing-otel/server.ts', '--smoke'],
      { timeout: 30_000, env: { ...env, PORT: '0' } },
    );
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^slokit: telemetry for service "catalog-api" \(instance [0-9a-f]{8}\): an OpenTelemetry SDK was already registered in this process and stays in charge of traces and metrics; /,
    );
    expect(lines[1]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.slice(2)).toEqual([
      'GET /api/products/1 -> 200',
      'GET /api/products/7 -> 200',
      'GET /api/search -> 500',
      'GET /nope -> 404',
      '4 SERVER spans for 4 requests, in 4 traces',
      'GET /api/products/:id [@opentelemetry/instrumentation-http] availability.outcome=good product-latency.outcome=good',
      'GET /api/products/:id [@opentelemetry/instrumentation-http] availability.outcome=good product-latency.outcome=bad product-latency.reason=latency',
      'GET /api/search [@opentelemetry/instrumentation-http] availability.outcome=bad availability.reason=error',
      'GET [@opentelemetry/instrumentation-http]',
      'slokit_sli_events_total{slokit_sli_name="availability",slokit_sli_outcome="good"} 2',
      'slokit_sli_events_total{slokit_sli_name="availability",slokit_sli_outcome="bad",slokit_sli_reason="error"} 1',
      'slokit_sli_events_total{slokit_sli_name="product-latency",slokit_sli_outcome="good"} 1',
      'slokit_sli_events_total{slokit_sli_name="product-latency",slokit_sli_outcome="bad",slokit_sli_reason="latency"} 1',
    ]);
    expect(stderr).toBe('');
  });
});
