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
  SLOKIT_E_SLI_FIELD:
    'Another field of an SLI declaration (description, runbook, owner, rationale, events, unknown key) is invalid.',
  SLOKIT_E_CLASSIFIER:
    "A user's classifier or match predicate threw (or returned something other than true, false or null) while `classify` judged an event.",
  SLOKIT_E_NOT_AN_SLI: 'A value handed to slokit as an SLI was not made by `defineSli`.',
  // kit and adapters (createSlokit, slokitExpress, slokitFastify, wrapHandler)
  SLOKIT_E_OPTION: 'An option of `createSlokit`, an adapter or `kit.track` has the wrong type or value.',
  SLOKIT_E_DUPLICATE_SLI: 'Two SLIs handed to one kit (or one rule generator) share a name.',
  SLOKIT_E_UNKNOWN_SLI: 'A route config or option names an SLI the kit does not have.',
  // telemetry set-up (startTelemetry)
  SLOKIT_E_TELEMETRY_OPTION:
    'An option of `startTelemetry` (or `createTestKit`) has the wrong type or value, or is unknown.',
  SLOKIT_E_TELEMETRY_ENV:
    'An OTLP endpoint variable read by `startTelemetry` (OTEL_EXPORTER_OTLP_ENDPOINT, or its TRACES or METRICS variant) is not an absolute http(s) URL.',
  SLOKIT_E_TELEMETRY_STARTED:
    '`startTelemetry` was called while telemetry it started earlier in this process is still running.',
  // budgets, alerts and rule generation (slokit/rules, slokit rules)
  SLOKIT_E_RULES_NO_SLIS:
    'A rule generator or `slokit rules` got no SLIs (an empty list, or a module that exports none).',
  SLOKIT_E_RULES_WINDOW:
    "An SLI's window is shorter than the long window of a burn-rate alert tier (3d for the workbook tiers).",
  SLOKIT_E_RULES_TIER:
    "A burn-rate alert tier can never fire for an SLI's objective (it would need more than 100% errors).",
  SLOKIT_E_RULES_OPTION:
    'An option of a rule generator is invalid (labels, selector, minEvents, tiers, service, ...).',
  SLOKIT_E_RULES_FORMAT:
    'The SLIs cannot be written in the chosen format (e.g. Sloth specs with different windows).',
  SLOKIT_E_BUDGET_WINDOW:
    'A period or window given to the in-process budget windows is not a positive duration, or is longer than they keep.',
  SLOKIT_E_WINDOWS_STATE:
    'Saved budget windows (`SliWindows.fromJSON`, an entry of a state file) are foreign, from another version, or corrupt.',
  SLOKIT_E_ALERT_OPTION:
    'An alerting option (`minEvents`, `resolveHoldMs`, a burn tier) is not a valid number.',
  SLOKIT_E_TEST_INPUT:
    'A `slokit/testing` helper (fake clock, traffic driver) was given an invalid argument.',
  // fleet-wide status from Prometheus (fleetStatus, slokit budget)
  SLOKIT_E_FLEET_OPTION:
    'An option of `fleetStatus` (or a flag of `slokit budget`) is invalid: the Prometheus URL, the SLIs, a selector or label, the timeout, the time.',
  SLOKIT_E_FLEET_UNAVAILABLE:
    'Prometheus could not be reached or did not answer in time, or answered with an HTTP error or something that is not its API.',
  SLOKIT_E_FLEET_QUERY: 'Prometheus answered a query of `fleetStatus` with an error.',
  // risk analysis (analyzeRisks, slokit risks)
  SLOKIT_E_RISK_FIELD:
    'The risk analysis input is malformed: not an object, an unknown key, an empty `risks` list, a description that is not a string.',
  SLOKIT_E_RISK_NAME: 'A risk or mitigation name is missing, not a single line of text, or used twice.',
  SLOKIT_E_RISK_IMPACT: 'A risk impact is not a fraction in [0, 1] or a percentage string in [0%, 100%].',
  SLOKIT_E_RISK_FREQUENCY:
    'A risk frequency or ETTF cannot be parsed, is zero, or both or neither of `frequency` and `ettf` are given.',
  SLOKIT_E_RISK_MITIGATION: 'A mitigation changes none of ettd, ettr, impact, frequency or ettf.',
  SLOKIT_E_RISK_MAX_SHARE:
    'The `maxShare` of a risk analysis is not a fraction in (0, 1] or a percentage string.',
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

/**
 * Thrown by `analyzeRisks` (and `slokit risks`) when the risk catalogue is invalid. Besides the code
 * it says which risk and which field: `risk` is the risk's name (or `risks[3]` when the risk has no
 * usable name) and is `undefined` for top-level fields such as `maxShare`; `field` is a path inside
 * the risk (`ettr`, `mitigations[0].impact`) or the input (`objectives[1]`).
 */
export class SlokitRiskError extends SlokitDefinitionError {
  /** The risk at fault, or `undefined` when the problem is outside the risks. */
  readonly risk: string | undefined;

  /** The field at fault, e.g. `impact`, `mitigations[0].ettr`, `maxShare`. */
  readonly field: string;

  constructor(
    code: SlokitErrorCode,
    risk: string | undefined,
    field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.risk = risk;
    this.field = field;
  }
}

/** Why {@link SlokitFleetError} was thrown. */
export type FleetFailure =
  /** No answer within the timeout. */
  | 'timeout'
  /** The connection failed: refused, reset, DNS, TLS. */
  | 'unreachable'
  /** The caller's `signal` aborted the call. */
  | 'aborted'
  /** An HTTP error status without a Prometheus API error in the body (401, 404, 502, ...). */
  | 'http'
  /** A body that is not the Prometheus HTTP API's JSON. */
  | 'response'
  /** Prometheus refused or failed a query (`"status": "error"`). */
  | 'query';

/**
 * Thrown (as a rejection) by `fleetStatus` when Prometheus cannot answer: `code` is
 * `SLOKIT_E_FLEET_QUERY` for a query Prometheus refused or failed, `SLOKIT_E_FLEET_UNAVAILABLE` for
 * everything else. `failure` says what happened; `url` is the Prometheus URL without credentials.
 */
export class SlokitFleetError extends SlokitError {
  readonly failure: FleetFailure;

  /** The Prometheus base URL, credentials removed. */
  readonly url: string;

  /** The HTTP status, when Prometheus (or a proxy in front of it) answered one. */
  readonly status: number | undefined;

  constructor(
    failure: FleetFailure,
    url: string,
    message: string,
    options?: { cause?: unknown; status?: number | undefined },
  ) {
    super(failure === 'query' ? 'SLOKIT_E_FLEET_QUERY' : 'SLOKIT_E_FLEET_UNAVAILABLE', message, options);
    this.failure = failure;
    this.url = url;
    this.status = options?.status;
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
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof RegExp) return `RegExp ${String(value)}`;
  if (value instanceof Date)
    return `Date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  return 'an object';
}
