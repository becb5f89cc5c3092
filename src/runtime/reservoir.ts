import type { Span, SpanContext } from '@opentelemetry/api';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { BucketedSample } from '../explain/reservoir.js';
import { DEFAULT_SAMPLE_CAPS, capAttributes, capDimension } from '../explain/sample.js';
import type { SampleCaps } from '../explain/sample.js';
import type { SampledEvent } from '../explain/types.js';
import { optionChecks } from '../option-checks.js';
import { parseDuration } from '../sli/duration.js';
import type { Duration } from '../sli/duration.js';
import type { Attributes, BadReason, Verdict } from '../sli/types.js';
import { warnOnce } from './diag.js';

/** The `reservoir` option of `createSlokit`: the sample of recent events `kit.explain()` compares. */
export interface ReservoirOptions {
  /** Most good events kept per SLI over the horizon. Default 500. */
  readonly good?: number;
  /** Most bad events kept per SLI over the horizon. Default 500. */
  readonly bad?: number;
  /** How far back the sample reaches. Default `'1h'`; cut into 6 buckets sampled apart. */
  readonly horizon?: Duration;
  /** How many of the most recent good and of the most recent bad events `kit.recentEvents()` keeps per SLI. Default 10. */
  readonly recent?: number;
  /** Most values one kept event holds (an array counts one per element). Default 32. */
  readonly maxValues?: number;
  /** Most characters one kept event holds, over its attribute keys and string values. Default 2048. */
  readonly maxChars?: number;
}

/** The resolved `reservoir` option (`undefined` when it is off). */
export interface ResolvedReservoir {
  readonly good: number;
  readonly bad: number;
  readonly horizonMs: number;
  readonly buckets: number;
  readonly recent: number;
  readonly caps: SampleCaps;
}

/** How many time buckets the horizon is cut into. */
export const RESERVOIR_BUCKETS = 6;

export const DEFAULT_RESERVOIR: ResolvedReservoir = Object.freeze({
  good: 500,
  bad: 500,
  horizonMs: 3_600_000,
  buckets: RESERVOIR_BUCKETS,
  recent: 10,
  caps: DEFAULT_SAMPLE_CAPS,
});

const KEYS = ['good', 'bad', 'horizon', 'recent', 'maxValues', 'maxChars'];

function fail(field: string, message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_OPTION', `createSlokit: ${field}: ${message}`);
}

const { wholeNumber } = optionChecks(fail);

/** Validates the `reservoir` option: `false` turns it off; mistakes throw `SLOKIT_E_OPTION`. */
export function resolveReservoir(value: unknown): ResolvedReservoir | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === true) return DEFAULT_RESERVOIR;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('reservoir', `expected false or { ${KEYS.join(', ')} }; got ${describeValue(value)}`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) fail(`reservoir.${key}`, `unknown option; expected one of ${KEYS.join(', ')}`);
  }
  const horizonMs =
    o.horizon === undefined
      ? DEFAULT_RESERVOIR.horizonMs
      : parseDuration(o.horizon, 'createSlokit: reservoir.horizon');
  if (horizonMs < 60_000)
    fail('reservoir.horizon', `expected at least "1m"; got ${describeValue(o.horizon)}`);
  return {
    good: wholeNumber(o.good, 'reservoir.good', DEFAULT_RESERVOIR.good),
    bad: wholeNumber(o.bad, 'reservoir.bad', DEFAULT_RESERVOIR.bad),
    horizonMs,
    buckets: RESERVOIR_BUCKETS,
    recent: wholeNumber(o.recent, 'reservoir.recent', DEFAULT_RESERVOIR.recent),
    caps: {
      maxValues: wholeNumber(o.maxValues, 'reservoir.maxValues', DEFAULT_SAMPLE_CAPS.maxValues),
      maxChars: wholeNumber(o.maxChars, 'reservoir.maxChars', DEFAULT_SAMPLE_CAPS.maxChars),
    },
  };
}

