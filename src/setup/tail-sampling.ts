import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SAMPLE_RATE, ATTR_SLOKIT_WORK } from '../conventions.js';
import type { DropReason, ExportStats } from './export-stats.js';
import type { RecentSpansProcessor } from './recent-spans.js';

/** The sizes and rate of tail sampling, resolved. */
export interface TailSamplingSettings {
  /** Keep 1 in `sampleRate` of the traces with nothing wrong. */
  readonly sampleRate: number;
  /** Most ended spans waiting for their local root's decision. */
  readonly maxBufferedSpans: number;
  /** Most traces waiting for a decision (local roots started and not yet decided). */
  readonly maxPendingTraces: number;
  /** How long a trace may wait for its local root to end before it is decided without it. */
  readonly decisionWaitMillis: number;
}

const PENDING = 0;
/** Kept because something is wrong with it: SampleRate 1. */
const KEEP_IMPORTANT = 1;
/** Kept as one of 1 in N traces with nothing wrong: SampleRate N. */
const KEEP_SAMPLED = 2;
const DROP = 3;
type Decision = typeof PENDING | typeof KEEP_IMPORTANT | typeof KEEP_SAMPLED | typeof DROP;

type SamplingDropReason = Extract<
  DropReason,
  'sampled_out' | 'sampling_timeout' | 'sampling_buffer_full' | 'shutdown'
>;

/** The slot on each span this processor started that holds its trace. */
const TRACE = Symbol('slokit.localTrace');
/** A span this processor may have seen: the slot is ours, the span the SDK's. */
type Tracked = { [TRACE]?: LocalTrace };

/**
 * The spans of one local root (a span started with no parent or a remote one: the request, or the
 * tracked work) and of everything started under it in this process, decided together.
 */
class LocalTrace {
  decision: Decision = PENDING;
  dropReason: SamplingDropReason = 'sampled_out';
  /** Whether an ended span of it failed (ERROR status, exception) or judged bad. */
  important = false;
  /** The root span while the trace is pending. */
  root: Span | undefined;
  /** Its ended spans, waiting for the decision. */
  spans: ReadableSpan[] | undefined;

  constructor(
    root: Span,
    readonly traceId: string,
    /** The sweep tick at which it started. */
    readonly born: number,
  ) {
    this.root = root;
  }
}

/**
 * Verdict-aware tail sampling inside the process: every trace with a bad verdict, an error or a
 * 5xx is kept whole (`SampleRate` 1), 1 in N of the others too (`SampleRate` N), the rest dropped
 * whole and counted (`slokit.export.dropped_spans`, reason `sampled_out`).
 *
 * The unit of decision is a local root and the spans started under it in this process: ended spans
 * wait (bounded by `maxBufferedSpans`) until the root ends, then all go or none does; spans ending
 * after that follow the decision. The link from a span to its trace is a property of the span (a
 * symbol key), so a decision lives exactly as long as a span of its trace can still be reached, and
 * costs nothing once none can. (A `WeakMap` keyed by spans did the same, but its entries kept young
 * spans alive through a scavenge: twice the bytes survived each one.) A trace whose root has not
 * ended after `decisionWaitMillis` (or that must make room: `maxBufferedSpans`,
 * `maxPendingTraces`) is decided without the root: kept if a span failed, else 1 in N; its dropped
 * spans are counted as `sampling_timeout` (or `sampling_buffer_full`).
 *
 * The 1 in N is taken from the random part of the trace id (the last 56 bits in W3C Trace Context
 * level 2; here their first 52), compared with a threshold as in OpenTelemetry's consistent
 * probability sampling: unbiased for random ids, and two processes at the same rate keep the same
 * good traces, so a distributed trace kept here is kept whole upstream and downstream too.
 */
