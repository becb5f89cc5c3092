// Hostile values on the status page, in a real Chromium: markup, `</script>`, quotes, attribute
// breakers, unicode and 10 kB strings in an SLI description, owner and rationale, routes, attribute
// keys and values, findings, the instance's names, and the fleet view's selector labels, Prometheus
// URL and what a hostile "Prometheus" answers render as text and run nothing. Checked with the page's
// Content-Security-Policy and, to prove the escaping alone holds, once more without it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { Slokit } from 'slokit';
import { createFakeClock, kitTraffic, playTraffic } from 'slokit/testing';
import type { Explanation, SampledEvent } from '../../src/explain/types.js';
import { runtimeOf } from '../../src/runtime/kit.js';
import { createStatusHandler, kitStatusSource } from '../../src/status/handler.js';
import { launchChromium, watch } from './browser.js';

/** Each payload, if it ran, would add its name to `window.__pwned`. */
const PAYLOADS = [
  `<img src=x onerror="(window.__pwned=window.__pwned||[]).push('img')">`,
  `</script><script>(window.__pwned=window.__pwned||[]).push('script')</script>`,
  `"><svg onload="(window.__pwned=window.__pwned||[]).push('svg')">`,
  `'><iframe srcdoc="<script>(parent.__pwned=parent.__pwned||[]).push('iframe')</script>"></iframe>`,
  `" autofocus onfocus="(window.__pwned=window.__pwned||[]).push('focus')" x="`,
  `<style>body{display:none}</style><link rel=stylesheet href=/evil.css>`,
  `<a href="javascript:(window.__pwned=window.__pwned||[]).push('href')">x</a>`,
  'żółw 🐢 עברית \u202e reversed \u0000 nul',
];
const HOSTILE = PAYLOADS.join(' ');
const LONG = `${'<b>'.repeat(2_500)}${'x'.repeat(2_500)}`; // 10 kB

interface PageWindow {
  readonly __pwned?: string[];
  readonly document: {
    querySelectorAll(selector: string): { readonly length: number };
    querySelector(selector: string): { readonly textContent: string | null } | null;
  };
}

/** An owner is one line of at most 128 characters. */
const OWNER = `<img src=x onerror="(window.__pwned=window.__pwned||[]).push('owner')"> 'x' "y"`;

const sli = defineSli({
  name: 'checkout',
  objective: '99.9%',
  description: `${HOSTILE} ${LONG}`,
  owner: OWNER,
  rationale: HOSTILE,
  good: { status: '2xx' },
});

function hostileKit(): Slokit {
  const clock = createFakeClock();
  const kit = createSlokit({ slis: [sli], clock, onAlert: () => undefined });
  playTraffic({
    clock,
    durationMs: 30 * 60_000,
    rate: () => ({ total: 1000, errorRatio: 0.05 }),
    onStep: kitTraffic(kit, sli),
  });
  return kit;
}

function explanation(): Explanation {
  return {
    sli: 'checkout',
    from: 0,
    to: 1,
    bad: 10,
    good: 10,
    findings: PAYLOADS.map((value, i) => ({
      attribute: `app.${PAYLOADS[(i + 1) % PAYLOADS.length]!}`,
      value: i === PAYLOADS.length - 1 ? LONG : value,
      badShare: 1,
      goodShare: 0,
      badCount: 10,
      goodCount: 0,
      score: 1,
    })),
  };
}

function events(): SampledEvent[] {
  return PAYLOADS.map((payload, i) => ({
    at: Date.UTC(2025, 0, 1, 0, 29, i),
    outcome: 'bad',
    reason: 'status',
    method: 'POST',
    route: `/api/${payload}`,
    status: 502,
    durationMs: 3,
    attributes: { [`app.${payload}`]: payload, 'app.long': LONG, 'app.list': [payload, 'b'] },
    traceId: '4bf92f3577b34da6a3ce929d0e0e473' + String(i),
    spanId: '00f067aa0ba902b7',
  }));
}

let browser: Browser;
let base: string;
let server: http.Server;
let kit: Slokit;
beforeAll(async () => {
  browser = await launchChromium();
  kit = hostileKit();
  const handler = createStatusHandler(
    { ...kitStatusSource(runtimeOf(kit, 'test')), explain: explanation, recentBadEvents: () => events() },
    {
      instance: HOSTILE,
      service: HOSTILE,
      maxFindings: 100,
      maxEvents: 100,
      // A trace link function that returns a script URL gives no link.
      traceUrl: (event) =>
        event.traceId!.endsWith('0')
          ? "javascript:(window.__pwned=window.__pwned||[]).push('trace')"
          : `/trace/${event.traceId!}`,
    },
  );
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await kit?.shutdown();
});

async function expectInert(page: Page): Promise<void> {
  // Give anything that would fire (onerror, onload, autofocus) the chance to.
  await page.waitForTimeout(300);
  const found = await page.evaluate(() => {
    const w = globalThis as unknown as PageWindow;
    const count = (selector: string) => w.document.querySelectorAll(selector).length;
    return {
      pwned: w.__pwned ?? [],
      img: count('img'),
      iframe: count('iframe'),
      styles: count('style'),
      links: count('link'),
      scripts: count('script'),
      handlers: count('[onerror],[onload],[onfocus],[autofocus]'),
      scriptLinks: count('a[href^="javascript:" i]'),
      description: w.document.querySelector('[data-field="description"]')?.textContent ?? null,
      owner: w.document.querySelector('[data-field="owner"]')?.textContent ?? null,
      rationale: w.document.querySelector('[data-field="rationale"]')?.textContent ?? null,
      instance: w.document.querySelector('[data-field="instance"]')?.textContent ?? null,
    };
  });
  expect(found).toEqual({
    pwned: [],
    img: 0,
    iframe: 0,
    styles: 1,
    links: 1, // the favicon
    scripts: 1, // the refresh
    handlers: 0,
    scriptLinks: 0,
    // The text exactly as written (but for the NUL, which HTML parsing drops from text).
    description: `${HOSTILE} ${LONG}`.replace('\u0000', ''),
    owner: OWNER,
    rationale: HOSTILE.replace('\u0000', ''),
    instance: HOSTILE.replace('\u0000', ''),
  });
  // Routes and attribute values are on the page as text.
  const text = await page.locator('main').innerText();
  expect(text).toContain('POST /api/<img src=x onerror=');
  expect(text).toContain(`app.${PAYLOADS[1]!}`);
}