/** The fields of a judged event the reservoir reads: an `HttpEvent`, a `WorkEvent`, a custom event. */
interface EventFields {
  readonly method?: unknown;
  readonly route?: unknown;
  readonly status?: unknown;
  readonly durationMs?: unknown;
  readonly attributes?: unknown;
}

const stringOr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const numberOr = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const attributesOr = (v: unknown): Attributes | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Attributes) : undefined;

/**
 * The most recent events of one outcome of one SLI, newest last, in parallel arrays: adding one is a
 * few slot writes and no allocation. It holds references to the request's own (already limited and
 * redacted) attributes; the caps apply when it is read.
 */
class RecentRing {
  private readonly at: Float64Array;
  private readonly reason: (BadReason | undefined)[];
  private readonly method: unknown[];
  private readonly route: unknown[];
  private readonly status: unknown[];
  // A typed array: a duration stored in an array of values would be a heap number of its own, made
  // on every event and kept alive by the ring. NaN where the event had none (read back as none).
  private readonly duration: Float64Array;
  private readonly attributes: unknown[];
  private readonly span: (SpanContext | undefined)[];
  private next = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.at = new Float64Array(capacity);
    this.reason = new Array<BadReason | undefined>(capacity).fill(undefined);
    this.method = new Array<unknown>(capacity).fill(undefined);
    this.route = new Array<unknown>(capacity).fill(undefined);
    this.status = new Array<unknown>(capacity).fill(undefined);
    this.duration = new Float64Array(capacity);
    this.attributes = new Array<unknown>(capacity).fill(undefined);
    this.span = new Array<SpanContext | undefined>(capacity).fill(undefined);
  }

  add(
    now: number,
    reason: BadReason | undefined,
    e: EventFields,
    attributes: unknown,
    span: SpanContext | undefined,
  ): void {
    const i = this.next;
    this.at[i] = now;
    this.reason[i] = reason;
    this.method[i] = e.method;
    this.route[i] = e.route;
    this.status[i] = e.status;
    const duration = e.durationMs;
    this.duration[i] = typeof duration === 'number' ? duration : Number.NaN;
    this.attributes[i] = attributes;
    this.span[i] = span;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** Up to `limit` events, newest first, copied within `caps`. */
  read(outcome: 'good' | 'bad', limit: number, caps: SampleCaps): SampledEvent[] {
    const out: SampledEvent[] = [];
    const n = Math.min(limit, this.count);
    for (let k = 1; k <= n; k++) {
      const i = (this.next - k + this.capacity) % this.capacity;
      out.push(
        sampled(
          this.at[i]!,
          outcome,
          this.reason[i],
          {
            method: this.method[i],
            route: this.route[i],
            status: this.status[i],
            durationMs: this.duration[i],
            attributes: this.attributes[i],
          },
          this.span[i],
          caps,
        ),
      );
    }
    return out;
  }
}

function sampled(
  at: number,
  outcome: 'good' | 'bad',
  reason: BadReason | undefined,
  e: EventFields,
  span: SpanContext | undefined,
  caps: SampleCaps,
): SampledEvent {
  const event: {
    -readonly [K in keyof SampledEvent]: SampledEvent[K];
  } = { at, outcome, attributes: capAttributes(attributesOr(e.attributes), caps) };
  if (reason !== undefined) event.reason = reason;
  const method = stringOr(e.method);
  if (method !== undefined) event.method = capDimension(method);
  const route = stringOr(e.route);
  if (route !== undefined) event.route = capDimension(route);
  const status = numberOr(e.status);
  if (status !== undefined) event.status = status;
  const durationMs = numberOr(e.durationMs);
  if (durationMs !== undefined) event.durationMs = durationMs;
  if (span !== undefined) {
    event.traceId = span.traceId;
    event.spanId = span.spanId;
  }
  return event;
}

