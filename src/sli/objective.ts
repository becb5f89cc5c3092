import { SlokitDefinitionError, describeValue } from '../errors.js';

const PERCENT_RE = /^(\d+(?:\.\d+)?)%$/;

/**
 * The lowest objective slokit takes: 50%. An SLO promises that most eligible events are good; below
 * half, the value is almost surely a slip (`"0.999%"` for 99.9%, or an error budget such as `0.001`
 * written where the objective belongs), and none of the page tiers of the burn-rate alerts could
 * fire anyway (they need 93.1% or more over 30 days).
 */
export const MIN_OBJECTIVE = 0.5;

/**
 * Parses an objective: a fraction in [0.5, 1) or a percentage string such as `"99.9%"`. Slips get
 * a "did you mean" hint: `99.9` as a number (`0.999` or `"99.9%"`), `"0.999%"` (`"99.9%"`) and
 * objectives under 50% such as `0.001` (`0.999`, if it was the error budget).
 *
 * @param field - named in the error, e.g. `SLI "checkout": objective`.
 * @throws SlokitDefinitionError `SLOKIT_E_OBJECTIVE`
 */
export function parseObjective(input: unknown, field = 'objective'): number {
  let value: number;
  let percent: number | undefined;
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
    percent = Number(PERCENT_RE.exec(input.trim())![1]);
    value = toFraction(percent);
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
  if (value < MIN_OBJECTIVE) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OBJECTIVE',
      `${field}: expected an objective of at least 50% (the share of eligible events that are good); got ${percent === undefined ? `${value} (${formatObjective(value)})` : JSON.stringify(input)}.${didYouMean(value, percent)}`,
    );
  }
  return value;
}

/**
 * The likely intent behind an objective under 50%: a fraction written with a percent sign
 * (`"0.999%"` → `"99.9%"`), else, for 10% and less, the error budget written where the objective
 * belongs (`0.001` → `0.999`). Between 10% and 50% there is no good guess.
 */
function didYouMean(value: number, percent: number | undefined): string {
  if (percent !== undefined && percent < 1 && percent * 100 >= MIN_OBJECTIVE * 100) {
    return ` Did you mean "${formatObjective(percent)}"?`;
  }
  if (value > 0.1) return '';
  const complement = Number((1 - value).toPrecision(12));
  return percent === undefined
    ? ` Did you mean ${complement} (${formatObjective(complement)}), if ${value} is the error budget?`
    : ` Did you mean "${formatObjective(complement)}", if ${formatObjective(value)} is the error budget?`;
}

/** `99.9` → `0.999` without binary noise (99.9 / 100 is 0.9990000000000001 in floating point). */
function toFraction(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

/** Prints an objective as a percentage: `0.999` → `"99.9%"`. */
export function formatObjective(objective: number): string {
  return `${Number((objective * 100).toPrecision(12))}%`;
}
