import { randomBytes } from 'node:crypto';
import { realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SlokitDefinitionError, SlokitError, describeValue } from '../errors.js';
import { toOpenSlo } from '../rules/openslo.js';
import type { RulesOptions, RulesWarning } from '../rules/plan.js';
import { toPrometheusRules } from '../rules/prometheus.js';
import { toPyrraSlos } from '../rules/pyrra.js';
import { slothPeriod, toSlothSpec } from '../rules/sloth.js';
import { toYaml } from '../rules/yaml.js';
import { isSli } from '../sli/define.js';
import type { Sli } from '../sli/types.js';
import { CliUsageError, EXIT, loadModule, parseCommand } from './io.js';
import type { CliIo } from './io.js';

const FORMATS = ['prometheus', 'sloth', 'pyrra', 'openslo'] as const;
type Format = (typeof FORMATS)[number];

/** The help of `slokit rules`. */
export const RULES_USAGE = `Usage: slokit rules <module> [options]

Generates alerting rules from the SLIs a module exports (SLIs made by defineSli, or arrays of
them, as named or default exports). TypeScript modules load without a build step, through tsx
(npm install --save-dev tsx).

<module>  a .ts, .mts, .js or .mjs file, e.g. src/slis.ts

Options:
  -f, --format <format>     prometheus (default): recording rules and SlokitErrorBudgetBurn alerts
                            sloth: a Sloth prometheus/v1 spec
                            pyrra: Pyrra ServiceLevelObjective resources
                            openslo: OpenSLO v1 Service, SLI and SLO documents
  -o, --out <file>          write to this file (atomically) instead of standard output
  --service <name>          service of the sloth spec and openslo documents (default: slokit)
  --namespace <namespace>   Kubernetes namespace of the Pyrra resources (default: monitoring)
  --pyrra-severities <set>  slokit (default): Pyrra's alerts say severity page or ticket, as slokit's
                            rules do (Pyrra 0.10 or later); pyrra: Pyrra's critical and warning
  --data-source <name>      OpenSLO DataSource the queries refer to (metricSourceRef), e.g.
                            prometheus-main
  --label <name=value>      add a label to every rule (repeatable), e.g. --label team=shop
  --selector <name=value>   match only these series of slokit_sli_events_total (repeatable),
                            e.g. --selector job=shop; the recorded series carry it as a label
  --min-events <n>          low-traffic guard: no alert from fewer eligible events in the long
                            window (default 100; 0 turns it off)
  --sli <name>              only this SLI (repeatable)
  --drop-impossible-tiers   leave out, with a warning, burn-rate tiers that cannot fire for an
                            SLI (window shorter than the tier, or objective too low) instead of
                            failing
  -h, --help                print this help

Exit codes: 0 done; 2 bad input or flags (unknown format, no SLIs, an impossible objective).
See node_modules/slokit/docs/cli.md and node_modules/slokit/docs/budgets-and-alerts.md
(shipped with the package).
`;

interface ParsedRules {
  readonly file: string;
  readonly format: Format;
  readonly out: string | undefined;
  readonly service: string | undefined;
  readonly namespace: string | undefined;
  readonly pyrraSeverities: 'slokit' | 'pyrra' | undefined;
  readonly dataSource: string | undefined;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly selector: Readonly<Record<string, string>> | undefined;
  readonly minEvents: number | undefined;
  readonly only: readonly string[] | undefined;
  readonly dropImpossibleTiers: boolean;
}