describe('hostile values on the status page', () => {
  it('render as text and run nothing, under the Content-Security-Policy', async () => {
    const page = await browser.newPage();
    const watched = watch(page);
    const response = await page.goto(`${base}/slo`);
    expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'none'/);
    await expectInert(page);
    // Nothing was refused either: no markup of theirs asked the browser for anything.
    expect(watched.console).toEqual([]);
    expect(watched.errors).toEqual([]);
    expect(watched.requests).toEqual([`${base}/slo`]);
    // Trace links: the root-relative ones, never the script URL.
    const hrefs = await page
      .locator('a[data-trace]')
      .evaluateAll((links) =>
        links.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')),
      );
    expect(hrefs).toEqual(
      events()
        .slice(1)
        .map((e) => `/trace/${e.traceId!}`),
    );
    await page.close();
  });

  it('render as text and run nothing without it: the escaping alone holds', async () => {
    const body = await (await fetch(`${base}/slo`)).text();
    const page = await browser.newPage();
    const watched = watch(page);
    // The same HTML, served without any Content-Security-Policy.
    await page.route(`${base}/bare`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }),
    );
    await page.goto(`${base}/bare`);
    await expectInert(page);
    expect(watched.errors).toEqual([]);
    expect(watched.requests).toEqual([`${base}/bare`]);
    await page.close();
  });
});

describe('hostile values in the fleet view', () => {
  const servers: http.Server[] = [];
  async function listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** What the page's own markup has, and whether anything ran. */
  async function inertness(page: Page): Promise<Record<string, unknown>> {
    await page.waitForTimeout(300);
    return page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      const count = (selector: string) => w.document.querySelectorAll(selector).length;
      return {
        pwned: w.__pwned ?? [],
        img: count('img'),
        iframe: count('iframe'),
        styles: count('style'),
        links: count('link'),
        scripts: count('script'),
        handlers: count('[onerror],[onload],[onfocus],[autofocus]'),
      };
    });
  }
  const INERT = { pwned: [], img: 0, iframe: 0, styles: 1, links: 1, scripts: 1, handlers: 0 };

  /** The same HTML served without its Content-Security-Policy: the escaping alone must hold. */
  async function expectInertWithoutCsp(base: string): Promise<void> {
    const body = await (await fetch(`${base}/slo`)).text();
    const page = await browser.newPage();
    await page.route(`${base}/bare`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }),
    );
    await page.goto(`${base}/bare`);
    expect(await inertness(page)).toEqual(INERT);
    await page.close();
  }

  it('selector labels and a Prometheus that holds nothing: text only', async () => {
    // A Prometheus API that answers every query with an empty vector: no series of any SLI.
    const prometheus = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    });
    const base = await listen(
      kit.statusHandler({
        prometheus: `${prometheus}/${PAYLOADS[6]!}`,
        selector: { job: PAYLOADS[0]!, env: PAYLOADS[2]! },
        fleetLabels: { team: PAYLOADS[1]! },
      }),
    );
    const page = await browser.newPage();
    const watched = watch(page);
    await page.goto(`${base}/slo`);
    expect(await inertness(page)).toEqual(INERT);
    expect(await page.locator('#fleet').getAttribute('data-fleet')).toBe('available');
    const selector = `{job=${JSON.stringify(PAYLOADS[0])}, env=${JSON.stringify(PAYLOADS[2])}}`;
    expect(await page.locator('#fleet [data-field="selector"]').textContent()).toBe(selector);
    expect(await page.locator('[data-fleet-data="no-series"] code.v').textContent()).toBe(selector);
    expect(watched.errors).toEqual([]);
    expect(watched.console).toEqual([]);
    expect(watched.requests).toEqual([`${base}/slo`]);
    await page.close();
    await expectInertWithoutCsp(base);
  });

  it('what a hostile "Prometheus" answers, quoted in the reason it is missing: text only', async () => {
    const body = PAYLOADS.slice(0, 3).join('');
    const prometheus = await listen((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(body);
    });
    const base = await listen(kit.statusHandler({ prometheus, selector: { job: PAYLOADS[4]! } }));
    const page = await browser.newPage();
    const watched = watch(page);
    await page.goto(`${base}/slo`);
    expect(await inertness(page)).toEqual(INERT);
    expect(await page.locator('#fleet').getAttribute('data-fleet')).toBe('unavailable');
    expect(await page.locator('[data-field="fleet-error"]').textContent()).toBe(
      `Prometheus at ${prometheus} answered HTTP 502 Bad Gateway: ${JSON.stringify(body.slice(0, 200) + '…')}.`,
    );
    expect(watched.errors).toEqual([]);
    expect(watched.console).toEqual([]);
    expect(watched.requests).toEqual([`${base}/slo`]);
    await page.close();
    await expectInertWithoutCsp(base);
  });
});
