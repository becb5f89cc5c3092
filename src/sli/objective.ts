import { SlokitDefinitionError, describeValue } from '../errors.js';

const PERCENT_RE = /^(\d+(?:\.\d+)?)%$/;

/**
 * Parses an objective: a fraction in (0, 1) or a percentage string such as `"99.9%"`.
 * `99.9` given as a number is rejected with a hint, since `0.999` or `"99.9%"` was meant.
 *
 * @param field - named in the error, e.g. `SLI "checkout": objective`.
 * @throws SlokitDefinitionError `SLOKIT_E_OBJECTIVE`
 */
export function parseObjective(input: unknown, field = 'objective'): number {
  let value: number;
  if (typeof input === 'number') {
    value = input;
    if (Number.isFinite(value) && value > 1 && value < 100) {
      const fraction = toFraction(value);
      throw new SlokitDefinitionError(
        'SLOKIT_E_OBJECTIVE',
        `${field}: expected a fraction between 0 and 1 or a percentage string; got the number ${value}. Did you mean ${fraction} or "${value}%"?`,
      );
    }
  } else if (typeof input === 'string' && PERCENT_RE.test(input.trim())) {
    value = toFraction(Number(PERCENT_RE.exec(input.trim())![1]));
  } else {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OBJECTIVE',
      `${field}: expected a fraction between 0 and 1 (0.999) or a percentage string ("99.9%"); got ${describeValue(input)}`,
    );
  }
  if (!(value > 0 && value < 1)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OBJECTIVE',
      `${field}: expected an objective strictly between 0 and 1 (0% and 100%: a 100% objective leaves no error budget); got ${describeValue(input)}`,
    );
  }
  return value;
}

/** `99.9` → `0.999` without binary noise (99.9 / 100 is 0.9990000000000001 in floating point). */
function toFraction(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

/** Prints an objective as a percentage: `0.999` → `"99.9%"`. */
export function formatObjective(objective: number): string {
  return `${Number((objective * 100).toPrecision(12))}%`;
}
