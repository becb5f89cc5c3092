import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/fastify-basic', () => {
  it('starts, answers its smoke requests, prints the SLI counts and exits 0', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/fastify-basic/server.ts', '--smoke'],
      { timeout: 30_000 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.slice(1, -1)).toEqual([
      'POST /api/checkout -> 201',
      'POST /api/checkout -> 201',
      'POST /api/checkout -> 400',
      'POST /api/checkout -> 500',
      'GET /api/products/7 -> 200',
      'GET /healthz -> 200',
      'GET /metrics -> 200',
    ]);
    // The 400 is a schema refusal: bad for checkout (not 2xx), fine for availability (not 5xx).
    // /healthz and /metrics opted out, so they are counted nowhere.
    expect(JSON.parse(lines.at(-1)!)).toEqual({
      'checkout/good': 2,
      'checkout/bad/status': 1,
      'checkout/bad/error': 1,
      'checkout/bad/aborted': 0,
      'checkout/bad/latency': 0,
      'api-availability/good': 4,
      'api-availability/bad/error': 1,
      'api-availability/bad/status': 0,
    });
  });
});
