// `slokit rules` as a user runs it: a child process, straight from the TypeScript sources through
// tsx (`node --import tsx src/cli/main.ts`), with the real exit code and output streams.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function slokit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return slokitIn({}, ...args);
}

function slokitIn(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number')
          reject(new Error(error.message, { cause: error }));
        else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

describe('slokit rules in a child process', () => {
  it('prints the Prometheus rules of examples/slis.ts, exactly the golden file, and exits 0', async () => {
    const result = await slokit('rules', 'examples/slis.ts', '--format', 'prometheus');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(await readFile(path.join(root, 'test/golden/prometheus.yaml'), 'utf8'));
  });

  it('exits 2 with one line on standard error for an unknown format', async () => {
    const result = await slokit('rules', 'examples/slis.ts', '--format', 'nagios');
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'slokit: --format: expected prometheus, sloth, pyrra, openslo; got "nagios"\n',
    });
  });
});

describe('slokit doc in a child process', () => {
  // Far from UTC, with a decimal comma: the document must not depend on where it is generated.
  const elsewhere = { TZ: 'Pacific/Chatham', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' };

  it.each([
    ['slo-document.md', []],
    ['slo-document.json', ['--format', 'json']],
  ])('prints exactly test/golden/%s in another time zone and locale', async (file, format) => {
    const result = await slokitIn(elsewhere, 'doc', 'examples/slis.ts', '--service', 'shop', ...format);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toBe(await readFile(path.join(root, 'test/golden', file), 'utf8'));
  });
});