function parseOptions(args: readonly string[]): ParsedRules | 'help' {
  const parsed = parseCommand(
    'rules',
    args,
    {
      format: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      service: { type: 'string' },
      namespace: { type: 'string' },
      'pyrra-severities': { type: 'string' },
      'data-source': { type: 'string' },
      label: { type: 'string', multiple: true },
      selector: { type: 'string', multiple: true },
      'min-events': { type: 'string' },
      sli: { type: 'string', multiple: true },
      'drop-impossible-tiers': { type: 'boolean' },
    },
    'expected the module that exports your SLIs, e.g. "slokit rules src/slis.ts"',
    'module',
  );
  if (parsed === 'help') return 'help';
  const { values, file } = parsed;
  const format = values.format ?? 'prometheus';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new CliUsageError(`--format: expected ${FORMATS.join(', ')}; got "${format}"`);
  }
  if (values.service !== undefined && format !== 'sloth' && format !== 'openslo') {
    throw new CliUsageError(`--service applies to --format sloth and openslo only`);
  }
  if (values.namespace !== undefined && format !== 'pyrra') {
    throw new CliUsageError(`--namespace applies to --format pyrra only`);
  }
  if (values['data-source'] !== undefined && format !== 'openslo') {
    throw new CliUsageError(`--data-source applies to --format openslo only`);
  }
  const severities = values['pyrra-severities'];
  if (severities !== undefined && format !== 'pyrra') {
    throw new CliUsageError(`--pyrra-severities applies to --format pyrra only`);
  }
  if (severities !== undefined && severities !== 'slokit' && severities !== 'pyrra') {
    throw new CliUsageError(`--pyrra-severities: expected slokit or pyrra; got "${severities}"`);
  }
  return {
    file,
    format: format as Format,
    out: values.out,
    service: values.service,
    namespace: values.namespace,
    pyrraSeverities: severities,
    dataSource: values['data-source'],
    labels: values.label === undefined ? undefined : pairs(values.label, '--label'),
    selector: values.selector === undefined ? undefined : pairs(values.selector, '--selector'),
    minEvents: values['min-events'] === undefined ? undefined : count(values['min-events']),
    only: values.sli,
    dropImpossibleTiers: values['drop-impossible-tiers'] === true,
  };
}

/** `--label team=shop --label tier=1` → `{ team: 'shop', tier: '1' }`; names are checked later. */
function pairs(flags: readonly string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const text of flags) {
    const at = text.indexOf('=');
    if (at <= 0)
      throw new CliUsageError(`${flag}: expected name=value, e.g. ${flag} team=shop; got "${text}"`);
    const name = text.slice(0, at);
    if (name in result) throw new CliUsageError(`${flag}: "${name}" is given twice`);
    result[name] = text.slice(at + 1);
  }
  return result;
}

function count(text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new CliUsageError(`--min-events: expected a whole number of events, 0 or more; got "${text}"`);
  }
  return Number(text);
}

/**
 * Every SLI a module exports, each once: arrays of SLIs first (in their order, so that
 * `export const slis = [a, b]` sets the order of the output), then single SLIs. A CommonJS module's
 * `module.exports` object (the default export) is looked into as well. Module namespaces list their
 * exports alphabetically, which is the order among arrays and among single SLIs.
 */
export function collectSlis(exports: Readonly<Record<string, unknown>>): readonly Sli<unknown>[] {
  const values: unknown[] = Object.values(exports);
  const def = exports.default;
  if (def !== undefined && !isSli(def) && !Array.isArray(def) && typeof def === 'object' && def !== null) {
    values.push(...Object.values(def as Record<string, unknown>));
  }
  const found = new Set<Sli<unknown>>();
  for (const value of values) {
    if (Array.isArray(value)) for (const item of value as unknown[]) if (isSli(item)) found.add(item);
  }
  for (const value of values) if (isSli(value)) found.add(value);
  return [...found];
}

/** Loads the SLIs a module exports; a module that fails to load or exports none is a one-line error. */
export async function loadSlis(file: string, cwd: string): Promise<readonly Sli<unknown>[]> {
  let exports: Record<string, unknown>;
  try {
    exports = await loadModule(file, cwd);
  } catch (error) {
    if (error instanceof SlokitError || error instanceof CliUsageError) throw error;
    // The module failed to compile or threw while loading: the user's mistake, in one line.
    const reason =
      error instanceof Error
        ? `${error.name}: ${error.message.split('\n', 1)[0]!.trim()}`
        : describeValue(error);
    throw new CliUsageError(`cannot load ${file}: ${reason}`);
  }
  const slis = collectSlis(exports);
  if (slis.length === 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_NO_SLIS',
      `${file} exports no SLIs: export the SLIs made by defineSli(), or an array of them, e.g. "export const slis = [checkout]"`,
    );
  }
  return slis;
}

/** The SLIs named by `--sli` (all when none are named); an unknown name is a one-line error. */
export function select(
  slis: readonly Sli<unknown>[],
  only: readonly string[] | undefined,
): readonly Sli<unknown>[] {
  if (only === undefined) return slis;
  for (const name of only) {
    if (!slis.some((sli) => sli.name === name)) {
      throw new CliUsageError(
        `--sli: no SLI named "${name}"; the module exports ${slis.map((s) => `"${s.name}"`).join(', ')}`,
      );
    }
  }
  return slis.filter((sli) => only.includes(sli.name));
}

