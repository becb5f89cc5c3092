// Turns the blocks of the docs into files of a sandbox project under .tmp/doc-blocks/, type-checks
// them in one TypeScript program (slokit resolved to the sources, as everywhere in the repository),
// and runs the runnable ones, each in its own Node.js process, or, for test files, in one vitest run.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { DocBlock } from './blocks.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const sandboxRoot = path.join(root, '.tmp', 'doc-blocks');

/** A block written into the sandbox. */
export interface SandboxFile {
  readonly block: DocBlock;
  /** Absolute path. */
  readonly file: string;
  /** The text written: prelude, then the block (with `// →` assertions turned into calls). */
  readonly source: string;
  /** Markdown line of each line of `source` (index 0 is the file's first line). */
  readonly lines: readonly number[];
  /** Markdown lines the block marks `// error` (for `type-errors`). */
  readonly expectedErrorLines: readonly number[];
}

/** `docs/cli.md` → `docs-cli`. */
function slug(page: string): string {
  return page.replace(/\.md$/, '').replace(/[^\w]+/g, '-');
}

/** The sandbox path of a block: its `file` directive, or `block-L<line>`. */
export function blockPath(block: DocBlock): string {
  const dir = path.join(sandboxRoot, slug(block.page));
  if (block.directives.file !== undefined) return path.join(dir, block.directives.file);
  const test = block.directives.run === 'vitest' ? '.test' : '';
  return path.join(dir, `block-L${block.line}${test}.${block.lang === 'js' ? 'mjs' : 'ts'}`);
}

// Globals the rewritten assertions call; defined by run-block.mjs before the block is imported.
const GLOBALS_DTS = `declare function __docExpect(actual: unknown, expected: unknown, line: string): void;
declare function __docApprox(actual: unknown, expected: number, decimals: number, line: string): void;
`;

/** Writes every block into a fresh sandbox. */
export function writeSandbox(blocks: readonly DocBlock[]): SandboxFile[] {
  rmSync(sandboxRoot, { recursive: true, force: true });
  mkdirSync(sandboxRoot, { recursive: true });
  writeFileSync(path.join(sandboxRoot, 'doc-test-globals.d.ts'), GLOBALS_DTS);
  return blocks.map((block) => {
    const file = blockPath(block);
    const preludeLines = block.prelude === '' ? [] : block.prelude.split('\n');
    const codeLines = block.code.split('\n');
    const lines = [
      ...preludeLines.map((_, i) => block.preludeLine + i),
      ...codeLines.map((_, i) => block.codeLine + i),
    ];
    const text = [...preludeLines, ...codeLines].join('\n') + '\n';
    const source = block.directives.run === 'node' ? withAssertions(text, file, lines, block.page) : text;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, source);
    const expectedErrorLines = block.directives.typeErrors
      ? errorMarkers(codeLines).map((i) => block.codeLine + i)
      : [];
    return { block, file, source, lines, expectedErrorLines };
  });
}

/**
 * Indexes of the lines a `type-errors` block marks: a line ending in `// error...`, or, for a comment
 * line of its own (`// error: ...`), the nearest line of code above it.
 */
function errorMarkers(lines: readonly string[]): number[] {
  const marked = new Set<number>();
  lines.forEach((line, i) => {
    const at = line.search(/\/\/\s*error\b/);
    if (at === -1) return;
    if (line.slice(0, at).trim() !== '') {
      marked.add(i);
      return;
    }
    for (let j = i - 1; j >= 0; j--) {
      const code = lines[j]!.trim();
      if (code !== '' && !code.startsWith('//')) {
        marked.add(j);
        return;
      }
    }
  });
  return [...marked].sort((a, b) => a - b);
}

const ARROW_RE = /^\/\/\s*(→|≈)\s*(.+?)\s*$/;

/**
 * Turns `expr; // → value` (or `expr;` with `// → value` alone on the next line) into
 * `__docExpect((expr), (value), "page:line");`, and `// ≈ 0.2976` into an approximate comparison
 * at the shown decimals. Lines are kept, so type errors still point at the Markdown line.
 */
