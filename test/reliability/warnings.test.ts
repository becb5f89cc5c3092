// slokit's own warnings reach a person by default (stderr when no diag logger is installed), once
// per cause, whatever the order of set-up, or go to the app's logger; and causes made of data (an
// unknown SLI name per call) cannot grow memory or flood the log.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { diag } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit } from 'slokit';
import { startTelemetry } from 'slokit/setup';
import { MAX_WARNING_KEYS, MAX_WARNING_LINES, resetWarnings, warningStats } from '../../src/runtime/diag.js';
import { report, scale } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = path.join(root, 'test/reliability/fixtures/warnings-child.ts');

function run(order: string): Promise<{ stdout: string; stderr: string }> {
  // Without the test runner's OTEL_* variables, and without a diag logger: a fresh process.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', child, order],
      { cwd: root, env, timeout: 30_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${order}: ${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

const WARNINGS = [
  'kit.record(): "nope" is not one of this kit\'s SLIs (jobs); the event was not counted',
  'addContext() was called outside a request or tracked unit of work',
  'kit.record(): "nope-2" is not one of this kit\'s SLIs (jobs); the event was not counted',
];

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

describe('warnings reach a person by default', () => {
  it('without any diag logger or telemetry: on stderr, once per cause', async () => {
    const { stdout, stderr } = await run('kit-only');
    expect(stdout).toBe('');
    const got = lines(stderr);
    expect(got).toHaveLength(3);
    got.forEach((line, i) => {
      expect(line.startsWith('slokit: warning: ')).toBe(true);
      expect(line).toContain(WARNINGS[i]);
    });
    report('warnings, no diag logger', { warnings: 5, causes: 3, stderrLines: got.length });
  });

  it.each(['kit-then-telemetry', 'telemetry-then-kit'])(
    '%s: through the diag logger startTelemetry installs, once per cause',
    async (order) => {
      const { stdout, stderr } = await run(order);
      expect(stdout).toBe('');
      const got = lines(stderr);
      expect(got).toHaveLength(3);
      got.forEach((line, i) => expect(line).toContain(WARNINGS[i]));
    },
  );

  it('to the app’s logger when one is given, and nowhere else', async () => {
    const { stdout, stderr } = await run('logger');
    expect(stderr).toBe('');
    const got = lines(stdout);
    expect(got).toHaveLength(3);
    got.forEach((line, i) => {
      expect(line.startsWith('app-logger: ')).toBe(true);
      expect(line).toContain(WARNINGS[i]);
    });
  });
});

describe('the logger option', () => {
  let kit: Slokit | undefined;
  beforeEach(() => {
    resetWarnings();
    diag.disable();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await kit?.shutdown();
    kit = undefined;
    resetWarnings();
  });

  const slis = [defineSli({ name: 'jobs', objective: '99%', events: 'custom', good: () => true })];

  it('takes an object with warn(), and the default returns when its kit shuts down', async () => {
    const got: string[] = [];
    kit = createSlokit({ slis, logger: { warn: (line: string) => got.push(line) } });
    kit.record('nope', {});
    expect(got).toHaveLength(1);
    await kit.shutdown();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      kit = createSlokit({ slis });
      kit.record('other', {});
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([
        'slokit: warning: kit.record(): "other" is not one of this kit\'s SLIs (jobs); the event was not counted\n',
      ]);
    } finally {
      stderr.mockRestore();
    }
    expect(got).toHaveLength(1);
  });

  it('startTelemetry({ logger }) routes warnings too, until its shutdown', async () => {
    const got: string[] = [];
    const telemetry = startTelemetry({ log: false, diagLogLevel: false, logger: (line) => got.push(line) });
    kit = createSlokit({ slis });
    kit.record('nope', {});
    await telemetry.shutdown();
    expect(got).toEqual([
      'kit.record(): "nope" is not one of this kit\'s SLIs (jobs); the event was not counted',
    ]);
  });

  it('rejects what is not a logger with a coded error', () => {
    expect(() => createSlokit({ slis, logger: 'stderr' as never })).toThrow(
      expect.objectContaining({ code: 'SLOKIT_E_OPTION' }) as Error,
    );
    expect(() => startTelemetry({ logger: 42 as never })).toThrow(
      expect.objectContaining({ code: 'SLOKIT_E_TELEMETRY_OPTION' }) as Error,
    );
  });
});

describe('unknown SLI names', () => {
  afterEach(() => {
    vi.useRealTimers();
    resetWarnings();
  });

  it(`bound the remembered causes to ${MAX_WARNING_KEYS} and the lines to ${MAX_WARNING_LINES} a minute, counting the rest`, async () => {
    // All within one minute of the clock, so the limits alone decide what is written.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    resetWarnings();
    const names = scale(200_000, 1_000_000);
    const got: string[] = [];
    const kit = createSlokit({
      slis: [defineSli({ name: 'jobs', objective: '99%', events: 'custom', good: () => true })],
      logger: (line) => got.push(line),
    });
    const before = heapAfterGc();
    for (let i = 0; i < names; i++) kit.record(`unknown-${i}`, {});
    const grownMb = heapAfterGc() - before;
    expect(got).toHaveLength(MAX_WARNING_LINES);
    expect(got[19]).toContain('"unknown-19"');
    expect(warningStats()).toEqual({
      written: MAX_WARNING_LINES,
      suppressed: names - MAX_WARNING_LINES,
      causes: MAX_WARNING_KEYS,
    });
    expect(grownMb).toBeLessThan(2);

    // A minute later the quiet periods are over: the next line says how many were held back.
    vi.setSystemTime(new Date('2026-01-01T00:01:00Z'));
    kit.record('late', {});
    expect(got).toHaveLength(MAX_WARNING_LINES + 1);
    expect(got[20]).toContain(`(${names - MAX_WARNING_LINES} other slokit warnings were not logged`);
    expect(warningStats().causes).toBe(1);
    await kit.shutdown();
    report('unknown SLI names', {
      names,
      lines: MAX_WARNING_LINES + 1,
      causesKept: MAX_WARNING_KEYS,
      heapGrowthMb: grownMb,
    });
  });
});

/** Heap in use after a full collection, in MB. */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}
