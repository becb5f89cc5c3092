// Two SLIs whose verdicts depend only on what addContext() recorded, for the tests of how the event
// in progress is found (test/context/).
import { defineSli } from 'slokit';
import type { WorkEvent } from 'slokit';

/** Good when `app.cache` is hit, bad when miss, not eligible when never set. */
export const cached = defineSli({
  name: 'cached',
  objective: 0.99,
  good: (e) =>
    e.attributes?.['app.cache'] === 'hit' ? true : e.attributes?.['app.cache'] === 'miss' ? false : null,
});

/** Tracked work: good when it recorded `app.rows` = 3, bad otherwise. */
export const job = defineSli<WorkEvent>({
  name: 'job',
  events: 'custom',
  objective: 0.99,
  good: (e) => e.attributes?.['app.rows'] === 3,
});
