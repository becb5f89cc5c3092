import type { BadReason, Verdict } from './types.js';

// Verdicts are shared frozen constants: judging an event allocates nothing, and sinks can key
// caches (attribute sets, counter cells) on the verdict object itself.

export const GOOD: Verdict = Object.freeze({ outcome: 'good' });
export const INELIGIBLE: Verdict = Object.freeze({ outcome: 'ineligible' });
export const BAD: Readonly<Record<BadReason, Verdict>> = Object.freeze({
  latency: Object.freeze({ outcome: 'bad', reason: 'latency' }),
  status: Object.freeze({ outcome: 'bad', reason: 'status' }),
  error: Object.freeze({ outcome: 'bad', reason: 'error' }),
  aborted: Object.freeze({ outcome: 'bad', reason: 'aborted' }),
  custom: Object.freeze({ outcome: 'bad', reason: 'custom' }),
});

/** Every bad reason, in precedence order (the first that applies wins for threshold SLIs). */
export const BAD_REASONS: readonly BadReason[] = Object.freeze([
  'error',
  'status',
  'aborted',
  'latency',
  'custom',
]);