/** The span context of `span` when it is recording (so its ids mean something to a backend). */
function contextOf(span: Span | undefined): SpanContext | undefined {
  return span !== undefined && span.isRecording() ? span.spanContext() : undefined;
}

interface SliReservoir {
  readonly good: BucketedSample<SampledEvent>;
  readonly bad: BucketedSample<SampledEvent>;
  readonly recentGood: RecentRing;
  readonly recentBad: RecentRing;
}

/**
 * The kit's event reservoir: per SLI, a uniform sample of good and of bad events over the horizon
 * (see src/explain/reservoir.ts), and the most recent of each. {@link capture} is on the request
 * path: for most events it costs a counter increment, a compare and a few slot writes; only an
 * event the sample selects is copied (within the caps). It never throws.
 */
export class KitReservoir {
  private readonly slis: SliReservoir[];

  constructor(
    sliCount: number,
    readonly config: ResolvedReservoir,
    random: () => number = Math.random,
  ) {
    const bucketMs = config.horizonMs / config.buckets;
    const shape = (size: number) => ({
      capacity: Math.ceil(size / config.buckets),
      bucketMs,
      buckets: config.buckets,
    });
    this.slis = Array.from({ length: sliCount }, () => ({
      good: new BucketedSample<SampledEvent>(shape(config.good), random),
      bad: new BucketedSample<SampledEvent>(shape(config.bad), random),
      recentGood: new RecentRing(config.recent),
      recentBad: new RecentRing(config.recent),
    }));
  }

  /**
   * Offers one verdict of SLI `index` on `event`; `span` is the event's span, if any. `owned`: the
   * event's attributes are a wide event slokit built (within the kit's limits, never changed after
   * judging), so the recent ring may refer to them; a `kit.record()` event's are the caller's, and
   * the ring keeps a capped copy instead.
   */
  capture(
    index: number,
    verdict: Verdict,
    event: unknown,
    span: Span | undefined,
    now: number,
    owned: boolean,
  ): void {
    const outcome = verdict.outcome;
    if (outcome === 'ineligible') return;
    try {
      const r = this.slis[index]!;
      const e = (typeof event === 'object' && event !== null ? event : {}) as EventFields;
      const context = contextOf(span);
      const reason = outcome === 'bad' ? verdict.reason : undefined;
      const attributes = owned
        ? e.attributes
        : capAttributes(attributesOr(e.attributes), this.config.caps, false);
      (outcome === 'bad' ? r.recentBad : r.recentGood).add(now, reason, e, attributes, context);
      const sample = outcome === 'bad' ? r.bad : r.good;
      if (sample.want(now)) sample.put(sampled(now, outcome, reason, e, context, this.config.caps));
    } catch (error) {
      warnOnce(
        'reservoir.capture',
        `slokit could not keep an event for explain() and skipped it: ${String(error)}`,
      );
    }
  }

  /** The sampled events of one outcome of SLI `index` within the horizon before `now`. */
  sample(index: number, outcome: 'good' | 'bad', now: number): SampledEvent[] {
    const r = this.slis[index]!;
    return (outcome === 'bad' ? r.bad : r.good).items(now - this.config.horizonMs);
  }

  /** The most recent events of SLI `index`, newest first (both outcomes merged when none is given). */
  recent(index: number, outcome: 'good' | 'bad' | undefined, limit: number): SampledEvent[] {
    const r = this.slis[index]!;
    const caps = this.config.caps;
    if (outcome === 'bad') return r.recentBad.read('bad', limit, caps);
    if (outcome === 'good') return r.recentGood.read('good', limit, caps);
    const merged = [...r.recentBad.read('bad', limit, caps), ...r.recentGood.read('good', limit, caps)];
    // Stable: at equal times, bad before good.
    return merged.sort((a, b) => b.at - a.at).slice(0, limit);
  }

  /** How many events are held in the samples of SLI `index` (good + bad). */
  held(index: number): number {
    const r = this.slis[index]!;
    return r.good.size + r.bad.size;
  }
}
