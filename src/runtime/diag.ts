import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/** slokit's component logger: everything slokit says at run time goes through OTel `diag`. */
export const logger: DiagLogger = diag.createComponentLogger({ namespace: 'slokit' });

/** How long a repeated problem stays quiet after it was logged once. */
export const LOG_INTERVAL_MS = 60_000;

// One table per process (not per module copy), so the ESM and CJS builds share the quiet periods.
const LAST_LOGGED: Map<string, number> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('slokit.diag.lastLogged')
] ??= new Map<string, number>()) as Map<string, number>;

/**
 * Logs a warning at most once per {@link LOG_INTERVAL_MS} for the same `key`, so a problem that
 * repeats on every request cannot flood the logs. Never throws.
 */
export function warnOnce(key: string, message: string, now: number = Date.now()): void {
  const last = LAST_LOGGED.get(key);
  if (last !== undefined && now - last < LOG_INTERVAL_MS) return;
  LAST_LOGGED.set(key, now);
  try {
    logger.warn(message);
  } catch {
    // A broken user logger must not break the request path.
  }
}

/** Forgets the quiet periods; for tests. */
export function resetWarnings(): void {
  LAST_LOGGED.clear();
}
