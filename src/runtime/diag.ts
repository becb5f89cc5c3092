import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/**
 * Where slokit's run-time warnings go instead of their default place: a function given each line,
 * or a logger with a `warn` method (`console`, pino, winston, ...). `false` sends them to OTel
 * `diag` only, which prints nothing unless a diag logger is installed.
 */
export type SlokitLogger = ((message: string) => void) | { readonly warn: (message: string) => void } | false;

/** slokit's component logger for OTel `diag`. */
export const logger: DiagLogger = diag.createComponentLogger({ namespace: 'slokit' });

/** How long a repeated problem stays quiet after it was logged once. */
export const LOG_INTERVAL_MS = 60_000;
/** Most distinct causes remembered for their quiet period; a new cause beyond them is counted, not logged. */
export const MAX_WARNING_KEYS = 1_000;
/** Most warning lines written per {@link LOG_INTERVAL_MS}, whatever their causes; the rest are counted. */
export const MAX_WARNING_LINES = 20;

interface WarningState {
  /** When each cause was last logged. */
  readonly lastLogged: Map<string, number>;
  /** The app's logger, if one was given (`false`: diag only). */
  sink: { readonly write: (message: string) => void; readonly owner: unknown } | undefined;
  windowStart: number;
  linesInWindow: number;
  /** Warnings not written since the last line (over a limit), told in the next line. */
  suppressed: number;
  /** Every warning not written since start-up. */
  suppressedTotal: number;
  /** Every warning line written since start-up. */
  written: number;
}

// One state per process (not per module copy), so the ESM and CJS builds share quiet periods,
// limits and the app's logger.
const STATE: WarningState = ((globalThis as Record<symbol, unknown>)[Symbol.for('slokit.diag.state')] ??= {
  lastLogged: new Map<string, number>(),
  sink: undefined,
  windowStart: 0,
  linesInWindow: 0,
  suppressed: 0,
  suppressedTotal: 0,
  written: 0,
} satisfies WarningState) as WarningState;

// Where the OTel API keeps its registrations (API 1.x): `diag` is there once a diag logger is set.
const OTEL_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** Whether a diag logger is installed (by the app, or by `startTelemetry()`). */
function diagLoggerInstalled(): boolean {
  const api = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[OTEL_API_GLOBAL];
  return api?.diag !== undefined;
}

/**
 * Logs a warning once per cause: at most once per {@link LOG_INTERVAL_MS} for the same `key`, at
 * most {@link MAX_WARNING_LINES} lines per interval in all, and for at most
 * {@link MAX_WARNING_KEYS} distinct causes at a time (so causes made of data, such as unknown SLI
 * names, cannot grow memory). What a limit holds back is counted and told in the next line.
 *
 * The line goes to the app's logger if one was given (`logger` option), else to OTel `diag` if a
 * diag logger is installed, else to stderr, so it reaches a person whatever the order of set-up.
 * Never throws.
 */
export function warnOnce(key: string, message: string, now: number = Date.now()): void {
  const seen = STATE.lastLogged;
  const last = seen.get(key);
  if (last !== undefined && now - last < LOG_INTERVAL_MS) return;
  if (last === undefined && seen.size >= MAX_WARNING_KEYS) {
    // The map is in the order causes were last logged: forget those whose quiet period is over.
    for (const [k, at] of seen) {
      if (now - at < LOG_INTERVAL_MS) break;
      seen.delete(k);
    }
    if (seen.size >= MAX_WARNING_KEYS) {
      suppress();
      return;
    }
  }
  if (last !== undefined) seen.delete(key);
  seen.set(key, now);
  if (now - STATE.windowStart >= LOG_INTERVAL_MS) {
    STATE.windowStart = now;
    STATE.linesInWindow = 0;
  }
  if (STATE.linesInWindow >= MAX_WARNING_LINES) {
    suppress();
    return;
  }
  STATE.linesInWindow++;
  let line = message;
  if (STATE.suppressed > 0) {
    line += ` (${STATE.suppressed} other slokit ${STATE.suppressed === 1 ? 'warning was' : 'warnings were'} not logged before this one: slokit logs at most ${MAX_WARNING_LINES} lines a minute)`;
    STATE.suppressed = 0;
  }
  STATE.written++;
  write(line);
}

function suppress(): void {
  STATE.suppressed++;
  STATE.suppressedTotal++;
}

function write(line: string): void {
  try {
    const sink = STATE.sink;
    if (sink !== undefined) sink.write(line);
    else if (diagLoggerInstalled()) logger.warn(line);
    else process.stderr.write(`slokit: warning: ${line}\n`);
  } catch {
    // A broken logger (or a closed stderr) must not break the request path.
  }
}

/**
 * Sends slokit's warnings to `target` from now on, for the whole process (`undefined`: back to the
 * default). `owner` names who set it, so {@link releaseWarningLogger} undoes only its own.
 */
export function setWarningLogger(target: SlokitLogger | undefined, owner: unknown): void {
  if (target === undefined) {
    STATE.sink = undefined;
    return;
  }
  const write =
    target === false
      ? (line: string) => logger.warn(line)
      : typeof target === 'function'
        ? target
        : (line: string) => target.warn(line);
  STATE.sink = { write, owner };
}

/** Puts the default back if `owner` set the logger in use. */
export function releaseWarningLogger(owner: unknown): void {
  if (STATE.sink?.owner === owner) STATE.sink = undefined;
}

/** Whether `value` can be a {@link SlokitLogger}. */
export function isSlokitLogger(value: unknown): value is SlokitLogger {
  return (
    value === false ||
    typeof value === 'function' ||
    (typeof value === 'object' && value !== null && typeof (value as { warn?: unknown }).warn === 'function')
  );
}

/** What the limits held back and how many lines were written, since start-up (or the last reset). */
export function warningStats(): {
  readonly written: number;
  readonly suppressed: number;
  readonly causes: number;
} {
  return { written: STATE.written, suppressed: STATE.suppressedTotal, causes: STATE.lastLogged.size };
}

/** Forgets the quiet periods, limits and counts (not the logger); for tests. */
export function resetWarnings(): void {
  STATE.lastLogged.clear();
  STATE.windowStart = 0;
  STATE.linesInWindow = 0;
  STATE.suppressed = 0;
  STATE.suppressedTotal = 0;
  STATE.written = 0;
}
