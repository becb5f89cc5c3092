/**
 * Small PromQL and number-printing helpers shared by the rule generators. Pure: strings in,
 * strings out.
 */

/** A Prometheus label name (https://prometheus.io/docs/concepts/data_model/). */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Quotes a label value as a PromQL double-quoted string. PromQL strings follow Go's escaping rules
 * (https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals), so backslash,
 * double quote and line breaks are escaped.
 */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** `metric{a="1",b="2"}` from a metric name and equality matchers, in the order given. */
export function selector(metric: string, matchers: readonly (readonly [string, string])[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map(([name, value]) => `${name}=${quoteLabelValue(value)}`).join(',')}}`;
}

/**
 * Prints a computed number without binary noise: 0.02 × 28 d / 1 h is 13.440000000000001 in floating
 * point and 1 − 0.999 is 0.0010000000000000009; twelve significant digits print them as 13.44 and
 * 0.001, far more precision than any objective or burn rate needs.
 */
export function printNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** A number for people: at most three decimals, `13.44`, `5.6`, `0.933`. */
export function printFactor(value: number): string {
  return String(Number(value.toFixed(3)));
}

/**
 * A derived fraction as a percentage for people, to four significant digits: the error ratio a
 * tier needs at 28 days, 0.000933…, is `"0.09333%"`, not `"0.0933333333333%"`, while 13.44 × 0.1%
 * stays `"1.344%"`. Objectives and budget shares, which people wrote, go through
 * {@link printPercent} and stay exact.
 */
export function printRoundedPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(4))}%`;
}

/** A fraction as a percentage: `0.02` → `"2%"`, `0.999` → `"99.9%"`. */
export function printPercent(fraction: number): string {
  return `${printNumber(fraction * 100)}%`;
}

/** A fraction as a percentage number, for formats that take `99.9` for 99.9% (Sloth, Pyrra). */
export function percentNumber(fraction: number): number {
  return Number((fraction * 100).toPrecision(12));
}
