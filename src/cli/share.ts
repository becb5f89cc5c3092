import { CliUsageError } from './io.js';

/**
 * A share of an error budget given on the command line as a percentage, `25%` or `12.5%`, from 0% to
 * 100%. A bare number is refused: `25` and `0.25` would each be read the other way by someone.
 */
export function parseShareFlag(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  const value = match === null ? Number.NaN : Number(match[1]) / 100;
  if (!(value >= 0 && value <= 1)) {
    throw new CliUsageError(
      `${flag}: expected a percentage of the error budget from 0% to 100%, e.g. 25%; got "${text}"`,
    );
  }
  return value;
}
