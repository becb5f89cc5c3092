/**
 * The copy of a wide event that the reservoir keeps: capped, so that memory stays bounded whatever
 * the traffic and whatever the app adds to its events. Pure.
 */

import type { AttributeValue, Attributes } from '../sli/types.js';

/** What one kept event may hold. */
export interface SampleCaps {
  /** Most values kept: each scalar attribute counts one, an array one per element kept. */
  readonly maxValues: number;
  /** Most characters kept over all keys and string values together. */
  readonly maxChars: number;
}

export const DEFAULT_SAMPLE_CAPS: SampleCaps = Object.freeze({ maxValues: 32, maxChars: 2048 });

/**
 * A fresh, flat string of `s`'s first `n` characters. A string the app made by `slice` or `+` can
 * be a view into (or a tree over) a much larger one, which keeping it would keep alive; a JSON round
 * trip makes an independent copy. Only kept events pay for it.
 */
function ownPrefix(s: string, n: number): string {
  return JSON.parse(JSON.stringify(n < s.length ? s.slice(0, n) : s)) as string;
}

/** Most characters of a kept event's method and route. */
export const MAX_DIMENSION_CHARS = 256;

/** `s`, or a fresh copy of its first {@link MAX_DIMENSION_CHARS} characters. */
export function capDimension(s: string): string {
  return s.length <= MAX_DIMENSION_CHARS ? s : ownPrefix(s, MAX_DIMENSION_CHARS);
}

/**
 * Copies `attributes` within `caps`, in their order: once the values or characters run out, the
 * rest is left out (a string that does not fit whole is cut to what is left). Values and arrays
 * are fresh copies; with `flatten`, strings too, so nothing kept refers back to the request's own
 * objects or keeps a larger string alive.
 */
export function capAttributes(
  attributes: Attributes | undefined,
  caps: SampleCaps,
  /** Copy every string flat (for the sample); `false` copies only the ones cut, by `slice`. */
  flatten = true,
): Attributes {
  const copy = flatten ? ownPrefix : (s: string, n: number): string => (n < s.length ? s.slice(0, n) : s);
  const out: Record<string, AttributeValue> = {};
  if (attributes === undefined) return out;
  let values = caps.maxValues;
  let chars = caps.maxChars;
  for (const key in attributes) {
    if (values <= 0 || chars <= key.length) break;
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    if (value === undefined) continue;
    chars -= key.length;
    if (typeof value === 'string') {
      out[key] = copy(value, chars);
      chars -= Math.min(value.length, chars);
      values--;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      out[key] = value;
      values--;
    } else if (Array.isArray(value)) {
      const kept: (string | number | boolean)[] = [];
      for (const element of value as readonly (string | number | boolean)[]) {
        if (values <= 0) break;
        if (typeof element === 'string') {
          if (chars <= 0) break;
          kept.push(copy(element, chars));
          chars -= Math.min(element.length, chars);
        } else kept.push(element);
        values--;
      }
      out[key] = kept as AttributeValue;
      // Even an empty array costs a value, so the number of keys stays within maxValues.
      if (kept.length === 0) values--;
    }
  }
  return out;
}
