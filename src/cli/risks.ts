import path from 'node:path';
import process from 'node:process';
import { parse as parseYaml } from 'yaml';
import { SlokitError, describeValue } from '../errors.js';
import { analyzeRisks } from '../risk/analyze.js';
import { parseMaxShare } from '../risk/parse.js';
import { formatRiskMarkdown, formatRiskTable } from '../risk/render.js';
import type { RiskAnalysisInput } from '../risk/types.js';
import { formatObjective, parseObjective } from '../sli/objective.js';
import { CliUsageError, EXIT, loadModule, parseCommand, readText } from './io.js';
import type { CliIo } from './io.js';

const FORMATS = ['table', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** The help of `slokit risks`. */
export const RISKS_USAGE = `Usage: slokit risks <file> [options]

Ranks the risks of a catalogue by their share of a year's error budget: bad minutes per year =
(ETTD + ETTR) x impact x incidents per year; budget = (1 - objective) x 525,960 minutes.

<file>  YAML (.yaml, .yml), JSON (.json), or a module (.ts, .mts, .js, .mjs) whose default export
        (or "risks" export) is the input: { objective | objectives, maxShare?, risks: [...] };
        TypeScript modules load through tsx (npm install --save-dev tsx)

Options:
  --objective <objective>  measure against this objective instead of the file's, e.g. 99.9%;
                           repeat it or give a comma list to compare: --objective 99.9%,99.95%
  --max-share <share>      flag a single risk above this share of the budget (default: the
                           file's maxShare, else 25%)
  --format <format>        table (default), markdown or json
  --fail-on-exceed         exit 1 when a risk is flagged: a gate for reliability reviews in CI
  -h, --help               print this help

Exit codes: 0 done; 1 --fail-on-exceed and a risk is flagged; 2 bad input or flags.
See node_modules/slokit/docs/risk-analysis.md (shipped with the package).
`;

interface RisksOptions {
  readonly file: string;
  readonly objectives: readonly number[] | undefined;
  readonly maxShare: number | undefined;
  readonly format: Format;
  readonly failOnExceed: boolean;
}

function parseOptions(args: readonly string[]): RisksOptions | 'help' {
  const parsed = parseCommand(
    'risks',
    args,
    {
      objective: { type: 'string', multiple: true },
      'max-share': { type: 'string' },
      format: { type: 'string' },
      'fail-on-exceed': { type: 'boolean' },
    },
    'expected a risk catalogue file, e.g. "slokit risks risks.yaml"',
    'file',
  );
  if (parsed === 'help') return 'help';
  const { values, file } = parsed;
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new CliUsageError(`--format: expected table, markdown or json; got "${format}"`);
  }
  return {
    file,
    objectives: values.objective === undefined ? undefined : parseObjectiveFlags(values.objective),
    maxShare:
      values['max-share'] === undefined
        ? undefined
        : parseMaxShare(numeric(values['max-share']), '--max-share'),
    format: format as Format,
    failOnExceed: values['fail-on-exceed'] === true,
  };
}

/** `--objective 99.9% --objective 99.95%` and `--objective 99.9%,99.95%` mean the same. */
function parseObjectiveFlags(flags: readonly string[]): number[] {
  const objectives: number[] = [];
  for (const text of flags.flatMap((flag) => flag.split(','))) {
    const objective = parseObjective(numeric(text.trim()), '--objective');
    if (objectives.includes(objective)) {
      throw new CliUsageError(`--objective: ${formatObjective(objective)} is given twice`);
    }
    objectives.push(objective);
  }
  return objectives;
}

/**
 * A flag's value as the parsers take it: `"0.25"` is the number 0.25 (as `maxShare: 0.25` in YAML
 * would be), `"25%"` stays a percentage string; `"25"` becomes 25 and is then rejected with a hint.
 */
function numeric(text: string): string | number {
  return /^(\d+(\.\d+)?|\.\d+)$/.test(text) ? Number(text) : text;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

/**
 * A YAML syntax error as the yaml package words it, whole: the problem, then the line and column,
 * then the lines around it with a caret under the spot. Cut at its first line it ended in "at line
 * 3, column 1:" and showed nothing of the file.
 */
function yamlProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : describeValue(error);
  return message.trimEnd();
}