export class TailSamplingProcessor implements SpanProcessor {
  /** Undecided traces, oldest first (a Set keeps insertion order). */
  private readonly pending = new Set<LocalTrace>();
  private buffered = 0;
  private tick = 0;
  private readonly ticksToWait: number;
  private readonly threshold: number;
  private readonly timer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly settings: TailSamplingSettings,
    private readonly stats: ExportStats,
    /** Where kept spans go (the export pipeline). */
    private readonly next: readonly SpanProcessor[],
    /** The in-memory ring of recent spans, told which spans were kept because something was wrong. */
    private readonly recent: RecentSpansProcessor | undefined,
  ) {
    // A trace is swept once at least decisionWaitMillis passed: ticks only ever come late.
    const interval = Math.min(1_000, Math.max(5, Math.floor(settings.decisionWaitMillis / 4)));
    this.ticksToWait = Math.ceil(settings.decisionWaitMillis / interval);
    this.timer = setInterval(() => this.sweep(), interval);
    this.timer.unref();
    // Keep when the 52 random bits are at least (1 - 1/N)·2^52: probability 1/N within 2^-52.
    this.threshold = Math.round((1 - 1 / settings.sampleRate) * 2 ** 52);
  }

  onStart(span: Span, parentContext: Context): void {
    const parent = trace.getSpan(parentContext) as Tracked | undefined;
    let local = parent?.[TRACE];
    if (local === undefined) {
      // A local root: no parent, a remote one, or one this processor never saw.
      if (this.pending.size >= this.settings.maxPendingTraces) this.evictOldest(false);
      local = new LocalTrace(span, span.spanContext().traceId, this.tick);
      this.pending.add(local);
    }
    (span as Tracked)[TRACE] = local;
    for (const p of this.next) p.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const local = (span as Tracked)[TRACE];
    if (local === undefined) {
      // Started before this processor existed: not this processor's to sample.
      for (const p of this.next) p.onEnd(span);
      this.recent?.add(span, false);
      return;
    }
    if (local.decision === PENDING) {
      if (!local.important && isImportant(span, span === local.root)) local.important = true;
      if (span === local.root) {
        this.decide(local, 'sampled_out');
      } else {
        if (this.buffered >= this.settings.maxBufferedSpans) this.evictOldest(true);
        if (local.decision === PENDING) {
          (local.spans ??= []).push(span);
          this.buffered++;
          return;
        }
      }
    }
    this.follow(local, span);
  }

  forceFlush(): Promise<void> {
    return Promise.all(this.next.map((p) => p.forceFlush())).then(() => undefined);
  }

  /**
   * Decides every pending trace now (a dropped one counts as `shutdown`), then shuts down what comes
   * after. Spans ending later still follow their trace's decision.
   */
  shutdown(): Promise<void> {
    return (this.closing ??= (async () => {
      clearInterval(this.timer);
      for (const local of [...this.pending]) this.decide(local, 'shutdown');
      await Promise.all(this.next.map((p) => p.shutdown()));
    })());
  }

  /** Spans waiting for a decision now (for tests and the docs' memory bound). */
  bufferedSpans(): number {
    return this.buffered;
  }

  /** Traces waiting for a decision now. */
  pendingTraces(): number {
    return this.pending.size;
  }

  private sweep(): void {
    this.tick++;
    for (const local of this.pending) {
      if (this.tick - local.born <= this.ticksToWait) break;
      this.decide(local, 'sampling_timeout');
    }
  }

  /** Makes room: decides the oldest pending trace (with buffered spans, when `withSpans`). */
  private evictOldest(withSpans: boolean): void {
    for (const local of this.pending) {
      if (withSpans && local.spans === undefined) continue;
      this.decide(local, 'sampling_buffer_full');
      return;
    }
  }

  /** Decides a pending trace, `reason` being what a drop is counted as, and flushes what it held. */
  private decide(local: LocalTrace, reason: SamplingDropReason): void {
    local.decision = local.important ? KEEP_IMPORTANT : this.sampled(local.traceId) ? KEEP_SAMPLED : DROP;
    local.dropReason = reason;
    local.root = undefined;
    this.pending.delete(local);
    const spans = local.spans;
    if (spans === undefined) return;
    local.spans = undefined;
    this.buffered -= spans.length;
    if (local.decision === DROP) return this.stats.spansDropped(reason, spans.length);
    for (const span of spans) this.follow(local, span);
  }

  private follow(local: LocalTrace, span: ReadableSpan): void {
    if (local.decision === DROP) return this.stats.spansDropped(local.dropReason, 1);
    const important = local.decision === KEEP_IMPORTANT;
    this.forward(span, important ? 1 : this.settings.sampleRate, important);
  }

  private forward(span: ReadableSpan, rate: number, important: boolean): void {
    // An ended SDK span takes no more attributes through its API, but its attribute record is still
    // a plain object, and after this processor no one else holds the span: `SampleRate` is written
    // into it rather than into a copy of the span and its attributes.
    span.attributes[ATTR_SAMPLE_RATE] = rate;
    for (const p of this.next) p.onEnd(span);
    this.recent?.add(span, important);
  }

  /** 1 in N, from bits 72–123 of the trace id (the random part, as W3C Trace Context level 2 says). */
  private sampled(traceId: string): boolean {
    if (this.settings.sampleRate === 1) return true;
    // Hex digits 18–30, read in place (`parseInt(traceId.slice(…), 16)` cost a string per trace).
    // 52 bits are exact in a double. A character that is not a hex digit drops the trace, as NaN did.
    let random = 0;
    for (let i = 18; i < 31; i++) {
      const c = traceId.charCodeAt(i);
      const digit = c >= 48 && c <= 57 ? c - 48 : (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1;
      if (digit < 0) return false;
      random = random * 16 + digit;
    }
    return random >= this.threshold;
  }
}

/** Whether an ended span makes its trace worth keeping whole. */
function isImportant(span: ReadableSpan, root: boolean): boolean {
  if (span.status.code === SpanStatusCode.ERROR) return true;
  const events = span.events;
  for (let i = 0; i < events.length; i++) if (events[i]!.name === 'exception') return true;
  const attributes = span.attributes;
  if (!root && attributes[ATTR_SLOKIT_WORK] === undefined) return false;
  const status = attributes[ATTR_HTTP_RESPONSE_STATUS_CODE];
  if (typeof status === 'number' && status >= 500) return true;
  // A bad verdict of any SLI: `slokit.sli.<name>.outcome` = bad.
  for (const key in attributes) {
    if (attributes[key] === 'bad' && key.endsWith('.outcome') && key.startsWith('slokit.sli.')) return true;
  }
  return false;
}
