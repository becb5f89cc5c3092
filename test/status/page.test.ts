// The status page's parts without a server: escaping, links, negotiation, options, the document
// (order, redaction, trace links, limits) and the HTML rendered from it, on constructed data.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { diag } from '@opentelemetry/api';
import { createSlokit, defineSli } from 'slokit';
import type { SliStatus, Slokit } from 'slokit';
import { createFakeClock, kitTraffic, playTraffic } from 'slokit/testing';
import type { Explanation, SampledEvent } from '../../src/explain/types.js';
import { runtimeOf } from '../../src/runtime/kit.js';
import { SCRIPT, STYLE } from '../../src/status/assets.js';
import { buildStatusDocument, sliState, urgencyOrder } from '../../src/status/document.js';
import type { DocumentOptions, StatusSource } from '../../src/status/document.js';
import { STATUS_PAGE_CSP, kitStatusSource, negotiateFormat } from '../../src/status/handler.js';
import { escapeHtml, html, linkable } from '../../src/status/html-template.js';
import { renderStatusPage } from '../../src/status/html.js';
import { resolveStatusOptions } from '../../src/status/options.js';
import { captureDiag } from '../helpers/diag.js';
import { thrown } from '../sli/support.js';

const MINUTE = 60_000;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

afterEach(() => diag.disable());

describe('escaping', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<img src=x onerror="a('1')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;',
    );
    expect(escapeHtml('</script><script>')).toBe('&lt;/script&gt;&lt;script&gt;');
  });

  it('keeps unicode and replaces lone surrogates, which UTF-8 cannot carry', () => {
    expect(escapeHtml('żółw 🐢 \u202e')).toBe('żółw 🐢 \u202e');
    expect(escapeHtml('a\ud800b\udc00c')).toBe('a\ufffdb\ufffdc');
  });

  it('escapes every interpolated value except fragments, in lists too', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(
      html`<p title="${'"x"'}">${inner}${['<', html`<br />`]}${null}${undefined}${false}${0}</p>`.value,
    ).toBe('<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;<br />0</p>');
  });

  it('lets only http(s) URLs and root-relative paths become links', () => {
    expect(linkable('https://jaeger.example/trace/1')).toBe('https://jaeger.example/trace/1');
    expect(linkable('http://tempo:3200/trace/1?x="y"')).toBe('http://tempo:3200/trace/1?x=%22y%22');
    expect(linkable('/jaeger/trace/1')).toBe('/jaeger/trace/1');
    for (const bad of [
      'javascript:alert(1)',
      ' javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,<script>1</script>',
      '//evil.example/x',
      '/\\evil.example',
      'trace/1',
      '/a b',
      '',
    ]) {
      expect(linkable(bad), bad).toBeUndefined();
    }
  });
});

