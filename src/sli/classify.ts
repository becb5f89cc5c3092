import { judgeOf } from './define.js';
import { describeValue } from '../errors.js';
import { humanizeDuration } from './duration.js';
import { DEFAULT_STATUS_TEXT } from './status.js';
import type { ClassifyOptions, HttpEvent, Sli, Verdict } from './types.js';

/**
 * Judges one event against one SLI: `good`, `bad` (with a `reason`) or `ineligible`.
 * Pure, total and deterministic: it never throws for any event of the SLI's type and allocates
 * nothing (verdicts are shared frozen objects). The one exception is a classifier or `match`
 * predicate of the user's own that throws, which makes `classify` throw `SLOKIT_E_CLASSIFIER`
 * with the user's error as `cause`, so that unit tests find the bug. (The kit, on the request path,
 * catches it and counts the event as not eligible instead.) Freshness SLIs read the clock unless
 * `options.now` is given.
 *
 * @example
 * classify(checkout, { method: 'POST', route: '/api/checkout', status: 200, durationMs: 120 });
 * // → { outcome: 'good' }
 */
export function classify<E>(sli: Sli<E>, event: E, options?: ClassifyOptions): Verdict {
  const now = options?.now;
  return judgeOf(sli, 'classify')(event, now instanceof Date ? now.getTime() : now);
}

/** A verdict with the reasons for it in words. */
export interface VerdictExplanation {
  readonly verdict: Verdict;
  /** E.g. `"250 ms is under the 300 ms threshold"`, `"status 503 is not 2xx"`. */
  readonly detail: string;
}

/**
 * Judges an event like {@link classify} and says why, in words. Meant for test failures, the CLI and
 * docs, not the request path.
 */
export function explainVerdict<E>(sli: Sli<E>, event: E, options?: ClassifyOptions): VerdictExplanation {
  const verdict = classify(sli, event, options);
  return { verdict, detail: describe(sli as Sli<unknown>, event, verdict, options) };
}

function describe(
  sli: Sli<unknown>,
  event: unknown,
  verdict: Verdict,
  options: ClassifyOptions | undefined,
): string {
  if (sli.kind === 'classifier') {
    if (verdict.outcome === 'ineligible') return 'the event is not matched or the classifier returned null';
    return `the classifier returned ${verdict.outcome === 'good' ? 'true' : 'false'}`;
  }
  if (sli.kind === 'freshness') {
    const fresh = sli.freshness!;
    if (verdict.outcome === 'ineligible') return 'the event is not matched';
    const value = (event as Record<string, unknown>)[fresh.field];
    const at = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Number.NaN;
    if (!Number.isFinite(at)) return `"${fresh.field}" holds no valid time (${String(value)})`;
    const now = options?.now === undefined ? Date.now() : Number(options.now);
    const age = humanizeDuration(now - at);
    const max = humanizeDuration(fresh.maxAgeMs);
    return verdict.outcome === 'good'
      ? `the data is ${age} old, within the ${max} max age`
      : `the data is ${age} old, over the ${max} max age`;
  }
  const e = event as HttpEvent;
  const t = sli.thresholds!;
  const latency = t.latency;
  const ms = `${round(e.durationMs)} ms`;
  const threshold = latency === undefined ? '' : `the ${latency.ms} ms threshold`;
  switch (verdict.reason ?? verdict.outcome) {
    case 'ineligible':
      // A threshold SLI finds an event ineligible for one of two reasons: its match filter, or an
      // abort before any threshold was missed. Judging the event again as if it had not been
      // aborted tells which.
      if (e.aborted === true && classify(sli, { ...e, aborted: false }, options).outcome !== 'ineligible') {
        return `the client aborted at ${ms}, before ${threshold || 'any threshold could be missed'}, which tells nothing about the service`;
      }
      return `the event is not matched by the SLI (${e.method} ${e.route ?? '(no route)'})`;
    case 'error':
      return `the request failed with ${errorText(e.error)}`;
    case 'status':
      return statusText(e.status, t.status.text);
    case 'aborted':
      return `the client aborted at ${ms}, after missing ${threshold}`;
    case 'latency':
      return `${ms} is ${latency!.inclusive ? 'over' : 'not under'} ${threshold}`;
    default: {
      const parts: string[] = [];
      if (e.status !== undefined) parts.push(`status ${e.status} is ${t.status.text}`);
      if (latency !== undefined)
        parts.push(`${ms} is ${latency.inclusive ? 'at most' : 'under'} ${threshold}`);
      return parts.length > 0 ? parts.join(' and ') : 'no threshold was missed';
    }
  }
}

function statusText(status: number | undefined, good: string): string {
  if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) {
    return `status ${status} is not a valid HTTP status code (100-599)`;
  }
  // The default rule is spelled as a negation ("not 5xx or 429"); say what the status is instead of
  // "is not not 5xx or 429".
  if (good === DEFAULT_STATUS_TEXT)
    return status === 429 ? 'status 429 is 429, which counts as bad by default' : `status ${status} is 5xx`;
  return `status ${status} is not ${good}`;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  // String() throws for objects without a prototype or with a throwing toString; a message must not.
  try {
    return String(error);
  } catch {
    return describeValue(error);
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