/** Reads the catalogue: YAML, JSON or a module's default (or `risks`) export. */
async function readCatalogue(file: string, cwd: string): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    const text = await readText(file, cwd);
    try {
      return parseYaml(text) as unknown;
    } catch (error) {
      throw new CliUsageError(`cannot parse ${file}: ${yamlProblem(error)}`);
    }
  }
  if (ext === '.json') {
    const text = await readText(file, cwd);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new CliUsageError(`cannot parse ${file}: ${firstLine((error as Error).message)}`);
    }
  }
  if (MODULE_EXTENSIONS.includes(ext)) {
    let exports: Record<string, unknown>;
    try {
      exports = await loadModule(file, cwd);
    } catch (error) {
      if (error instanceof SlokitError || error instanceof CliUsageError) throw error;
      // The user's module failed to compile or threw while loading: their mistake, one line.
      const reason =
        error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : describeValue(error);
      throw new CliUsageError(`cannot load ${file}: ${reason}`);
    }
    // A module compiled as CommonJS (a .ts or .js file outside a "type": "module" package) arrives
    // as { default: module.exports }, with its own exports, marked __esModule, one level down.
    if (isRecord(exports.default) && exports.default.__esModule === true) exports = exports.default;
    const input = exports.default ?? exports.risks;
    if (input === undefined) {
      throw new CliUsageError(
        `${file} exports no risk catalogue: expected a default export (or an export named "risks") holding { objective, risks: [...] }`,
      );
    }
    return input;
  }
  throw new CliUsageError(
    `cannot read ${file}: expected a .yaml, .yml or .json file, or a .ts, .mts, .js or .mjs module`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The file's input with the command line's objectives and max share put in place of its own. */
function withOverrides(input: unknown, options: RisksOptions): unknown {
  if (!isRecord(input)) return input; // analyzeRisks says what is wrong with it
  if (options.objectives === undefined && input.objective === undefined && input.objectives === undefined) {
    throw new CliUsageError(
      `${options.file} gives no objective: add objective: "99.9%" (or objectives: [...]) to it, or pass --objective 99.9%`,
    );
  }
  const { objective, objectives, ...rest } = input;
  return {
    ...rest,
    ...(options.objectives === undefined
      ? {
          ...(objective === undefined ? {} : { objective }),
          ...(objectives === undefined ? {} : { objectives }),
        }
      : { objectives: options.objectives }),
    ...(options.maxShare === undefined ? {} : { maxShare: options.maxShare }),
  };
}

/**
 * `slokit risks <file>`: analyses a risk catalogue with `analyzeRisks` and prints the ranked table,
 * Markdown or JSON. With `--fail-on-exceed`, returns 1 when a risk is flagged.
 */
export async function risksCommand(args: readonly string[], io: CliIo): Promise<number> {
  const options = parseOptions(args);
  if (options === 'help') {
    io.stdout(RISKS_USAGE);
    return EXIT.ok;
  }
  const input = withOverrides(await readCatalogue(options.file, io.cwd), options);
  // analyzeRisks validates the whole input and throws a coded SlokitRiskError for any mistake.
  const analysis = analyzeRisks(input as RiskAnalysisInput);

  if (options.format === 'json') io.stdout(`${JSON.stringify(analysis, null, 2)}\n`);
  else if (options.format === 'markdown') io.stdout(formatRiskMarkdown(analysis));
  else io.stdout(formatRiskTable(analysis, { color: io.isTty && !process.env.NO_COLOR }));

  if (options.failOnExceed && analysis.flagged) {
    const names = analysis.risks.filter((risk) => risk.flagged).map((risk) => `"${risk.name}"`);
    io.stderr(
      `slokit: ${names.length} ${names.length === 1 ? 'risk exceeds' : 'risks exceed'} ${formatObjective(analysis.maxShare)} of the error budget: ${names.join(', ')}\n`,
    );
    return EXIT.checkFailed;
  }
  return EXIT.ok;
}
