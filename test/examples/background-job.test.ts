import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/background-job', () => {
  it('runs, reports the verdicts of its imports and freshness reads, and exits 0', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/background-job/main.ts', '--runs', '6'],
      {
        timeout: 30_000,
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'run 2: import failed (supplier feed unavailable); the error reached the caller unchanged',
      'run 5: import failed (supplier feed unavailable); the error reached the caller unchanged',
    ]);
    expect(JSON.parse(lines[2]!)).toEqual({
      'catalog-freshness': { 'bad/latency': 1, good: 5 },
      'catalog-import': { good: 4, 'bad/error': 2 },
    });
  });
});
