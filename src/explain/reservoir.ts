/**
 * The sampling structure behind `kit.explain()`: a uniform sample of recent events per time bucket.
 *
 * The horizon (default one hour) is cut into `buckets` equal time buckets; each bucket keeps a
 * uniform random sample of at most `capacity` of the events offered while it was current, chosen
 * with Li's "Algorithm L" (K.-H. Li, "Reservoir-sampling algorithms of time complexity
 * O(n(1 + log(N/n)))", ACM TOMS 20(4):481–493, 1994), a skip-counting form of Vitter's reservoir
 * sampling (J. S. Vitter, "Random sampling with a reservoir", ACM TOMS 11(1):37–57, 1985,
 * Algorithm R). Algorithm L draws how many events to skip before the next one enters the sample, so
 * for all but O(k·log(n/k)) of n events, {@link BucketedSample.want} is a counter increment and a
 * compare, and the caller builds the kept copy only when it returns `true`.
 *
 * Per bucket rather than over the whole horizon, so that a burst neither floods the sample (its
 * bucket keeps at most `capacity`) nor is lost (the other buckets keep theirs). One bucket more
 * than the horizon holds is kept, the oldest partly out of the horizon; readers filter by time.
 *
 * Pure: the clock and the random source are the caller's.
 */

/** How a {@link BucketedSample} samples. */
export interface SampleShape {
  /** Most events kept per bucket (at least 1). */
  readonly capacity: number;
  /** Length of one bucket, ms. */
  readonly bucketMs: number;
  /** How many buckets the horizon spans. */
  readonly buckets: number;
}

interface Bucket<T> {
  id: number;
  readonly items: T[];
}

/** A uniform sample of at most `capacity` events per time bucket, over a ring of `buckets + 1`. */
export class BucketedSample<T extends { readonly at: number }> {
  private readonly ring: Bucket<T>[];
  private head = 0;
  private currentId = -Infinity;
  private currentEnd = -Infinity;
  // Algorithm L's state for the current bucket: events offered, the number of the next one to keep,
  // and W (the largest of k uniform variates' k-th root, see Li 1994, section 4).
  private seen = 0;
  private next = 1;
  private w = 0;

  constructor(
    readonly shape: SampleShape,
    private readonly random: () => number = Math.random,
  ) {
    this.ring = Array.from({ length: shape.buckets + 1 }, () => ({ id: -Infinity, items: [] }));
  }

  /**
   * Whether the event offered at `now` enters the sample: if `true`, the caller must follow with
   * {@link put}. On the request path: O(1), no allocation on a `false`.
   */
  want(now: number): boolean {
    if (now >= this.currentEnd) this.rotate(now);
    return ++this.seen >= this.next;
  }

  /** Stores the event {@link want} just accepted. */
  put(item: T): void {
    const k = this.shape.capacity;
    const items = this.ring[this.head]!.items;
    if (items.length < k) {
      items.push(item);
      if (items.length < k) this.next = this.seen + 1;
      else {
        this.w = Math.exp(Math.log(this.uniform()) / k);
        this.skip();
      }
      return;
    }
    items[Math.floor(this.random() * k) % k] = item;
    this.w *= Math.exp(Math.log(this.uniform()) / k);
    this.skip();
  }

  /** The kept events with `at >= since`, oldest bucket first. */
  items(since: number): T[] {
    const out: T[] = [];
    const n = this.ring.length;
    for (let i = 1; i <= n; i++) {
      const bucket = this.ring[(this.head + i) % n]!;
      if (bucket.id === -Infinity) continue;
      for (const item of bucket.items) if (item.at >= since) out.push(item);
    }
    return out;
  }

  /** How many events are held (at most `capacity × (buckets + 1)`). */
  get size(): number {
    let size = 0;
    for (const bucket of this.ring) size += bucket.items.length;
    return size;
  }

  private skip(): void {
    // Li 1994, Algorithm L: skip floor(log(U) / log(1 − W)) events, keep the one after.
    const gap = Math.floor(Math.log(this.uniform()) / Math.log(1 - this.w));
    this.next = this.seen + (Number.isFinite(gap) && gap > 0 ? gap : 0) + 1;
  }

  /** A uniform variate in (0, 1]. */
  private uniform(): number {
    return 1 - this.random();
  }

  private rotate(now: number): void {
    const id = Math.floor(now / this.shape.bucketMs);
    this.currentEnd = (id + 1) * this.shape.bucketMs;
    if (id <= this.currentId) return; // The clock went back: keep filling the current bucket.
    const n = this.ring.length;
    // Buckets skipped over (no events while they were current) are emptied too.
    const steps = this.currentId === -Infinity ? 1 : Math.min(n, id - this.currentId);
    for (let s = 0; s < steps; s++) {
      this.head = (this.head + 1) % n;
      const bucket = this.ring[this.head]!;
      bucket.id = -Infinity;
      bucket.items.length = 0;
    }
    this.ring[this.head]!.id = id;
    this.currentId = id;
    this.seen = 0;
    this.next = 1;
    this.w = 0;
  }
}