describe('negotiateFormat', () => {
  it.each([
    [undefined, undefined, 'html'],
    ['/slo', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['/slo', '*/*', 'html'],
    ['/slo', 'application/json', 'json'],
    ['/slo', 'application/json, text/plain, */*', 'json'],
    ['/slo', 'text/html;q=0.5, application/json;q=0.9', 'json'],
    ['/slo', 'text/html, application/json;q=0.9', 'html'],
    ['/slo', 'application/json;q=0', 'html'],
    ['/slo', 'application/*', 'json'],
    ['/slo', 'text/*, application/json', 'json'],
    ['/slo', 'text/html, application/json', 'html'],
    ['/slo', 'image/png', 'html'],
    ['/slo?format=json', 'text/html', 'json'],
    ['/slo?format=html', 'application/json', 'html'],
    ['/slo?format=xml', undefined, undefined],
    ['/slo?a=1&format=json', undefined, 'json'],
  ])('%s with Accept %s: %s', (url, accept, expected) => {
    expect(negotiateFormat(url, accept)).toBe(expected);
  });
});

describe('options', () => {
  const kit = createSlokit({ slis: [defineSli({ name: 'a', objective: '99%', good: {} })] });
  afterAll(() => kit.shutdown());

  it.each([
    [
      'an unknown option',
      { tracUrl: 'x' },
      'kit.statusHandler: tracUrl: unknown option; expected one of traceUrl, authorize, refresh, instance, service, maxFindings, maxEvents, prometheus, selector, fleetLabels, fleetHeaders, fleetTimeout',
    ],
    [
      'a template without {traceId}',
      { traceUrl: 'https://jaeger.example/trace/' },
      'kit.statusHandler: traceUrl: expected a URL template with {traceId}',
    ],
    [
      'a template that is no http(s) URL',
      { traceUrl: 'javascript:alert("{traceId}")' },
      'kit.statusHandler: traceUrl: expected an http(s) URL or a root-relative path; got string "javascript:alert(\\"{traceId}\\")"',
    ],
    [
      'a traceUrl of the wrong type',
      { traceUrl: 42 },
      'kit.statusHandler: traceUrl: expected a URL template',
    ],
    [
      'an authorize that is not a function',
      { authorize: true },
      'kit.statusHandler: authorize: expected a function (req) => boolean; got boolean true',
    ],
    [
      'a refresh below a second',
      { refresh: '500ms' },
      'kit.statusHandler: refresh: expected at least "1s" (or false); got string "500ms"',
    ],
    ['a refresh that is no duration', { refresh: 'often' }, 'kit.statusHandler: refresh'],
    [
      'a service that is not a string',
      { service: 7 },
      'kit.statusHandler: service: expected a non-empty string; got number 7',
    ],
    [
      'an empty instance',
      { instance: '' },
      'kit.statusHandler: instance: expected a non-empty string; got string ""',
    ],
    [
      'a negative maxEvents',
      { maxEvents: -1 },
      'kit.statusHandler: maxEvents: expected a whole number from 0 to 1000; got number -1',
    ],
    [
      'a fractional maxFindings',
      { maxFindings: 1.5 },
      'kit.statusHandler: maxFindings: expected a whole number from 0 to 1000; got number 1.5',
    ],
    [
      'a prometheus that is not an http(s) URL, without showing its credentials',
      { prometheus: 'ftp://oncall:s3cret@prometheus:9090' },
      'kit.statusHandler: prometheus: expected the Prometheus base URL, e.g. "http://prometheus:9090"; got string "ftp://***@prometheus:9090"',
    ],
    [
      'a selector without prometheus',
      { selector: { job: 'shop' } },
      'kit.statusHandler: selector: only has a meaning with the prometheus option',
    ],
    [
      'a fleetTimeout without prometheus',
      { fleetTimeout: '1s' },
      'kit.statusHandler: fleetTimeout: only has a meaning with the prometheus option',
    ],
    [
      'a selector label that Prometheus cannot hold',
      { prometheus: 'http://prometheus:9090', selector: { 'k8s-namespace': 'shop' } },
      'kit.statusHandler: selector: "k8s-namespace" is not a Prometheus label name',
    ],
    [
      'a selector on a label slokit sets',
      { prometheus: 'http://prometheus:9090', selector: { slokit_sli_name: 'checkout' } },
      'kit.statusHandler: selector: "slokit_sli_name" is set by slokit itself and cannot be given',
    ],
    [
      'a selector value that is not a string',
      { prometheus: 'http://prometheus:9090', fleetLabels: { team: 7 } },
      'kit.statusHandler: fleetLabels.team: expected a string; got number 7',
    ],
    [
      'a header with a line break',
      { prometheus: 'http://prometheus:9090', fleetHeaders: { authorization: 'Bearer x\r\nx-evil: 1' } },
      'kit.statusHandler: fleetHeaders.authorization: expected a string without line breaks; got one with a line break',
    ],
    [
      'a fleetTimeout too long for a page',
      { prometheus: 'http://prometheus:9090', fleetTimeout: '1m' },
      'kit.statusHandler: fleetTimeout: expected from "100ms" to "30s"; got string "1m"',
    ],
    [
      'options that are not an object',
      'fast',
      'kit.statusHandler: options: expected an options object; got string "fast"',
    ],
  ])('rejects %s when the handler is made', (_, options, message) => {
    const error = thrown(() => kit.statusHandler(options as never));
    expect(['SLOKIT_E_OPTION', 'SLOKIT_E_DURATION']).toContain(error.code);
    expect(error.message).toContain(message);
  });

  it('fills trace templates with checked ids only', () => {
    const { traceLink } = resolveStatusOptions({
      traceUrl: 'https://jaeger.example/trace/{traceId}?span={spanId}',
    });
    const event = sampled({ traceId: TRACE_ID, spanId: SPAN_ID });
    expect(traceLink(event)).toBe(`https://jaeger.example/trace/${TRACE_ID}?span=${SPAN_ID}`);
    expect(traceLink(sampled({ traceId: 'not-a-trace-id"><img src=x>' }))).toBeNull();
    expect(traceLink(sampled({}))).toBeNull();
    expect(resolveStatusOptions({}).traceLink(event)).toBeNull();
  });

  it('checks what a traceUrl function returns, and survives one that throws', () => {
    const logged = captureDiag();
    const make = (fn: (event: SampledEvent) => string | undefined) =>
      resolveStatusOptions({ traceUrl: fn }).traceLink;
    const event = sampled({ traceId: TRACE_ID });
    expect(make((e) => `https://ui.honeycomb.io/acme/trace?trace_id=${e.traceId!}`)(event)).toBe(
      `https://ui.honeycomb.io/acme/trace?trace_id=${TRACE_ID}`,
    );
    expect(make(() => undefined)(event)).toBeNull();
    expect(make(() => 'javascript:alert(1)')(event)).toBeNull();
    expect(
      make(() => {
        throw new Error('boom');
      })(event),
    ).toBeNull();
    expect(logged.join('\n')).toMatch(
      /returned string "javascript:alert\(1\)", which is not an http\(s\) URL/,
    );
    expect(logged.join('\n')).toMatch(/traceUrl function threw; no trace link: Error: boom/);
  });

  it('has documented defaults', () => {
    const o = resolveStatusOptions(undefined);
    expect([o.refreshMs, o.maxFindings, o.maxEvents, o.instance, o.authorize]).toEqual([
      30_000,
      5,
      10,
      undefined,
      undefined,
    ]);
    expect(resolveStatusOptions({ refresh: false }).refreshMs).toBe(0);
    expect(o.fleet).toBeUndefined();
    expect(
      resolveStatusOptions({ prometheus: 'https://oncall:s3cret@example.com/prometheus/' }).fleet,
    ).toEqual({
      prometheus: 'https://oncall:s3cret@example.com/prometheus/',
      shown: 'https://example.com/prometheus',
      selector: {},
      labels: {},
      headers: {},
      timeout: '2s',
      timeoutMs: 2_000,
    });
  });
});

function sampled(fields: Partial<SampledEvent>): SampledEvent {
  return { at: 0, outcome: 'bad', reason: 'status', attributes: {}, ...fields };
}

/** A status entry with only what sliState and urgencyOrder read. */
function statusLike(fields: {
  page?: boolean;
  ticket?: boolean;
  eligible?: number;
  remaining?: number;
  burn?: number | null;
}): SliStatus {
  const alert = (firing: boolean | undefined) => ({ state: firing === true ? 'firing' : 'ok' });
  return {
    alerts: { page: alert(fields.page), ticket: alert(fields.ticket) },
    eligible: fields.eligible ?? 1000,
    budgetRemaining: fields.remaining ?? 0.9,
    burnRates: { '1h': fields.burn === undefined ? 0.5 : fields.burn },
    exhaustionWindow: '1h',
  } as unknown as SliStatus;
}

describe('urgency', () => {
  it('names the state: page, ticket, spent, burning, ok, no-data', () => {
    expect(sliState(statusLike({ page: true, ticket: true }))).toBe('page');
    expect(sliState(statusLike({ ticket: true, remaining: -1 }))).toBe('ticket');
    expect(sliState(statusLike({ remaining: 0 }))).toBe('spent');
    expect(sliState(statusLike({ burn: 1.01 }))).toBe('burning');
    expect(sliState(statusLike({ burn: 1 }))).toBe('ok');
    expect(sliState(statusLike({ eligible: 0, burn: null, remaining: 1 }))).toBe('no-data');
  });

  it('orders by state, then the fastest burn, then the least budget left, then the kit order', () => {
    const statuses = [
      statusLike({ burn: 0.2, remaining: 0.9 }), // 0 ok
      statusLike({ eligible: 0, burn: null, remaining: 1 }), // 1 no-data
      statusLike({ ticket: true, burn: 3 }), // 2 ticket
      statusLike({ page: true, burn: 20 }), // 3 page, slower
      statusLike({ page: true, burn: 40 }), // 4 page, faster
      statusLike({ burn: 0.2, remaining: 0.5 }), // 5 ok, same burn as 0, less budget
      statusLike({ burn: 2 }), // 6 burning
      statusLike({ remaining: -0.5, burn: 0.1 }), // 7 spent
      statusLike({ burn: 0.2, remaining: 0.5 }), // 8 the same as 5: kit order
    ];
    expect(urgencyOrder(statuses)).toEqual([4, 3, 2, 7, 6, 5, 8, 0, 1]);
  });
});

// A kit on a fake clock with constructed explanations and recent events (the reservoir's shapes).
const checkout = defineSli({
  name: 'checkout',
  description: 'Checkout <b>answers</b> "fast" & right',
  objective: '99.9%',
  runbook: 'https://runbooks.example.com/checkout',
  owner: 'shop <team> & "payments"',
  rationale: 'Users abandon checkouts after 300 ms <script>window.__pwned=1</script>',
  good: { status: '2xx' },
});
const search = defineSli({ name: 'search', objective: '99%', good: {} });

function incidentKit(): Slokit {
  const clock = createFakeClock();
  const kit = createSlokit({ slis: [search, checkout], clock, onAlert: () => undefined });
  const feeds = [kitTraffic(kit, search), kitTraffic(kit, checkout)];
  playTraffic({
    clock,
    durationMs: 90 * MINUTE,
    rate: (t) => ({ total: 1000, errorRatio: t >= 60 * MINUTE ? 0.05 : 0 }),
    onStep: (good, bad, at) => {
      feeds[0]!(1000, 0, at);
      feeds[1]!(good, bad, at);
    },
  });
  return kit;
}

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const LONG = 'x'.repeat(10_000);

function explanation(): Explanation {
  return {
    sli: 'checkout',
    from: 1,
    to: 2,
    bad: 50,
    good: 950,
    findings: [
      {
        attribute: 'app.payment.provider',
        value: HOSTILE,
        badShare: 0.9,
        goodShare: 0.1,
        badCount: 45,
        goodCount: 95,
        score: 9,
      },
      {
        attribute: 'app.api_token',
        value: 'tok_live_123',
        badShare: 0.8,
        goodShare: 0.1,
        badCount: 40,
        goodCount: 95,
        score: 8,
      },
      {
        attribute: 'app.note',
        value: LONG,
        badShare: 0.7,
        goodShare: 0.1,
        badCount: 35,
        goodCount: 95,
        score: 7,
      },
      {
        attribute: 'duration',
        range: { min: 300 },
        badShare: 0.6,
        goodShare: 0.01,
        badCount: 30,
        goodCount: 9,
        score: 6,
      },
      {
        attribute: 'app.cart.items',
        range: { min: 20, max: 40 },
        badShare: 0.5,
        goodShare: 0.1,
        badCount: 25,
        goodCount: 95,
        score: 5,
      },
      {
        attribute: 'http.response.status_code',
        value: 502,
        badShare: 0.4,
        goodShare: 0,
        badCount: 20,
        goodCount: 0,
        score: 4,
      },
    ],
  };
}

function badEvents(n: number): SampledEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    at: 1_735_695_000_000 - i * 1000,
    outcome: 'bad' as const,
    reason: 'status' as const,
    method: 'POST',
    route: `/api/checkout/${HOSTILE}`,
    status: 502,
    durationMs: 12.5,
    attributes: {
      'app.payment.provider': 'acme',
      'app.password': 'hunter2',
      [`app.${HOSTILE}`]: LONG,
      'app.tags': ['a', HOSTILE],
    },
    traceId: TRACE_ID.slice(0, 31) + (i % 10).toString(16),
    spanId: SPAN_ID,
  }));
}

