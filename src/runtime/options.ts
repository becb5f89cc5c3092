import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { DEFAULT_REDACT_KEYS } from '../context/attributes.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { optionChecks } from '../option-checks.js';
import { isSli } from '../sli/define.js';
import type { Sli } from '../sli/types.js';
import { systemClock } from '../budget/clock.js';
import type { Clock } from '../budget/clock.js';
import { resolveReservoir } from './reservoir.js';
import type { ReservoirOptions, ResolvedReservoir } from './reservoir.js';
import type { BudgetOptions } from './slo.js';

export type { Clock };

/** How query strings reach the span's `url.query`. */
export type QueryCapture = 'redact' | 'keep' | 'drop';

/** Options of `createSlokit`. */
export interface SlokitOptions extends BudgetOptions {
  /** The SLIs this kit judges events against. Names must be unique. */
  readonly slis: readonly Sli<never>[];
  /** Tracer provider for request spans. Default: the global one from `@opentelemetry/api`. */
  readonly tracerProvider?: TracerProvider;
  /** Meter provider for the SLI counters. Default: the global one (see `kit.bindMeterProvider`). */
  readonly meterProvider?: MeterProvider;
  /** Create or enrich request spans. Default `true`; `false` leaves only the counters. */
  readonly spans?: boolean;
  /** Limits on the wide event of one request. */
  readonly limits?: {
    /** Most attributes one event holds (slokit's and yours). Default 128. */
    readonly maxAttributes?: number;
    /** Longest string value; longer ones are cut and marked `…[truncated]`. Default 1024. */
    readonly maxValueLength?: number;
  };
  /** Redaction of attribute, header and query-parameter values by key. */
  readonly redact?: {
    /** Keys (case-insensitive names, or RegExps) to redact in addition to the defaults. */
    readonly keys?: readonly (string | RegExp)[];
    /** Keep the default keys (authorization, cookie, password, secret, token, API key...). Default `true`. */
    readonly defaults?: boolean;
    /** What a redacted value becomes. Default `'[REDACTED]'`. */
    readonly censor?: string;
  };
  /** Request headers recorded as `http.request.header.<name>` (allowlist; none by default). */
  readonly captureHeaders?: readonly string[];
  /** `url.query` on spans: `'redact'` (default: values of secret-looking parameters censored), `'keep'` or `'drop'`. */
  readonly query?: QueryCapture;
  /**
   * The wall clock (epoch ms) for freshness and the budget windows. Default `Date.now`. With an
   * injected clock (a fake one in tests), alerts are evaluated as its minutes pass.
   */
  readonly clock?: Clock;
  /**
   * The sample of recent good and bad events that `kit.explain()` compares and `kit.recentEvents()`
   * reads (see docs/explain.md). Default: 500 good + 500 bad per SLI over the last hour, the 10 most
   * recent of each; `false` turns it off (then `explain()` compares nothing).
   */
  readonly reservoir?: false | ReservoirOptions;
}

export interface ResolvedOptions {
  readonly slis: readonly Sli<unknown>[];
  readonly tracerProvider: TracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  readonly spans: boolean;
  readonly maxAttributes: number;
  readonly maxValueLength: number;
  readonly redactKeys: readonly (string | RegExp)[];
  readonly censor: string | undefined;
  readonly captureHeaders: readonly string[];
  readonly query: QueryCapture;
  readonly clock: Clock;
  /** Whether `clock` was given. */
  readonly injectedClock: boolean;
  /** `undefined` when the reservoir is off. */
  readonly reservoir: ResolvedReservoir | undefined;
}

const KNOWN = new Set([
  'slis',
  'tracerProvider',
  'meterProvider',
  'spans',
  'limits',
  'redact',
  'captureHeaders',
  'query',
  'clock',
  'reservoir',
]);

