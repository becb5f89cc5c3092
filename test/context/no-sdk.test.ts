// addContext with no OpenTelemetry SDK at all (no context manager, no tracer provider): the event in
// progress rides in slokit's own AsyncLocalStorage, and a classifier sees the attributes.
import { context, ROOT_CONTEXT, createContextKey } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { addContext, createSlokit } from 'slokit';
import { wrapHandler } from 'slokit/node';
import { cached, job } from '../helpers/context-slis.js';
import { serveAndGet } from '../helpers/http.js';

describe('addContext without any OTel SDK', () => {
  it('reaches the request and the tracked work through slokit’s own store', async () => {
    // No context manager is registered in this file: context.with does not carry values.
    const probe = createContextKey('probe');
    expect(
      context.with(ROOT_CONTEXT.setValue(probe, 1), () => context.active().getValue(probe)),
    ).toBeUndefined();

    const kit = createSlokit({ slis: [cached, job] });
    const verdicts: string[] = [];
    await serveAndGet(
      wrapHandler(kit, async (req, res) => {
        await new Promise((r) => setTimeout(r, 2));
        addContext({ 'app.cache': req.url === '/hit' ? 'hit' : 'miss' });
        res.end('ok');
      }),
      ['/hit', '/miss', '/hit'],
    );
    await kit.track(job, async () => {
      await Promise.resolve();
      addContext({ 'app.rows': 3 });
    });
    for (const s of kit.status().slis) verdicts.push(`${s.name}: ${s.good} good, ${s.bad} bad`);
    expect(verdicts).toEqual(['cached: 2 good, 1 bad', 'job: 1 good, 0 bad']);
    await kit.shutdown();
  });
});
