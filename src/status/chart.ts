/**
 * The page's charts, as inline SVG with presentation attributes and classes only (no `style`
 * attributes, which the Content-Security-Policy forbids), each with a text alternative.
 */

import { formatPercent, formatSpan, formatTime } from './format.js';
import { html } from './html-template.js';
import type { Html } from './html-template.js';
import type { BurnDown } from './types.js';

const W = 1000;
const H = 100;

function coordinate(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * The burn-down chart: budget remaining (100% at the top) over the observed time, the overspent
 * region below 0% tinted. The plot scales to any width (`preserveAspectRatio="none"` with strokes
 * that do not scale); the axis labels are HTML beside it, so they stay legible on a phone.
 * The SVG's `<title>` and `<desc>` say in words what it shows.
 *
 * @param id - a unique, HTML-id-safe prefix for the chart's ids.
 */
export function burnDownChart(chart: BurnDown, id: string, name: string, at: number): Html {
  const points = chart.points;
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return html``;
  let lowest = first;
  for (const p of points) if (p.remaining < lowest.remaining) lowest = p;
  const bottom = lowest.remaining < 0 ? -1 : 0;
  const span = Math.max(1, last.at - first.at);
  const x = (t: number): number => ((t - first.at) / span) * W;
  const y = (v: number): number => ((1 - Math.min(1, Math.max(bottom, v))) / (1 - bottom)) * H;
  const line = points.map((p) => `${coordinate(x(p.at))},${coordinate(y(p.remaining))}`).join(' ');
  const zero = coordinate(y(0));
  const area = `${coordinate(x(first.at))},${zero} ${line} ${coordinate(x(last.at))},${zero}`;
  const clipped = lowest.remaining < -1;
  // Times alone when the chart stays within one UTC day (the day of the page), with dates otherwise.
  const sameDay = (a: number, b: number): boolean =>
    new Date(a).toISOString().slice(0, 10) === new Date(b).toISOString().slice(0, 10);
  const labelDay = sameDay(first.at, last.at) && sameDay(last.at, at) ? at : Number.NaN;
  const description =
    `Error budget remaining over the observed ${formatSpan(last.at - first.at)}, from ` +
    `${formatTime(first.at, labelDay)} to ${formatTime(last.at, labelDay)}: ${formatPercent(first.remaining, 1)} at the start, ` +
    `${formatPercent(last.remaining, 1)} now, lowest ${formatPercent(lowest.remaining, 1)} at ${formatTime(lowest.at, labelDay)}.` +
    (clipped ? ' Values below −100% are drawn at the bottom edge.' : '');
  const mid = bottom === 0 ? '50%' : '0%';
  return html`<div class="chart">
    <div class="y" aria-hidden="true">
      <span>100%</span><span>${mid}</span><span>${bottom === 0 ? '0%' : '−100%'}</span>
    </div>
    <svg
      viewBox="0 0 ${W} ${H}"
      preserveAspectRatio="none"
      role="img"
      aria-labelledby="${id}-t ${id}-d"
      focusable="false"
    >
      <title id="${id}-t">Budget remaining for ${name}</title>
      <desc id="${id}-d">${description}</desc>
      ${bottom < 0 ? html`<rect class="over" x="0" y="${zero}" width="${W}" height="${coordinate(H - y(0))}" />` : ''}
      <line class="grid" x1="0" x2="${W}" y1="${H / 2}" y2="${H / 2}" vector-effect="non-scaling-stroke" />
      ${bottom < 0 ? html`<line class="zero" x1="0" x2="${W}" y1="${zero}" y2="${zero}" vector-effect="non-scaling-stroke" />` : ''}
      <polygon class="area" points="${area}" />
      <polyline class="line" points="${line}" vector-effect="non-scaling-stroke" />
    </svg>
    <div class="x" aria-hidden="true">
      <span>${formatTime(first.at, labelDay)}</span><span>${formatTime(last.at, labelDay)}</span>
    </div>
  </div>`;
}

/**
 * A small bar for one burn rate on a log scale from 0 to `max` (the burn rate of 100% errors),
 * with a mark at each threshold. Decorative: the figures are in the table cells beside it.
 */
export function burnBar(rate: number | null, thresholds: readonly number[], max: number): Html {
  const scale = Math.log10(1 + Math.max(max, 1));
  const pos = (r: number): number => Math.min(100, (Math.log10(1 + Math.max(0, r)) / scale) * 100);
  const value = rate ?? 0;
  const hot = thresholds.some((t) => value > t);
  return html`<svg
    class="bar"
    viewBox="0 0 100 10"
    preserveAspectRatio="none"
    aria-hidden="true"
    focusable="false"
  >
    <rect class="track" x="0" y="2" width="100" height="6" />
    <rect class="fill${hot ? ' hot' : ''}" x="0" y="2" width="${coordinate(pos(value))}" height="6" />
    ${thresholds.map((t) => html`<line class="mark" x1="${coordinate(pos(t))}" x2="${coordinate(pos(t))}" y1="0" y2="10" vector-effect="non-scaling-stroke" />`)}
  </svg>`;
}
