import { REDACTED, TRUNCATED_MARKER } from '../conventions.js';
import { warnOnce } from '../runtime/diag.js';
import type { AttributeValue } from '../sli/types.js';

/** What slokit drops or cuts to stay within its limits; the values of `slokit.dropped.what`. */
export type DropKind =
  | 'attribute_limit'
  | 'invalid_value'
  | 'truncated_value'
  | 'reserved_key'
  | 'truncated_array'
  | 'key_too_long';
export const DROP_KINDS: readonly DropKind[] = [
  'attribute_limit',
  'invalid_value',
  'truncated_value',
  'reserved_key',
  'truncated_array',
  'key_too_long',
];

/** Counts of dropped data, per kind. Read at metric collection time. */
export type DropCounts = Record<DropKind, number>;

export function newDropCounts(): DropCounts {
  return {
    attribute_limit: 0,
    invalid_value: 0,
    truncated_value: 0,
    reserved_key: 0,
    truncated_array: 0,
    key_too_long: 0,
  };
}

/**
 * The default limits on one wide event (`createSlokit({ limits })`). Together they bound what one
 * event can hold: at most 128 keys of 256 characters, each with a string of 1024 characters or an
 * array of 128 elements of 128 characters.
 */
export const DEFAULT_LIMITS = Object.freeze({
  maxAttributes: 128,
  maxValueLength: 1024,
  maxArrayLength: 128,
  maxArrayElementLength: 128,
  maxKeyLength: 256,
});

/**
 * Keys redacted by default: the credential headers, and anything that names a password, secret,
 * token or API key. A string matches a key case-insensitively as a whole or as its last dotted
 * segment (`authorization` matches `http.request.header.authorization`); a RegExp is tested against
 * the whole key.
 */
export const DEFAULT_REDACT_KEYS: readonly (string | RegExp)[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  /passw(?:or)?d|secret|token|api[-_. ]?key/i,
]);

/** How the attributes of one event are limited and redacted; compiled once per kit. */
export interface AttributePolicy {
  readonly maxAttributes: number;
  readonly maxValueLength: number;
  readonly maxArrayLength: number;
  readonly maxArrayElementLength: number;
  readonly maxKeyLength: number;
  readonly censor: string;
  /** Whether the value under `key` must be redacted. */
  isSecret(key: string): boolean;
}

export interface AttributePolicyOptions {
  readonly maxAttributes: number;
  readonly maxValueLength: number;
  /** Default {@link DEFAULT_LIMITS}.maxArrayLength. */
  readonly maxArrayLength?: number;
  /** Default {@link DEFAULT_LIMITS}.maxArrayElementLength. */
  readonly maxArrayElementLength?: number;
  /** Default {@link DEFAULT_LIMITS}.maxKeyLength. */
  readonly maxKeyLength?: number;
  readonly redactKeys: readonly (string | RegExp)[];
  readonly censor?: string;
}

// Keys slokit writes itself; user context may not overwrite them.
const RESERVED_PREFIX = 'slokit.';

export function compileAttributePolicy(options: AttributePolicyOptions): AttributePolicy {
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  for (const key of options.redactKeys) {
    if (typeof key === 'string') names.add(key.toLowerCase());
    else patterns.push(new RegExp(key.source, key.flags.replace(/[gy]/g, '')));
  }
  // Keys come from code, so there are few of them: remember each answer (bounded all the same).
  const cache = new Map<string, boolean>();
  const decide = (key: string): boolean => {
    const lower = key.toLowerCase();
    const last = lower.slice(lower.lastIndexOf('.') + 1);
    return names.has(lower) || names.has(last) || patterns.some((re) => re.test(key));
  };
  return {
    maxAttributes: options.maxAttributes,
    maxValueLength: options.maxValueLength,
    maxArrayLength: options.maxArrayLength ?? DEFAULT_LIMITS.maxArrayLength,
    // An element is never longer than a value may be.
    maxArrayElementLength: Math.min(
      options.maxArrayElementLength ?? DEFAULT_LIMITS.maxArrayElementLength,
      options.maxValueLength,
    ),
    maxKeyLength: options.maxKeyLength ?? DEFAULT_LIMITS.maxKeyLength,
    censor: options.censor ?? REDACTED,
    isSecret(key) {
      let secret = cache.get(key);
      if (secret === undefined) {
        secret = decide(key);
        if (cache.size < 4096) cache.set(key, secret);
      }
      return secret;
    },
  };
}

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * The attribute bag of one event, filled by `addContext` and by the adapters. Applies the policy on
 * the way in, so what it holds is always within the limits and free of secrets.
 */
