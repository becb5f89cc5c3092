import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { DEFAULT_LIMITS, DEFAULT_REDACT_KEYS } from '../context/attributes.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { optionChecks } from '../option-checks.js';
import { isSli } from '../sli/define.js';
import type { Sli } from '../sli/types.js';
import { systemClock } from '../budget/clock.js';
import type { Clock } from '../budget/clock.js';
import { isSlokitLogger } from './diag.js';
import type { SlokitLogger } from './diag.js';
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
  /**
   * Carry the event in progress across `await`s, so `addContext()` reaches it anywhere in the
   * request's async call tree. Default `true`. With `false`, and no OpenTelemetry context manager
   * registered (counters only, no SDK), slokit starts no AsyncLocalStorage, which on Node 20 makes
   * every promise and async resource of the process dearer: `addContext()` then reaches the event
   * only from code that runs synchronously inside the handler slokit wraps (before its first
   * `await`), and a later call is not recorded (logged once). With a context manager registered,
   * the OTel context carries the event either way, at no extra cost.
   */
  readonly asyncContext?: boolean;
  /** Limits on the wide event of one request. */
  readonly limits?: {
    /** Most attributes one event holds (slokit's and yours). Default 128. */
    readonly maxAttributes?: number;
    /** Longest string value; longer ones are cut and marked `…[truncated]`. Default 1024. */
    readonly maxValueLength?: number;
    /** Most elements of an array value; the rest are dropped (counted as `truncated_array`). Default 128. */
    readonly maxArrayLength?: number;
    /** Longest string in an array value (at most `maxValueLength`); longer ones are cut. Default 128. */
    readonly maxArrayElementLength?: number;
    /** Longest attribute key; an attribute with a longer key is dropped (counted as `key_too_long`). Default 256. */
    readonly maxKeyLength?: number;
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
  /**
   * `url.query` on spans: `'redact'` (the default: every parameter keeps its name, every value is
   * censored), `{ keepValues: ['page', 'sort'] }` (as `'redact'`, but the values of these parameters
   * are kept, unless their names are secret by `redact`), `'keep'` (as sent) or `'drop'` (none).
   */
  readonly query?: QueryCapture | { readonly keepValues: readonly string[] };
  /**
   * The wall clock (epoch ms) for freshness and the budget windows. Default `Date.now`. With an
   * injected clock (a fake one in tests), alerts are evaluated as its minutes pass.
   */
  readonly clock?: Clock;
  /**
   * Where slokit's run-time warnings go (an unknown SLI in `record`, `addContext` outside a request,
   * an unusable state file, failed exports...), for the whole process: a function given each line,
   * or a logger with a `warn` method (`console`, pino, winston). `false`: OTel `diag` only. Default:
   * OTel `diag` when a diag logger is installed, else stderr. Each cause is logged at most once a
   * minute, and at most 20 lines a minute in all.
   */
  readonly logger?: SlokitLogger;
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
  readonly asyncContext: boolean;
  readonly maxAttributes: number;
  readonly maxValueLength: number;
  readonly maxArrayLength: number;
  readonly maxArrayElementLength: number;
  readonly maxKeyLength: number;
  readonly redactKeys: readonly (string | RegExp)[];
  readonly censor: string | undefined;
  readonly captureHeaders: readonly string[];
  readonly query: QueryCapture;
  /** Query parameters whose values `'redact'` keeps (decoded names). */
  readonly queryKeepValues: ReadonlySet<string>;
  readonly clock: Clock;
  /** Whether `clock` was given. */
  readonly injectedClock: boolean;
  readonly logger: SlokitLogger | undefined;
  /** `undefined` when the reservoir is off. */
  readonly reservoir: ResolvedReservoir | undefined;
}

const KNOWN = new Set([
  'slis',
  'tracerProvider',
  'meterProvider',
  'spans',
  'asyncContext',
  'limits',
  'redact',
  'captureHeaders',
  'query',
  'clock',
  'logger',
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
  for (const key of Object.keys(limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) {
      fail(`limits.${key}`, `unknown option; expected one of ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    }
  }
  const redact = optionalObject(o.redact, 'redact');
  const redactKeys = redact?.keys === undefined ? [] : checkKeys(redact.keys);
  const keepDefaults = optionalBoolean(redact?.defaults, 'redact.defaults', true);
  const captureHeaders = o.captureHeaders === undefined ? [] : checkHeaders(o.captureHeaders);
  const [query, queryKeepValues] = checkQuery(o.query);
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
    asyncContext: optionalBoolean(o.asyncContext, 'asyncContext', true),
    maxAttributes: wholeNumber(limits?.maxAttributes, 'limits.maxAttributes', DEFAULT_LIMITS.maxAttributes),
    maxValueLength: wholeNumber(
      limits?.maxValueLength,
      'limits.maxValueLength',
      DEFAULT_LIMITS.maxValueLength,
    ),
    maxArrayLength: wholeNumber(
      limits?.maxArrayLength,
      'limits.maxArrayLength',
      DEFAULT_LIMITS.maxArrayLength,
    ),
    maxArrayElementLength: wholeNumber(
      limits?.maxArrayElementLength,
      'limits.maxArrayElementLength',
      DEFAULT_LIMITS.maxArrayElementLength,
    ),
    maxKeyLength: wholeNumber(limits?.maxKeyLength, 'limits.maxKeyLength', DEFAULT_LIMITS.maxKeyLength),
    redactKeys: keepDefaults ? [...DEFAULT_REDACT_KEYS, ...redactKeys] : redactKeys,
    censor: redact?.censor === undefined ? undefined : checkString(redact.censor, 'redact.censor'),
    captureHeaders,
    query,
    queryKeepValues,
    clock: clock as Clock,
    injectedClock: o.clock !== undefined,
    logger: checkLogger(o.logger, fail),
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

function checkQuery(value: unknown): [QueryCapture, ReadonlySet<string>] {
  if (value === undefined) return ['redact', new Set()];
  if (value === 'redact' || value === 'keep' || value === 'drop') return [value, new Set()];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (key !== 'keepValues') fail(`query.${key}`, 'unknown option; expected keepValues');
    }
    const names = o.keepValues;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n !== '')) {
      fail(
        'query.keepValues',
        `expected an array of parameter names such as ['page', 'sort']; got ${describeValue(names)}`,
      );
    }
    return ['redact', new Set(names as string[])];
  }
  fail('query', `expected 'redact', 'keep', 'drop' or { keepValues: [...] }; got ${describeValue(value)}`);
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

/** Checks a `logger` option (shared with `startTelemetry`). */
export function checkLogger(
  value: unknown,
  failWith: (field: string, message: string) => never,
): SlokitLogger | undefined {
  if (value === undefined || isSlokitLogger(value)) return value;
  return failWith(
    'logger',
    `expected a function (message) => void, an object with a warn(message) method, or false; got ${describeValue(value)}`,
  );
}

function fail(field: string, message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_OPTION', `createSlokit: ${field}: ${message}`);
}
