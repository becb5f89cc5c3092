// The golden files: what `slokit rules` prints for the example shop's SLIs (examples/slis.ts) in
// every format, and the SLO document `slokit doc` prints for them. scripts/update-golden.mjs writes them; test/rules/golden.test.ts checks that the
// command still prints exactly them, so every change to the generated rules shows up in review as
// a diff of these files.
import { main } from '../../src/cli/main.js';

export interface GoldenCase {
  /** File name under test/golden/. */
  readonly file: string;
  /** The `slokit` arguments that produce it, run from the repository root. */
  readonly args: readonly string[];
}

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { file: 'prometheus.yaml', args: ['rules', 'examples/slis.ts', '--format', 'prometheus'] },
  { file: 'sloth.yaml', args: ['rules', 'examples/slis.ts', '--format', 'sloth', '--service', 'shop'] },
  { file: 'pyrra.yaml', args: ['rules', 'examples/slis.ts', '--format', 'pyrra', '--namespace', 'shop'] },
  { file: 'openslo.yaml', args: ['rules', 'examples/slis.ts', '--format', 'openslo', '--service', 'shop'] },
  { file: 'slo-document.md', args: ['doc', 'examples/slis.ts', '--service', 'shop'] },
  { file: 'slo-document.json', args: ['doc', 'examples/slis.ts', '--service', 'shop', '--format', 'json'] },
];

/** The rules file shipped in examples/prometheus/, identical to the Prometheus golden file. */
export const EXAMPLE_RULES = {
  file: 'examples/prometheus/slokit-rules.yaml',
  golden: 'prometheus.yaml',
} as const;

/** Runs `slokit <args>` in-process from `cwd` and returns what it printed; throws unless it succeeded quietly. */
export async function renderGolden(args: readonly string[], cwd: string): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd,
    isTty: false,
  });
  if (code !== 0 || stderr !== '') {
    throw new Error(`slokit ${args.join(' ')} exited ${code}: ${stderr}`);
  }
  return stdout;
}
