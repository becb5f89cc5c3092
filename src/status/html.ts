/**
 * Renders the status page from its document: one self-contained HTML page (inline stylesheet and
 * script allowed by hash, charts as inline SVG), readable without JavaScript, in the order an
 * engineer who was just paged reads it: the overall state, the SLIs most urgent first, and for each
 * what fires since when, how much budget is left and how fast it goes, what is different about the
 * bad events, and links to failing requests' traces.
 *
 * Every value from the kit, its SLIs or its events goes through the escaping `html` tag. Exact
 * figures ride in `<data value data-field>` and `<time datetime>`, so scripts and tests read the
 * numbers themselves rather than their rounding.
 */

import type { AlertStatus } from '../budget/status.js';
import type { TierEvaluation } from '../budget/alerts.js';
import type { Explanation, Finding } from '../explain/types.js';
import { formatObjective } from '../sli/objective.js';
import { SCRIPT, STYLE } from './assets.js';
import { burnBar, burnDownChart } from './chart.js';
import {
  formatBurnRate,
  formatCompliance,
  formatCount,
  formatExhaustion,
  formatFactor,
  formatLatency,
  formatPercent,
  formatSpan,
  formatTime,
  isoTime,
} from './format.js';
import { html, trustedHtml } from './html-template.js';
import type { Html, HtmlValue } from './html-template.js';
import type { FleetSource } from '../fleet/types.js';
import type { SliState, StatusDocument, StatusEvent, StatusFleet, StatusPageSli } from './types.js';

/** How the page is rendered. */
export interface RenderOptions {
  /** How often the page updates itself, in ms; 0 for never. */
  readonly refreshMs: number;
  /** slokit's version, in the footer. */
  readonly version: string;
}

const STATE_LABEL: Readonly<Record<SliState, string>> = {
  page: 'Page',
  ticket: 'Ticket',
  spent: 'Budget spent',
  burning: 'Burning',
  ok: 'OK',
  'no-data': 'No data',
};

const STATE_COLOUR: Readonly<Record<SliState, string>> = {
  page: '#cf222e',
  ticket: '#bf8700',
  spent: '#cf222e',
  burning: '#bf8700',
  ok: '#1a7f37',
  'no-data': '#8c959f',
};

// Built outside any template, so that nothing (a formatter included) can change a byte of what the
// Content-Security-Policy allows by hash.
const STYLE_ELEMENT = trustedHtml(`<style>${STYLE}</style>`);
const SCRIPT_ELEMENT = trustedHtml(`<script>${SCRIPT}</script>`);

