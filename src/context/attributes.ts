import { REDACTED, TRUNCATED_MARKER } from '../conventions.js';
import { warnOnce } from '../runtime/diag.js';
import type { AttributeValue } from '../sli/types.js';

/** What slokit drops or cuts to stay within its limits; the values of `slokit.dropped.what`. */
export type DropKind = 'attribute_limit' | 'invalid_value' | 'truncated_value' | 'reserved_key';
export const DROP_KINDS: readonly DropKind[] = [
  'attribute_limit',
  'invalid_value',
  'truncated_value',
  'reserved_key',
];

/** Counts of dropped data, per kind. Read at metric collection time. */
export type DropCounts = Record<DropKind, number>;

export function newDropCounts(): DropCounts {
  return { attribute_limit: 0, invalid_value: 0, truncated_value: 0, reserved_key: 0 };
}

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
  readonly censor: string;
  /** Whether the value under `key` must be redacted. */
  isSecret(key: string): boolean;
}

export interface AttributePolicyOptions {
  readonly maxAttributes: number;
  readonly maxValueLength: number;
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
  /** The collected attributes, ready for `span.setAttributes`. */
  readonly values: Record<string, AttributeValue> = {};
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

  /** Adds user attributes: reserved keys refused, invalid values dropped, secrets redacted. */
  add(attributes: Readonly<Record<string, unknown>>): void {
    if (this.closed) return this.late();
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      const value = attributes[key];
      if (value === undefined || value === null) continue;
      if (key.startsWith(RESERVED_PREFIX) || key === '') {
        this.drops.reserved_key++;
        continue;
      }
      this.set(key, value);
    }
  }

  /** Sets one attribute (slokit's own or the user's), applying the limits and redaction. */
  set(key: string, value: unknown): void {
    if (this.closed) return this.late();
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
  private limitArray(values: readonly unknown[]): AttributeValue | undefined {
    if (values.length === 0) return EMPTY;
    const type = typeof values[0];
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return undefined;
    for (const item of values) if (typeof item !== type) return undefined;
    if (type !== 'string') return Object.freeze(values.slice() as number[] | boolean[]);
    return Object.freeze((values as readonly string[]).map((item) => this.truncate(item)));
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
  const max = policy.maxValueLength;
  if (value.length <= max) return value;
  drops.truncated_value++;
  return value.slice(0, Math.max(0, max - TRUNCATED_MARKER.length)) + TRUNCATED_MARKER;
}

/**
 * Redacts the values of secret-looking parameters in a query string, keeping the names:
 * `token=abc&page=2` → `token=[REDACTED]&page=2`.
 */
export function redactQuery(query: string, policy: AttributePolicy): string {
  if (query === '') return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the raw name.
      }
      return eq !== -1 && policy.isSecret(decoded) ? `${name}=${policy.censor}` : pair;
    })
    .join('&');
}
