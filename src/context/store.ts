import { AsyncLocalStorage } from 'node:async_hooks';
import { context, createContextKey } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';

/** What `addContext` writes to: the attribute sink of the event in progress. */
export interface ContextTarget {
  addAttributes(attributes: Readonly<Record<string, unknown>>): void;
  /**
   * Takes the event out of every SLI: it is not judged, not counted and its span carries no
   * verdict. For the requests slokit's own handlers answer (metrics, the status page).
   */
  exclude(): void;
}

/**
 * slokit's own store for the event in progress, used when no OpenTelemetry context manager is
 * registered (no SDK yet, or `spans: false`), so `addContext` works before or without any SDK. One
 * instance per process, shared by the ESM and CJS builds.
 */
export const eventStore: AsyncLocalStorage<ContextTarget> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('slokit.context.store')
] ??= new AsyncLocalStorage<ContextTarget>()) as AsyncLocalStorage<ContextTarget>;

/**
 * The event of the synchronous stretch of code running now, for kits made with `asyncContext: false`
 * while no OpenTelemetry context manager is registered: set around the handler slokit calls and
 * restored when it returns, so it never outlives the stretch. One slot per process, shared by the
 * ESM and CJS builds.
 */
const syncSlot: { event: ContextTarget | undefined } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('slokit.context.sync')
] ??= { event: undefined }) as { event: ContextTarget | undefined };

/** Where the event in progress rides in an OTel context (`createContextKey` is `Symbol.for`). */
export const EVENT_KEY: symbol = createContextKey('slokit.event');

// Where @opentelemetry/api keeps what an SDK registered (a `Symbol.for` key on the global, shared by
// every copy of the API of major version 1): reading it tells whether a context manager is there
// without making a context to find out.
const OTEL_API = Symbol.for('opentelemetry.js.api.1');

/** The registered OpenTelemetry context manager (an SDK's, or the app's own), if any. */
function registeredManager(): ContextManager | undefined {
  return (globalThis as Record<symbol, { context?: ContextManager } | undefined>)[OTEL_API]?.context;
}

// The manager last seen carrying a context from the API's `with()` into its `active()`. The API
// hands out the manager of that same registry on every call, after a version check of its own (a
// set lookup each time); once this one has proved to be the manager the API uses, slokit calls it
// directly. Another manager registered later is a different object, and is checked the same way.
let carrying: ContextManager | undefined;

/** The active OpenTelemetry context, as `context.active()` returns it, in fewer steps. */
export function activeContext(): Context {
  const manager = registeredManager();
  return manager !== undefined && manager === carrying ? manager.active() : context.active();
}

/**
 * Runs `fn` with `target` as the event in progress and `otelContext` (the event's span) active.
 * When an OpenTelemetry context manager is registered, the event rides in the OTel context itself,
 * with or without a span of its own, so one AsyncLocalStorage carries both (each live store costs
 * something on every async resource Node creates); otherwise slokit's own store carries it, or, when
 * `asyncContext` is false, the synchronous slot, which costs nothing outside the call and reaches
 * only the code `fn` runs before its first `await`. Whether the manager is there is checked on every
 * call, so nothing goes stale if an SDK is registered or removed later.
 */
export function runWithEvent<T>(
  target: ContextTarget,
  otelContext: Context | undefined,
  fn: () => T,
  asyncContext = true,
): T {
  // Inside a synchronous stretch, the event of that stretch is set aside while `fn` runs: the slot
  // is read first, so it must hold only the innermost event.
  const outer = syncSlot.event;
  if (!asyncContext && registeredManager() === undefined) {
    syncSlot.event = target;
    try {
      return fn();
    } finally {
      syncSlot.event = outer;
    }
  }
  if (outer === undefined) return runCarried(target, otelContext, fn);
  syncSlot.event = undefined;
  try {
    return runCarried(target, otelContext, fn);
  } finally {
    syncSlot.event = outer;
  }
}

/** Runs `fn` with `target` carried across `await`s: in the OTel context if it can, else in slokit's store. */
function runCarried<T>(target: ContextTarget, otelContext: Context | undefined, fn: () => T): T {
  const manager = registeredManager();
  // No manager: no OTel context can be active either, so only slokit's store has work to do.
  if (manager === undefined) return eventStore.run(target, fn);
  if (manager === carrying) {
    return manager.with((otelContext ?? manager.active()).setValue(EVENT_KEY, target), fn);
  }
  // A manager not seen at work yet: the API may refuse it (a registry written by an API version it
  // is not compatible with) or it may carry nothing (a no-op manager). If the context did not arrive, slokit's store carries the
  // event; if it did, the manager is used directly from now on.
  const withEvent = (otelContext ?? context.active()).setValue(EVENT_KEY, target);
  return context.with(withEvent, () => {
    if (context.active() !== withEvent) return eventStore.run(target, fn);
    carrying = manager;
    return fn();
  });
}

/** The event in progress, wherever it rides; `undefined` outside one. */
export function currentEvent(): ContextTarget | undefined {
  return (
    syncSlot.event ??
    (activeContext().getValue(EVENT_KEY) as ContextTarget | undefined) ??
    eventStore.getStore()
  );
}

/**
 * Marks the request in progress (if any) as one that no SLI judges: slokit's own handlers
 * (`metricsHandler`, the status page) call it, so a Prometheus scrape or a look at the status page
 * never counts as a good event of the service. Never throws.
 */
export function excludeCurrentEvent(): void {
  try {
    currentEvent()?.exclude();
  } catch {
    // Nothing on the request path may throw because of slokit.
  }
}
