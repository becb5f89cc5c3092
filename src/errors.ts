/**
 * slokit's errors. Every error slokit throws is a {@link SlokitError} with a stable `code`
 * (`SLOKIT_E_...`). They are thrown at definition and set-up time only; on the request path slokit
 * logs through OTel `diag` and counts instead of throwing.
 *
 * Every code is listed in {@link ERROR_CODES} and documented in `docs/errors.md`; a test keeps the
 * two in agreement.
 */

/** Every error code slokit can throw, with the one-line meaning used in `docs/errors.md`. */
export const ERROR_CODES = {
  SLOKIT_E_SLI_NAME: 'An SLI name is missing or does not match the allowed pattern.',
  SLOKIT_E_OBJECTIVE: 'An objective is not a fraction in (0, 1) or a percentage string.',
  SLOKIT_E_DURATION: 'A duration string cannot be parsed.',
  SLOKIT_E_STATUS_RULE: 'A status rule in `good.status` cannot be parsed.',
  SLOKIT_E_MATCH: 'The `match` of an SLI is neither a predicate nor a valid method/route filter.',
  SLOKIT_E_GOOD: 'The `good` of an SLI is missing or is neither thresholds nor a classifier.',
  SLOKIT_E_SLI_FIELD: 'Another field of an SLI declaration (description, runbook, unknown key) is invalid.',
  SLOKIT_E_CLASSIFIER: "A user's classifier or match predicate threw (or returned something other than true, false or null) while `classify` judged an event.",
  SLOKIT_E_NOT_AN_SLI: 'A value handed to slokit as an SLI was not made by `defineSli`.',
  // kit and adapters (createSlokit, slokitExpress, slokitFastify, wrapHandler)
  // telemetry set-up (startTelemetry)
  // budgets, alerts and rule generation (slokit/rules, slokit rules)
  // risk analysis (analyzeRisks, slokit risks)
} as const;

/** A slokit error code. */
export type SlokitErrorCode = keyof typeof ERROR_CODES;

/** Base class of every error slokit throws. `code` is stable; match on it, not on the message. */
export class SlokitError extends Error {
  readonly code: SlokitErrorCode;

  constructor(code: SlokitErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${message} [${code}]`, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown by `defineSli` (and later set-up functions) when a declaration is invalid. */
export class SlokitDefinitionError extends SlokitError {}

/**
 * Thrown by `classify` when the SLI's own classifier throws. The classifier's error is the `cause`.
 * On the request path the kit catches it and counts the event as not eligible instead.
 */
export class SlokitClassifierError extends SlokitError {
  /** The SLI whose classifier threw. */
  readonly sli: string;

  /** Which user function failed: the `good` classifier or the `match` predicate. */
  readonly part: 'classifier' | 'match';

  constructor(sli: string, cause: unknown, part: 'classifier' | 'match' = 'classifier') {
    super(
      'SLOKIT_E_CLASSIFIER',
      part === 'classifier'
        ? `The classifier of SLI "${sli}" failed: ${describeCause(cause)}. Expected it to return true (good), false (bad) or null (not eligible)`
        : `The match predicate of SLI "${sli}" failed: ${describeCause(cause)}. Expected it to return true or false`,
      { cause },
    );
    this.part = part;
    this.sli = sli;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return `a non-error value ${describeValue(cause)}`;
}

/** Renders a user-supplied value for an error message: type and a short, safe representation. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof RegExp) return `RegExp ${String(value)}`;
  if (value instanceof Date) return `Date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  return 'an object';
}
