import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { SlokitError } from '../errors.js';

/** Exit codes of the `slokit` command. */
export const EXIT = {
  ok: 0,
  /** A check the user asked for failed (e.g. `--fail-on-exceed`). */
  checkFailed: 1,
  /** The user's input or flags are wrong; the message says how. */
  usage: 2,
  /** A service the command needs could not answer (`slokit budget`: Prometheus). */
  unavailable: 3,
} as const;

/** A user mistake the CLI reports in one line, without a stack trace. */
export class CliUsageError extends Error {}

/** Where the CLI writes; injectable so tests run commands in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Whether stdout is a terminal (colours, bars). */
  readonly isTty: boolean;
}

/** What the CLI says when a TypeScript module is given and tsx cannot be loaded. */
export function tsxMissing(file: string): string {
  return `cannot load ${file}: TypeScript modules load through tsx, which is not installed. Install it in your project with "npm install --save-dev tsx", or give slokit the compiled .js or .mjs module`;
}

/**
 * Loads a user's module: `.ts`, `.mts`, `.cts`, `.js`, `.mjs` or `.cjs`, without a build step.
 * TypeScript goes through tsx's loader, scoped to this one import. tsx is an optional peer
 * dependency, resolved from the user's project and never bundled into the CLI (its esbuild would
 * otherwise ship inside every service that depends on slokit), so without it only JavaScript loads.
 */
export async function loadModule(file: string, cwd: string): Promise<Record<string, unknown>> {
  const absolute = path.resolve(cwd, file);
  const ext = path.extname(absolute);
  if (!['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].includes(ext)) {
    throw new CliUsageError(`cannot load ${file}: expected a .ts, .mts, .js or .mjs module`);
  }
  await assertReadable(absolute, file);
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') {
    return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  }
  let api: { readonly tsImport?: unknown };
  try {
    api = await import('tsx/esm/api');
  } catch (error) {
    if (isTsxNotFound(error)) throw new CliUsageError(tsxMissing(file));
    throw error;
  }
  if (typeof api.tsImport !== 'function') {
    throw new CliUsageError(
      `cannot load ${file}: the installed tsx has no tsImport(); slokit needs tsx 4.9 or later ("npm install --save-dev tsx@4")`,
    );
  }
  const tsImport = api.tsImport as (specifier: string, parentURL: string) => Promise<unknown>;
  return (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
}

/** Whether an import failed because the `tsx` package itself is not installed (not one of its files). */
function isTsxNotFound(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    /(?:package|module) ['"]tsx(?:\/[^'"]*)?['"]/.test(message)
  );
}

/** Reads a text file, turning a missing or unreadable file into a one-line usage error. */
export async function readText(file: string, cwd: string): Promise<string> {
  const absolute = path.resolve(cwd, file);
  await assertReadable(absolute, file);
  return readFile(absolute, 'utf8');
}

async function assertReadable(absolute: string, shown: string): Promise<void> {
  try {
    if (!(await stat(absolute)).isFile()) throw new CliUsageError(`not a file: ${shown}`);
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliUsageError(
      code === 'ENOENT' ? `no such file: ${shown}` : `cannot read ${shown}: ${(error as Error).message}`,
    );
  }
}

/**
 * Turns an error into the CLI's one-line report and exit code: user mistakes (`SlokitError`,
 * `CliUsageError`) print their message; anything else is a bug in slokit and prints its stack.
 */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof SlokitError || error instanceof CliUsageError) {
    io.stderr(`slokit: ${error.message}\n`);
    return EXIT.usage;
  }
  io.stderr(
    `slokit: unexpected failure, please report it:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.usage;
}

type CommandConfig<O extends NonNullable<ParseArgsConfig['options']>> = {
  args: string[];
  allowPositionals: true;
  strict: true;
  options: O & { help: { type: 'boolean'; short: 'h' } };
};

/**
 * Parses a sub-command's flags (`--help`/`-h` included) and its one file argument. Unknown flags,
 * no file or more than one are one-line usage errors naming the command.
 *
 * @param missing - what to say when the file is missing, e.g. `expected a risk catalogue file, e.g. "slokit risks risks.yaml"`.
 * @param noun - what the argument is, for "expected one file; got 2".
 */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: O,
  missing: string,
  noun: string,
): { values: ReturnType<typeof parseArgs<CommandConfig<O>>>['values']; file: string } | 'help' {
  let parsed: ReturnType<typeof parseArgs<CommandConfig<O>>>;
  try {
    parsed = parseArgs<CommandConfig<O>>({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    // node:util's messages are already one line ("Unknown option '--foo'").
    throw new CliUsageError(`${command}: ${(error as Error).message}. Run "slokit ${command} --help".`);
  }
  const { values, positionals } = parsed;
  if ((values as { help?: boolean }).help === true) return 'help';
  if (positionals.length !== 1) {
    throw new CliUsageError(
      positionals.length === 0
        ? `${command}: ${missing}. Run "slokit ${command} --help".`
        : `${command}: expected one ${noun}; got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  return { values, file: positionals[0]! };
}
