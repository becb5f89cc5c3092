import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from 'slokit';
import { thrown } from './support.js';
import { humanizeDuration } from '../../src/sli/duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['1s', 1_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['28d', 2_419_200_000],
    ['2w', 1_209_600_000],
    ['1.5s', 1_500],
    ['0.5ms', 0.5],
    ['.5m', 30_000],
    ['0', 0],
    ['0ms', 0],
    ['0d', 0],
    // Decimal fractions that are not exact in binary still give the decimal result.
    ['2.3h', 8_280_000],
    ['1.005s', 1_005],
    ['1.4d', 120_960_000],
  ])('parses %s as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ['5 minutes', 'string "5 minutes"'],
    ['-3s', 'string "-3s"'],
    ['', 'string ""'],
    ['300', 'string "300"'],
    ['1e3s', 'string "1e3s"'],
    [' 5m', 'string " 5m"'],
    ['5m ', 'string "5m "'],
    ['5M', 'string "5M"'],
    ['5.s', 'string "5.s"'],
    ['1h30m', 'string "1h30m"'],
  ])('rejects %j', (input, shown) => {
    const error = thrown(() => parseDuration(input, 'good.latency.under'));
    expect(error.code).toBe('SLOKIT_E_DURATION');
    expect(error.message).toBe(
      `good.latency.under: expected a duration such as "300ms", "1.5s", "5m", "28d" (a non-negative number and one of the units ms, s, m, h, d, w, without spaces); got ${shown} [SLOKIT_E_DURATION]`,
    );
  });

  it('rejects a bare number and hints at the unit', () => {
    const error = thrown(() => parseDuration(300, 'window'));
    expect(error.code).toBe('SLOKIT_E_DURATION');
    expect(error.message).toBe(
      'window: expected a duration string such as "300ms", "1.5s", "5m", "28d"; got number 300 (write the unit: "300ms" or "300s") [SLOKIT_E_DURATION]',
    );
  });

  it.each([
    [Number.NaN, 'number NaN'],
    [-3, 'number -3'],
    [undefined, 'undefined'],
    [null, 'null'],
    [{ ms: 5 }, 'an object'],
  ])('rejects the non-string %s without a unit hint', (input, shown) => {
    const error = thrown(() => parseDuration(input));
    expect(error.code).toBe('SLOKIT_E_DURATION');
    expect(error.message).toBe(
      `duration: expected a duration string such as "300ms", "1.5s", "5m", "28d"; got ${shown} [SLOKIT_E_DURATION]`,
    );
  });

  it('rejects a duration too large to be a number', () => {
    const error = thrown(() => parseDuration(`${'9'.repeat(400)}w`));
    expect(error.code).toBe('SLOKIT_E_DURATION');
    expect(error.message).toMatch(
      /^duration: string "9{57}\.\.\." is too large to be a duration \[SLOKIT_E_DURATION\]$/,
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [250, '250ms'],
    [1_500, '1500ms'],
    [1_000, '1s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [5_400_000, '90m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    // 28 days prints in days, never as 4w: SRE texts and Prometheus rule names say "28d".
    [2_419_200_000, '28d'],
    [604_800_000, '7d'],
    [8_280_000, '138m'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration for every whole, non-negative number of milliseconds', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (ms) => parseDuration(formatDuration(ms)) === ms),
      { numRuns: 2_000 },
    );
  });

  it('round-trips whole multiples of each unit in that unit', () => {
    const units = [
      [1_000, 's'],
      [60_000, 'm'],
      [3_600_000, 'h'],
      [86_400_000, 'd'],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...units), fc.integer({ min: 1, max: 100_000 }), ([size], n) => {
        return parseDuration(formatDuration(n * size)) === n * size;
      }),
    );
  });
});

describe('humanizeDuration', () => {
  it.each([
    [250, '250 ms'],
    [0.25, '0.25 ms'],
    [1_500, '1.5 s'],
    [90_000, '1.5 min'],
    [5_400_000, '1.5 h'],
    [90_000_000, '1.04 d'],
    [-1_500, '-1.5 s'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(humanizeDuration(ms)).toBe(text);
  });
});
