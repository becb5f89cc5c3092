/**
 * `slokit/vitest`: importing it registers `expect(sli).toClassifyAs(expected, event)`.
 *
 * @example
 * import 'slokit/vitest';
 * expect(checkout).toClassifyAs('bad/latency', httpEvent({ durationMs: 450 }));
 * expect(checkout).toClassifyAs('bad', httpEvent({ status: 503 }));
 * expect(checkout).not.toClassifyAs('good', httpEvent({ status: 503 }));
 */
import { expect } from 'vitest';
import { explainVerdict } from '../sli/classify.js';
import { isSli } from '../sli/define.js';
import type { BadReason, ClassifyOptions, Outcome, Sli, Verdict } from '../sli/types.js';
import { BAD_REASONS } from '../sli/verdicts.js';

/** What `toClassifyAs` expects: an outcome, or `bad/<reason>` to pin the reason too. */
export type ExpectedVerdict = Outcome | `bad/${BadReason}`;

/** The event type an SLI judges. */
export type EventOf<S> = S extends Sli<infer E> ? E : never;

declare module 'vitest' {
  // The type parameters must be exactly vitest's own for the declarations to merge.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface Matchers<T = any> {
    /**
     * Asserts the verdict of `event` against the SLI under test. `expected` is `'good'`,
     * `'ineligible'`, `'bad'` (any reason) or `'bad/<reason>'` (e.g. `'bad/latency'`).
     * The failure message explains the verdict, e.g.
     * `expected bad/latency, got good: 250 ms is under the 300 ms threshold`.
     */
    toClassifyAs(expected: ExpectedVerdict, event: EventOf<T>, options?: ClassifyOptions): void;
  }
}

const EXPECTED = new Set<string>(['good', 'bad', 'ineligible', ...BAD_REASONS.map((r) => `bad/${r}`)]);

function spell(verdict: Verdict): string {
  return verdict.outcome === 'bad' ? `bad/${verdict.reason}` : verdict.outcome;
}

expect.extend({
  toClassifyAs(received: unknown, expected: unknown, event: unknown, options?: ClassifyOptions) {
    if (!isSli(received)) {
      throw new TypeError(
        `toClassifyAs: expect() must be given an SLI made by defineSli(); got ${typeof received}`,
      );
    }
    if (typeof expected !== 'string' || !EXPECTED.has(expected)) {
      throw new TypeError(
        `toClassifyAs: expected must be one of ${[...EXPECTED].join(', ')}; got ${JSON.stringify(expected)}`,
      );
    }
    const { verdict, detail } = explainVerdict(received, event, options);
    const actual = spell(verdict);
    const pass = expected.includes('/') ? actual === expected : verdict.outcome === expected;
    const sli = received.name;
    return {
      pass,
      message: () =>
        pass
          ? `expected SLI "${sli}" not to classify the event as ${expected}, but it did: ${detail}`
          : `expected SLI "${sli}" to classify the event as ${expected}, got ${actual}: ${detail}`,
      actual,
      expected,
    };
  },
});
