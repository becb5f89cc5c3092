import { AsyncLocalStorage } from 'node:async_hooks';

/** What `addContext` writes to: the attribute sink of the event in progress. */
export interface ContextTarget {
  addAttributes(attributes: Readonly<Record<string, unknown>>): void;
}

/**
 * The store that carries the event in progress through the request's async call tree. slokit has
 * its own AsyncLocalStorage (rather than the OTel context) so `addContext` works before or
 * without any OTel SDK. One instance per process, shared by the ESM and CJS builds.
 */
export const eventStore: AsyncLocalStorage<ContextTarget> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('slokit.context.store')
] ??= new AsyncLocalStorage<ContextTarget>()) as AsyncLocalStorage<ContextTarget>;
