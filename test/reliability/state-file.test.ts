// The state file under clock skew and crashes: a file from the future is detected, said and moved
// back so new events count; temporary files of crashed saves are removed at start-up; and a process
// killed (SIGKILL) during saves, again and again, always leaves a file that loads with everything
// it reported saved.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, watch, writeFileSync } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import { createFakeClock, kitTraffic, playTraffic } from 'slokit/testing';
import { STALE_TEMP_MS, loadState, removeStaleTempFiles } from '../../src/runtime/state-file.js';
import { LOAD_TEST_TIMEOUT_MS, report, scale } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const root = fileURLToPath(new URL('../..', import.meta.url));

const checkout = defineSli({ name: 'checkout', objective: '99%', good: { status: '2xx' } });
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'slokit-reliability-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a state file from the future', () => {
  it.each([
    ['1 h', HOUR],
    ['4 d', 4 * DAY],
    ['30 d', 30 * DAY],
  ])('ahead by %s: detected, said once, moved back; burn rates and new events count', async (label, skew) => {
    const stateFile = path.join(tempDir(), 'state.json');
    // Thirty minutes of traffic saved by a process whose clock was `skew` ahead.
    const ahead = createFakeClock(Date.UTC(2025, 5, 1) + skew);
    const first = createSlokit({ slis: [checkout], clock: ahead, stateFile, logger: () => undefined });
    playTraffic({
      clock: ahead,
      durationMs: 30 * MINUTE,
      rate: () => ({ good: 99, bad: 1 }),
      onStep: kitTraffic(first, checkout),
    });
    const before = first.status().slis[0]!;
    await first.shutdown();

    // Restored by a process with the right clock.
    const warnings: string[] = [];
    const clock = createFakeClock(Date.UTC(2025, 5, 1));
    const second = createSlokit({
      slis: [checkout],
      clock,
      stateFile,
      logger: (line) => warnings.push(line),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${stateFile} is from the future`);
    const restored = second.status().slis[0]!;
    expect({ good: restored.good, bad: restored.bad }).toEqual({ good: before.good, bad: before.bad });
    expect(restored.burnRates['5m']).not.toBeNull();
    expect(restored.burnRates['1h']).toBeCloseTo(before.burnRates['1h']!, 6);

    // Five more minutes of traffic, at the right time: every event counts.
    playTraffic({
      clock,
      durationMs: 5 * MINUTE,
      rate: () => ({ good: 100, bad: 0 }),
      onStep: kitTraffic(second, checkout),
    });
    const after = second.status().slis[0]!;
    expect(after.good - restored.good).toBe(500);
    expect(after.bad).toBe(restored.bad);
    expect(after.burnRates['5m']).not.toBeNull();
    await second.shutdown();
    // Saved again at the right time: the next start has nothing to say.
    warnings.length = 0;
    const third = createSlokit({ slis: [checkout], clock, stateFile, logger: (line) => warnings.push(line) });
    expect(warnings).toEqual([]);
    expect(third.status().slis[0]!.good).toBe(after.good);
    await third.shutdown();
    report(`state file ahead by ${label}`, { good: after.good, bad: after.bad, newEventsCounted: 500 });
  });

  it('a file within a minute of the clock is taken as it is', () => {
    const stateFile = path.join(tempDir(), 'state.json');
    const now = Date.UTC(2025, 5, 1);
    writeFileSync(
      stateFile,
      JSON.stringify({ format: 'slokit.state', version: 1, savedAt: now + 59_000, slis: {} }),
    );
    const result = loadState(stateFile, [], { now: () => now });
    expect(result).toMatchObject({ status: 'loaded', shiftedMs: 0 });
    expect('warning' in result && result.warning).toBeFalsy();
  });
});

describe('temporary files of crashed saves', () => {
  it('are removed at start-up: only slokit’s own, only stale ones', async () => {
    const dir = tempDir();
    const stateFile = path.join(dir, 'state.json');
    const now = Date.now();
    // A process that no longer runs (pid 2^22 + 1 is above Linux's pid_max), a minute-old one of
    // this process, a fresh one of this process (a save in progress), and files that are not slokit's.
    const dead = `.state.json.tmp-4194305-${now}-1`;
    const old = `.state.json.tmp-${process.pid}-${now - 120_000}-2`;
    const fresh = `.state.json.tmp-${process.pid}-${now}-3`;
    const others = ['.state.json.tmp-notes', '.other.json.tmp-4194305-1-1', 'state.json.tmp-4194305-1-1'];
    for (const name of [dead, old, fresh, ...others]) writeFileSync(path.join(dir, name), '{"half');
    utimesSync(path.join(dir, old), (now - 120_000) / 1000, (now - 120_000) / 1000);
    const warnings: string[] = [];
    const kit = createSlokit({ slis: [checkout], stateFile, logger: (line) => warnings.push(line) });
    expect(readdirSync(dir).sort()).toEqual([fresh, ...others].sort());
    expect(warnings).toEqual([
      `slokit removed 2 temporary files of interrupted saves of ${stateFile} (a crash during a save leaves one; the state file itself is always whole)`,
    ]);
    await kit.shutdown();
    // A minute after the fresh file was written (its mtime, a little after `now`), it is stale.
    const written = statSync(path.join(dir, fresh)).mtimeMs;
    expect(removeStaleTempFiles(stateFile, written + STALE_TEMP_MS)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['state.json', ...others].sort());
  });
});

describe('crash loop', () => {
  it(
    'kill -9 during saves, again and again: the file always loads with everything reported saved',
    async () => {
      const dir = tempDir();
      const stateFile = path.join(dir, 'state.json');
      const kills = scale(6, 60);
      let lastSaved = 0;
      let tempFilesLeft = 0;
      let maxTempFiles = 0;
      for (let k = 0; k < kills; k++) {
        const { restored, saved } = await runUntilKilled(stateFile, 1 + (k % 4));
        // The restart restored at least what the previous run reported saved, and at most one save more.
        expect(restored).toBeGreaterThanOrEqual(lastSaved);
        expect(restored).toBeLessThanOrEqual(lastSaved + 100);
        expect(saved).toBeGreaterThan(restored);
        const state = loadState(stateFile, [{ name: 'jobs-0', windowMs: 28 * DAY }]);
        expect(state.status).toBe('loaded');
        const good = state.windows.get('jobs-0')!.counts(3 * DAY, Date.now()).good;
        // Everything reported saved is there, and only whole saves (the saver records 100 events a
        // round). How many saves more the kill let through depends on how soon the watcher saw the
        // temporary file and the signal landed, which a busy machine stretches: no upper bound.
        expect(good).toBeGreaterThanOrEqual(saved);
        expect(good % 100).toBe(0);
        lastSaved = good;
        const temps = readdirSync(dir).filter((name) => name.includes('.tmp-')).length;
        tempFilesLeft += temps;
        maxTempFiles = Math.max(maxTempFiles, temps);
      }
      // Whatever the kills left behind, the next start removes.
      const jobs = defineSli({ name: 'jobs-0', objective: '99%', events: 'custom', good: () => true });
      const kit = createSlokit({ slis: [jobs], stateFile, logger: () => undefined });
      expect(kit.status().slis[0]!.good).toBe(lastSaved);
      expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
      await kit.shutdown();
      expect(maxTempFiles).toBeLessThanOrEqual(1);
      report('state file crash loop', {
        kills,
        eventsSaved: lastSaved,
        tempFilesLeftByKills: tempFilesLeft,
        corrupt: 0,
      });
    },
    LOAD_TEST_TIMEOUT_MS,
  );
});

/**
 * Runs the saver until it reported `saves` saves, then kills it with SIGKILL as soon as its next
 * save's temporary file appears (the kill lands during that save, or just after it). Resolves with what it restored and last reported saved.
 */
function runUntilKilled(stateFile: string, saves: number): Promise<{ restored: number; saved: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'test/reliability/fixtures/state-saver.ts'), stateFile],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let restored: number | undefined;
  let saved = 0;
  let count = 0;
  let stderr = '';
  let buffer = '';
  let watcher: FSWatcher | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const [word, value] = line.split(' ');
        if (word === 'restored') restored = Number(value);
        if (word === 'saved' && count < saves) {
          saved = Number(value);
          // Then killed as soon as the next save's temporary file appears: in the middle of a save.
          if (++count === saves) {
            watcher = watch(path.dirname(stateFile), (_event, name) => {
              if (name?.includes('.tmp-') === true) child.kill('SIGKILL');
            });
          }
        }
      }
    });
    child.once('exit', (code, signal) => {
      watcher?.close();
      if (signal === 'SIGKILL' && restored !== undefined) resolve({ restored, saved });
      else reject(new Error(`the saver exited with ${code ?? signal} before it was killed:\n${stderr}`));
    });
  });
}
