// What is different about the bad events, and which they were, on the status page of a real Express
// and a real Fastify app during the staged incident (incident.ts), in a real headless Chromium: the
// top findings of kit.explain() and the most recent bad events from kit.recentEvents(), each with a
// link to its trace made from the traceUrl template, the trace ids those of the spans the app
// exported; the JSON document carries the same.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from 'slokit';
import { launchChromium, watch } from './browser.js';
import { TRACE_TEMPLATE, stageIncident } from './incident.js';
import type { Framework, StagedIncident } from './incident.js';

// The little of the DOM these tests read.
interface PageElement {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly value: string;
  readonly textContent: string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getAttribute(name: string): string | null;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each<Framework>(['express', 'fastify'])(
  'findings and recent bad events on the status page of a %s app during an incident',
  (framework) => {
    let incident: StagedIncident;
    beforeAll(async () => {
      incident = await stageIncident(framework);
    });
    afterAll(async () => {
      await incident?.close();
    });

    it('shows the top findings of kit.explain() and the latest bad requests, linked to their traces', async () => {
      const page = await browser.newPage();
      const watched = watch(page);
      expect((await page.goto(`${incident.base}/slo`))?.status()).toBe(200);
      // The clock stands still and the page's requests are not judged: the same explanation.
      const explanation = incident.kit.explain('checkout');
      const recent = incident.kit.recentEvents('checkout', { outcome: 'bad', limit: 10 });
      const section = page.locator('section.sli[data-sli="checkout"]');

      // The findings, in the order and with the shares explain() gives; the failing provider among them.
      const findings = await section.locator('table.findings tbody tr').evaluateAll((rows) =>
        rows.map((row) => {
          const r = row as unknown as PageElement;
          const figure = (name: string) => Number(r.querySelector(`data[data-field="${name}"]`)!.value);
          return {
            attribute: r.dataset.attribute,
            badShare: figure('badShare'),
            goodShare: figure('goodShare'),
            score: figure('score'),
          };
        }),
      );
      expect(findings).toEqual(
        explanation.findings.slice(0, 5).map((f) => ({
          attribute: f.attribute,
          badShare: f.badShare,
          goodShare: f.goodShare,
          score: f.score,
        })),
      );
      const provider = explanation.findings.find((f) => f.attribute === 'app.payment.provider');
      expect(provider).toMatchObject({
        value: 'acme',
        badShare: 1,
        goodShare: 0,
        badCount: 20,
        goodCount: 0,
      });
      expect(
        (
          await section
            .locator('table.findings tr[data-attribute="app.payment.provider"] td')
            .first()
            .innerText()
        ).trim(),
      ).toBe('app.payment.provider = acme');

      // The ten most recent bad checkouts, newest first, each linked to its trace by the template.
      expect(recent).toHaveLength(10);
      const rows = await section.locator('table.events tbody tr').evaluateAll((trs) =>
        trs.map((tr) => {
          const r = tr as unknown as PageElement;
          const cells = [...r.querySelectorAll('td')].map((c) =>
            (c.textContent ?? '').replace(/\s+/g, ' ').trim(),
          );
          const link = r.querySelector('a[data-trace]');
          return {
            request: cells[1],
            status: cells[2],
            reason: cells[4],
            trace: link?.dataset.trace,
            href: link?.getAttribute('href'),
          };
        }),
      );
      expect(rows).toEqual(
        recent.map((e) => ({
          request: 'POST /api/checkout',
          status: '502',
          reason: 'status',
          trace: e.traceId,
          href: TRACE_TEMPLATE.replace('{traceId}', e.traceId!),
        })),
      );
      // The trace ids are those of the failing requests' server spans.
      const failed = new Set(
        incident.exporter
          .getFinishedSpans()
          .filter((s) => s.name === 'POST /api/checkout' && s.attributes['http.response.status_code'] === 502)
          .map((s) => s.spanContext().traceId),
      );
      expect(failed.size).toBe(20);
      for (const e of recent) expect(failed.has(e.traceId!)).toBe(true);

      expect(watched.requests.map((url) => new URL(url).origin)).toEqual([incident.base]);
      expect(watched.console).toEqual([]);
      expect(watched.errors).toEqual([]);
      await page.close();
    });

    it('carries the same findings and events in its JSON document', async () => {
      const doc = (await (await fetch(`${incident.base}/slo?format=json`)).json()) as StatusDocument;
      const checkout = doc.slis.find((s) => s.name === 'checkout')!;
      const explanation = incident.kit.explain('checkout');
      expect(checkout.explanation).toEqual(
        JSON.parse(JSON.stringify({ ...explanation, findings: explanation.findings.slice(0, 5) })),
      );
      expect(checkout.recentBadEvents).toEqual(
        JSON.parse(
          JSON.stringify(
            incident.kit
              .recentEvents('checkout', { outcome: 'bad', limit: 10 })
              .map((e) => ({ ...e, traceUrl: TRACE_TEMPLATE.replace('{traceId}', e.traceId!) })),
          ),
        ),
      );
    });
  },
);
