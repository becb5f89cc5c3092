import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SliWindows } from '../../src/budget/windows.js';
import {
  STATE_FORMAT,
  STATE_VERSION,
  createSnapshot,
  loadState,
  saveState,
} from '../../src/runtime/state-file.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const P28 = 28 * DAY;
const T0 = Date.UTC(2025, 0, 1);
const NOW = Date.UTC(2025, 5, 1, 8, 30, 15, 250);
const SET_ASIDE_SUFFIX = '.corrupt-20250601T083015.250Z';
const slis = [
  { name: 'checkout', windowMs: P28 },
  { name: 'search', windowMs: 30 * DAY },
];

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slokit-state-'));
  file = join(dir, 'state.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sampleWindows(): Map<string, SliWindows> {
  const checkout = new SliWindows(P28);
  for (let m = 0; m < 3000; m += 3) checkout.add(T0 + m * MINUTE, 100, m % 7);
  const search = new SliWindows(30 * DAY);
  search.add(T0, 5, 0);
  return new Map([
    ['checkout', checkout],
    ['search', search],
  ]);
}

describe('saveState / loadState', () => {
  it('round-trips every SLI and leaves only the state file behind', async () => {
    const windows = sampleWindows();
    await saveState(file, createSnapshot(windows, NOW));
    expect(await readdir(dir)).toEqual(['state.json']);
    const result = loadState(file, slis);
    expect(result.status).toBe('loaded');
    if (result.status !== 'loaded') return;
    expect(result.snapshot.format).toBe(STATE_FORMAT);
    expect(result.snapshot.version).toBe(STATE_VERSION);
    expect(result.snapshot.savedAt).toBe(NOW);
    expect(result.ignored).toEqual([]);
    expect([...result.windows.keys()]).toEqual(['checkout', 'search']);
    const at = T0 + 3000 * MINUTE;
    for (const [name, original] of windows) {
      const restored = result.windows.get(name)!;
      expect(restored.toJSON()).toEqual(original.toJSON());
      for (const w of [5 * MINUTE, 60 * MINUTE, DAY, 3 * DAY, P28]) {
        expect(restored.counts(w, at)).toEqual(original.counts(w, at));
      }
    }
  });

  it('replaces the previous file atomically and creates the directory', async () => {
    const nested = join(dir, 'var', 'lib', 'state.json');
    await saveState(nested, createSnapshot(sampleWindows(), NOW));
    await saveState(nested, createSnapshot(new Map([['checkout', new SliWindows(P28)]]), NOW + 1));
    expect(await readdir(join(dir, 'var', 'lib'))).toEqual(['state.json']);
    const result = loadState(nested, slis);
    expect(result.status === 'loaded' && result.snapshot.savedAt).toBe(NOW + 1);
    expect([...result.windows.keys()]).toEqual(['checkout']);
  });

  it('leaves the old file intact and removes its temporary file when a save fails', async () => {
    // The target is a non-empty directory: writing the temporary file works, the rename fails.
    await mkdir(join(dir, 'state.json', 'occupied'), { recursive: true });
    await expect(saveState(file, createSnapshot(sampleWindows(), NOW))).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(await readdir(file)).toEqual(['occupied']);
  });

  it('ignores what a crash between write and rename leaves behind', async () => {
    await saveState(file, createSnapshot(sampleWindows(), NOW));
    // A process killed after writing half of its temporary file: the state file itself is untouched.
    await writeFile(join(dir, '.state.json.tmp-999-1-1'), '{"format":"slokit.state","vers');
    const result = loadState(file, slis);
    expect(result.status).toBe('loaded');
    expect(result.windows.get('search')!.counts(MINUTE, T0)).toEqual({ good: 5, bad: 0 });
  });

  it('starts empty when there is no file', () => {
    const result = loadState(file, slis);
    expect(result).toEqual({ status: 'missing', windows: new Map() });
  });

  it('lists SLIs the kit no longer has and leaves new SLIs out', async () => {
    await saveState(file, createSnapshot(sampleWindows(), NOW));
    const result = loadState(file, [
      { name: 'search', windowMs: 30 * DAY },
      { name: 'login', windowMs: P28 },
    ]);
    expect(result.status === 'loaded' && result.ignored).toEqual(['checkout']);
    expect([...result.windows.keys()]).toEqual(['search']);
  });

  describe('sets an unusable file aside', () => {
    async function expectSetAside(content: string, reason: string): Promise<void> {
      await writeFile(file, content);
      const result = loadState(file, slis, { now: () => NOW });
      const setAside = file + SET_ASIDE_SUFFIX;
      expect(result).toEqual({
        status: 'set-aside',
        setAside,
        warning: `slokit: the state file ${file} is unusable (${reason} [SLOKIT_E_WINDOWS_STATE]); it was renamed to ${setAside} and the SLI windows start empty`,
        windows: new Map(),
      });
      expect((await readdir(dir)).sort()).toEqual([`state.json${SET_ASIDE_SUFFIX}`]);
      expect(await readFile(setAside, 'utf8')).toBe(content);
      // The next start finds no file and starts empty.
      expect(loadState(file, slis).status).toBe('missing');
    }

    it('corrupt JSON', async () => {
      await expectSetAside('{"format":"slokit.state","version":1,"sav', 'it is not JSON');
    });

    it('an empty file', async () => {
      await expectSetAside('', 'it is not JSON');
    });

    it('foreign JSON', async () => {
      await expectSetAside(
        '{"name":"my-app","version":"1.0.0"}',
        'it is not a slokit state file (no "format": "slokit.state")',
      );
    });

    it('a JSON array', async () => {
      await expectSetAside('[1,2,3]', 'it is not a slokit state file (not a JSON object)');
    });

    it('an old version', async () => {
      await expectSetAside(
        JSON.stringify({ format: 'slokit.state', version: 0, savedAt: NOW, slis: {} }),
        'it is version 0 of the state file; this slokit reads version 1',
      );
    });

    it('a missing savedAt', async () => {
      await expectSetAside(
        JSON.stringify({ format: 'slokit.state', version: 1, slis: {} }),
        'its "savedAt" is not a time',
      );
    });

    it('corrupt windows of an expected SLI, naming the SLI', async () => {
      const snapshot = createSnapshot(sampleWindows(), NOW);
      const broken = {
        ...snapshot,
        slis: { ...snapshot.slis, search: { ...snapshot.slis.search!, version: 7 } },
      };
      await expectSetAside(
        JSON.stringify(broken),
        'SLI "search": Saved SLI windows are unusable: expected version 1; got number 7 (written by another slokit version)',
      );
    });
  });

  it('reports a file it cannot read without touching it', async () => {
    await mkdir(file); // a directory where the file should be
    const result = loadState(file, slis);
    expect(result.status).toBe('unreadable');
    expect(result.status === 'unreadable' && result.warning).toMatch(
      new RegExp(
        `^slokit: cannot read the state file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(EISDIR`,
      ),
    );
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
