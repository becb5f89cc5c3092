import { describe, expect, it } from 'vitest';
import { BucketedSample } from '../../src/explain/reservoir.js';
import { seededRandom } from '../helpers/random.js';

interface Item {
  readonly at: number;
  readonly n: number;
}

const HOUR = 3_600_000;
const shape = { capacity: 100, bucketMs: HOUR / 6, buckets: 6 };

/** Offers `count` items at time `at`; returns how many the sample asked to copy. */
function offer(sample: BucketedSample<Item>, count: number, at: number, first = 0): number {
  let copies = 0;
  for (let n = first; n < first + count; n++) {
    if (sample.want(at)) {
      copies++;
      sample.put({ at, n });
    }
  }
  return copies;
}

describe('BucketedSample (Algorithm L per time bucket)', () => {
  it('keeps the first events whole until a bucket is full', () => {
    const sample = new BucketedSample<Item>(shape, seededRandom(1));
    expect(offer(sample, 60, 1000)).toBe(60);
    expect(sample.items(0).map((i) => i.n)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('copies O(k log(n/k)) of n events, not n', () => {
    const sample = new BucketedSample<Item>(shape, seededRandom(2));
    const copies = offer(sample, 100_000, 1000);
    expect(sample.size).toBe(100);
    // Expected k(1 + ln(n/k)) = 100 × (1 + ln 1000) ≈ 791 (Li 1994); 100,000 offers.
    expect(copies).toBeGreaterThan(600);
    expect(copies).toBeLessThan(1000);
  });

  it('keeps a uniform sample: every tenth of the stream equally often (chi-square, 300 seeds)', () => {
    const n = 5000;
    const deciles = new Array<number>(10).fill(0);
    for (let seed = 1; seed <= 300; seed++) {
      const sample = new BucketedSample<Item>(shape, seededRandom(seed));
      offer(sample, n, 1000);
      for (const item of sample.items(0)) deciles[Math.floor((item.n * 10) / n)]!++;
    }
    const expected = (300 * 100) / 10;
    const chi2 = deciles.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    expect(deciles.reduce((a, b) => a + b, 0)).toBe(30_000);
    // 9 degrees of freedom: 21.67 is the 0.99 quantile.
    expect(chi2).toBeLessThan(21.67);
  });

  it('gives each time bucket its own sample, so a burst neither floods it nor is lost', () => {
    const sample = new BucketedSample<Item>(shape, seededRandom(3));
    const bucket = HOUR / 6;
    offer(sample, 50, 0 * bucket + 10, 0);
    offer(sample, 100_000, 1 * bucket + 10, 1000);
    offer(sample, 30, 2 * bucket + 10, 200_000);
    const items = sample.items(0);
    expect(items.filter((i) => i.n < 1000)).toHaveLength(50);
    expect(items.filter((i) => i.n >= 1000 && i.n < 200_000)).toHaveLength(100);
    expect(items.filter((i) => i.n >= 200_000)).toHaveLength(30);
  });

  it('forgets buckets older than the horizon and skips over idle ones', () => {
    const sample = new BucketedSample<Item>(shape, seededRandom(4));
    const bucket = HOUR / 6;
    offer(sample, 10, 5, 0);
    offer(sample, 10, 3 * bucket, 100);
    // Seven buckets later, the first is out of the ring; the second is still in (ring of 7).
    offer(sample, 10, 9 * bucket, 200);
    expect(sample.items(0).map((i) => i.n)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => 100 + i),
      ...Array.from({ length: 10 }, (_, i) => 200 + i),
    ]);
    expect(sample.items(9 * bucket - HOUR + 1).map((i) => i.n)).toHaveLength(10);
    // A day without events empties every bucket.
    offer(sample, 1, 9 * bucket + 24 * HOUR, 300);
    expect(sample.items(0).map((i) => i.n)).toEqual([300]);
  });

  it('keeps filling the current bucket when the clock steps back', () => {
    const sample = new BucketedSample<Item>(shape, seededRandom(5));
    offer(sample, 3, HOUR, 0);
    offer(sample, 3, HOUR - 60_000, 10);
    expect(sample.items(0).map((i) => i.n)).toEqual([0, 1, 2, 10, 11, 12]);
  });
});
