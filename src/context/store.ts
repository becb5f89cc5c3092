import { AsyncLocalStorage } from 'node:async_hooks';
import { context, createContextKey } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

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

/** Whether an OpenTelemetry context manager is registered (an SDK, or the app's own). */
function contextManagerRegistered(): boolean {
  const api = (globalThis as Record<symbol, { context?: unknown } | undefined>)[OTEL_API];
  return api?.context !== undefined;
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
  if (!asyncContext && !contextManagerRegistered()) {
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
  // No manager: no OTel context can be active either, so only slokit's store has work to do.
  if (!contextManagerRegistered()) return eventStore.run(target, fn);
  const withEvent = (otelContext ?? context.active()).setValue(EVENT_KEY, target);
  return context.with(withEvent, () => (context.active() === withEvent ? fn() : eventStore.run(target, fn)));
}

/** The event in progress, wherever it rides; `undefined` outside one. */
export function currentEvent(): ContextTarget | undefined {
  return (
    syncSlot.event ??
    (context.active().getValue(EVENT_KEY) as ContextTarget | undefined) ??
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
