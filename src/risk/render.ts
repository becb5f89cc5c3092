// Printing a risk analysis for people: an aligned terminal table and a GitHub Markdown table.
// Pure: the CLI decides where the text goes and whether the terminal takes colours. All rounding
// happens here, for display; `analyzeRisks` returns the unrounded figures.

import { humanizeDuration } from '../sli/duration.js';
import { formatObjective } from '../sli/objective.js';
import type { AnalyzedMitigation, AnalyzedRisk, RiskAnalysis, RiskFigures } from './types.js';

/** Width of a bar at 100% of the budget: one full block per 5% of the budget. */
export const BAR_WIDTH = 20;

// A bar is drawn in eighths of a character, so that a 1% risk still shows (▏) and two risks a
// percent apart differ visibly.
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;
const FULL = '█';
const OVERFLOW = '▶';

/**
 * A bar proportional to `share`: {@link BAR_WIDTH} full blocks at 100% of the budget, drawn in
 * eighths of a block; above 100% it is capped at full width and ends in `▶`.
 */
export function shareBar(share: number): string {
  if (!(share > 0)) return '';
  if (share > 1) return FULL.repeat(BAR_WIDTH) + OVERFLOW;
  const eighths = Math.round(share * BAR_WIDTH * 8);
  return FULL.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

/** `156.5357` → `"156.5"`; never prints `-0.0`. */
function fixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/** `0.2976` → `"29.8%"`. */
function percent(share: number): string {
  return `${fixed(share * 100, 1)}%`;
}

/** An impact as a percentage with at most two decimals: `1` → `"100%"`, `0.005` → `"0.5%"`. */
function impactText(impact: number): string {
  return `${Number((impact * 100).toFixed(2))}%`;
}

function minutesText(minutes: number): string {
  return minutes === 0 ? '0' : humanizeDuration(minutes * 60_000);
}

/** A year's budget in minutes: two decimals at most, so that 99.9% reads 525.96. */
function budgetText(minutes: number): string {
  return String(Number(minutes.toFixed(2)));
}

type Align = 'left' | 'right';

interface Column {
  readonly header: string;
  readonly align: Align;
}

/** One printed row: its cells, whether it is flagged, and its role (for colours). */
interface Row {
  readonly cells: readonly string[];
  readonly kind: 'risk' | 'mitigation' | 'total';
  readonly flagged: boolean;
}

function columns(analysis: RiskAnalysis, withSavings: boolean): Column[] {
  return [
    { header: '', align: 'left' },
    { header: 'Risk', align: 'left' },
    { header: 'ETTD', align: 'right' },
    { header: 'ETTR', align: 'right' },
    { header: 'Impact', align: 'right' },
    { header: 'Incidents/yr', align: 'right' },
    { header: 'Bad min/yr', align: 'right' },
    ...(withSavings ? [{ header: 'Saved min/yr', align: 'right' as const }] : []),
    ...analysis.objectives.map((objective) => ({
      header: formatObjective(objective),
      align: 'right' as const,
    })),
  ];
}

function figureCells(
  figures: RiskFigures,
  name: string,
  saved: string | undefined,
  shareCell: (share: number, flagged: boolean) => string,
): string[] {
  return [
    figures.flagged ? '!' : '',
    name,
    minutesText(figures.ettdMinutes),
    minutesText(figures.ettrMinutes),
    impactText(figures.impact),
    fixed(figures.incidentsPerYear, 2),
    fixed(figures.badMinutesPerYear, 1),
    ...(saved === undefined ? [] : [saved]),
    ...figures.shares.map((share) => shareCell(share.share, share.flagged)),
  ];
}

function rows(
  analysis: RiskAnalysis,
  withSavings: boolean,
  text: (name: string) => string,
  mitigationName: (name: string) => string,
  shareCell: (share: number, flagged: boolean) => string,
  totalLabel: string,
): Row[] {
  const out: Row[] = [];
  const saved = (value: string): string | undefined => (withSavings ? value : undefined);
  for (const risk of analysis.risks) {
    out.push({
      cells: figureCells(risk, text(risk.name), saved(''), shareCell),
      kind: 'risk',
      flagged: risk.flagged,
    });
    for (const mitigation of risk.mitigations) {
      out.push({
        cells: figureCells(
          mitigation,
          mitigationName(text(mitigation.name)),
          saved(fixed(mitigation.savedMinutesPerYear, 1)),
          shareCell,
        ),
        kind: 'mitigation',
        flagged: mitigation.flagged,
      });
    }
  }
  out.push({
    cells: [
      '',
      totalLabel,
      '',
      '',
      '',
      '',
      fixed(analysis.totals[0]!.badMinutesPerYear, 1),
      ...(withSavings ? [''] : []),
      ...analysis.totals.map((t) => shareCell(t.share, false)),
    ],
    kind: 'total',
    flagged: false,
  });
  return out;
}

function hasMitigations(analysis: RiskAnalysis): boolean {
  return analysis.risks.some((risk: AnalyzedRisk) => risk.mitigations.length > 0);
}

function riskCount(analysis: RiskAnalysis): string {
  return `${analysis.risks.length} ${analysis.risks.length === 1 ? 'risk' : 'risks'}`;
}

function pad(text: string, width: number, align: Align): string {
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** Lays cells out in aligned columns two spaces apart; trailing spaces are trimmed. */
function align(header: readonly Column[], body: readonly (readonly string[])[]): string[] {
  const all = [header.map((c) => c.header), ...body];
  const widths = header.map((_, i) => Math.max(...all.map((cells) => (cells[i] ?? '').length)));
  return all.map((cells) =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, header[i]!.align))
      .join('  ')
      .trimEnd(),
  );
}