function documentOptions(overrides: Partial<DocumentOptions> = {}): DocumentOptions {
  return {
    traceLink: resolveStatusOptions({ traceUrl: 'https://jaeger.example/trace/{traceId}' }).traceLink,
    maxFindings: 5,
    maxEvents: 10,
    instance: { id: `shop-${HOSTILE}`, service: `shop ${HOSTILE}` },
    onError: () => undefined,
    ...overrides,
  };
}

function sourceOf(kit: Slokit, extra: Partial<StatusSource> = {}): StatusSource {
  return {
    ...kitStatusSource(runtimeOf(kit, 'test')),
    explain: (sli) =>
      sli === 'checkout' ? explanation() : { sli, from: 0, to: 0, bad: 0, good: 0, findings: [] },
    recentBadEvents: (sli, limit) => (sli === 'checkout' ? badEvents(limit + 5) : []),
    ...extra,
  };
}

describe('the document', () => {
  it("is kit.status() in urgency order, with each SLI's words, chart, explanation and events", async () => {
    const kit = incidentKit();
    const doc = buildStatusDocument(sourceOf(kit), documentOptions());
    const status = kit.status();
    expect(doc.at).toBe(status.at);
    expect(doc.slis.map((s) => s.name)).toEqual(['checkout', 'search']);
    expect([doc.state, doc.slis[0]!.state, doc.slis[1]!.state]).toEqual(['page', 'page', 'ok']);
    const EXTRA = [
      'state',
      'description',
      'owner',
      'rationale',
      'runbook',
      'burnDown',
      'explanation',
      'recentBadEvents',
      'fleet',
    ];
    const strip = (s: (typeof doc.slis)[number]) =>
      Object.fromEntries(Object.entries(s).filter(([key]) => !EXTRA.includes(key)));
    expect(doc.slis.map(strip)).toEqual([status.slis[1], status.slis[0]]);
    expect(doc.slis[0]!.description).toBe('Checkout <b>answers</b> "fast" & right');
    expect(doc.slis[0]!.runbook).toBe('https://runbooks.example.com/checkout');
    expect(doc.slis[1]!.description).toBeNull();
    expect([doc.slis[0]!.owner, doc.slis[0]!.rationale]).toEqual([
      'shop <team> & "payments"',
      'Users abandon checkouts after 300 ms <script>window.__pwned=1</script>',
    ]);
    expect([doc.slis[1]!.owner, doc.slis[1]!.rationale]).toEqual([null, null]);
    // Without the prometheus option there is no fleet view.
    expect([doc.fleet, doc.slis[0]!.fleet, doc.slis[1]!.fleet]).toEqual([null, null, null]);
    expect(doc.slis[0]!.burnDown.points.at(-1)!.remaining).toBe(status.slis[1]!.budgetRemaining);
    expect(doc.instance.observedSince).toBe(status.at - 90 * MINUTE);
    await kit.shutdown();
  });

  it('cuts findings and events to their limits and redacts and limits every value as spans do', async () => {
    const kit = incidentKit();
    const doc = buildStatusDocument(sourceOf(kit), documentOptions({ maxFindings: 4, maxEvents: 3 }));
    const sli = doc.slis[0]!;
    const findings = sli.explanation!.findings;
    expect(findings.map((f) => f.attribute)).toEqual([
      'app.payment.provider',
      'app.api_token',
      'app.note',
      'duration',
    ]);
    expect(findings[0]!.value).toBe(HOSTILE); // escaped when rendered, not here
    expect(findings[1]!.value).toBe('[REDACTED]');
    expect(findings[2]!.value).toBe(`${'x'.repeat(1024 - '…[truncated]'.length)}…[truncated]`);
    expect(sli.recentBadEvents).toHaveLength(3);
    const event = sli.recentBadEvents[0]!;
    expect(event.attributes['app.password']).toBe('[REDACTED]');
    expect((event.attributes[`app.${HOSTILE}`] as string).length).toBe(1024);
    expect(event.attributes['app.tags']).toEqual(['a', HOSTILE]);
    expect(event.traceUrl).toBe(`https://jaeger.example/trace/${event.traceId!}`);
    expect(doc.slis[1]!.explanation).toEqual({
      sli: 'search',
      from: 0,
      to: 0,
      bad: 0,
      good: 0,
      findings: [],
    });
    await kit.shutdown();
  });

  it('leaves out what the kit cannot give, and what fails, logging the failure', async () => {
    const kit = incidentKit();
    const errors: string[] = [];
    const failing = sourceOf(kit, {
      explain: () => {
        throw new Error('no reservoir');
      },
      recentBadEvents: () => {
        throw new Error('no events');
      },
    });
    const doc = buildStatusDocument(
      failing,
      documentOptions({ onError: (what, e) => errors.push(`${what}: ${String(e)}`) }),
    );
    expect(doc.slis.map((s) => [s.explanation, s.recentBadEvents])).toEqual([
      [null, []],
      [null, []],
    ]);
    expect(errors).toEqual([
      'explain: Error: no reservoir',
      'recentEvents: Error: no events',
      'explain: Error: no reservoir',
      'recentEvents: Error: no events',
    ]);
    // The kit's own source reads its reservoir, empty here: the counts were added without events.
    const bare = buildStatusDocument(kitStatusSource(runtimeOf(kit, 'test')), documentOptions());
    expect(bare.slis.map((s) => [s.explanation, s.recentBadEvents])).toEqual(
      ['checkout', 'search'].map((sli) => [{ sli, from: 0, to: 0, bad: 0, good: 0, findings: [] }, []]),
    );
    await kit.shutdown();
  });
});

