/**
 * Numbers and durations for people: the SLO document, alert annotations and the CLI's tables. Pure
 * and locale-free (thousands are always separated with ",", decimals with "."), so that the output
 * is the same on every machine and golden files stay stable.
 *
 * Derived figures (burn-rate factors, error ratios, detection times) are rounded to three
 * significant digits: 13.44 reads 13.4, 0.9333 reads 0.933. Figures the user wrote (objectives,
 * windows, thresholds) are never rounded: 99.95% must not read 100%.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A number rounded to `digits` significant digits, printed without an exponent or binary noise.
 *
 * @example
 * rounded(13.44); // '13.4'
 * rounded(0.933333); // '0.933'
 * rounded(2_419.2); // '2420'
 */
export function rounded(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return plain(Number(value.toPrecision(digits)));
}

/** A fraction as a rounded percentage: `0.01344` → `'1.34%'`. */
export function roundedPercent(fraction: number, digits = 3): string {
  return `${rounded(fraction * 100, digits)}%`;
}

/**
 * A fraction as an exact percentage, for figures the user wrote: `0.999` → `'99.9%'`,
 * `0.9995` → `'99.95%'`. Twelve significant digits drop the binary noise of `1 − 0.999`.
 */
export function exactPercent(fraction: number): string {
  return `${plain(Number((fraction * 100).toPrecision(12)))}%`;
}

/**
 * A count with thousands separators; fractional counts are rounded to three significant digits
 * first (`40.32` → `'40.3'`), whole ones are kept exact (`432000` → `'432,000'`).
 */
export function count(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = Number.isInteger(value) ? String(value) : rounded(value);
  const [whole, fraction] = text.split('.') as [string, string | undefined];
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign === '' ? whole : whole.slice(1);
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Prints a finite number in plain decimal notation (String() switches to exponents below 1e-6). */
function plain(value: number): string {
  const text = String(value);
  if (!text.includes('e')) return text;
  return value.toFixed(20).replace(/\.?0+$/, '');
}

const UNITS: readonly (readonly [number, string])[] = [
  [DAY, 'day'],
  [HOUR, 'hour'],
  [MINUTE, 'minute'],
  [SECOND, 'second'],
];

/**
 * A window as written, in words: `28d` → `'28 days'`, `1h` → `'1 hour'`, `90m` → `'90 minutes'`.
 * Exact: the largest unit that divides the window.
 */
export function windowWords(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms % size === 0) return plural(ms / size, unit);
  }
  return plural(ms, 'millisecond');
}

/** `'the last hour'`, `'the last 5 minutes'`, `'the last 3 days'`. */
export function lastWindow(ms: number): string {
  const words = windowWords(ms);
  return words.startsWith('1 ') ? `the last ${words.slice(2)}` : `the last ${words}`;
}

/** The window as an adjective: `28d` → `'28-day'`, `1h` → `'1-hour'`. */
export function windowAdjective(ms: number): string {
  const [n, unit] = windowWords(ms).split(' ') as [string, string];
  return `${n}-${unit.replace(/s$/, '')}`;
}

/**
 * A computed duration in words, three significant digits, in the unit people would say:
 * seconds below a minute, minutes below an hour, hours below two days, then days.
 *
 * @example
 * durationWords(48_384); // '48.4 seconds'
 * durationWords(12_096_000); // '3.36 hours'
 */
export function durationWords(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return plural(Number((ms / SECOND).toPrecision(3)), 'second');
  if (abs < HOUR) return plural(Number((ms / MINUTE).toPrecision(3)), 'minute');
  if (abs < 2 * DAY) return plural(Number((ms / HOUR).toPrecision(3)), 'hour');
  return plural(Number((ms / DAY).toPrecision(3)), 'day');
}

function plural(n: number, unit: string): string {
  return `${plain(n)} ${n === 1 ? unit : `${unit}s`}`;
}

/**
 * The error budget as a share of events people can picture: `0.001` → `'1 in 1,000'`,
 * `0.003` → `'3 in 1,000'`, `0.0025` → `'1 in 400'`. Undefined when no power of ten up to a billion
 * expresses it in whole events.
 */
export function oneIn(budget: number): string | undefined {
  const inverse = 1 / budget;
  if (Math.abs(inverse - Math.round(inverse)) < 1e-9 * inverse) return `1 in ${count(Math.round(inverse))}`;
  for (let per = 10; per <= 1e9; per *= 10) {
    const k = budget * per;
    if (k >= 1 && Math.abs(k - Math.round(k)) < 1e-9 * k) return `${count(Math.round(k))} in ${count(per)}`;
  }
  return undefined;
}
