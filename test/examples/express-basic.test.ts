import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/express-basic', () => {
  it('starts, answers its own requests, prints the SLI counts and exits 0', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/express-basic/server.ts', '--smoke'],
      {
        timeout: 30_000,
        env: { ...process.env, PORT: '0' },
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    // /healthz is ignored; the 404s are good for both SLIs; the thrown error is bad for both;
    // /nope has no route, so api-latency (routes under /api/) does not judge it.
    expect(lines.slice(1)).toEqual([
      'GET /healthz -> 200',
      'GET /api/products/1 -> 200',
      'GET /api/products/2 -> 200',
      'GET /api/products/9 -> 404',
      'GET /api/checkout -> 500',
      'GET /nope -> 404',
      'availability: 4 good, 1 bad',
      'api-latency: 3 good, 1 bad',
    ]);
  });
});