describe('the HTML', () => {
  it('shows hostile values only as text: no markup, script or attribute of theirs survives', async () => {
    const kit = incidentKit();
    const page = renderStatusPage(buildStatusDocument(sourceOf(kit), documentOptions()), {
      refreshMs: 30_000,
      version: '0.0.0',
    });
    expect(page).not.toContain('<img');
    expect(page).not.toContain('onerror="');
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).toContain(escapeHtml(HOSTILE));
    expect(page).toContain('Checkout &lt;b&gt;answers&lt;/b&gt; &quot;fast&quot; &amp; right');
    expect(page).toContain(
      '<span class="v owner" data-field="owner">shop &lt;team&gt; &amp; &quot;payments&quot;</span>',
    );
    expect(page).toContain(
      '<span class="v" data-field="rationale">Users abandon checkouts after 300 ms &lt;script&gt;window.__pwned=1&lt;/script&gt;</span>',
    );
    expect(page).not.toContain('hunter2');
    expect(page).not.toContain('tok_live_123');
    // Every link goes where it should: the runbook, trace links, anchors, the JSON view.
    const hrefs = [...page.matchAll(/ href="([^"]*)"/g)].map((m) => m[1]!);
    for (const href of hrefs) {
      expect(href).toMatch(
        /^(https:\/\/runbooks\.example\.com\/checkout|https:\/\/jaeger\.example\/trace\/[0-9a-f]{32}|#sli-(checkout|search)|\?format=json|data:image\/svg\+xml,[^"<>]*)$/,
      );
    }
    await kit.shutdown();
  });

  it('carries the exact figures in data elements, and the refresh only when asked', async () => {
    const kit = incidentKit();
    const doc = buildStatusDocument(sourceOf(kit), documentOptions());
    const page = renderStatusPage(doc, { refreshMs: 0, version: '0.0.0' });
    const s = doc.slis[0]!;
    expect(page).toContain(`<data data-field="budgetRemaining" value="${s.budgetRemaining}">`);
    expect(page).toContain(`<data data-field="burnRate.5m" value="${s.burnRates['5m']!}">`);
    expect(page).toContain(`<data data-field="good" value="${s.good}">`);
    expect(page).not.toContain('<script');
    expect(page).toContain('<html lang="en" data-refresh="">');
    expect(renderStatusPage(doc, { refreshMs: 15_000, version: '0.0.0' })).toContain('data-refresh="15"');
    await kit.shutdown();
  });

  it('is allowed its one stylesheet and script by hash, and nothing else', async () => {
    const kit = incidentKit();
    const page = renderStatusPage(buildStatusDocument(sourceOf(kit), documentOptions()), {
      refreshMs: 30_000,
      version: '0.0.0',
    });
    // Byte for byte the text the hashes are of.
    expect(page).toContain(`<style>${STYLE}</style>`);
    expect(page).toContain(`<script>${SCRIPT}</script>`);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(STATUS_PAGE_CSP).toContain(`style-src ${hash(STYLE)};`);
    expect(STATUS_PAGE_CSP).toContain(`script-src ${hash(SCRIPT)};`);
    await kit.shutdown();
    expect(STATUS_PAGE_CSP).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; script-src 'sha256-[A-Za-z0-9+/]{43}='; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/,
    );
  });
});

describe('the banner', () => {
  function bannerOf(traffic: Record<string, boolean>): string {
    const clock = createFakeClock();
    const kit = createSlokit({ slis: [search, checkout], clock });
    for (const [name, on] of Object.entries(traffic)) if (on) kitTraffic(kit, name)(1000, 0, clock.now());
    const page = renderStatusPage(
      buildStatusDocument(kitStatusSource(runtimeOf(kit, 'test')), documentOptions()),
      {
        refreshMs: 0,
        version: '0.0.0',
      },
    );
    void kit.shutdown();
    return /<p class="banner[^"]*" id="summary">([^<]*)<\/p>/.exec(page)![1]!.replace(/\s+/g, ' ').trim();
  }

  it('says in words that all is well, and which SLIs have seen nothing yet', () => {
    expect(bannerOf({ search: true, checkout: true })).toBe('All 2 SLIs are within their error budgets.');
    expect(bannerOf({ search: true, checkout: false })).toBe(
      'search is within its error budget. One has seen no eligible event yet.',
    );
    expect(bannerOf({ search: false, checkout: false })).toBe('No eligible events observed yet.');
  });
});
