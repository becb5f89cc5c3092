// Counters only (`spans: false`) in an app that registered its own OpenTelemetry context manager: the
// event rides in the app's OTel context, so the process runs one AsyncLocalStorage, not two.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContext, createSlokit, defineSli } from 'slokit';
import { wrapHandler } from 'slokit/node';
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
    const server = http.createServer(
      wrapHandler(kit, async (req, res) => {
        await new Promise((r) => setTimeout(r, 2));
        const inOtel = context.active().getValue(createContextKey('slokit.event')) !== undefined;
        seen.push(`${String(inOtel)} ${String(eventStore.getStore() !== undefined)}`);
        addContext({ 'app.cache': req.url === '/hit' ? 'hit' : 'miss' });
        res.end('ok');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    for (const path of ['/hit', '/miss', '/hit']) {
      await new Promise<void>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path, agent: false }, (res) => res.resume().on('end', resolve))
          .on('error', reject),
      );
    }
    await new Promise((r) => setTimeout(r, 20));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    // In the OTel context, and slokit's own store never entered.
    expect(seen).toEqual(['true false', 'true false', 'true false']);
    const [status] = kit.status().slis;
    expect([status?.good, status?.bad]).toEqual([2, 1]);
    await kit.shutdown();
  });
});
