import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SLOKIT_WORK } from '../conventions.js';

/**
 * Keeps the most recent finished request spans (SERVER spans and the spans of `kit.track()` work) in
 * a fixed-size ring buffer, for readers inside the process (a status page, `explain()`), whatever
 * the collector's health. Memory is bounded by `capacity` spans, each bounded by the span limits.
 */
export class RecentSpansProcessor implements SpanProcessor {
  private readonly ring: (ReadableSpan | undefined)[];
  private next = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<ReadableSpan | undefined>(capacity);
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (span.kind !== SpanKind.SERVER && span.attributes[ATTR_SLOKIT_WORK] === undefined) return;
    this.ring[this.next] = span;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The kept spans, oldest first. */
  spans(): ReadableSpan[] {
    const out: ReadableSpan[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) out.push(this.ring[(start + i) % this.capacity]!);
    return out;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
