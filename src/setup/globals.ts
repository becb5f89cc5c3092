import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  context,
  createContextKey,
  createNoopMeter,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { VERSION } from '../version.js';

// What the OTel API already has registered. Each check uses only the public API, and works when the
// app registered through another copy of @opentelemetry/api (the registrations live on globalThis).

/** Whether an SDK tracer provider is registered globally. */
export function hasGlobalTracerProvider(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  // A fresh proxy's delegate is the API's own no-op provider.
  return delegate !== new ProxyTracerProvider().getDelegate();
}

/** Whether an SDK meter provider is registered globally (the no-op one hands out the no-op meter). */
export function hasGlobalMeterProvider(): boolean {
  // slokit's own meter, which the kits ask for anyway, so probing adds no scope to an SDK's output.
  return metrics.getMeterProvider().getMeter('slokit', VERSION) !== createNoopMeter();
}

const PROBE = createContextKey('slokit.probe');

/** Whether a context manager is registered: the no-op one does not carry a context into `with()`. */
export function hasGlobalContextManager(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/** Whether a propagator is registered: the no-op one injects no fields. */
export function hasGlobalPropagator(): boolean {
  return propagation.fields().length > 0;
}

/** What {@link registerContext} registered, to undo it at shutdown. */
export interface ContextRegistration {
  readonly contextManager: boolean;
  readonly propagator: boolean;
}

/**
 * Registers the AsyncLocalStorage context manager (so the active span follows async calls) and W3C
 * trace-context + baggage propagation, each only where none is registered.
 */
export function registerContext(): ContextRegistration {
  let contextManager = false;
  if (!hasGlobalContextManager()) {
    const manager = new AsyncLocalStorageContextManager().enable();
    contextManager = context.setGlobalContextManager(manager);
    if (!contextManager) manager.disable();
  }
  let propagator = false;
  if (!hasGlobalPropagator()) {
    propagator = propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
  }
  return { contextManager, propagator };
}

/** Undoes what {@link registerContext} registered. */
export function unregisterContext(registration: ContextRegistration): void {
  if (registration.contextManager) context.disable();
  if (registration.propagator) propagation.disable();
}
