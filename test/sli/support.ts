import { SlokitError } from 'slokit';

/**
 * Runs `fn` and returns the `SlokitError` it throws, so a test can assert its code and message
 * exactly. Fails when `fn` throws something else or nothing at all.
 */
export function thrown(fn: () => unknown): SlokitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SlokitError) return error;
    throw error;
  }
  throw new Error('expected a SlokitError, but nothing was thrown');
}