/** Validates `createSlokit` options; every mistake throws here, never at request time. */
export function resolveOptions(
  options: unknown,
  extraKeys: ReadonlySet<string> = new Set(),
): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    fail('createSlokit', `expected an options object { slis: [...] }; got ${describeValue(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key) && !extraKeys.has(key)) {
      fail(key, `unknown option; expected one of ${[...KNOWN, ...extraKeys].join(', ')}`);
    }
  }
  const slis = checkSlis(o.slis);
  const limits = optionalObject(o.limits, 'limits');
  const redact = optionalObject(o.redact, 'redact');
  const redactKeys = redact?.keys === undefined ? [] : checkKeys(redact.keys);
  const keepDefaults = optionalBoolean(redact?.defaults, 'redact.defaults', true);
  const captureHeaders = o.captureHeaders === undefined ? [] : checkHeaders(o.captureHeaders);
  const query = o.query ?? 'redact';
  if (query !== 'redact' && query !== 'keep' && query !== 'drop') {
    fail('query', `expected 'redact', 'keep' or 'drop'; got ${describeValue(query)}`);
  }
  const clock = o.clock ?? systemClock;
  if (typeof (clock as Clock).now !== 'function')
    fail('clock', `expected an object with now(): number; got ${describeValue(clock)}`);
  return {
    slis,
    tracerProvider: optionalProvider(o.tracerProvider, 'tracerProvider', 'getTracer') as
      TracerProvider | undefined,
    meterProvider: optionalProvider(o.meterProvider, 'meterProvider', 'getMeter') as
      MeterProvider | undefined,
    spans: optionalBoolean(o.spans, 'spans', true),
    maxAttributes: wholeNumber(limits?.maxAttributes, 'limits.maxAttributes', 128),
    maxValueLength: wholeNumber(limits?.maxValueLength, 'limits.maxValueLength', 1024),
    redactKeys: keepDefaults ? [...DEFAULT_REDACT_KEYS, ...redactKeys] : redactKeys,
    censor: redact?.censor === undefined ? undefined : checkString(redact.censor, 'redact.censor'),
    captureHeaders,
    query,
    clock: clock as Clock,
    injectedClock: o.clock !== undefined,
    reservoir: resolveReservoir(o.reservoir),
  };
}

function checkSlis(value: unknown): readonly Sli<unknown>[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail('slis', `expected a non-empty array of SLIs made by defineSli(); got ${describeValue(value)}`);
  }
  const seen = new Set<string>();
  for (const [i, sli] of (value as unknown[]).entries()) {
    if (!isSli(sli)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_NOT_AN_SLI',
        `createSlokit: slis[${i}]: expected an SLI made by defineSli(); got ${describeValue(sli)}`,
      );
    }
    if (seen.has(sli.name)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_DUPLICATE_SLI',
        `createSlokit: two SLIs are named "${sli.name}"; SLI names must be unique within a kit (they are metric labels)`,
      );
    }
    seen.add(sli.name);
  }
  return Object.freeze([...(value as Sli<unknown>[])]);
}

function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, `expected a string; got ${describeValue(value)}`);
  return value;
}

function checkKeys(value: unknown): readonly (string | RegExp)[] {
  if (
    !Array.isArray(value) ||
    !value.every((k) => (typeof k === 'string' && k !== '') || k instanceof RegExp)
  ) {
    fail('redact.keys', `expected an array of key names or RegExps; got ${describeValue(value)}`);
  }
  return value as (string | RegExp)[];
}

function checkHeaders(value: unknown): readonly string[] {
  if (
    !Array.isArray(value) ||
    !value.every((h) => typeof h === 'string' && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h))
  ) {
    fail(
      'captureHeaders',
      `expected an array of header names such as ['user-agent', 'x-request-id']; got ${describeValue(value)}`,
    );
  }
  return (value as string[]).map((h) => h.toLowerCase());
}

function optionalProvider(value: unknown, field: string, method: string): unknown {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as Record<string, unknown>)[method] !== 'function'
  ) {
    fail(field, `expected an OpenTelemetry ${field} (with ${method}()); got ${describeValue(value)}`);
  }
  return value;
}

const { optionalObject, optionalBoolean, wholeNumber } = optionChecks(fail);

function fail(field: string, message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_OPTION', `createSlokit: ${field}: ${message}`);
}
