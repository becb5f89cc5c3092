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
    // Budgets: import 95% → 6 events allow 0.3 bad; freshness 99% → 6 allow 0.06 bad.
    expect(lines).toEqual([
      'run 0: the catalog read before the import was stale (latency)',
      'run 2: import failed (supplier feed unavailable); the error reached the caller unchanged',
      'run 5: import failed (supplier feed unavailable); the error reached the caller unchanged',
      'catalog-import: 4 good, 2 bad, budget remaining -567%',
      'catalog-freshness: 5 good, 1 bad, budget remaining -1567%',
    ]);
  });
});
