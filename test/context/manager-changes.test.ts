// The context manager an app registers can carry nothing (a no-op manager), or be replaced while the
// process runs. slokit calls a manager directly only once it has seen that manager carry a context
// through the API; each request must find its event whichever manager is registered at the time.
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { addContext, createSlokit } from 'slokit';
import { wrapHandler } from 'slokit/node';
import { EVENT_KEY, eventStore } from '../../src/context/store.js';
import { cached } from '../helpers/context-slis.js';
import { serveAndGet } from '../helpers/http.js';

/** A manager that carries nothing: `with()` only calls the function. */
class CarriesNothing implements ContextManager {
  active(): Context {
    return ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    _context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return fn.call(thisArg, ...args);
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

afterEach(() => {
  context.disable();
});

/** Serves three requests that add context after an `await`; returns where each found its event. */
async function serveThree(kit: ReturnType<typeof createSlokit>): Promise<string[]> {
  const seen: string[] = [];
  await serveAndGet(
    wrapHandler(kit, async (req, res) => {
      await new Promise((r) => setTimeout(r, 2));
      const inOtel = context.active().getValue(EVENT_KEY) !== undefined;
      seen.push(`${inOtel ? 'otel' : '-'} ${eventStore.getStore() !== undefined ? 'store' : '-'}`);
      addContext({ 'app.cache': req.url === '/hit' ? 'hit' : 'miss' });
      res.end('ok');
    }),
    ['/hit', '/miss', '/hit'],
  );
  return seen;
}

describe('the registered context manager', () => {
  it('falls back to slokit’s own store on every request under a manager that carries nothing', async () => {
    expect(context.setGlobalContextManager(new CarriesNothing())).toBe(true);
    const kit = createSlokit({ slis: [cached], spans: false });
    expect(await serveThree(kit)).toEqual(['- store', '- store', '- store']);
    const [status] = kit.status().slis;
    expect([status?.good, status?.bad]).toEqual([2, 1]);
    await kit.shutdown();
  });

  it('follows the manager when the app replaces it, and when it unregisters it', async () => {
    const kit = createSlokit({ slis: [cached], spans: false });
    const first = new AsyncLocalStorageContextManager().enable();
    expect(context.setGlobalContextManager(first)).toBe(true);
    expect(await serveThree(kit)).toEqual(['otel -', 'otel -', 'otel -']);

    // Replaced by a manager that carries nothing: the first one is no longer asked.
    context.disable();
    expect(context.setGlobalContextManager(new CarriesNothing())).toBe(true);
    expect(await serveThree(kit)).toEqual(['- store', '- store', '- store']);

    // A second working manager: events ride in its contexts.
    context.disable();
    const second = new AsyncLocalStorageContextManager().enable();
    expect(context.setGlobalContextManager(second)).toBe(true);
    expect(await serveThree(kit)).toEqual(['otel -', 'otel -', 'otel -']);

    // None at all.
    context.disable();
    expect(await serveThree(kit)).toEqual(['- store', '- store', '- store']);

    const [status] = kit.status().slis;
    expect([status?.good, status?.bad]).toEqual([8, 4]);
    await kit.shutdown();
  });
});
