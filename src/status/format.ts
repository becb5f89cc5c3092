/**
 * How the page writes numbers and times. Deterministic (no locale, no time zone but UTC), so the
 * page reads the same on every server and a test can compute what it must say. The exact values
 * ride along in `<data value>` and `<time datetime>` elements.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** `0.98765` → `'98.77%'` (`digits` decimals, trailing zeros kept); `null` → `'–'`. */
export function formatPercent(ratio: number | null, digits = 2): string {
  if (ratio === null || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(digits)}%`;
}

/**
 * A compliance or objective-like ratio with enough decimals to tell it from the objective:
 * 3 decimals (`99.870%`), more while it would round to 100% but is not 100% (up to 6).
 */
export function formatCompliance(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '–';
  let digits = 3;
  while (digits < 6 && ratio < 1 && (ratio * 100).toFixed(digits) === (100).toFixed(digits)) digits++;
  return formatPercent(ratio, digits);
}

/** A burn rate: `15.2×`, `0.93×`, `0×`; `null` (no events) → `'–'`. */
export function formatBurnRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '–';
  if (rate === 0) return '0×';
  if (rate >= 100) return `${Math.round(rate)}×`;
  if (rate >= 10) return `${rate.toFixed(1)}×`;
  return `${rate.toFixed(2)}×`;
}

/** An alert threshold (a tier's factor): two decimals at most, trailing zeros dropped: `13.44×`, `5.6×`, `0.93×`. */
export function formatFactor(factor: number | null): string {
  if (factor === null || !Number.isFinite(factor)) return '–';
  return `${Number(factor.toFixed(2))}×`;
}

/** A count of events: `12,345`; a fractional (synthetic) count keeps two decimals: `12.50`. */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return String(count);
  const [whole, fraction] = Math.abs(count)
    .toFixed(Number.isInteger(count) ? 0 : 2)
    .split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${count < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** A request duration: `12 ms`, `1.25 s`, `2.5 min`. */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < MINUTE) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / MINUTE).toFixed(1)} min`;
}

/** A span of time for people, two units at most: `45 s`, `12 min`, `3 h 12 min`, `2 d 4 h`. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${Math.round(abs / 1000)} s`;
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < DAY) {
    const h = Math.floor(abs / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** Time to exhaustion: `'spent'` at 0, `'not burning'` for `null`, else a span. */
export function formatExhaustion(ms: number | null): string {
  if (ms === null) return 'not burning';
  if (ms <= 0) return 'spent';
  return formatSpan(ms);
}

/**
 * A moment in UTC: `02:13:05 UTC` when it is on the same UTC day as `reference`, else
 * `2025-01-01 02:13 UTC`.
 */
export function formatTime(ms: number, reference: number): string {
  if (!Number.isFinite(ms)) return '–';
  const iso = new Date(ms).toISOString();
  const sameDay =
    Number.isFinite(reference) && new Date(reference).toISOString().slice(0, 10) === iso.slice(0, 10);
  return sameDay ? `${iso.slice(11, 19)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The ISO form for `<time datetime>`. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}
