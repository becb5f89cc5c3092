import { SlokitFleetError } from '../errors.js';
import { count, durationWords, exactPercent, rounded } from '../doc/numbers.js';
import { fleetStatus } from '../fleet/status.js';
import type { FleetSliStatus, FleetStatus, FleetStatusOptions } from '../fleet/types.js';
import { parseDuration } from '../sli/duration.js';
import type { Duration } from '../sli/duration.js';
import { CliUsageError, EXIT, parseCommand } from './io.js';
import type { CliIo } from './io.js';
import { loadSlis, select } from './rules.js';
import { parseShareFlag } from './share.js';

/** The help of `slokit budget`. */
export const BUDGET_USAGE = `Usage: slokit budget <module> --prometheus <url> [options]

Prints each SLI's fleet-wide error budget, read back from Prometheus (the recording rules
"slokit rules" generates, or the raw slokit_sli_events_total counters): budget left, compliance,
bad and eligible events, burn rates, firing alert tiers. With --fail-under it is a deploy gate.

<module>  the .ts, .mts, .js or .mjs file that exports your SLIs, e.g. src/slis.ts

Options:
  --prometheus <url>        the Prometheus base URL, e.g. http://prometheus:9090 (required)
  -f, --format <format>     table (default), markdown (a weekly report) or json
  --fail-under <share>      exit 1 when a selected SLI has less error budget left, e.g. 25%
  --selector <name=value>   match only these series of slokit_sli_events_total, as given to
                            slokit rules (repeatable), e.g. --selector job=shop
  --label <name=value>      the labels of the recording rules, as given to slokit rules (repeatable)
  --sli <name>              only this SLI (repeatable)
  --min-events <n>          the alerts' low-traffic guard, as given to slokit rules (default 100)
  --at <time>               evaluate at this time instead of now: RFC 3339 with a time
                            zone (2025-03-03T00:00:00Z, 2025-03-03T01:00:00+01:00) or
                            Unix seconds
  --timeout <duration>      how long Prometheus may take, all queries together (default 10s)
  --header <name: value>    an HTTP header for every request (repeatable), e.g.
                            --header "Authorization: Bearer $PROMETHEUS_TOKEN"
  -h, --help                print this help

Exit codes: 0 done (and, with --fail-under, every SLI has enough budget left); 1 an SLI has less
than --fail-under left; 2 bad input or flags; 3 Prometheus cannot answer (not reachable, too slow,
an error), or, with --fail-under, holds no data for a selected SLI. See docs/fleet.md.
`;

const FORMATS = ['table', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface Parsed {
  readonly file: string;
  readonly format: Format;
  readonly options: Omit<FleetStatusOptions, 'slis'>;
  readonly failUnder: number | undefined;
  readonly only: readonly string[] | undefined;
}

function parse(args: readonly string[]): Parsed | 'help' {
  const parsed = parseCommand(
    'budget',
    args,
    {
      prometheus: { type: 'string' },
      format: { type: 'string', short: 'f' },
      'fail-under': { type: 'string' },
      selector: { type: 'string', multiple: true },
      label: { type: 'string', multiple: true },
      sli: { type: 'string', multiple: true },
      'min-events': { type: 'string' },
      at: { type: 'string' },
      timeout: { type: 'string' },
      header: { type: 'string', multiple: true },
    },
    'expected the module that exports your SLIs, e.g. "slokit budget src/slis.ts --prometheus http://prometheus:9090"',
    'module',
  );
  if (parsed === 'help') return 'help';
  const { values, file } = parsed;
  const prometheus = values.prometheus;
  if (prometheus === undefined) {
    throw new CliUsageError(
      'budget: --prometheus is required: the Prometheus base URL, e.g. --prometheus http://prometheus:9090',
    );
  }
  if (!/^https?:\/\/[^/\s]/.test(prometheus) || !URL.canParse(prometheus)) {
    throw new CliUsageError(
      `--prometheus: expected the Prometheus base URL, e.g. http://prometheus:9090; got "${prometheus.replace(/\/\/[^/@]*@/, '//***@')}"`,
    );
  }
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new CliUsageError(`--format: expected ${FORMATS.join(', ')}; got "${format}"`);
  }
  const minEvents = values['min-events'];
  if (minEvents !== undefined && !/^\d+$/.test(minEvents)) {
    throw new CliUsageError(`--min-events: expected a whole number of events, 0 or more; got "${minEvents}"`);
  }
  const timeout = values.timeout;
  if (timeout !== undefined) parseDuration(timeout, 'budget: --timeout');
  return {
    file,
    format: format as Format,
    failUnder:
      values['fail-under'] === undefined ? undefined : parseShareFlag(values['fail-under'], '--fail-under'),
    only: values.sli,
    options: {
      prometheus,
      ...(values.selector === undefined ? {} : { selector: pairs(values.selector, '--selector') }),
      ...(values.label === undefined ? {} : { labels: pairs(values.label, '--label') }),
      ...(minEvents === undefined ? {} : { minEvents: Number(minEvents) }),
      ...(values.at === undefined ? {} : { at: parseTime(values.at) }),
      ...(timeout === undefined ? {} : { timeout: timeout as Duration }),
      ...(values.header === undefined ? {} : { headers: headers(values.header) }),
    },
  };
}

