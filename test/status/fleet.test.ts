// The status page's fleet view in a real headless Chromium: a real Express and a real Fastify app
// during the staged incident (incident.ts), their pages given a real Prometheus (Debian's package)
// that holds the same two days of two other instances of the shop, backfilled with promtool
// (test/fleet/backfill.ts). The fleet's figures on the page and in its JSON are exactly what
// fleetStatus() reads at the same clock, and what the backfilled history holds; an SLI Prometheus
// holds nothing of is said to be missing; a Prometheus that is stopped, or never answers, leaves the
// page answering at once with its own figures and the reason in words.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetStatus } from 'slokit/fleet';
import type { FleetSliStatus, FleetStatus } from 'slokit/fleet';
import type { StatusDocument } from 'slokit';
import { formatPercent } from '../../src/status/format.js';
import { PROMETHEUS, PROMTOOL } from '../fleet/backfill.js';
import { launchChromium, watch } from './browser.js';
import { END, MINUTES, SELECTOR, startIncidentFleet, truth } from './fleet-history.js';
import type { IncidentFleet } from './fleet-history.js';
import { INCIDENT_PAGE_OPTIONS, INCIDENT_SLIS, MINUTE, stageIncident } from './incident.js';
import type { Framework, StagedIncident } from './incident.js';

// The little of the DOM these tests read.
interface PageElement {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly value: string;
  querySelectorAll(selector: string): Iterable<PageElement>;
}

/** Every `<data data-field="fleet.…">` of an SLI's section, as numbers (`null` for an empty value). */
async function fleetFigures(page: Page, sli: string): Promise<Record<string, number | null>> {
  return page.locator(`section.sli[data-sli="${sli}"]`).evaluate((section) => {
    const out: Record<string, number | null> = {};
    for (const data of (section as unknown as PageElement).querySelectorAll('data[data-field^="fleet."]'))
      out[data.dataset.field!] = data.value === '' ? null : Number(data.value);
    return out;
  });
}

function expectedFleetFigures(s: FleetSliStatus): Record<string, number | null> {
  const figures: Record<string, number | null> = {
    'fleet.observedMs': s.observedMs,
    'fleet.good': s.good,
    'fleet.bad': s.bad,
    'fleet.compliance': s.compliance,
    'fleet.budgetRemaining': s.budgetRemaining,
    'fleet.budgetRemainingEvents': s.budgetRemainingEvents,
    'fleet.timeToExhaustionMs': s.timeToExhaustionMs,
  };
  for (const [window, rate] of Object.entries(s.burnRates)) figures[`fleet.burnRate.${window}`] = rate;
  return figures;
}

let browser: Browser;
let prometheus: IncidentFleet | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  // Without Prometheus (on a developer machine; never in CI) the tests below are skipped.
  if (PROMETHEUS !== undefined && PROMTOOL !== undefined) prometheus = await startIncidentFleet();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await prometheus?.close();
}, 20_000);

