/**
 * The kit's optional `stateFile`: every SLI's windows saved to one JSON file, so that a restart does
 * not forget the budget. The I/O edge of the budget code: the windows themselves stay pure.
 *
 * - Saving is atomic: the snapshot is written to a temporary file in the same directory, flushed to
 *   disk (`fsync`), then renamed over the state file. A crash at any point leaves either the old file
 *   or the new one, never half of one.
 * - Loading never throws for bad content: a file that is not JSON, not a slokit state file, from
 *   another version, or with corrupt windows is renamed to `<file>.corrupt-<timestamp>` and the kit
 *   starts with empty windows, with a warning to log.
 */

import { readFileSync, renameSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SliWindows } from '../budget/windows.js';
import type { SliWindowsJson } from '../budget/windows.js';

/** The `format` tag of a state file. */
export const STATE_FORMAT = 'slokit.state';
/** The state file version this slokit writes and reads. */
export const STATE_VERSION = 1;

/** What a state file holds. Plain JSON. */
export interface StateSnapshot {
  readonly format: typeof STATE_FORMAT;
  readonly version: typeof STATE_VERSION;
  /** When the snapshot was taken (epoch ms). */
  readonly savedAt: number;
  /** Each SLI's windows, by SLI name. */
  readonly slis: Readonly<Record<string, SliWindowsJson>>;
}

/** An SLI the kit expects to restore: its name and period. An `Sli` fits. */
export interface ExpectedSli {
  readonly name: string;
  readonly windowMs: number;
}

/** The result of {@link loadState}. In every case `windows` holds what was restored (maybe nothing). */
export type LoadStateResult =
  | {
      /** No state file yet: start empty. */
      readonly status: 'missing';
      readonly windows: ReadonlyMap<string, SliWindows>;
    }
  | {
      readonly status: 'loaded';
      readonly snapshot: StateSnapshot;
      /** Restored windows of the expected SLIs found in the file. */
      readonly windows: ReadonlyMap<string, SliWindows>;
      /** SLIs in the file that the kit no longer has; their windows are left out. */
      readonly ignored: readonly string[];
    }
  | {
      /** The file was unusable and was renamed to `setAside`; start empty. */
      readonly status: 'set-aside';
      readonly setAside: string;
      /** What was wrong, for the log. */
      readonly warning: string;
      readonly windows: ReadonlyMap<string, SliWindows>;
    }
  | {
      /** The file could not be read (or not set aside): start empty, leave the file alone. */
      readonly status: 'unreadable';
      readonly warning: string;
      readonly windows: ReadonlyMap<string, SliWindows>;
    };

