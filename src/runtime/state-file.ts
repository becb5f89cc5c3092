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
 * - A file from the future (saved with a clock ahead of this one, or a backup restored after the
 *   clock was set back) is moved back in time so that it ends now, with a warning: trusted as it
 *   is, new events would land behind its newest bucket and be dropped.
 * - Temporary files that crashed saves left behind are removed at start-up ({@link removeStaleTempFiles}).
 */

import { readFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FUTURE_TOLERANCE_MS, HOUR_MS, MINUTE_MS, SliWindows } from '../budget/windows.js';
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
      /**
       * How far the file was ahead of the clock, in ms, when it was (0 when it was not): its windows
       * were moved back by this much (in whole minutes and hours), and `warning` says so.
       */
      readonly shiftedMs: number;
      readonly warning?: string;
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
  /** The clock: for the set-aside file name's timestamp, and to tell a file from the future. Default `Date.now`. */
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

/** The prefix of the temporary files {@link saveState} writes next to `file`. */
function tempPrefix(file: string): string {
  return `.${basename(file)}.tmp-`;
}

/** A temporary file older than this is stale whoever wrote it: a save takes milliseconds. */
export const STALE_TEMP_MS = 60_000;

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
  const temp = join(dir, `${tempPrefix(file)}${process.pid}-${Date.now()}-${++tempCounter}`);
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
  const now = options.now ?? Date.now;
  let restored: {
    snapshot: StateSnapshot;
    windows: Map<string, SliWindows>;
    ignored: string[];
    shiftedMs: number;
  };
  try {
    restored = restore(text, expectedSlis, now());
  } catch (error) {
    const reason = `${describeError(error)} [SLOKIT_E_WINDOWS_STATE]`;
    const setAside = `${file}.corrupt-${timestamp(now())}`;
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
  if (restored.shiftedMs === 0) return { status: 'loaded', ...restored };
  return {
    status: 'loaded',
    ...restored,
    warning:
      `slokit: the state file ${file} is from the future: it ends ${duration(restored.shiftedMs)} after this process's clock ` +
      `(saved at ${new Date(restored.snapshot.savedAt).toISOString()}, now ${new Date(now()).toISOString()}): ` +
      `a clock that was ahead, or a backup restored after the clock was set back. Its SLI windows were moved back by that much, so they end now and new events count.`,
  };
}

/**
 * Removes the temporary files that saves of `file` interrupted by a crash left in its directory:
 * only slokit's own (named `.<file>.tmp-<pid>-<time>-<n>`) and only stale ones: written by a
 * process that no longer runs on this machine, or older than {@link STALE_TEMP_MS}. A save in
 * progress in a live process is left alone. Never throws; returns how many files were removed.
 */
export function removeStaleTempFiles(file: string, now: number = Date.now()): number {
  const dir = dirname(file);
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)-(\d+)-(\d+)$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const path = join(dir, name);
    try {
      const stat = statSync(path);
      if (!stat.isFile()) continue;
      const pid = Number(match[1]);
      const stale = now - stat.mtimeMs >= STALE_TEMP_MS || (pid !== process.pid && !processRuns(pid));
      if (!stale) continue;
      unlinkSync(path);
      removed++;
    } catch {
      // Gone already (another process cleaned up), or not ours to remove: leave it.
    }
  }
  return removed;
}

/** Whether a process with this id runs on this machine (EPERM: it runs, as another user). */
function processRuns(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** Why a state file cannot be used; becomes the warning. */
class UnusableState extends Error {}

function restore(
  text: string,
  expectedSlis: readonly ExpectedSli[],
  nowMs: number,
): { snapshot: StateSnapshot; windows: Map<string, SliWindows>; ignored: string[]; shiftedMs: number } {
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
  const present = expectedSlis.filter((sli) => Object.hasOwn(saved, sli.name));
  const shiftedMs = futureMs(
    data.savedAt,
    present.map((sli) => saved[sli.name]),
    nowMs,
  );
  const windows = new Map<string, SliWindows>();
  for (const sli of present) {
    try {
      const json = shiftedMs === 0 ? saved[sli.name] : shiftBack(saved[sli.name], shiftedMs);
      windows.set(sli.name, SliWindows.fromJSON(json, sli.windowMs));
    } catch (error) {
      throw new UnusableState(`SLI "${sli.name}": ${describeError(error)}`);
    }
  }
  const expected = new Set(expectedSlis.map((s) => s.name));
  const ignored = Object.keys(saved).filter((name) => !expected.has(name));
  return { snapshot: json as StateSnapshot, windows, ignored, shiftedMs };
}

/**
 * How far a file's end (its `savedAt`, or its newest bucket if later) is after `nowMs`, when that
 * is more than the windows' own tolerance for clock differences; else 0.
 */
function futureMs(savedAt: number, slis: readonly unknown[], nowMs: number): number {
  let end = savedAt;
  for (const sli of slis) {
    const rings = sli as { minutes?: { last?: unknown }; hours?: { last?: unknown } } | null;
    const minute = rings?.minutes?.last;
    const hour = rings?.hours?.last;
    if (typeof minute === 'number') end = Math.max(end, minute * MINUTE_MS);
    if (typeof hour === 'number') end = Math.max(end, hour * HOUR_MS);
  }
  const ahead = end - nowMs;
  return ahead > FUTURE_TOLERANCE_MS ? ahead : 0;
}

/**
 * Saved windows moved back by `ms`: each ring by whole buckets (rounded up, so nothing stays
 * ahead of now), `sinceMs` by `ms`. Left as they are when they are not windows (the validation in
 * `SliWindows.fromJSON` then says what is wrong).
 */
function shiftBack(json: unknown, ms: number): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const w = json as Record<string, unknown>;
  const ring = (value: unknown, bucketMs: number): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const r = value as Record<string, unknown>;
    return typeof r.last === 'number' ? { ...r, last: r.last - Math.ceil(ms / bucketMs) } : r;
  };
  return {
    ...w,
    sinceMs: typeof w.sinceMs === 'number' ? w.sinceMs - ms : w.sinceMs,
    minutes: ring(w.minutes, MINUTE_MS),
    hours: ring(w.hours, HOUR_MS),
  };
}

/** `3_600_000` → `1 h`, `345_600_000` → `4 d`: for the warning. */
function duration(ms: number): string {
  if (ms >= 86_400_000) return `${Math.round((ms / 86_400_000) * 10) / 10} d`;
  if (ms >= HOUR_MS) return `${Math.round((ms / HOUR_MS) * 10) / 10} h`;
  return `${Math.round(ms / MINUTE_MS)} min`;
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