function pairs(flags: readonly string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const text of flags) {
    const at = text.indexOf('=');
    if (at <= 0)
      throw new CliUsageError(`${flag}: expected name=value, e.g. ${flag} job=shop; got "${text}"`);
    const name = text.slice(0, at);
    if (name in result) throw new CliUsageError(`${flag}: "${name}" is given twice`);
    result[name] = text.slice(at + 1);
  }
  return result;
}

function headers(flags: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const text of flags) {
    const at = text.indexOf(':');
    if (at <= 0) {
      throw new CliUsageError(
        `--header: expected "Name: value", e.g. --header "Authorization: Bearer $TOKEN"`,
      );
    }
    result[text.slice(0, at).trim()] = text.slice(at + 1).trim();
  }
  return result;
}

// RFC 3339's date-time (section 5.6): full date, "T" (or a space), full time with seconds, and a
// time zone: "Z" or an offset. A time without a zone would be read in the local zone of whichever
// machine runs the pipeline, so it is refused rather than guessed.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))?$/;

function parseTime(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const example = 'such as 2025-03-03T00:00:00Z or 2025-03-03T01:00:00+01:00';
  const parts = RFC3339.exec(text);
  if (parts === null) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      throw new CliUsageError(
        `--at: "${text}" is a date without a time and a time zone; give both, ${example}`,
      );
    }
    throw new CliUsageError(
      `--at: expected an RFC 3339 time with its time zone, ${example}, or Unix seconds; got "${text}"`,
    );
  }
  const [, year, month, day, hour, minute, second, , zone, zoneHours, zoneMinutes] = parts;
  if (zone === undefined) {
    throw new CliUsageError(
      `--at: "${text}" has no time zone, so it would mean a different instant on each machine; add Z for UTC or an offset, ${example}`,
    );
  }
  const y = Number(year);
  const mo = Number(month);
  const daysInMonth = mo >= 1 && mo <= 12 ? new Date(Date.UTC(y, mo, 0)).getUTCDate() : 0;
  if (
    daysInMonth === 0 ||
    Number(day) < 1 ||
    Number(day) > daysInMonth ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59 ||
    (zoneHours !== undefined && (Number(zoneHours) > 23 || Number(zoneMinutes) > 59))
  ) {
    throw new CliUsageError(`--at: "${text}" is not a real date and time; expected one ${example}`);
  }
  return Date.parse(text.replace(' ', 'T').toUpperCase());
}

/**
 * `slokit budget <module> --prometheus URL`: each SLI's fleet-wide budget from Prometheus, as a
 * table, Markdown or JSON; with `--fail-under`, the error-budget policy as a deploy gate.
 */
export async function budgetCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parse(args);
  if (parsed === 'help') {
    io.stdout(BUDGET_USAGE);
    return EXIT.ok;
  }
  const slis = select(await loadSlis(parsed.file, io.cwd), parsed.only);
  let fleet: FleetStatus;
  try {
    fleet = await fleetStatus({ ...parsed.options, slis });
  } catch (error) {
    if (!(error instanceof SlokitFleetError)) throw error;
    // Prometheus could not answer: exit 3, so that a pipeline can choose to fail open or closed.
    io.stderr(`slokit: ${error.message}\n`);
    return EXIT.unavailable;
  }
  const gate = parsed.failUnder === undefined ? undefined : judge(fleet, parsed.failUnder);
  if (parsed.format === 'json') {
    io.stdout(`${JSON.stringify({ ...fleet, gate: gate ?? null }, null, 2)}\n`);
  } else {
    io.stdout(parsed.format === 'markdown' ? markdown(fleet) : table(fleet));
  }
  for (const sli of fleet.slis) {
    for (const warning of sli.warnings) io.stderr(`slokit: warning: ${warning}\n`);
    if (sli.data === 'no-series') io.stderr(`slokit: warning: ${noSeries(sli, parsed.options)}\n`);
  }
  if (gate === undefined) return EXIT.ok;
  const threshold = exactPercent(gate.failUnder);
  if (gate.unknown.length > 0) {
    for (const name of gate.unknown) {
      io.stderr(`slokit: cannot judge the budget of "${name}": Prometheus has no usable data for it\n`);
    }
    return EXIT.unavailable;
  }
  if (gate.failing.length > 0) {
    for (const sli of fleet.slis.filter((s) => gate.failing.includes(s.name))) {
      io.stderr(
        `slokit: "${sli.name}" has ${percent(sli.budgetRemaining)} of its error budget left, under --fail-under ${threshold}: hold releases\n`,
      );
    }
    return EXIT.checkFailed;
  }
  io.stderr(`slokit: every SLI has at least ${threshold} of its error budget left\n`);
  return EXIT.ok;
}

