// Every code block of README.md, CONTRIBUTING.md, docs/ and the examples' READMEs is a promise: `ts`
// and `js` blocks are type-checked against the package and run (with the `// →` values they show
// asserted), test files run under vitest, `json` and `yaml` blocks parse. The markup that says how
// a block is checked is described in CONTRIBUTING.md, "Code blocks in the docs".
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGES, parsePage } from './blocks.js';
import type { DocBlock } from './blocks.js';
import { root, runBlock, runVitestBlocks, typeCheck, writeSandbox } from './sandbox.js';
import type { SandboxFile, TypeProblem, VitestReport } from './sandbox.js';

/** The pages: README.md, CONTRIBUTING.md, every docs/ page, the examples' READMEs. */
function pages(): string[] {
  const list = ['README.md', 'CONTRIBUTING.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) list.push(rel.split(path.sep).join('/'));
    }
  };
  walk('docs');
  for (const example of readdirSync(path.join(root, 'examples'), { withFileTypes: true })) {
    if (
      example.isDirectory() &&
      readdirSync(path.join(root, 'examples', example.name)).includes('README.md')
    ) {
      list.push(`examples/${example.name}/README.md`);
    }
  }
  return list;
}

const parsed = pages().map((page) => parsePage(page, readFileSync(path.join(root, page), 'utf8')));
const problems = parsed.flatMap((p) => p.problems);
const blocks = parsed.flatMap((p) => p.blocks);
const codeBlocks = blocks.filter((b) => (LANGUAGES.code as readonly string[]).includes(b.lang));
const label = (b: DocBlock): string =>
  `${b.page}:${b.line}${b.hidden ? ` (hidden ${b.directives.file})` : ''}`;

// Written at collection time, so that every test below sees the same sandbox.
const files: SandboxFile[] = writeSandbox(codeBlocks);

describe('code blocks in the docs', () => {
  it('are found', () => {
    expect(pages()).toContain('docs/errors.md');
    expect(codeBlocks.length).toBeGreaterThan(40);
  });

  it('follow the markup conventions (CONTRIBUTING.md, "Code blocks in the docs")', () => {
    expect(problems.join('\n')).toBe('');
  });

  it('name every sandbox file once per page', () => {
    const seen = new Set<string>();
    const twice = files.filter((f) => (seen.has(f.file) ? true : (seen.add(f.file), false)));
    expect(twice.map((f) => label(f.block))).toEqual([]);
  });
});

describe('ts and js blocks type-check against the package', () => {
  let diagnostics: Map<string, TypeProblem[]>;
  beforeAll(() => {
    diagnostics = typeCheck(files);
  }, 180_000);

  it.each(files.map((f) => [label(f.block), f] as const))('%s', (_label, file) => {
    const found = diagnostics.get(file.file)!;
    const shown = found.map((d) => `${file.block.page}:${d.line}: ${d.message}`);
    if (!file.block.directives.typeErrors) {
      expect(shown.join('\n')).toBe('');
      return;
    }
    // type-errors: exactly the lines marked `// error`, each with at least one error.
    expect(file.expectedErrorLines.length).toBeGreaterThan(0);
    expect([...new Set(found.map((d) => d.line))].sort((a, b) => a - b)).toEqual(file.expectedErrorLines);
  });
});

describe.concurrent('ts and js blocks run', () => {
  const runnable = files.filter((f) => f.block.directives.run === 'node');
  it.each(runnable.map((f) => [label(f.block), f] as const))(
    '%s',
    async (_label, file) => {
      const result = await runBlock(file, 60_000);
      if (result.timedOut) {
        throw new Error(
          `${label(file.block)} was still running after 60 s: a block that keeps serving must be marked <!-- doc-test: no-run -->\n${result.stderr}`,
        );
      }
      if (result.code !== 0) throw new Error(`${label(file.block)}:\n${result.stderr}${result.stdout}`);
    },
    90_000,
  );
});

describe('test-file blocks pass under vitest', () => {
  const tests = files.filter((f) => f.block.directives.run === 'vitest');
  let report: VitestReport;
  beforeAll(async () => {
    report = await runVitestBlocks(tests, 110_000);
  }, 120_000);

  it.each(tests.map((f) => [label(f.block), f] as const))('%s', (_label, file) => {
    const result = report.testResults.find((r) => path.resolve(r.name) === path.resolve(file.file));
    expect(result, `vitest did not run ${file.file}`).toBeDefined();
    const failed = result!.assertionResults.filter((a) => a.status !== 'passed');
    expect(
      failed.map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
      result!.message,
    ).toEqual([]);
    expect(result!.assertionResults.length).toBeGreaterThan(0);
  });
});

describe('json and yaml blocks parse', () => {
  const data = blocks.filter((b) => (LANGUAGES.data as readonly string[]).includes(b.lang));
  it.each(data.map((b) => [label(b), b] as const))('%s', (_label, block) => {
    if (block.lang === 'json') {
      expect(() => JSON.parse(block.code) as unknown).not.toThrow();
    } else if (block.lang === 'jsonc') {
      // JSON with comments and trailing commas, as TypeScript reads tsconfig.json.
      const result = ts.parseConfigFileTextToJson('block.jsonc', block.code);
      expect(result.error && ts.flattenDiagnosticMessageText(result.error.messageText, ' ')).toBeUndefined();
    } else {
      const errors = parseAllDocuments(block.code).flatMap((doc) =>
        'errors' in doc ? doc.errors.map((e) => e.message) : [],
      );
      expect(errors).toEqual([]);
    }
  });
});