export class WideAttributes {
  /**
   * The collected attributes, ready for `span.setAttributes`. Without a prototype, so a key named
   * like an `Object.prototype` member (`constructor`, `toString`) is a key like any other.
   */
  readonly values: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  private count = 0;
  private closed = false;

  constructor(
    private readonly policy: AttributePolicy,
    private readonly drops: DropCounts,
  ) {}

  /** Ends the event's wide attributes once it has been judged: later additions are ignored (logged once). */
  close(): void {
    this.closed = true;
  }

  /**
   * Closes the attributes and makes {@link values} read-only: done before the event is handed to
   * the user's classifiers, so that what they see is what the span gets.
   */
  freeze(): void {
    this.closed = true;
    Object.freeze(this.values);
  }

  /**
   * Adds user attributes: reserved and over-long keys refused, invalid values dropped, secrets
   * redacted. Whatever `attributes` is (getters that throw, symbol keys), nothing is thrown and
   * every value left out is counted.
   */
  add(attributes: Readonly<Record<string, unknown>>): void {
    if (this.closed) return this.late();
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      let value: unknown;
      try {
        value = attributes[key];
      } catch {
        this.drops.invalid_value++;
        continue;
      }
      if (value === undefined || value === null) continue;
      if (key.startsWith(RESERVED_PREFIX) || key === '') {
        this.drops.reserved_key++;
        continue;
      }
      this.set(key, value);
    }
    // Symbol keys are no attribute names (`for...in` skips them): counted, never read.
    const symbols = Object.getOwnPropertySymbols(attributes).length;
    if (symbols !== 0) this.drops.invalid_value += symbols;
  }

  /** Sets one attribute (slokit's own or the user's), applying the limits and redaction. */
  set(key: string, value: unknown): void {
    if (this.closed) return this.late();
    // `__proto__` cannot be carried: an SDK's attribute map is a plain object, where assigning
    // `__proto__` changes its prototype instead of adding a key.
    if (key === '__proto__') {
      this.drops.reserved_key++;
      return;
    }
    if (key.length > this.policy.maxKeyLength) {
      this.drops.key_too_long++;
      return;
    }
    const fresh = !(key in this.values);
    if (fresh && this.count >= this.policy.maxAttributes) {
      this.drops.attribute_limit++;
      return;
    }
    // A redacted array stays an array (`["[REDACTED]"]`), so an attribute keeps one type whether or
    // not its key is secret (a captured header is always a string array).
    const clean = this.policy.isSecret(key)
      ? Array.isArray(value)
        ? Object.freeze([this.policy.censor])
        : this.policy.censor
      : this.limit(value);
    if (clean === undefined) {
      this.drops.invalid_value++;
      return;
    }
    this.values[key] = clean;
    if (fresh) this.count++;
  }

  private late(): void {
    warnOnce(
      'addContext.late',
      'addContext() was called after its event had been judged (its response was complete); the attributes were not recorded',
    );
  }

  private limit(value: unknown): AttributeValue | undefined {
    switch (typeof value) {
      case 'string':
        return this.truncate(value);
      case 'number':
      case 'boolean':
        return value;
      case 'object':
        return Array.isArray(value) ? this.limitArray(value as readonly unknown[]) : undefined;
      default:
        return undefined;
    }
  }

  // OTel attribute arrays are homogeneous: all strings, all numbers or all booleans. Arrays are
  // copied and frozen, so whoever holds the wide event (the span, a classifier) sees it unchanged.
  // Only the elements kept (at most maxArrayLength) are looked at: a huge array costs no more than
  // a short one.
  private limitArray(values: readonly unknown[]): AttributeValue | undefined {
    if (values.length === 0) return EMPTY;
    const type = typeof values[0];
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return undefined;
    const max = this.policy.maxArrayLength;
    const length = values.length > max ? max : values.length;
    for (let i = 1; i < length; i++) if (typeof values[i] !== type) return undefined;
    if (length < values.length) this.drops.truncated_array++;
    const kept = length < values.length ? values.slice(0, length) : values;
    if (type !== 'string')
      return Object.freeze(length < values.length ? kept : kept.slice()) as AttributeValue;
    const longest = this.policy.maxArrayElementLength;
    return Object.freeze((kept as readonly string[]).map((item) => cut(item, longest, this.drops)));
  }

  private truncate(value: string): string {
    return limitString(value, this.policy, this.drops);
  }
}