/** A favicon in the state's colour, as a data URL: the tab says how things stand, and no request is made. */
function favicon(state: SliState): string {
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='7' fill='${STATE_COLOUR[state]}'/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

function field(name: string, value: number | null, text: string): Html {
  return html`<data data-field="${name}" value="${value === null ? '' : String(value)}">${text}</data>`;
}

function time(ms: number, reference: number): Html {
  return html`<time datetime="${isoTime(ms)}">${formatTime(ms, reference)}</time>`;
}

function badge(state: SliState): Html {
  return html`<span class="badge state-${state}" data-state="${state}">${STATE_LABEL[state]}</span>`;
}

/** Renders the whole page. */
export function renderStatusPage(doc: StatusDocument, options: RenderOptions): string {
  const service = doc.instance.service;
  const urgent = doc.slis.filter((s) => s.state !== 'ok' && s.state !== 'no-data');
  const title = `${urgent.length === 0 ? 'OK' : `${STATE_LABEL[doc.state]}: ${urgent.map((s) => s.name).join(', ')}`} · ${service ?? 'slokit'} status`;
  const refreshSeconds = Math.round(options.refreshMs / 1000);
  const page = html`<!doctype html>
    <html lang="en" data-refresh="${refreshSeconds > 0 ? String(refreshSeconds) : ''}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <link rel="icon" href="${favicon(doc.state)}" />
        ${STYLE_ELEMENT}
      </head>
      <body>
        <header class="page">
          <div class="wrap">
            <h1>
              ${service === null ? 'Service status' : html`Status of <span class="v">${service}</span>`}
            </h1>
            ${header(doc)} ${fleetNote(doc)}
            <div class="controls">
              <a href="?format=json">This page as JSON</a>
              ${
                refreshSeconds > 0
                  ? html`<span id="refresh" hidden
                        ><label
                          ><input type="checkbox" checked /> Update every
                          ${formatSpan(options.refreshMs)}</label
                        ></span
                      >
                      <span id="refresh-note" class="muted" role="status"></span>`
                  : ''
              }
            </div>
          </div>
        </header>
        <main id="content" class="wrap">
          ${banner(doc)} ${fleetBanner(doc)} ${overview(doc)}
          ${doc.slis.map((sli) => sliSection(sli, doc.at, doc.fleet))}
        </main>
        <footer class="wrap">
          slokit ${options.version}. Times are UTC. Budgets, burn rates and alerts follow the multi-window,
          multi-burn-rate method of the Google SRE Workbook, chapter 5.
        </footer>
        ${refreshSeconds > 0 ? SCRIPT_ELEMENT : ''}
      </body>
    </html> `;
  return page.value;
}

function header(doc: StatusDocument): Html {
  const since = doc.instance.observedSince;
  return html`<p class="meta" id="updated">
    <span>Instance <code class="v" data-field="instance">${doc.instance.id}</code></span>
    <span
      >${since === null ? 'nothing observed yet' : html`observing since ${time(since, doc.at)} (${formatSpan(doc.at - since)})`}</span
    >
    <span>figures at ${time(doc.at, Number.NaN)}</span>
  </p>`;
}

/** Selector matchers as PromQL writes them: `job="shop", env="prod"`. */
function matchers(selector: Readonly<Record<string, string>>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

/**
 * What the figures cover. Without `prometheus`: this process's own events, and where the fleet's
 * come from. With it: where the fleet column comes from, or in words why it is missing.
 */
function fleetNote(doc: StatusDocument): Html {
  const fleet = doc.fleet;
  if (fleet === null) {
    return html`<p class="note" id="fleet" data-fleet="none">
      These figures are this process's own events. Fleet-wide numbers (every instance, across restarts and
      deploys) come from Prometheus, through the recording and alert rules that
      <code>slokit rules</code> generates.
    </p>`;
  }
  const where = html`Prometheus at <code class="v" data-field="prometheus">${fleet.prometheus}</code>${
      Object.keys(fleet.selector).length === 0
        ? ''
        : html` (series <code class="v" data-field="selector">{${matchers(fleet.selector)}}</code>)`
    }`;
  if (fleet.error !== null) {
    return html`<p class="note fleet-down" id="fleet" data-fleet="unavailable" role="status">
      <strong>No fleet-wide figures:</strong>
      <span class="v" data-field="fleet-error">${fleet.error.message}.</span> Every figure below is this
      process's own events; the fleet's come from ${where}, through the rules that
      <code>slokit rules</code> generates.
    </p>`;
  }
  return html`<p class="note" id="fleet" data-fleet="available">
    Beside this process's own events: the fleet's, every instance that ${where} scrapes, at
    ${time(fleet.at, doc.at)}.
  </p>`;
}

/** A second banner for what fires fleet-wide, when the fleet view is on and something does. */
function fleetBanner(doc: StatusDocument): Html {
  const urgent = doc.slis.filter(
    (s) => s.fleet !== null && s.fleet.state !== 'ok' && s.fleet.state !== 'no-data',
  );
  if (doc.fleet === null || !doc.fleet.available) return html``;
  if (urgent.length === 0) {
    return html`<p class="banner state-ok" id="fleet-summary">
      Fleet-wide: every SLI with events is within its error budget.
    </p>`;
  }
  const joined: (Html | string)[] = [];
  urgent.forEach((s, i) => {
    if (i > 0) joined.push(i === urgent.length - 1 ? ' and ' : ', ');
    joined.push(html`<a href="#sli-${s.name}-fleet">${s.name}</a> (${stateSentence(s.fleet!)})`);
  });
  const worst = urgent
    .map((s) => s.fleet!.state)
    .sort((a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b))[0]!;
  return html`<p class="banner state-${worst}" id="fleet-summary">Fleet-wide: ${joined}.</p>`;
}

const STATE_ORDER: readonly SliState[] = ['page', 'ticket', 'spent', 'burning', 'ok', 'no-data'];

function banner(doc: StatusDocument): Html {
  const firing = doc.slis.filter((s) => s.state !== 'ok' && s.state !== 'no-data');
  if (firing.length === 0) {
    const ok = doc.slis.filter((s) => s.state === 'ok');
    const quiet = doc.slis.length - ok.length;
    const within =
      ok.length === 1
        ? `${ok[0]!.name} is within its error budget.`
        : `All ${ok.length} SLIs with events are within their error budgets.`;
    const text =
      ok.length === 0
        ? 'No eligible events observed yet.'
        : quiet === 0
          ? within.replace(' with events', '')
          : `${within} ${quiet === 1 ? 'One has' : `${quiet} have`} seen no eligible event yet.`;
    return html`<p class="banner state-${doc.state}" id="summary">${text}</p>`;
  }
  const parts = firing.map((s) => html`<a href="#sli-${s.name}">${s.name}</a> (${stateSentence(s)})`);
  const joined: (Html | string)[] = [];
  parts.forEach((p, i) => {
    if (i > 0) joined.push(i === parts.length - 1 ? ' and ' : ', ');
    joined.push(p);
  });
  return html`<p class="banner state-${doc.state}" id="summary">
    ${firing.length === 1 ? 'Needs attention: ' : `${firing.length} SLIs need attention: `}${joined}.
  </p>`;
}

function stateSentence(
  s: Pick<StatusPageSli, 'state' | 'alerts' | 'burnRates' | 'exhaustionWindow' | 'budgetRemaining'>,
): string {
  const burn = s.burnRates[s.exhaustionWindow] ?? null;
  switch (s.state) {
    case 'page':
      return `page alert firing, ${formatBurnRate(s.alerts.page.burnRate)} over ${s.alerts.page.windows ?? ''}`;
    case 'ticket':
      return `ticket alert firing, ${formatBurnRate(s.alerts.ticket.burnRate)} over ${s.alerts.ticket.windows ?? ''}`;
    case 'spent':
      return `error budget spent: ${formatPercent(s.budgetRemaining, 1)} left`;
    case 'burning':
      return `burning ${formatBurnRate(burn)} over ${s.exhaustionWindow}`;
    default:
      return STATE_LABEL[s.state];
  }
}

function overview(doc: StatusDocument): Html {
  return html`<section aria-labelledby="overview-h">
    <h2 id="overview-h" class="sr-only">Overview</h2>
    ${scrollTable({
      labelledBy: 'overview-c',
      attributes: html`id="overview"`,
      caption: html`<caption id="overview-c">
        SLIs, most urgent first
      </caption>`,
      columns: [
        ['SLI'],
        ['State'],
        ['Budget left', 'num'],
        ['Burn rate', 'num'],
        ['Budget gone in', 'num'],
        ['Good / objective', 'num'],
        ...(doc.fleet === null ? [] : [['Fleet', 'num'] as const]),
      ],
      rows: doc.slis.map((s) => {
        const burn = s.burnRates[s.exhaustionWindow] ?? null;
        return html`<tr data-sli="${s.name}">
          <th scope="row"><a href="#sli-${s.name}">${s.name}</a></th>
          <td>${badge(s.state)}</td>
          <td class="num">
            ${field('budgetRemaining', s.budgetRemaining, formatPercent(s.budgetRemaining, 1))}
          </td>
          <td class="num">
            ${field(`burnRate.${s.exhaustionWindow}`, burn, formatBurnRate(burn))}
            <span class="muted">${s.exhaustionWindow}</span>
          </td>
          <td class="num">
            ${field('timeToExhaustionMs', s.timeToExhaustionMs, formatExhaustion(s.timeToExhaustionMs))}
          </td>
          <td class="num">
            ${field('compliance', s.compliance, formatCompliance(s.compliance))} /
            ${formatObjective(s.objective)}
          </td>
          ${doc.fleet === null ? '' : html`<td class="num" data-fleet-of="${s.name}">${fleetCell(s)}</td>`}
        </tr>`;
      }),
    })}
  </section>`;
}

/** The overview's fleet cell: the fleet's state and budget left, or a dash when Prometheus did not answer. */
function fleetCell(s: StatusPageSli): Html {
  const f = s.fleet;
  if (f === null) return html`<span class="muted">–</span>`;
  return html`${badge(f.state)}
  ${f.data === 'no-series' ? html`<span class="muted">no series</span>` : formatPercent(f.budgetRemaining, 1)}`;
}

function sliSection(s: StatusPageSli, at: number, fleet: StatusFleet | null): Html {
  const id = `sli-${s.name}`;
  const runbook = s.runbook;
  return html`<section class="sli" id="${id}" data-sli="${s.name}" aria-labelledby="${id}-h">
    <div class="sli-head">
      <h2 id="${id}-h">${s.name}</h2>
      ${badge(s.state)}
    </div>
    ${s.description === null ? '' : html`<p class="v" data-field="description">${s.description}</p>`}
    ${s.owner === null ? '' : html`<p class="muted">Owner: <span class="v owner" data-field="owner">${s.owner}</span></p>`}
    ${
      s.rationale === null
        ? ''
        : html`<p class="rationale">
            <span class="muted">Why this objective:</span>
            <span class="v" data-field="rationale">${s.rationale}</span>
          </p>`
    }
    <p class="muted">
      Objective ${field('objective', s.objective, formatObjective(s.objective))} of eligible events good over
      ${s.window}; this instance has observed ${formatSpan(s.observedMs)} of it
      (${field('observedRatio', s.observedRatio, formatPercent(s.observedRatio, 1))}).${
        runbook === null ? '' : html` <a href="${runbook}" rel="noreferrer" data-field="runbook">Runbook</a>`
      }
    </p>
    <ul class="alerts" aria-label="Alerts of ${s.name}">
      ${alertItem('page', s.alerts.page, at)} ${alertItem('ticket', s.alerts.ticket, at)}
    </ul>
    <dl class="figures">
      <div>
        <dt>Good events</dt>
        <dd>${field('good', s.good, formatCount(s.good))}</dd>
      </div>
      <div>
        <dt>Bad events</dt>
        <dd>${field('bad', s.bad, formatCount(s.bad))}</dd>
      </div>
      <div>
        <dt>Compliance</dt>
        <dd>${field('compliance', s.compliance, formatCompliance(s.compliance))}</dd>
      </div>
      <div>
        <dt>Budget remaining</dt>
        <dd class="${s.budgetRemaining <= 0 ? 'bad-text' : ''}">
          ${field('budgetRemaining', s.budgetRemaining, formatPercent(s.budgetRemaining, 1))}
          <small
            >${field('budgetRemainingEvents', s.budgetRemainingEvents, formatCount(Math.round(s.budgetRemainingEvents * 100) / 100))}
            events</small
          >
        </dd>
      </div>
      <div>
        <dt>Budget gone in</dt>
        <dd>
          ${field('timeToExhaustionMs', s.timeToExhaustionMs, formatExhaustion(s.timeToExhaustionMs))}
          <small>at the ${s.exhaustionWindow} burn rate</small>
        </dd>
      </div>
    </dl>
    ${fleet === null ? '' : fleetPart(s, fleet)}
    <figure>
      ${burnDownChart(s.burnDown, `${id}-chart`, s.name, at)}
      <figcaption>
        Error budget remaining over the observed time, from the
        ${s.burnDown.bucketMs === 60_000 ? 'minute' : 'hour'} windows.
      </figcaption>
    </figure>
    ${burnRateTable(s)} ${tierTable(s)} ${findingsPart(s.explanation, s.name, at)}
    ${eventsPart(s.recentBadEvents, s.name, at)}
  </section>`;
}

const SOURCE_WORDS: Readonly<Record<FleetSource, string>> = {
  'recording-rules': 'from the recording rules',
  'raw-counters':
    'from the raw slokit_sli_events_total counters (the recording rules are not loaded, carry other labels, or have not been evaluated yet)',
  mixed: 'partly from the recording rules, partly from the raw counters',
};

/** An alert in the comparison table: firing with its window pair and burn rate, or not. */
function alertCell(severity: 'page' | 'ticket', alert: AlertStatus, scope: 'instance' | 'fleet'): Html {
  if (alert.state !== 'firing') {
    return html`<td class="num" data-alert="${severity}" data-scope="${scope}" data-state="ok">
      not firing
    </td>`;
  }
  return html`<td class="num" data-alert="${severity}" data-scope="${scope}" data-state="firing">
    <strong class="${severity === 'page' ? 'bad-text' : 'warn-text'}">firing</strong>
    <code>${alert.windows ?? ''}</code> ${formatBurnRate(alert.burnRate)} &gt; ${formatFactor(alert.factor)}
  </td>`;
}

/**
 * The fleet beside this instance: one table of the same figures, read from Prometheus at the same
 * time, or in words why they are missing.
 */
function fleetPart(s: StatusPageSli, fleet: StatusFleet): Html {
  const id = `sli-${s.name}-fleet`;
  const heading = html`<h3 id="${id}">This instance and the fleet</h3>`;
  const f = s.fleet;
  if (f === null) {
    return html`${heading}
      <p class="muted" data-fleet-state="unavailable">
        No fleet-wide figures:
        ${fleet.error === null ? 'Prometheus gave none for this SLI' : 'Prometheus did not answer (see above)'}.
      </p>`;
  }
  const row = (title: string, instance: Html, ofFleet: Html): Html =>
    html`<tr>
      <th scope="row">${title}</th>
      <td class="num">${instance}</td>
      <td class="num">${ofFleet}</td>
    </tr>`;
  const count = (n: number): string => formatCount(Math.round(n * 100) / 100);
  const rows: Html[] = [
    html`<tr>
      <th scope="row">State</th>
      <td class="num">${badge(s.state)}</td>
      <td class="num">${badge(f.state)}</td>
    </tr>`,
    row(
      'Observed',
      html`${formatSpan(s.observedMs)}`,
      field('fleet.observedMs', f.observedMs, formatSpan(f.observedMs)),
    ),
    row(
      'Good events',
      field('good', s.good, formatCount(s.good)),
      field('fleet.good', f.good, count(f.good)),
    ),
    row('Bad events', field('bad', s.bad, formatCount(s.bad)), field('fleet.bad', f.bad, count(f.bad))),
    row(
      'Compliance',
      field('compliance', s.compliance, formatCompliance(s.compliance)),
      field('fleet.compliance', f.compliance, formatCompliance(f.compliance)),
    ),
    row(
      'Budget remaining',
      field('budgetRemaining', s.budgetRemaining, formatPercent(s.budgetRemaining, 1)),
      field('fleet.budgetRemaining', f.budgetRemaining, formatPercent(f.budgetRemaining, 1)),
    ),
    row(
      'Budget remaining, events',
      field('budgetRemainingEvents', s.budgetRemainingEvents, count(s.budgetRemainingEvents)),
      field('fleet.budgetRemainingEvents', f.budgetRemainingEvents, count(f.budgetRemainingEvents)),
    ),
    row(
      `Budget gone in (${s.exhaustionWindow} burn)`,
      field('timeToExhaustionMs', s.timeToExhaustionMs, formatExhaustion(s.timeToExhaustionMs)),
      field('fleet.timeToExhaustionMs', f.timeToExhaustionMs, formatExhaustion(f.timeToExhaustionMs)),
    ),
    ...Object.keys(s.burnRates).map((window) => {
      const mine = s.burnRates[window] ?? null;
      const theirs = f.burnRates[window] ?? null;
      return row(
        `Burn rate ${window}`,
        field(`burnRate.${window}`, mine, formatBurnRate(mine)),
        field(`fleet.burnRate.${window}`, theirs, formatBurnRate(theirs)),
      );
    }),
    html`<tr>
      <th scope="row">Page alert</th>
      ${alertCell('page', s.alerts.page, 'instance')} ${alertCell('page', f.alerts.page, 'fleet')}
    </tr>`,
    html`<tr>
      <th scope="row">Ticket alert</th>
      ${alertCell('ticket', s.alerts.ticket, 'instance')} ${alertCell('ticket', f.alerts.ticket, 'fleet')}
    </tr>`,
  ];
  const firing = f.alerts.tiers.filter((t) => t.firing).map((t) => `${t.severity} ${t.windows}`);
  const notes: Html[] = [
    html`<p class="muted" data-field="fleet.source">
      Fleet figures ${SOURCE_WORDS[f.source]}, over ${formatCount(f.series)} counter
      series${firing.length === 0 ? '' : html`; tiers whose condition holds: <span data-field="fleet.firing">${firing.join(', ')}</span>`}.
      Prometheus and Alertmanager know since when its alerts fire.
    </p>`,
  ];
  if (f.data === 'no-series') {
    notes.push(
      html`<p class="warn-text" data-fleet-data="no-series">
        Prometheus holds no <code>slokit_sli_events_total</code> series of
        ${s.name}${
          Object.keys(fleet.selector).length === 0
            ? ''
            : html` with <code class="v">{${matchers(fleet.selector)}}</code>`
        }
        in its window: it is not scraped, the selector is wrong, or the SLI is not deployed. The fleet column
        is not backed by data.
      </p>`,
    );
  } else if (f.data === 'not-a-number') {
    notes.push(
      html`<p class="warn-text" data-fleet-data="not-a-number">
        Prometheus returned figures that are not numbers; they are left out:
      </p>`,
    );
  }
  if (f.warnings.length > 0) {
    notes.push(
      html`<ul class="muted fleet-warnings">
        ${f.warnings.map((w) => html`<li class="v">${w}</li>`)}
      </ul>`,
    );
  }
  return html`${heading}
  ${scrollTable({
    labelledBy: id,
    attributes: html`class="fleet" data-sli="${s.name}"`,
    columns: [
      [html`<span class="sr-only">Figure</span>`],
      ['This instance', 'num'],
      [html`Fleet <span class="muted">(Prometheus)</span>`, 'num'],
    ],
    rows,
  })}
  ${notes}`;
}

function alertItem(severity: 'page' | 'ticket', alert: AlertStatus, at: number): Html {
  const name = severity === 'page' ? 'Page alert' : 'Ticket alert';
  if (alert.state !== 'firing') {
    return html`<li data-alert="${severity}" data-state="ok"><strong>${name}</strong>: not firing.</li>`;
  }
  const since =
    alert.since === null ? '' : html` since ${time(alert.since, at)} (for ${formatSpan(at - alert.since)})`;
  const long = alert.windows?.split('/')[0] ?? '';
  const hold = alert.conditionMet
    ? ''
    : ' The condition has cleared; it resolves once it stays clear for the resolve hold.';
  return html`<li class="firing ${severity}" data-alert="${severity}" data-state="firing">
    <strong>${name} firing</strong>${since}: windows <code data-field="windows">${alert.windows ?? ''}</code>,
    burn rate ${formatBurnRate(alert.burnRate)} over ${long} against a threshold of
    ${formatFactor(alert.factor)}.${hold}
  </li>`;
}

/** The thresholds (tier factors) of one severity that apply to a window, as a long or a short window. */
function thresholdsFor(
  tiers: readonly TierEvaluation[],
  severity: 'page' | 'ticket',
  windowMs: number,
): TierEvaluation[] {
  return tiers.filter((t) => t.severity === severity && (t.longMs === windowMs || t.shortMs === windowMs));
}

const WINDOW_MS: Readonly<Record<string, number>> = {
  '5m': 300_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '6h': 21_600_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
};

function thresholdCell(applying: readonly TierEvaluation[], windowMs: number, rate: number | null): Html {
  if (applying.length === 0) return html`<td class="num muted">–</td>`;
  const above = rate !== null && applying.some((t) => rate > t.factor);
  return html`<td class="num${above ? ' above' : ''}">
    ${applying.map(
      (t, i) =>
        html`${i > 0 ? html`<br />` : ''}${formatFactor(t.factor)}${rate !== null && rate > t.factor ? ' ▲' : ''}<br /><small
            class="muted"
            >${t.windows} ${t.longMs === windowMs ? 'long' : 'short'}</small
          >`,
    )}${above ? html`<span class="sr-only"> (exceeded)</span>` : ''}
  </td>`;
}

function burnRateTable(s: StatusPageSli): Html {
  const max = 1 / (1 - s.objective);
  return scrollTable({
    labelledBy: `sli-${s.name}-rates`,
    attributes: html`class="rates"`,
    caption: html`<caption id="sli-${s.name}-rates">
      Burn rate per window (1× spends the budget exactly over ${s.window})
    </caption>`,
    columns: [
      ['Window'],
      ['Burn rate', 'num'],
      ['Page threshold', 'num'],
      ['Ticket threshold', 'num'],
      [html`<span class="sr-only">Scale</span>`],
    ],
    rows: Object.entries(s.burnRates).map(([window, rate]) => {
      const windowMs = WINDOW_MS[window] ?? 0;
      const page = thresholdsFor(s.alerts.tiers, 'page', windowMs);
      const ticket = thresholdsFor(s.alerts.tiers, 'ticket', windowMs);
      const factors = [...page, ...ticket].map((t) => t.factor);
      const above = rate !== null && factors.some((f) => rate > f);
      return html`<tr data-window="${window}" class="${above ? 'above' : ''}">
        <th scope="row">${window}</th>
        <td class="num rate">${field(`burnRate.${window}`, rate, formatBurnRate(rate))}</td>
        ${thresholdCell(page, windowMs, rate)} ${thresholdCell(ticket, windowMs, rate)}
        <td>${burnBar(rate, factors, max)}</td>
      </tr>`;
    }),
  });
}

function tierTable(s: StatusPageSli): Html {
  return html`<details id="sli-${s.name}-tiers">
    <summary>
      Alert tiers: both windows must burn faster than the threshold, with at least
      ${formatCount(s.alerts.minEvents)} eligible events in the long window
    </summary>
    ${scrollTable({
      labelledBy: `sli-${s.name}-tiers-c`,
      caption: html`<caption id="sli-${s.name}-tiers-c" class="sr-only">
        Alert tiers of ${s.name}
      </caption>`,
      columns: [
        ['Severity'],
        ['Windows'],
        ['Budget share', 'num'],
        ['Threshold', 'num'],
        ['Long', 'num'],
        ['Short', 'num'],
        ['Eligible (long)', 'num'],
        ['Condition'],
      ],
      rows: s.alerts.tiers.map(
        (t) =>
          html`<tr data-tier="${t.windows}">
            <td>${t.severity}</td>
            <th scope="row">${t.windows}</th>
            <td class="num">${formatPercent(t.budgetShare, 0)}</td>
            <td class="num">${formatFactor(t.factor)}</td>
            <td class="num${t.longBurnRate > t.factor ? ' above' : ''}">${formatBurnRate(t.longBurnRate)}</td>
            <td class="num${t.shortBurnRate > t.factor ? ' above' : ''}">
              ${formatBurnRate(t.shortBurnRate)}
            </td>
            <td class="num">${formatCount(t.eligible)}</td>
            <td>
              ${!t.canFire ? 'cannot fire at this objective' : t.firing ? html`<strong class="bad-text">met</strong>` : 'not met'}
            </td>
          </tr>`,
      ),
    })}
  </details>`;
}

function findingText(f: Finding): Html {
  const unit = f.attribute === 'duration' ? ' ms' : '';
  if (f.range !== undefined) {
    const { min, max } = f.range;
    const bounds =
      min !== undefined && max !== undefined
        ? `${min}${unit} to ${max}${unit}`
        : min !== undefined
          ? `≥ ${min}${unit}`
          : `≤ ${max ?? ''}${unit}`;
    return html`<code class="v">${f.attribute}</code> <span class="v">${bounds}</span>`;
  }
  return html`<code class="v">${f.attribute}</code> = <span class="v">${String(f.value ?? '')}</span>`;
}

function findingsPart(explanation: Explanation | null, name: string, at: number): Html {
  if (explanation === null) return html``;
  const heading = html`<h3 id="sli-${name}-why">What is different about the bad events</h3>`;
  if (explanation.bad === 0) {
    return html`${heading}
      <p class="muted" data-field="findings">No bad events to compare.</p>`;
  }
  const compared = html`<p class="muted">
    Compared ${formatCount(explanation.bad)} bad and ${formatCount(explanation.good)} good events from
    ${time(explanation.from, at)} to ${time(explanation.to, at)}.
  </p>`;
  if (explanation.findings.length === 0) {
    return html`${heading}${compared}
      <p data-field="findings">No attribute value sets the bad events apart from the good ones.</p>`;
  }
  return html`${heading}${compared}
  ${scrollTable({
    labelledBy: `sli-${name}-why`,
    attributes: html`class="findings"`,
    columns: [['Bad events have'], ['Of bad', 'num'], ['Of good', 'num'], ['Score', 'num']],
    rows: explanation.findings.map(
      (f) =>
        html`<tr data-attribute="${f.attribute}">
          <td>${findingText(f)}</td>
          <td class="num">
            ${field('badShare', f.badShare, formatPercent(f.badShare, 0))}
            <span class="muted">(${formatCount(f.badCount)})</span>
          </td>
          <td class="num">
            ${field('goodShare', f.goodShare, formatPercent(f.goodShare, 0))}
            <span class="muted">(${formatCount(f.goodCount)})</span>
          </td>
          <td class="num">${field('score', f.score, f.score.toFixed(2))}</td>
        </tr>`,
    ),
  })}`;
}

function shortId(traceId: string): string {
  return traceId.length > 12 ? `${traceId.slice(0, 12)}…` : traceId;
}

function eventsPart(events: readonly StatusEvent[], name: string, at: number): Html {
  const heading = html`<h3 id="sli-${name}-events">Recent bad events</h3>`;
  if (events.length === 0)
    return html`${heading}
      <p class="muted">None kept.</p>`;
  return html`${heading}
  ${scrollTable({
    labelledBy: `sli-${name}-events`,
    attributes: html`class="events"`,
    columns: [
      ['Time'],
      ['Request'],
      ['Status', 'num'],
      ['Duration', 'num'],
      ['Reason'],
      ['Trace'],
      ['Context'],
    ],
    rows: events.map((e) => eventRow(e, at)),
  })}`;
}

function eventRow(e: StatusEvent, at: number): Html {
  const request =
    e.method === undefined && e.route === undefined
      ? html`<span class="muted">–</span>`
      : html`<code class="v">${e.method ?? ''} ${e.route ?? '(no route)'}</code>`;
  const trace =
    e.traceId === undefined
      ? html`<span class="muted">–</span>`
      : e.traceUrl === null
        ? html`<code class="v" title="${e.traceId}">${shortId(e.traceId)}</code>`
        : html`<a href="${e.traceUrl}" rel="noreferrer" data-trace="${e.traceId}">${shortId(e.traceId)}</a>`;
  const keys = Object.keys(e.attributes);
  const context =
    keys.length === 0
      ? html`<span class="muted">–</span>`
      : html`<details>
          <summary>${String(keys.length)} attribute${keys.length === 1 ? '' : 's'}</summary>
          <dl class="attrs">
            ${keys.map((k) => {
              const value = e.attributes[k]!;
              return html`<dt>${k}</dt>
                <dd>
                  ${Array.isArray(value) ? (value as readonly unknown[]).map(String).join(', ') : String(value)}
                </dd>`;
            })}
          </dl>
        </details>`;
  return html`<tr>
    <td>${time(e.at, at)}</td>
    <td>${request}</td>
    <td class="num">${e.status === undefined ? '–' : String(e.status)}</td>
    <td class="num">${formatLatency(e.durationMs)}</td>
    <td>${e.reason ?? '–'}</td>
    <td>${trace}</td>
    <td>${context}</td>
  </tr>`;
}

/** A column heading: its title, and `'num'` for a column of figures (aligned right like them). */
type Column = readonly [title: string | Html, kind?: 'num'];

/**
 * A table inside a named region that the keyboard can reach and that scrolls sideways on a narrow
 * screen, so the page itself never does. Every column heading is a `th scope="col"`.
 */
function scrollTable(table: {
  readonly labelledBy: string;
  readonly attributes?: Html;
  readonly caption?: Html;
  readonly columns: readonly Column[];
  readonly rows: HtmlValue;
}): Html {
  return html`<div class="scroll" role="region" aria-labelledby="${table.labelledBy}" tabindex="0">
    <table ${table.attributes ?? ''}>
      ${table.caption ?? ''}
      <thead>
        <tr>
          ${table.columns.map(([title, kind]) => html`<th scope="col" class="${kind ?? ''}">${title}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${table.rows}
      </tbody>
    </table>
  </div>`;
}