/** Options of {@link formatRiskTable}. */
export interface RiskTableOptions {
  /** ANSI colours: flagged rows red, the total bold. Only for a terminal. Default `false`. */
  readonly color?: boolean;
}

const RED = '\u001b[31m';
const BOLD = '\u001b[1m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/**
 * The terminal table of `slokit risks`: one row per risk (largest share first) with its mitigations
 * indented below it, the share of each objective's yearly budget and a bar for the first objective,
 * flagged rows marked `!`, the total, then each objective's budget and what is left of it.
 *
 * @example
 * process.stdout.write(formatRiskTable(analyzeRisks(input), { color: process.stdout.isTTY }));
 */
export function formatRiskTable(analysis: RiskAnalysis, options: RiskTableOptions = {}): string {
  const color = options.color === true;
  const withSavings = hasMitigations(analysis);
  const first = analysis.objectives[0]!;
  const header = [
    ...columns(analysis, withSavings),
    { header: `Budget share (${formatObjective(first)})`, align: 'left' as const },
  ];
  const body = rows(
    analysis,
    withSavings,
    (name) => name,
    (name) => `  ↳ ${name}`,
    (share) => percent(share),
    `Total (${riskCount(analysis)})`,
  );
  // The bar column: the first objective's share of each row.
  const bars = [
    ...analysis.risks.flatMap((risk) => [risk, ...risk.mitigations] as (AnalyzedRisk | AnalyzedMitigation)[]),
  ].map((figures) => shareBar(figures.shares[0]!.share));
  bars.push(shareBar(analysis.totals[0]!.share));
  const lines = align(
    header,
    body.map((row, i) => [...row.cells, bars[i]!]),
  );
  const [headerLine, ...rowLines] = lines;
  const styled = rowLines.map((line, i) => {
    const row = body[i]!;
    if (!color) return line;
    if (row.kind === 'total') return `${BOLD}${line}${RESET}`;
    if (row.flagged) return `${RED}${line}${RESET}`;
    return row.kind === 'mitigation' ? `${DIM}${line}${RESET}` : line;
  });
  const rule = '─'.repeat(Math.max(...lines.map((line) => line.length)));
  const tableLines = [
    color ? `${BOLD}${headerLine!}${RESET}` : headerLine!,
    rule,
    ...styled.slice(0, -1),
    rule,
    styled[styled.length - 1]!,
  ];

  const budget = align(BUDGET_COLUMNS, budgetRows(analysis));

  return [
    `Risks ranked by their share of a year's error budget, (1 − objective) × 525,960 minutes.`,
    '',
    ...tableLines,
    '',
    ...budget,
    '',
    `! a single risk above ${formatObjective(analysis.maxShare)} of the budget (of at least one objective).`,
    `Bars: █ = ${formatObjective(1 / BAR_WIDTH)} of the ${formatObjective(first)} budget; ${OVERFLOW} above 100%.`,
    ...(withSavings
      ? [
          "↳ a mitigation, compared with the risk as it is; Saved = the risk's bad minutes minus the mitigated ones.",
        ]
      : []),
    '',
  ].join('\n');
}

/** The budget summary below both tables: one row per objective. */
const BUDGET_COLUMNS: readonly Column[] = [
  { header: 'Objective', align: 'left' },
  { header: 'Budget min/yr', align: 'right' },
  { header: 'Risks min/yr', align: 'right' },
  { header: 'Risks share', align: 'right' },
  { header: 'Unallocated min/yr', align: 'right' },
  { header: 'Unallocated share', align: 'right' },
  { header: 'Flagged', align: 'right' },
];

function budgetRows(analysis: RiskAnalysis): string[][] {
  return analysis.totals.map((t) => [
    formatObjective(t.objective),
    budgetText(t.budgetMinutesPerYear),
    fixed(t.badMinutesPerYear, 1),
    percent(t.share),
    fixed(t.unallocatedMinutesPerYear, 1),
    percent(t.unallocatedShare),
    String(t.flaggedRisks),
  ]);
}

/** Escapes what would break a GitHub table cell. */
function markdownText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

function markdownTable(header: readonly Column[], body: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header.map((c) => c.header)),
    line(header.map((c) => (c.align === 'right' ? '---:' : '---'))),
    ...body.map(line),
  ];
}

/**
 * A GitHub-flavoured Markdown version of {@link formatRiskTable}, for pull requests and reliability
 * reviews: flagged shares in bold, mitigations as `↳` rows, the total, and the budgets.
 *
 * @example
 * await writeFile('risks.md', formatRiskMarkdown(analyzeRisks(input)));
 */
export function formatRiskMarkdown(analysis: RiskAnalysis): string {
  const withSavings = hasMitigations(analysis);
  const body = rows(
    analysis,
    withSavings,
    markdownText,
    (name) => `↳ ${name}`,
    (share, flagged) => (flagged ? `**${percent(share)}**` : percent(share)),
    `**Total (${riskCount(analysis)})**`,
  );
  const budget = markdownTable(BUDGET_COLUMNS, budgetRows(analysis));
  return [
    ...markdownTable(
      columns(analysis, withSavings),
      body.map((row) => row.cells),
    ),
    '',
    ...budget,
    '',
    `Shares are of a year's error budget, (1 − objective) × 525,960 minutes. ! and **bold**: a single risk above ${formatObjective(analysis.maxShare)} of the budget.` +
      (withSavings ? ' ↳ rows are mitigations, each compared with the risk as it is.' : ''),
    '',
  ].join('\n');
}
