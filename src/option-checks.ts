import { describeValue } from './errors.js';

/** Throws the caller's coded error for one option: `(field, message) => never`. */
export type OptionFail = (field: string, message: string) => never;

/**
 * The small type checks every options object of slokit needs (`createSlokit`, `startTelemetry`),
 * bound to the caller's `fail`, so each reports its own error code and prefix.
 */
export function optionChecks(fail: OptionFail) {
  return {
    optionalObject: (value: unknown, field: string): Record<string, unknown> | undefined => {
      if (value === undefined) return undefined;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(field, `expected an object; got ${describeValue(value)}`);
      }
      return value as Record<string, unknown>;
    },
    boolean: (value: unknown, field: string): boolean => {
      if (typeof value !== 'boolean') fail(field, `expected true or false; got ${describeValue(value)}`);
      return value;
    },
    optionalBoolean: (value: unknown, field: string, fallback: boolean): boolean => {
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') fail(field, `expected true or false; got ${describeValue(value)}`);
      return value;
    },
    /** A whole number of at least `min` (1 unless given), or `fallback` when absent. */
    wholeNumber: (value: unknown, field: string, fallback: number, min = 1): number => {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
        fail(field, `expected a whole number of at least ${min}; got ${describeValue(value)}`);
      }
      return value;
    },
  };
}
