import { SlokitDefinitionError, describeValue } from '../errors.js';

/**
 * A duration string: a non-negative decimal number followed by one unit,
 * `ms`, `s`, `m`, `h`, `d` or `w`; e.g. `"300ms"`, `"1.5s"`, `"28d"`. `"0"` is also accepted.
 */
export type Duration = `${number}${DurationUnit}` | '0';

/** The units a {@link Duration} may use. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

const UNIT_MS: Readonly<Record<DurationUnit, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// A decimal without sign or exponent, then one unit. Whitespace, signs, "5 minutes" and bare
// numbers are all rejected so that every duration in a config reads the same way.
const DURATION_RE = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d|w)$/;

/**
 * Parses a duration string into milliseconds. The one duration parser of slokit: SLI windows,
 * latency thresholds, risk times and CLI flags all go through it.
 *
 * @param input - e.g. `"300ms"`, `"1.5s"`, `"5m"`, `"28d"`, `"2w"`.
 * @param field - what the duration is for, named in the error (e.g. `latency.under`).
 * @throws SlokitDefinitionError `SLOKIT_E_DURATION` for anything else.
 * @example
 * parseDuration('1.5s'); // 1500
 */
export function parseDuration(input: unknown, field = 'duration'): number {
  if (typeof input !== 'string') {
    const hint =
      typeof input === 'number' && Number.isFinite(input) && input > 0
        ? ` (write the unit: "${input}ms" or "${input}s")`
        : '';
    throw new SlokitDefinitionError(
      'SLOKIT_E_DURATION',
      `${field}: expected a duration string such as "300ms", "1.5s", "5m", "28d"; got ${describeValue(input)}${hint}`,
    );
  }
  if (input === '0') return 0;
  const match = DURATION_RE.exec(input);
  if (match === null) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_DURATION',
      `${field}: expected a duration such as "300ms", "1.5s", "5m", "28d" (a non-negative number and one of the units ms, s, m, h, d, w, without spaces); got ${describeValue(input)}`,
    );
  }
  const product = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  // A decimal fraction is not exact in binary: 2.3 × 3,600,000 is 8279999.999999999 and 1.005 × 1000
  // is 1004.9999999999999. Rounding the product to 15 significant digits (what a double always holds
  // exactly) gives back the decimal value that was written. Whole numbers are left alone: their
  // product is already exact and may need all 16 digits.
  const ms = match[1]!.includes('.') ? Number(product.toPrecision(15)) : product;
  if (!Number.isFinite(ms)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_DURATION',
      `${field}: ${describeValue(input)} is too large to be a duration`,
    );
  }
  return ms;
}

// Units used when printing, largest first. Weeks are left out so that 28 days prints as "28d",
// the way SRE texts and Prometheus rule names spell it.
const FORMAT_UNITS: readonly (readonly [DurationUnit, number])[] = [
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
];

/**
 * Prints milliseconds as the shortest exact duration string in the largest unit that divides it:
 * `300000` → `"5m"`, `1500` → `"1500ms"`, `2419200000` → `"28d"`. The output is also a valid
 * Prometheus duration, and `parseDuration(formatDuration(ms)) === ms` for every whole,
 * non-negative number of milliseconds.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of FORMAT_UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Prints milliseconds for people: `250` → `"250 ms"`, `1500` → `"1.5 s"`, `5400000` → `"1.5 h"`.
 * Not parseable; for messages and tables only.
 */
export function humanizeDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${round(ms)} ms`;
  if (abs < UNIT_MS.m) return `${round(ms / UNIT_MS.s)} s`;
  if (abs < UNIT_MS.h) return `${round(ms / UNIT_MS.m)} min`;
  if (abs < UNIT_MS.d) return `${round(ms / UNIT_MS.h)} h`;
  return `${round(ms / UNIT_MS.d)} d`;
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
