// The markup of the docs' code blocks: what parsePage finds, what it refuses, and how `// →`
// comments become assertions. The conventions are in CONTRIBUTING.md, "Code blocks in the docs".
import { describe, expect, it } from 'vitest';
import { parsePage } from './blocks.js';
import { existsSync, readFileSync } from 'node:fs';
import { packageAliases, withAssertions } from './sandbox.js';

const page = (...lines: string[]): string => lines.join('\n');

describe('parsePage', () => {
  it('reads a ts block with its directives and hidden prelude', () => {
    const { blocks, problems } = parsePage(
      'docs/x.md',
      page(
        '# Title',
        '',
        '<!-- doc-test: no-run',
        "import { kit } from './kit.js';",
        '-->',
        '',
        '```ts',
        'kit.status();',
        '```',
      ),
    );
    expect(problems).toEqual([]);
    expect(blocks).toEqual([
      {
        page: 'docs/x.md',
        line: 7,
        lang: 'ts',
        code: 'kit.status();',
        codeLine: 8,
        prelude: "import { kit } from './kit.js';",
        preludeLine: 4,
        hidden: false,
        directives: { file: undefined, run: 'none', throws: undefined, typeErrors: false },
      },
    ]);
  });

  it('reads hidden files, throws, vitest and indented fences', () => {
    const { blocks, problems } = parsePage(
      'README.md',
      page(
        '<!-- doc-test: file src/slis.ts',
        'export const a = 1;',
        '-->',
        '',
        'Text.',
        '',
        '<!-- doc-test: throws SLOKIT_E_OBJECTIVE -->',
        '```ts',
        'x();',
        '```',
        '',
        '- item:',
        '',
        '  <!-- doc-test: vitest file test/a.test.ts -->',
        '  ```ts',
        "  it('works', () => {});",
        '  ```',
        '',
        '```sh',
        'npm test',
        '```',
      ),
    );
    expect(problems).toEqual([]);
    expect(blocks.map((b) => [b.line, b.lang, b.hidden, b.code, b.directives])).toEqual([
      [
        1,
        'ts',
        true,
        'export const a = 1;',
        { file: 'src/slis.ts', run: 'node', throws: undefined, typeErrors: false },
      ],
      [
        8,
        'ts',
        false,
        'x();',
        { file: undefined, run: 'node', throws: 'SLOKIT_E_OBJECTIVE', typeErrors: false },
      ],
      [
        15,
        'ts',
        false,
        "it('works', () => {});",
        { file: 'test/a.test.ts', run: 'vitest', throws: undefined, typeErrors: false },
      ],
      [19, 'sh', false, 'npm test', { file: undefined, run: 'node', throws: undefined, typeErrors: false }],
    ]);
  });

  it('names every markup mistake with its line', () => {
    const { problems } = parsePage(
      'docs/bad.md',
      page(
        '```',
        'output',
        '```',
        '```jsx',
        '```',
        '<!-- doc-test: no-run -->',
        'A paragraph, not a fence.',
        '<!-- doc-test: fast -->',
        '```ts',
        '```',
        '<!-- doc-test: no-run throws SLOKIT_E_X -->',
        '```ts',
        '```',
        '<!-- doc-test: no-run -->',
        '```sh',
        '```',
        '<!-- doc-test: throws objective -->',
        '```ts',
        '```',
      ),
    );
    expect(problems).toEqual([
      'docs/bad.md:1: a code block needs a language: ts or js (checked and run), json, jsonc or yaml (parsed), or sh, text, promql, diff, html, dockerfile, ini, md (shown as written; "text" for program output)',
      'docs/bad.md:4: unknown code block language "jsx"; use one of ts, js, json, jsonc, yaml, sh, text, promql, diff, html, dockerfile, ini, md (see CONTRIBUTING.md, "Code blocks in the docs")',
      'docs/bad.md:6: a doc-test comment must sit right above a code fence (blank lines between are fine), or name a hidden file ("doc-test: file helpers.ts")',
      'docs/bad.md:8: unknown doc-test directive "fast"; expected file PATH, no-run, vitest, throws CODE or type-errors',
      'docs/bad.md:11: use one of no-run, vitest, throws CODE and type-errors, not several',
      'docs/bad.md:15: doc-test directives apply to ts and js blocks only, not to "sh"',
      'docs/bad.md:17: "throws" needs an error code such as SLOKIT_E_OBJECTIVE; got objective',
    ]);
  });
});

describe('withAssertions', () => {
  it('turns `// →` and `// ≈` comments after expression statements into assertions, keeping the lines', () => {
    const text = page(
      "classify(sli, event); // → { outcome: 'good' }",
      'budget(',
      '  0.999,',
      ');',
      '// → 0.001',
      'share(); // ≈ 0.2976',
      'other(); // a plain comment',
      '',
    );
    const out = withAssertions(text, 'block.ts', [10, 11, 12, 13, 14, 15, 16, 17], 'docs/x.md');
    expect(out.split('\n')).toEqual([
      `__docExpect((classify(sli, event)), ({ outcome: 'good' }), "docs/x.md:10"); // → { outcome: 'good' }`,
      '__docExpect((budget(',
      '  0.999,',
      ')), (0.001), "docs/x.md:13");',
      '// → 0.001',
      '__docApprox((share()), 0.2976, 4, "docs/x.md:15"); // ≈ 0.2976',
      'other(); // a plain comment',
      '',
    ]);
  });
});

describe('the sandbox', () => {
  it('resolves slokit and every subpath the package exports, to files that exist', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const exported = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'slokit' : `slokit/${key.slice(2)}`));
    const aliases = packageAliases();
    expect(aliases.map(([name]) => name).sort()).toEqual(exported.sort());
    expect(aliases.find(([name]) => name === 'slokit/fleet')?.[1]).toMatch(/src\/fleet\/index\.ts$/);
    for (const [, file] of aliases) expect(existsSync(file), file).toBe(true);
  });
});
