/**
 * The shapes of slokit's debugging half: the events the reservoir keeps, and what `kit.explain()`
 * says about them. Plain, JSON-serialisable data; the status page and the CLI read the same shapes.
 */

import type { Attributes, BadReason } from '../sli/types.js';

/**
 * One judged event as the reservoir keeps it: a good or bad verdict of one SLI, with the event's
 * built-in dimensions and its wide attributes (after the kit's limits and redaction).
 */
export interface SampledEvent {
  /** When the event ended (epoch ms, the kit's clock). */
  readonly at: number;
  readonly outcome: 'good' | 'bad';
  /** Why it was bad; absent for good events. */
  readonly reason?: BadReason | undefined;
  /** HTTP events: the method (`GET`, ...). Absent for custom events and tracked work. */
  readonly method?: string | undefined;
  /** HTTP events: the route template. Absent when unrouted, and for custom events. */
  readonly route?: string | undefined;
  /** HTTP events: the response status, absent when none was sent. */
  readonly status?: number | undefined;
  /** How long the event took, in ms (absent for custom events that carry no duration). */
  readonly durationMs?: number | undefined;
  /** The wide attributes, as they were written onto the span. */
  readonly attributes: Attributes;
  /** The trace and span of the event, when it had a recording span. */
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
}

/**
 * One attribute value (or numeric range) that sets bad events apart from good ones.
 *
 * Exactly one of `value` (a categorical attribute: `http.route = /api/checkout`) and `range` (a
 * numeric one: `app.cart.items >= 20` is `{ min: 20 }`) is present.
 */
export interface Finding {
  /** `'http.route'`, `'http.request.method'`, `'http.response.status_code'`, `'duration'`, or a wide attribute key. */
  readonly attribute: string;
  readonly value?: string | number | boolean;
  readonly range?: { readonly min?: number; readonly max?: number };
  /** Fraction of the compared bad events that have it. */
  readonly badShare: number;
  /** Fraction of the compared good events that have it. */
  readonly goodShare: number;
  readonly badCount: number;
  readonly goodCount: number;
  /** The ranking statistic (see docs/explain.md); higher is more telling. */
  readonly score: number;
}

/** What `kit.explain(sli)` returns: what is different about the SLI's bad events. */
export interface Explanation {
  readonly sli: string;
  /** Epoch ms of the oldest and newest event compared (both 0 when none were). */
  readonly from: number;
  readonly to: number;
  /** How many bad and good events were compared. */
  readonly bad: number;
  readonly good: number;
  /** Most telling first. */
  readonly findings: readonly Finding[];
}
