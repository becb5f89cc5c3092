import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SLOKIT_WORK } from '../conventions.js';

/** A fixed-size ring of spans, oldest overwritten first. */
class Ring {
  private readonly slots: (ReadableSpan | undefined)[];
  private next = 0;
  private size = 0;
  /** The order each kept span arrived in, to merge two rings back into one order. */
  private readonly order: number[];

  constructor(private readonly capacity: number) {
    this.slots = new Array<ReadableSpan | undefined>(capacity);
    this.order = new Array<number>(capacity).fill(0);
  }

  push(span: ReadableSpan, seq: number): void {
    this.slots[this.next] = span;
    this.order[this.next] = seq;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The kept spans with their arrival numbers, oldest first. */
  entries(): [number, ReadableSpan][] {
    const out: [number, ReadableSpan][] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) {
      const at = (start + i) % this.capacity;
      out.push([this.order[at]!, this.slots[at]!]);
    }
    return out;
  }
}

/**
 * Keeps the most recent finished request spans (SERVER spans and the spans of `kit.track()` work) in
 * a fixed-size ring buffer, for readers inside the process (a status page, `explain()`), whatever
 * the collector's health. Memory is bounded by `capacity` spans, each bounded by the span limits.
 *
 * Behind tail sampling (`split`), spans kept because something was wrong with their trace get half
 * the capacity (rounded up) to themselves, so a flood of good traces cannot push recent bad ones
 * out; the good ones share the other half.
 */
export class RecentSpansProcessor implements SpanProcessor {
  private readonly good: Ring;
  private readonly bad: Ring | undefined;
  private seq = 0;

  constructor(capacity: number, split = false) {
    if (split && capacity > 1) {
      this.bad = new Ring(Math.ceil(capacity / 2));
      this.good = new Ring(Math.floor(capacity / 2));
    } else {
      this.good = new Ring(capacity);
    }
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    this.add(span, false);
  }

  /** Keeps `span` if it is a request or work span; `important`: its trace was kept for a failure. */
  add(span: ReadableSpan, important: boolean): void {
    if (span.kind !== SpanKind.SERVER && span.attributes[ATTR_SLOKIT_WORK] === undefined) return;
    (important ? (this.bad ?? this.good) : this.good).push(span, this.seq++);
  }

  /** The kept spans, oldest first. */
  spans(): ReadableSpan[] {
    const good = this.good.entries();
    if (this.bad === undefined) return good.map(([, span]) => span);
    return [...good, ...this.bad.entries()].sort((a, b) => a[0] - b[0]).map(([, span]) => span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