describe.skipIf(PROMETHEUS === undefined || PROMTOOL === undefined).each<Framework>(['express', 'fastify'])(
  'the fleet view on the status page of a %s app',
  (framework) => {
    let incident: StagedIncident;
    let fleet: FleetStatus;
    beforeAll(async () => {
      incident = await stageIncident(framework, {
        ...INCIDENT_PAGE_OPTIONS,
        prometheus: prometheus!.url,
        selector: SELECTOR,
      });
      expect(incident.clock.now()).toBe(END);
      fleet = await fleetStatus({
        prometheus: prometheus!.url,
        slis: INCIDENT_SLIS,
        selector: SELECTOR,
        at: END,
      });
    });
    afterAll(async () => {
      await incident?.close();
    });

    it('shows the fleet beside this instance: the figures fleetStatus() reads at the same clock, the ground truth', async () => {
      const page = await browser.newPage();
      const watched = watch(page);
      expect((await page.goto(`${incident.base}/slo`))?.status()).toBe(200);
      const byName = Object.fromEntries(fleet.slis.map((s) => [s.name, s]));

      // The figures Prometheus holds are the history's, exactly.
      for (const [sli, objective] of [
        ['checkout', 0.999],
        ['api-availability', 0.995],
      ] as const) {
        const s = byName[sli]!;
        const period = truth(sli, MINUTES);
        const hour = truth(sli, 60);
        expect([s.good, s.bad]).toEqual([period.good, period.bad]);
        expect(s.budgetRemaining).toBeCloseTo(
          1 - period.bad / (period.good + period.bad) / (1 - objective),
          9,
        );
        expect(s.burnRates['1h']).toBeCloseTo(hour.bad / (hour.good + hour.bad) / (1 - objective), 9);
        expect(s).toMatchObject({ scope: 'fleet', data: 'ok', series: 4, source: 'raw-counters' });
        expect(await fleetFigures(page, sli), sli).toEqual(expectedFleetFigures(s));
      }
      expect(byName.checkout!.alerts.page).toMatchObject({ state: 'firing', windows: '1h/5m' });
      expect(byName['api-availability']!.alerts.page.state).toBe('ok');

      // The firing fleet alert is shown as firing, beside this instance's.
      const alerts = await page.locator('table.fleet td[data-alert]').evaluateAll((cells) =>
        cells.map((c) => {
          const d = (c as unknown as PageElement).dataset;
          return `${d.alert}/${d.scope}/${d.state}`;
        }),
      );
      expect(alerts).toEqual([
        // checkout: paging here and fleet-wide
        'page/instance/firing',
        'page/fleet/firing',
        'ticket/instance/ok',
        'ticket/fleet/ok',
        // api-availability: ticketing here only
        'page/instance/ok',
        'page/fleet/ok',
        'ticket/instance/firing',
        'ticket/fleet/ok',
        // catalog-freshness: nothing in Prometheus, nothing firing
        'page/instance/ok',
        'page/fleet/ok',
        'ticket/instance/ok',
        'ticket/fleet/ok',
      ]);
      const fleetStates = await page
        .locator('#overview tbody td[data-fleet-of] .badge')
        .evaluateAll((els) => els.map((e) => (e as unknown as PageElement).dataset.state));
      expect(fleetStates).toEqual(['page', 'ok', 'no-data']);
      expect(await page.locator('#overview td[data-fleet-of="checkout"]').innerText()).toContain(
        formatPercent(byName.checkout!.budgetRemaining, 1),
      );

      // In words: where the figures come from, what fires fleet-wide, and what Prometheus does not hold.
      const note = (await page.locator('#fleet').innerText()).replace(/\s+/g, ' ');
      expect(note).toBe(
        `Beside this process's own events: the fleet's, every instance that Prometheus at ${prometheus!.url} (series {job="shop"}) scrapes, at 00:00:00 UTC.`,
      );
      expect((await page.locator('#fleet-summary').innerText()).replace(/\s+/g, ' ')).toMatch(
        /^Fleet-wide: checkout \(page alert firing, [\d.]+× over 1h\/5m\)\.$/,
      );
      expect(
        (
          await page
            .locator('section[data-sli="catalog-freshness"] [data-fleet-data="no-series"]')
            .innerText()
        ).replace(/\s+/g, ' '),
      ).toBe(
        'Prometheus holds no slokit_sli_events_total series of catalog-freshness with {job="shop"} in its window: it is not scraped, the selector is wrong, or the SLI is not deployed. The fleet column is not backed by data.',
      );
      expect(
        await page.locator('section[data-sli="checkout"] [data-field="fleet.source"]').innerText(),
      ).toMatch(
        /^Fleet figures from the raw slokit_sli_events_total counters .* over 4 counter series; tiers whose condition holds: page 1h\/5m\./,
      );

      // The page asked Prometheus from the server: the browser itself never left the page's origin.
      expect(watched.requests.map((url) => new URL(url).origin)).toEqual([incident.base]);
      expect(watched.console).toEqual([]);
      expect(watched.errors).toEqual([]);
      await page.close();
    });

    it('fits a phone with the fleet beside the instance, without sideways scrolling', async () => {
      const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
      await page.goto(`${incident.base}/slo`);
      expect(await page.locator('table.fleet').count()).toBe(3);
      expect(
        await page.evaluate(
          () =>
            (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
              .documentElement.scrollWidth,
        ),
      ).toBeLessThanOrEqual(360);
      await page.close();
    });

    it('carries the fleet view in its JSON document, beside kit.status()', async () => {
      const doc = (await (
        await fetch(`${incident.base}/slo`, { headers: { accept: 'application/json' } })
      ).json()) as StatusDocument;
      expect(doc.fleet).toEqual({
        prometheus: prometheus!.url,
        selector: SELECTOR,
        at: END,
        available: true,
        error: null,
      });
      const status = incident.kit.status();
      for (const sli of doc.slis) {
        const { state, ...rest } = sli.fleet!;
        expect(rest).toEqual(JSON.parse(JSON.stringify(fleet.slis.find((s) => s.name === sli.name))));
        expect(state).toBe(
          sli.name === 'checkout' ? 'page' : sli.name === 'catalog-freshness' ? 'no-data' : 'ok',
        );
        expect(sli.budgetRemaining).toBe(status.slis.find((s) => s.name === sli.name)!.budgetRemaining);
      }
      expect(doc.slis.map((s) => s.name)).toEqual(['checkout', 'api-availability', 'catalog-freshness']);
      expect(doc.slis.map((s) => [s.owner, s.rationale])).toEqual([
        ['shop-team', 'Shoppers abandon a checkout that takes longer than 300 ms (2025 funnel study).'],
        ['shop-team', null],
        ['catalog-team', 'Prices are updated once a day; a catalog older than a day shows wrong prices.'],
      ]);
    });
  },
);

describe.skipIf(PROMETHEUS === undefined || PROMTOOL === undefined)(
  'the status page when Prometheus is down or silent',
  () => {
    let incident: StagedIncident;
    let silent: http.Server;
    let silentPage: http.Server;
    let silentBase = '';
    let pending = 0;
    beforeAll(async () => {
      incident = await stageIncident('express', {
        ...INCIDENT_PAGE_OPTIONS,
        prometheus: prometheus!.url,
        selector: SELECTOR,
      });
      // A "Prometheus" that takes every connection and never answers.
      silent = http.createServer(() => void pending++);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const handler = incident.kit.statusHandler({
        ...INCIDENT_PAGE_OPTIONS,
        prometheus: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        fleetTimeout: '300ms',
      });
      silentPage = http.createServer(handler);
      await new Promise<void>((resolve) => silentPage.listen(0, '127.0.0.1', resolve));
      silentBase = `http://127.0.0.1:${(silentPage.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await incident?.close();
      for (const server of [silent, silentPage]) {
        server?.closeAllConnections();
        await new Promise((resolve) => server?.close(resolve));
      }
    });

    it('answers with its own figures and says in words that Prometheus did not answer in time', async () => {
      const page = await browser.newPage();
      const watched = watch(page);
      expect((await page.goto(`${silentBase}/slo`))?.status()).toBe(200);
      expect(pending).toBeGreaterThan(0);
      expect((await page.locator('#fleet').innerText()).replace(/\s+/g, ' ')).toBe(
        `No fleet-wide figures: Prometheus at http://127.0.0.1:${(silent.address() as AddressInfo).port} did not answer within 300ms. Every figure below is this process's own events; the fleet's come from Prometheus at http://127.0.0.1:${(silent.address() as AddressInfo).port}, through the rules that slokit rules generates.`,
      );
      // This instance's page is all there.
      expect(
        await page
          .locator('section.sli .sli-head .badge')
          .evaluateAll((els) => els.map((e) => (e as unknown as PageElement).dataset.state)),
      ).toEqual(['page', 'ticket', 'burning']);
      expect(await page.locator('[data-fleet-state="unavailable"]').count()).toBe(3);
      expect(await page.locator('#fleet-summary').count()).toBe(0);
      expect(
        await page
          .locator('#overview td[data-fleet-of]')
          .evaluateAll((cells) =>
            cells.map((c) => (c as unknown as { textContent: string }).textContent.trim()),
          ),
      ).toEqual(['–', '–', '–']);
      expect(watched.console).toEqual([]);
      expect(watched.errors).toEqual([]);

      // The JSON says so too; a second look within ten seconds of the kit's clock reuses the answer.
      const before = pending;
      const doc = (await (await fetch(`${silentBase}/slo?format=json`)).json()) as StatusDocument;
      expect(pending).toBe(before);
      expect(doc.fleet).toMatchObject({
        available: false,
        error: { code: 'SLOKIT_E_FLEET_UNAVAILABLE', failure: 'timeout' },
      });
      expect(doc.slis.map((s) => s.fleet)).toEqual([null, null, null]);
      await page.close();
    });

    it('shows the fleet, then, once Prometheus is stopped, that it cannot reach it', async () => {
      const page = await browser.newPage();
      await page.goto(`${incident.base}/slo`);
      expect(await page.locator('#fleet').getAttribute('data-fleet')).toBe('available');
      await prometheus!.stop();
      incident.clock.advance(MINUTE);
      const response = await page.reload();
      expect(response?.status()).toBe(200);
      expect(await page.locator('#fleet').getAttribute('data-fleet')).toBe('unavailable');
      const port = new URL(prometheus!.url).port;
      expect((await page.locator('[data-field="fleet-error"]').innerText()).trim()).toBe(
        `cannot reach Prometheus at ${prometheus!.url}: connect ECONNREFUSED 127.0.0.1:${port}.`,
      );
      expect(await page.locator('section.sli').count()).toBe(3);
      const doc = (await (await fetch(`${incident.base}/slo?format=json`)).json()) as StatusDocument;
      expect(doc.fleet).toMatchObject({
        available: false,
        at: END + MINUTE,
        error: { code: 'SLOKIT_E_FLEET_UNAVAILABLE', failure: 'unreachable' },
      });
      await page.close();
    });
  },
);
