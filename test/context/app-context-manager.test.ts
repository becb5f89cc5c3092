// Counters only (`spans: false`) in an app that registered its own OpenTelemetry context manager: the
// event rides in the app's OTel context, so the process runs one AsyncLocalStorage, not two.
import { context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import { wrapHandler } from 'slokit/node';
import { serveAndGet } from '../helpers/http.js';
import { eventStore } from '../../src/context/store.js';

const manager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  expect(context.setGlobalContextManager(manager.enable())).toBe(true);
});
afterAll(() => {
  context.disable();
});

describe('counters only under the app’s context manager', () => {
  it('carries the event in the OTel context, not in slokit’s own store', async () => {
    const cached = defineSli({
      name: 'cached',
      objective: 0.99,
      good: (e) =>
        e.attributes?.['app.cache'] === 'hit' ? true : e.attributes?.['app.cache'] === 'miss' ? false : null,
    });
    const kit = createSlokit({ slis: [cached], spans: false });
    const seen: string[] = [];
    await serveAndGet(
      wrapHandler(kit, async (req, res) => {
        await new Promise((r) => setTimeout(r, 2));
        const inOtel = context.active().getValue(createContextKey('slokit.event')) !== undefined;
        seen.push(`${String(inOtel)} ${String(eventStore.getStore() !== undefined)}`);
        addContext({ 'app.cache': req.url === '/hit' ? 'hit' : 'miss' });
        res.end('ok');
      }),
      ['/hit', '/miss', '/hit'],
    );
    // In the OTel context, and slokit's own store never entered.
    expect(seen).toEqual(['true false', 'true false', 'true false']);
    const [status] = kit.status().slis;
    expect([status?.good, status?.bad]).toEqual([2, 1]);
    await kit.shutdown();
  });
});
