// createSlokit({ asyncContext: false }) with no OpenTelemetry SDK: slokit starts no AsyncLocalStorage,
// and addContext() reaches the event only from code that runs synchronously inside the handler (or
// the middleware after slokit's, or the work of kit.track()) before its first await. Later calls
// are not recorded and logged once; nesting keeps each event's attributes its own.
import type { AddressInfo } from 'node:net';
import { context, ROOT_CONTEXT, createContextKey } from '@opentelemetry/api';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { addContext, createSlokit } from 'slokit';
import type { Slokit } from 'slokit';
import { slokitExpress } from 'slokit/express';
import { slokitFastify } from 'slokit/fastify';
import { wrapHandler } from 'slokit/node';
import { eventStore } from '../../src/context/store.js';
import { cached, job } from '../helpers/context-slis.js';
import { captureDiag } from '../helpers/diag.js';
import { serveAndGet } from '../helpers/http.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

function counts(kit: Slokit): string[] {
  return kit.status().slis.map((s) => `${s.name}: ${s.good} good, ${s.bad} bad`);
}

function wideOf(kit: Slokit, sli: string): Record<string, unknown>[] {
  return [...kit.recentEvents(sli, { outcome: 'good' }), ...kit.recentEvents(sli, { outcome: 'bad' })].map(
    (e) => Object.fromEntries(Object.entries(e.attributes ?? {}).filter(([k]) => k.startsWith('app.'))),
  );
}

describe('asyncContext: false, no OTel SDK', () => {
  it('needs no context manager in this file', () => {
    const probe = createContextKey('probe');
    expect(
      context.with(ROOT_CONTEXT.setValue(probe, 1), () => context.active().getValue(probe)),
    ).toBeUndefined();
  });

  it('records what the handler adds before its first await, and only that, on node:http', async () => {
    const lines = captureDiag();
    const kit = createSlokit({ slis: [cached], asyncContext: false, spans: false });
    await serveAndGet(
      wrapHandler(kit, async (req, res) => {
        if (req.url === '/late') {
          await tick();
          addContext({ 'app.cache': 'hit' });
        } else {
          addContext({ 'app.cache': req.url === '/hit' ? 'hit' : 'miss' });
          await tick();
        }
        res.end('ok');
      }),
      ['/hit', '/miss', '/hit', '/late', '/late'],
    );
    // The two late requests are not eligible: their 'hit' came after the await and was not recorded.
    expect(counts(kit)).toEqual(['cached: 2 good, 1 bad']);
    // The calls after the await found no event: logged once, naming the option.
    const missed = lines.filter((l) => l.includes('addContext() was called outside a request'));
    expect(missed).toHaveLength(1);
    expect(missed[0]).toContain('asyncContext: false');
    // No AsyncLocalStorage was started for it (Node 20 enables one at its first run()).
    expect((eventStore as unknown as { enabled: boolean }).enabled).toBe(false);
    await kit.shutdown();
  });

  it('reaches the middleware after slokit’s and the handler on Express', async () => {
    const kit = createSlokit({ slis: [cached], asyncContext: false, spans: false });
    const app = express();
    app.use(slokitExpress(kit));
    app.use((_req, _res, next) => {
      addContext({ 'app.tier': 'gold' });
      next();
    });
    const api = express.Router();
    api.get('/items/:id', async (req, res) => {
      addContext({ 'app.cache': req.params.id === '1' ? 'hit' : 'miss' });
      await tick();
      addContext({ 'app.after': true });
      res.send('ok');
    });
    app.use('/api', api);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    for (const id of ['1', '2', '1']) await (await fetch(`http://127.0.0.1:${port}/api/items/${id}`)).text();
    await tick();
    server.close();
    expect(counts(kit)).toEqual(['cached: 2 good, 1 bad']);
    expect(wideOf(kit, 'cached')).toEqual([
      { 'app.tier': 'gold', 'app.cache': 'hit' },
      { 'app.tier': 'gold', 'app.cache': 'hit' },
      { 'app.tier': 'gold', 'app.cache': 'miss' },
    ]);
    await kit.shutdown();
  });

  it('reaches the route handler on Fastify', async () => {
    const kit = createSlokit({ slis: [cached], asyncContext: false, spans: false });
    const app = Fastify();
    await app.register(slokitFastify, { kit });
    app.get<{ Params: { id: string } }>('/items/:id', async (request) => {
      addContext({ 'app.cache': request.params.id === '1' ? 'hit' : 'miss' });
      await tick();
      addContext({ 'app.after': true });
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    for (const id of ['1', '1', '2']) await (await fetch(`http://127.0.0.1:${port}/items/${id}`)).text();
    await tick();
    await app.close();
    expect(counts(kit)).toEqual(['cached: 2 good, 1 bad']);
    expect(wideOf(kit, 'cached')).toEqual([
      { 'app.cache': 'hit' },
      { 'app.cache': 'hit' },
      { 'app.cache': 'miss' },
    ]);
    await kit.shutdown();
  });

  it('keeps nested events apart: kit.track() inside a request, and a kit that carries its event', async () => {
    const kit = createSlokit({ slis: [cached, job], asyncContext: false, spans: false });
    const carrying = createSlokit({ slis: [job] });
    await serveAndGet(
      wrapHandler(kit, async (_req, res) => {
        addContext({ 'app.before': 1 });
        // Work of the same kit: its synchronous part sees its own event, then the request's again.
        const own = kit.track(job, () => {
          addContext({ 'app.rows': 3 });
        });
        addContext({ 'app.cache': 'hit' });
        // Work of a kit that carries its event across awaits, inside the synchronous stretch.
        const carried = carrying.track(job, async () => {
          addContext({ 'app.rows': 2 });
          await tick();
          addContext({ 'app.rows': 3 });
        });
        addContext({ 'app.middle': 1 });
        await Promise.all([own, carried]);
        res.end('ok');
      }),
      ['/'],
    );
    expect(counts(kit)).toEqual(['cached: 1 good, 0 bad', 'job: 1 good, 0 bad']);
    expect(wideOf(kit, 'cached')).toEqual([{ 'app.before': 1, 'app.cache': 'hit', 'app.middle': 1 }]);
    expect(wideOf(kit, 'job')).toEqual([{ 'app.rows': 3 }]);
    // The carrying kit's work got both of its calls, the later one winning.
    expect(counts(carrying)).toEqual(['job: 1 good, 0 bad']);
    await kit.shutdown();
    await carrying.shutdown();
  });
});