/**
 * Cuts a string to the policy's `maxValueLength`, ending it in `…[truncated]`, and counts the cut in
 * `drops.truncated_value`. For every string slokit puts on a span, its own (`url.path`,
 * `url.query`) as well as the wide event's.
 */
export function limitString(value: string, policy: AttributePolicy, drops: DropCounts): string {
  return cut(value, policy.maxValueLength, drops);
}

function cut(value: string, max: number, drops: DropCounts): string {
  if (value.length <= max) return value;
  drops.truncated_value++;
  return value.slice(0, Math.max(0, max - TRUNCATED_MARKER.length)) + TRUNCATED_MARKER;
}

// What a query parameter's name looks like: short, from the characters names are made of. Anything
// else in the name position (a token passed as the whole query, `?eyJhbGci...`) is censored too.
const PARAMETER_NAME = /^[A-Za-z0-9_.\-[\]]{1,32}$/;

/**
 * Redacts a query string for `url.query`: every parameter keeps its name and loses its value
 * (`token=abc&page=2` → `token=[REDACTED]&page=[REDACTED]`), except the parameters named in
 * `keepValues` (decoded names, matched exactly) whose names are not secret by the policy. Pairs are
 * separated by `&` or `;`, kept as written. An empty value stays empty; a name that does not look
 * like one (over 32 characters, or other characters than letters, digits and `_.-[]`) is censored
 * too, as is a bare segment without `=` that does not look like a name.
 */
export function redactQuery(
  query: string,
  policy: AttributePolicy,
  keepValues: ReadonlySet<string> = NO_NAMES,
): string {
  if (query === '') return query;
  const censor = policy.censor;
  let out = '';
  let start = 0;
  while (start <= query.length) {
    let end = start;
    while (end < query.length && query[end] !== '&' && query[end] !== ';') end++;
    const pair = query.slice(start, end);
    const eq = pair.indexOf('=');
    const raw = eq === -1 ? pair : pair.slice(0, eq);
    const name = decodeName(raw);
    if (keepValues.size !== 0 && name !== undefined && keepValues.has(name) && !policy.isSecret(name)) {
      out += pair;
    } else {
      out += name !== undefined && PARAMETER_NAME.test(name) ? raw : raw === '' ? '' : censor;
      if (eq !== -1) out += eq === pair.length - 1 ? '=' : `=${censor}`;
    }
    if (end < query.length) out += query[end];
    start = end + 1;
  }
  return out;
}

const NO_NAMES: ReadonlySet<string> = new Set();

/** A parameter name as the application reads it (`+` is a space); `undefined` for a malformed escape. */
function decodeName(raw: string): string | undefined {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
