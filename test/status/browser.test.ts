// The status page in a real headless Chromium, served by a real Express and a real Fastify app
// during a staged incident (see incident.ts): the SLIs in urgency order, the figures equal to
// kit.status() at the same clock, the firing alerts shown as firing since they started, the page
// accessible, self-contained (no request leaves its origin, nothing logged to the console), readable
// without JavaScript, updating itself in place, and fitting a phone in light and dark.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SliStatus } from 'slokit';
import { formatCount, formatPercent } from '../../src/status/format.js';
import { launchChromium, watch } from './browser.js';
import { INCIDENT_PAGE_OPTIONS, stageIncident } from './incident.js';
import type { Framework, StagedIncident } from './incident.js';

// The little of the DOM these tests touch inside the page (the repository is type-checked without
// the DOM library, so the browser-side callbacks say what they use).
interface PageElement {
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly textContent: string | null;
  readonly value: string;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getAttribute(name: string): string | null;
}
interface PageWindow {
  readonly scrollY: number;
  scrollTo(x: number, y: number): void;
  marker?: number;
  readonly document: {
    readonly body: PageElement;
    readonly documentElement: { readonly scrollWidth: number };
    querySelector(selector: string): PageElement | null;
  };
  getComputedStyle(element: unknown): { readonly backgroundColor: string; readonly overflowX: string };
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Every `<data data-field>` of an SLI's section, as numbers (`null` for an empty value). */
async function sectionFigures(page: Page, sli: string): Promise<Record<string, number | null>> {
  return page.locator(`section.sli[data-sli="${sli}"]`).evaluate((section) => {
    const out: Record<string, number | null> = {};
    for (const data of (section as unknown as PageElement).querySelectorAll('data[data-field]')) {
      // The findings' shares are per finding (findings.test.ts checks them).
      if (data.closest('table.findings') !== null) continue;
      const key = data.dataset.field!;
      const value = data.value === '' ? null : Number(data.value);
      if (key in out && out[key] !== value) throw new Error(`${key} says both ${out[key]} and ${value}`);
      out[key] = value;
    }
    return out;
  });
}

function expectedFigures(s: SliStatus): Record<string, number | null> {
  const figures: Record<string, number | null> = {
    objective: s.objective,
    observedRatio: s.observedRatio,
    good: s.good,
    bad: s.bad,
    compliance: s.compliance,
    budgetRemaining: s.budgetRemaining,
    budgetRemainingEvents: s.budgetRemainingEvents,
    timeToExhaustionMs: s.timeToExhaustionMs,
  };
  for (const [window, rate] of Object.entries(s.burnRates)) figures[`burnRate.${window}`] = rate;
  return figures;
}

describe.each<Framework>(['express', 'fastify'])(
  'the status page of a %s app during an incident',
  (framework) => {
    let incident: StagedIncident;
    beforeAll(async () => {
      incident = await stageIncident(framework);
    });
    afterAll(async () => {
      await incident?.close();
    });

    it('shows the SLIs most urgent first with exactly the figures of kit.status(), and the alerts that fire', async () => {
      const page = await browser.newPage();
      const watched = watch(page);
      const response = await page.goto(`${incident.base}/slo`);
      expect(response?.status()).toBe(200);
      // The clock stands still and the page's requests are not counted: the same status.
      const status = incident.kit.status();

      // The kit lists them freshness, availability, checkout; the page by urgency.
      const order = ['checkout', 'api-availability', 'catalog-freshness'];
      expect(
        await page
          .locator('section.sli')
          .evaluateAll((els) => els.map((e) => (e as unknown as PageElement).dataset.sli)),
      ).toEqual(order);
      expect(
        await page
          .locator('#overview tbody tr')
          .evaluateAll((els) => els.map((e) => (e as unknown as PageElement).dataset.sli)),
      ).toEqual(order);
      expect(status.slis.map((s) => s.name)).toEqual(['catalog-freshness', 'api-availability', 'checkout']);
      expect(
        await page
          .locator('section.sli .sli-head .badge')
          .evaluateAll((els) => els.map((e) => (e as unknown as PageElement).dataset.state)),
      ).toEqual(['page', 'ticket', 'burning']);

      for (const s of status.slis) {
        expect(await sectionFigures(page, s.name), s.name).toEqual(expectedFigures(s));
        // And what a person reads says the same.
        const section = page.locator(`section.sli[data-sli="${s.name}"]`);
        await expect
          .poll(() => section.locator('data[data-field="good"]').textContent())
          .toBe(formatCount(s.good));
        expect(await section.locator('.figures data[data-field="budgetRemaining"]').textContent()).toBe(
          formatPercent(s.budgetRemaining, 1),
        );
      }

      // The alerts that fire are shown firing, since the time onAlert reported.
      const byName = Object.fromEntries(status.slis.map((s) => [s.name, s]));
      const firing = await page.locator('li[data-state="firing"]').evaluateAll((els) =>
        els.map((element) => {
          const e = element as unknown as PageElement;
          return [
            e.closest('section')!.dataset.sli,
            e.dataset.alert,
            e.querySelector('code')!.textContent,
            e.querySelector('time')!.getAttribute('datetime'),
          ];
        }),
      );
      expect(firing).toEqual(
        incident.alerts
          .filter((t) => t.state === 'firing')
          .sort((a, b) => order.indexOf(a.sli) - order.indexOf(b.sli))
          .map((t) => [t.sli, t.severity, t.windows, new Date(t.since).toISOString()]),
      );
      expect(firing.map(([sli, severity]) => `${sli}/${severity}`)).toEqual([
        'checkout/page',
        'api-availability/ticket',
      ]);
      expect(byName.checkout!.alerts.page.state).toBe('firing');
      await expect
        .poll(async () => (await page.locator('#summary').textContent())?.replace(/\s+/g, ' ').trim())
        .toMatch(
          /^3 SLIs need attention: checkout \(page alert firing, [\d.]+× over 1h\/5m\), api-availability \(ticket alert firing, [\d.]+× over 3d\/6h\) and catalog-freshness \(burning [\d.]+× over 1h\)\.$/,
        );
      expect(await page.title()).toBe('Page: checkout, api-availability, catalog-freshness · shop status');

      // Self-contained: nothing but the page itself was requested, and nothing went wrong.
      expect(watched.requests.map((url) => new URL(url).origin)).toEqual([incident.base]);
      expect(watched.console).toEqual([]);
      expect(watched.errors).toEqual([]);
      await page.close();
    });

    it('has the structure a screen reader needs: headings, named tables, charts with text alternatives', async () => {
      const page = await browser.newPage();
      await page.goto(`${incident.base}/slo`);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await expect.poll(() => page.getByRole('heading', { level: 1 }).count()).toBe(1);
      for (const name of ['checkout', 'api-availability', 'catalog-freshness']) {
        expect(await page.getByRole('heading', { level: 2, name, exact: true }).count()).toBe(1);
        expect(await page.getByRole('region', { name, exact: true }).count()).toBe(1);
        const chart = page.getByRole('img', { name: `Budget remaining for ${name}` });
        expect(await chart.count()).toBe(1);
        const description = await chart.locator('desc').textContent();
        expect(description).toMatch(
          /^Error budget remaining over the observed 2 d, from 2025-01-01 00:00 UTC to 2025-01-03 00:00 UTC: 100\.0% at the start, -?[\d.]+% now, lowest -?[\d.]+% at .+ UTC\.$/,
        );
        expect(await page.getByRole('table', { name: /^Burn rate per window/ }).count()).toBe(3);
      }
      expect(await page.getByRole('table', { name: 'SLIs, most urgent first' }).count()).toBe(1);
      // Every header cell says what it heads.
      expect(await page.locator('th:not([scope])').count()).toBe(0);
      // Every scrolling region can be reached with the keyboard and is named.
      for (const region of await page.locator('.scroll').all()) {
        expect(await region.getAttribute('tabindex')).toBe('0');
        expect(await region.getAttribute('aria-labelledby')).toMatch(/\S/);
      }
      await page.close();
    });
  },
);

describe('the status page as a reader uses it', () => {
  let incident: StagedIncident;
  beforeAll(async () => {
    incident = await stageIncident('express', { ...INCIDENT_PAGE_OPTIONS, refresh: '1s' });
  });
  afterAll(async () => {
    await incident?.close();
  });

  it('updates itself in place: new figures, same scroll position, open details kept', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const watched = watch(page);
    await page.goto(`${incident.base}/slo`);
    await expect.poll(() => page.locator('#refresh').isVisible()).toBe(true);
    const details = page.locator('#sli-api-availability-tiers');
    await details.locator('summary').click();
    await page.mouse.click(5, 5); // focus back on the page, not inside the content
    await page.evaluate(() => (globalThis as unknown as PageWindow).scrollTo(0, 1500));
    const scrollY = await page.evaluate(() => (globalThis as unknown as PageWindow).scrollY);
    expect(scrollY).toBe(1500);
    const marker = await page.evaluate(() => {
      (globalThis as unknown as PageWindow).marker = 42; // survives only if the page is not reloaded
      return (globalThis as unknown as PageWindow).document.querySelector(
        'section[data-sli="checkout"] data[data-field="good"]',
      )!.textContent;
    });

    // A minute later, ten more good checkouts.
    incident.clock.advance(60_000);
    for (let i = 0; i < 10; i++)
      await (await fetch(`${incident.base}/api/checkout?provider=stripe`, { method: 'POST' })).arrayBuffer();
    const good = incident.kit.status().slis.find((s) => s.name === 'checkout')!.good;
    expect(formatCount(good)).not.toBe(marker);
    await expect
      .poll(() => page.locator('section[data-sli="checkout"] data[data-field="good"]').textContent(), {
        timeout: 5_000,
      })
      .toBe(formatCount(good));
    expect(
      await page.evaluate(() => [
        (globalThis as unknown as PageWindow).scrollY,
        (globalThis as unknown as PageWindow).marker,
      ]),
    ).toEqual([scrollY, 42]);
    expect(await page.locator('#sli-api-availability-tiers').getAttribute('open')).toBe('');
    expect(watched.requests.every((url) => new URL(url).origin === incident.base)).toBe(true);
    expect(watched.requests.length).toBeGreaterThan(1);
    expect(watched.console).toEqual([]);
    expect(watched.errors).toEqual([]);

    // The reader can stop it.
    await page.locator('#refresh input').uncheck();
    const before = watched.requests.length;
    await page.waitForTimeout(2_500);
    expect(watched.requests.length).toBe(before);
    await page.close();
  });

  it('is complete without JavaScript (and offers no refresh control then)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${incident.base}/slo`);
    expect(await page.locator('section.sli').count()).toBe(3);
    expect(await page.locator('svg[role="img"]').count()).toBe(3);
    expect(await page.locator('#refresh').isVisible()).toBe(false);
    expect(
      await page.locator('section[data-sli="checkout"] li[data-alert="page"]').getAttribute('data-state'),
    ).toBe('firing');
    await context.close();
  });

  it('follows the light or dark preference and fits a phone without sideways scrolling', async () => {
    const colours: Record<string, string> = {};
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ colorScheme, viewport: { width: 360, height: 740 } });
      await page.goto(`${incident.base}/slo`);
      colours[colorScheme] = await page.evaluate(
        () =>
          (globalThis as unknown as PageWindow).getComputedStyle(
            (globalThis as unknown as PageWindow).document.body,
          ).backgroundColor,
      );
      expect(
        await page.evaluate(() => (globalThis as unknown as PageWindow).document.documentElement.scrollWidth),
      ).toBeLessThanOrEqual(360);
      // The wide tables scroll inside their own region instead.
      expect(
        await page
          .locator('.scroll')
          .first()
          .evaluate((e) => (globalThis as unknown as PageWindow).getComputedStyle(e).overflowX),
      ).toBe('auto');
      await page.close();
    }
    expect(colours).toEqual({ light: 'rgb(255, 255, 255)', dark: 'rgb(13, 17, 23)' });
  });
});