export function withAssertions(text: string, file: string, lines: readonly number[], page: string): string {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const textLines = text.split('\n');
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) {
      const endLine = sf.getLineAndCharacterOfPosition(node.end).line;
      const rest = textLines[endLine]!.slice(sf.getLineAndCharacterOfPosition(node.end).character).trim();
      let match = ARROW_RE.exec(rest);
      if (match === null && rest === '') match = ARROW_RE.exec((textLines[endLine + 1] ?? '').trim());
      if (match !== null) {
        const [, kind, value] = match as unknown as [string, string, string];
        const where = JSON.stringify(`${page}:${lines[endLine]}`);
        const expr = node.expression;
        if (kind === '→') {
          edits.push({ start: expr.getStart(sf), end: expr.getStart(sf), text: '__docExpect((' });
          edits.push({ start: expr.end, end: expr.end, text: `), (${value}), ${where})` });
        } else {
          const decimals = /\.(\d+)$/.exec(value)?.[1]?.length ?? 0;
          edits.push({ start: expr.getStart(sf), end: expr.getStart(sf), text: '__docApprox((' });
          edits.push({ start: expr.end, end: expr.end, text: `), ${value}, ${decimals}, ${where})` });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

/** A type error, at its Markdown line. */
export interface TypeProblem {
  readonly line: number;
  readonly message: string;
}

/** Type-checks every sandbox file in one program; returns each file's problems. */
export function typeCheck(files: readonly SandboxFile[]): Map<string, TypeProblem[]> {
  const configPath = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    // A block reads as in a typical strict app: `strict` and the repository's other checks, but
    // not noUncheckedIndexedAccess, which few apps turn on (and which would need `!` after every
    // `analysis.risks[0]`).
    noUncheckedIndexedAccess: false,
    // Every block is a module, even one without imports, so blocks never share globals.
    moduleDetection: ts.ModuleDetectionKind.Force,
    allowJs: true,
    checkJs: false,
    noEmit: true,
  };
  const program = ts.createProgram({
    rootNames: [path.join(sandboxRoot, 'doc-test-globals.d.ts'), ...files.map((f) => f.file)],
    options,
  });
  const byFile = new Map<string, SandboxFile>(files.map((f) => [path.resolve(f.file), f]));
  const result = new Map<string, TypeProblem[]>(files.map((f) => [f.file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const fileName = diagnostic.file?.fileName;
    const owner = fileName === undefined ? undefined : byFile.get(path.resolve(fileName));
    if (owner === undefined) {
      // Not in a block (an option or a library): reported against every block, loudly.
      if (fileName?.startsWith(sandboxRoot) !== false) {
        for (const list of result.values()) {
          list.push({ line: 0, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n') });
        }
      }
      continue;
    }
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    result.get(owner.file)!.push({
      line: owner.lines[line] ?? 0,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
    });
  }
  return result;
}

/** The environment of a block's process: no OTel variables, no colours, nothing of the test runner. */
export function blockEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('OTEL_') || key.startsWith('VITEST') || key === 'NODE_OPTIONS' || key === 'TEST') {
      continue;
    }
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.json') };
}

/** What a child process did. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs a command with a time limit, collecting its output. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: blockEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Runs one block as an ES module through run-block.mjs; `expect` is `ok` or `throws:CODE`. */
export function runBlock(file: SandboxFile, timeoutMs: number): Promise<RunResult> {
  const expectation =
    file.block.directives.throws === undefined ? 'ok' : `throws:${file.block.directives.throws}`;
  return runProcess(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'test', 'docs', 'run-block.mjs'), file.file, expectation],
    { cwd: path.dirname(file.file), timeoutMs },
  );
}

/**
 * Where `slokit` and each of its subpaths resolve inside the repository: tsconfig.json's `paths`
 * (which tsx and the type checker use), so vitest blocks resolve every name the others do.
 */
export function packageAliases(): [string, string][] {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file));
  const paths = (config.config as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions
    .paths;
  return Object.entries(paths)
    .filter(([name]) => name === 'slokit' || name.startsWith('slokit/'))
    .map(([name, [target]]) => [name, path.join(root, target!)]);
}

/** Runs every vitest block in one vitest process and returns its JSON report. */
export async function runVitestBlocks(
  files: readonly SandboxFile[],
  timeoutMs: number,
): Promise<VitestReport> {
  const aliases = packageAliases();
  const config = path.join(sandboxRoot, 'vitest.config.mjs');
  const report = path.join(sandboxRoot, 'vitest-report.json');
  writeFileSync(
    config,
    `export default {
  resolve: { alias: [${aliases.map(([name, to]) => `{ find: /^${name.replace('/', '\\/')}$/, replacement: ${JSON.stringify(to)} }`).join(', ')}] },
  test: { include: ${JSON.stringify(files.map((f) => path.relative(sandboxRoot, f.file)))}, testTimeout: 20000 },
};
`,
  );
  const result = await runProcess(
    path.join(root, 'node_modules', '.bin', 'vitest'),
    ['run', '--root', sandboxRoot, '--config', config, '--reporter=json', `--outputFile=${report}`],
    { cwd: sandboxRoot, timeoutMs },
  );
  let parsed: VitestReport;
  try {
    parsed = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
  } catch {
    throw new Error(`vitest over the docs' test blocks wrote no report:\n${result.stdout}\n${result.stderr}`);
  }
  return parsed;
}

/** The parts of vitest's JSON report the docs test reads. */
export interface VitestReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: readonly {
      readonly fullName: string;
      readonly status: string;
      readonly failureMessages: readonly string[];
    }[];
  }[];
}