/** The gate's verdict: SLIs under the threshold, and SLIs it cannot judge. */
interface Gate {
  readonly failUnder: number;
  readonly passed: boolean;
  readonly failing: readonly string[];
  readonly unknown: readonly string[];
}

function judge(fleet: FleetStatus, failUnder: number): Gate {
  const unknown = fleet.slis.filter((s) => s.data !== 'ok').map((s) => s.name);
  const failing = fleet.slis
    .filter((s) => s.data === 'ok' && s.budgetRemaining < failUnder)
    .map((s) => s.name);
  return { failUnder, passed: unknown.length === 0 && failing.length === 0, failing, unknown };
}

function noSeries(sli: FleetSliStatus, options: Omit<FleetStatusOptions, 'slis'>): string {
  const selector = Object.entries(options.selector ?? {})
    .map(([k, v]) => `,${k}=${JSON.stringify(v)}`)
    .join('');
  return `Prometheus holds no slokit_sli_events_total{slokit_sli_name="${sli.name}"${selector}} series in the last ${sli.window}: is the service scraped, and is the selector right?`;
}

// Figures for people: three significant digits for the derived ones, five for compliance (99.95%
// against 99.9% must read differently), whole numbers of events.
function percent(share: number): string {
  return `${rounded(share * 100)}%`;
}

function compliance(value: number | null): string {
  return value === null ? '-' : `${rounded(value * 100, 5)}%`;
}

function burn(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : rounded(value);
}

function firing(sli: FleetSliStatus): string {
  const open = (['page', 'ticket'] as const)
    .filter((severity) => sli.alerts[severity].state === 'firing')
    .map((severity) => `${severity} ${sli.alerts[severity].windows}`);
  return open.length === 0 ? '-' : open.join(', ');
}

function exhaustion(sli: FleetSliStatus): string {
  if (sli.data !== 'ok') return '-';
  if (sli.timeToExhaustionMs === null) return '-';
  return sli.timeToExhaustionMs === 0 ? 'spent' : durationWords(sli.timeToExhaustionMs);
}

function budgetLeft(sli: FleetSliStatus): string {
  if (sli.data === 'no-series') return 'no data';
  if (sli.data === 'not-a-number') return 'NaN';
  return percent(sli.budgetRemaining);
}

const SOURCE = { 'recording-rules': 'rules', 'raw-counters': 'counters', mixed: 'rules+counters' } as const;
const HEADER = [
  'SLI',
  'objective',
  'budget left',
  'compliance',
  'bad / eligible',
  'burn 5m',
  '1h',
  '6h',
  '1d',
  '3d',
  'firing',
  'exhausted in',
  'from',
];
// Left-aligned columns; the others are figures, right-aligned.
const LEFT = new Set([0, 1, 10, 11, 12]);

function cells(sli: FleetSliStatus): string[] {
  return [
    sli.name,
    `${exactPercent(sli.objective)} / ${sli.window}`,
    budgetLeft(sli),
    compliance(sli.compliance),
    `${count(Math.round(sli.bad))} / ${count(Math.round(sli.eligible))}`,
    burn(sli.burnRates['5m']),
    burn(sli.burnRates['1h']),
    burn(sli.burnRates['6h']),
    burn(sli.burnRates['1d']),
    burn(sli.burnRates['3d']),
    firing(sli),
    exhaustion(sli),
    SOURCE[sli.source],
  ];
}

function when(fleet: FleetStatus): string {
  return new Date(fleet.at).toISOString();
}

function table(fleet: FleetStatus): string {
  const rows = [HEADER, ...fleet.slis.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (LEFT.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `Fleet error budgets from ${fleet.prometheus} at ${when(fleet)}\n\n${rows.map(line).join('\n')}\n`;
}

function markdown(fleet: FleetStatus): string {
  const row = (cellsOf: readonly string[]): string =>
    `| ${cellsOf.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const align = HEADER.map((_, i) => (LEFT.has(i) ? '---' : '---:'));
  return [
    `## Error budgets at ${when(fleet)}`,
    '',
    `Fleet-wide, from Prometheus (${fleet.prometheus}), over each SLI's window.`,
    '',
    row(HEADER),
    `| ${align.join(' | ')} |`,
    ...fleet.slis.map((sli) => row(cells(sli))),
    '',
  ].join('\n');
}
