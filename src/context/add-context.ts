import { warnOnce } from '../runtime/diag.js';
import type { AttributeValue } from '../sli/types.js';
import { currentEvent } from './store.js';

/**
 * Adds attributes to the wide event of the request (or job) in progress: they land on its span and
 * travel with its verdict. Callable anywhere in the request's async call tree (with
 * `createSlokit({ asyncContext: false })`, only before the handler's first `await`); outside a
 * request it does nothing and logs that once through `diag`. Values are strings, numbers, booleans
 * or arrays of one of these; `null` and `undefined` are skipped. Keys that look like secrets are
 * redacted, long values truncated and attributes beyond the limit dropped (and counted in
 * `slokit.dropped`), following the kit's options. Never throws.
 *
 * We suggest an `app.` prefix for your own keys.
 *
 * @example
 * addContext({ 'app.cart.items': cart.items.length, 'app.customer.tier': customer.tier });
 */
export function addContext(attributes: Readonly<Record<string, AttributeValue | null | undefined>>): void {
  const target = currentEvent();
  if (target === undefined) {
    warnOnce(
      'addContext.outside',
      "addContext() was called outside a request or tracked unit of work; the attributes were not recorded. Call it from code that runs inside a handler wrapped by slokit, or inside kit.track(); with createSlokit({ asyncContext: false }), only before the handler's first await.",
    );
    return;
  }
  try {
    target.addAttributes(attributes);
  } catch (error) {
    warnOnce('addContext.failed', `addContext() failed and was ignored: ${String(error)}`);
  }
}