/** Options of {@link loadState}. */
export interface LoadStateOptions {
  /** The clock for the set-aside file name's timestamp. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/**
 * Builds a snapshot of the given windows.
 *
 * @example
 * await saveState('/var/lib/app/slokit.json', createSnapshot(windowsByName, clock.now()));
 */
export function createSnapshot(
  windows: ReadonlyMap<string, SliWindows> | Iterable<readonly [string, SliWindows]>,
  savedAt: number,
): StateSnapshot {
  const slis: Record<string, SliWindowsJson> = {};
  for (const [name, w] of windows) slis[name] = w.toJSON();
  return { format: STATE_FORMAT, version: STATE_VERSION, savedAt, slis };
}

let tempCounter = 0;

/**
 * Writes `snapshot` to `file` atomically: a temporary file in the same directory (so the rename stays
 * on one file system), `fsync`, rename over `file`, then `fsync` of the directory where the platform
 * allows it. Creates the directory if needed. On failure the temporary file is removed, `file` is
 * left as it was, and the promise rejects with the I/O error (the kit logs it and carries on).
 *
 * @example
 * await saveState('.slokit/state.json', createSnapshot(windowsByName, Date.now()));
 */
export async function saveState(file: string, snapshot: StateSnapshot): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.tmp-${process.pid}-${Date.now()}-${++tempCounter}`);
  const text = JSON.stringify(snapshot);
  await mkdir(dir, { recursive: true });
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

// Makes the rename itself durable. Not every platform can open a directory for fsync (Windows
// cannot); the rename is already atomic there, only its durability across power loss is weaker.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort, see above.
  }
}

/**
 * Reads a state file and restores the windows of the expected SLIs. Synchronous, because the kit
 * restores its windows while it is created (at start-up, before the first request), so that no event
 * can land in windows that a later restore would replace. Never throws for the file's content or
 * absence:
 *
 * - no file: `{ status: 'missing' }`;
 * - a valid file: `{ status: 'loaded' }` with the restored windows (SLIs the kit no longer has are
 *   listed in `ignored`; new SLIs start empty);
 * - not JSON, not a slokit state file, another version, or corrupt windows of an expected SLI: the
 *   file is renamed to `<file>.corrupt-<timestamp>` and `{ status: 'set-aside', setAside, warning }`
 *   is returned;
 * - the file cannot be read, or cannot be renamed: `{ status: 'unreadable', warning }`.
 *
 * @example
 * const state = loadState('.slokit/state.json', slis);
 * if ('warning' in state) logger.warn(state.warning);
 * const windows = state.windows.get(sli.name) ?? new SliWindows(sli.windowMs);
 */
export function loadState(
  file: string,
  expectedSlis: readonly ExpectedSli[],
  options: LoadStateOptions = {},
): LoadStateResult {
  const empty: ReadonlyMap<string, SliWindows> = new Map();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { status: 'missing', windows: empty };
    return {
      status: 'unreadable',
      warning: `slokit: cannot read the state file ${file} (${describeError(error)}); starting with empty SLI windows`,
      windows: empty,
    };
  }
  let restored: { snapshot: StateSnapshot; windows: Map<string, SliWindows>; ignored: string[] };
  try {
    restored = restore(text, expectedSlis);
  } catch (error) {
    const reason = `${describeError(error)} [SLOKIT_E_WINDOWS_STATE]`;
    const setAside = `${file}.corrupt-${timestamp((options.now ?? Date.now)())}`;
    try {
      renameSync(file, setAside);
    } catch (renameError) {
      return {
        status: 'unreadable',
        warning: `slokit: the state file ${file} is unusable (${reason}) and could not be set aside (${describeError(renameError)}); starting with empty SLI windows`,
        windows: empty,
      };
    }
    return {
      status: 'set-aside',
      setAside,
      warning: `slokit: the state file ${file} is unusable (${reason}); it was renamed to ${setAside} and the SLI windows start empty`,
      windows: empty,
    };
  }
  return { status: 'loaded', ...restored };
}

/** Why a state file cannot be used; becomes the warning. */
class UnusableState extends Error {}

function restore(
  text: string,
  expectedSlis: readonly ExpectedSli[],
): { snapshot: StateSnapshot; windows: Map<string, SliWindows>; ignored: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UnusableState('it is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UnusableState('it is not a slokit state file (not a JSON object)');
  }
  const data = json as Record<string, unknown>;
  if (data.format !== STATE_FORMAT) {
    throw new UnusableState(`it is not a slokit state file (no "format": "${STATE_FORMAT}")`);
  }
  if (data.version !== STATE_VERSION) {
    throw new UnusableState(
      `it is version ${JSON.stringify(data.version) ?? 'undefined'} of the state file; this slokit reads version ${STATE_VERSION}`,
    );
  }
  if (typeof data.savedAt !== 'number' || !Number.isFinite(data.savedAt)) {
    throw new UnusableState('its "savedAt" is not a time');
  }
  const slis = data.slis;
  if (typeof slis !== 'object' || slis === null || Array.isArray(slis)) {
    throw new UnusableState('its "slis" is not an object');
  }
  const saved = slis as Record<string, unknown>;
  const windows = new Map<string, SliWindows>();
  for (const sli of expectedSlis) {
    if (!Object.hasOwn(saved, sli.name)) continue;
    try {
      windows.set(sli.name, SliWindows.fromJSON(saved[sli.name], sli.windowMs));
    } catch (error) {
      throw new UnusableState(`SLI "${sli.name}": ${describeError(error)}`);
    }
  }
  const expected = new Set(expectedSlis.map((s) => s.name));
  const ignored = Object.keys(saved).filter((name) => !expected.has(name));
  return { snapshot: json as StateSnapshot, windows, ignored };
}

/** `2025-01-01T00:00:00.000Z` → `20250101T000000.000Z`: sortable, and valid in file names everywhere. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

// Messages without the trailing `[SLOKIT_E_...]` of a SlokitError: the warning names the code once.
function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/ \[SLOKIT_E_[A-Z_]+\]$/, '');
}
