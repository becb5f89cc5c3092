#!/usr/bin/env node
import process from 'node:process';
import { EXIT, reportError } from './io.js';
import type { CliIo } from './io.js';

/** A sub-command: takes its own arguments, returns the exit code. */
export type Command = (args: readonly string[], io: CliIo) => Promise<number>;

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

// Sub-commands are loaded on demand so that `slokit risks` never loads the rule generators.
const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  rules: {
    summary: 'Generate Prometheus rules, a Sloth spec, Pyrra or OpenSLO documents from your SLIs',
    load: async () => (await import('./rules.js')).rulesCommand,
  },
  budget: {
    summary: "Print each SLI's fleet-wide error budget from Prometheus; --fail-under makes it a deploy gate",
    load: async () => (await import('./budget.js')).budgetCommand,
  },
  doc: {
    summary: 'Print the SLO document of your SLIs (Markdown or JSON), generated from the code',
    load: async () => (await import('./doc.js')).docCommand,
  },
  risks: {
    summary: "Rank a risk catalogue by each risk's share of the yearly error budget",
    load: async () => (await import('./risks.js')).risksCommand,
  },
};

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  slokit ${name.padEnd(8)} ${c.summary}`);
  return `Usage: slokit <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun "slokit <command> --help" for a command's options.\n`;
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr(`slokit: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await (
      await entry.load()
    )(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}

const isEntry =
  process.argv[1] !== undefined &&
  /[\\/]cli\.(?:m?js|cjs|ts)$|[\\/]cli[\\/]main\.ts$|[\\/]slokit$/.test(process.argv[1]);
if (isEntry) {
  const io: CliIo = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    isTty: process.stdout.isTTY === true,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = reportError(error, io);
    },
  );
}