function generate(
  slis: readonly Sli<unknown>[],
  parsed: ParsedRules,
  onWarning: (w: RulesWarning) => void,
): object {
  const options: RulesOptions = {
    ...(parsed.service === undefined ? {} : { service: parsed.service }),
    ...(parsed.labels === undefined ? {} : { labels: parsed.labels }),
    ...(parsed.selector === undefined ? {} : { selector: parsed.selector }),
    ...(parsed.minEvents === undefined ? {} : { minEvents: parsed.minEvents }),
    impossibleTiers: parsed.dropImpossibleTiers ? 'drop' : 'error',
    onWarning,
  };
  switch (parsed.format) {
    case 'prometheus':
      return toPrometheusRules(slis, options);
    case 'sloth':
      return toSlothSpec(slis, options);
    case 'pyrra':
      return toPyrraSlos(slis, {
        ...options,
        ...(parsed.namespace === undefined ? {} : { namespace: parsed.namespace }),
        ...(parsed.pyrraSeverities === undefined ? {} : { severities: parsed.pyrraSeverities }),
      });
    case 'openslo':
      return toOpenSlo(slis, {
        ...options,
        ...(parsed.dataSource === undefined ? {} : { dataSource: parsed.dataSource }),
      });
  }
}

/** The command line that regenerates the output, for the header of the generated file. */
function commandLine(parsed: ParsedRules): string {
  const words = ['slokit', 'rules', parsed.file, '--format', parsed.format];
  if (parsed.service !== undefined) words.push('--service', parsed.service);
  if (parsed.namespace !== undefined) words.push('--namespace', parsed.namespace);
  if (parsed.pyrraSeverities !== undefined) words.push('--pyrra-severities', parsed.pyrraSeverities);
  if (parsed.dataSource !== undefined) words.push('--data-source', parsed.dataSource);
  for (const [name, value] of Object.entries(parsed.labels ?? {})) words.push('--label', `${name}=${value}`);
  for (const [name, value] of Object.entries(parsed.selector ?? {}))
    words.push('--selector', `${name}=${value}`);
  if (parsed.minEvents !== undefined) words.push('--min-events', String(parsed.minEvents));
  for (const name of parsed.only ?? []) words.push('--sli', name);
  if (parsed.dropImpossibleTiers) words.push('--drop-impossible-tiers');
  return words
    .map((word) => (/^[\w./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/**
 * What a Sloth spec cannot say itself: its period. Sloth reads it from `--default-slo-period` and
 * defaults to 30d, so a 28d spec generated without the flag gets 30-day factors without a word.
 */
function slothHeader(parsed: ParsedRules, slis: readonly Sli<unknown>[]): string[] {
  if (parsed.format !== 'sloth') return [];
  const period = slothPeriod(slis)!;
  return [
    `SLO period ${period}: sloth generate -i <this file> --default-slo-period ${period} (Sloth's default is 30d).`,
  ];
}

/**
 * Writes through a temporary file in the same directory and renames it, so readers never see half a
 * file. Only a regular file (or a new one) is replaced that way: a symlink is followed to the file it
 * names, and anything else (`/dev/stdout`, `/dev/null`, a named pipe) is written into, since a rename
 * would put a plain file in its place, which for `/dev/null` as root breaks the whole machine.
 */
async function writeAtomically(file: string, cwd: string, text: string): Promise<void> {
  let target = path.resolve(cwd, file);
  try {
    target = await realpath(target);
    if (!(await stat(target)).isFile()) {
      await writeFile(target, text, 'utf8');
      return;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CliUsageError(`cannot write ${file}: ${(error as Error).message}`);
    }
  }
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new CliUsageError(`cannot write ${file}: ${(error as Error).message}`);
  }
}

/**
 * `slokit rules <module>`: loads the SLIs a module exports and prints (or writes, with `--out`) the
 * Prometheus rules, Sloth spec, Pyrra resources or OpenSLO documents generated from them.
 */
export async function rulesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions(args);
  if (parsed === 'help') {
    io.stdout(RULES_USAGE);
    return EXIT.ok;
  }
  const slis = select(await loadSlis(parsed.file, io.cwd), parsed.only);
  const warnings: RulesWarning[] = [];
  const doc = generate(slis, parsed, (warning) => warnings.push(warning));
  const header = [
    `Generated by slokit: ${commandLine(parsed)}`,
    'Do not edit by hand: change the SLIs and run the command again.',
    ...slothHeader(parsed, slis),
  ].join('\n');
  const text = toYaml(doc, { header });
  for (const warning of warnings) io.stderr(`slokit: warning: ${warning.message} [${warning.code}]\n`);
  if (parsed.out === undefined) io.stdout(text);
  else await writeAtomically(parsed.out, io.cwd, text);
  return EXIT.ok;
}
