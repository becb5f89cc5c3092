// Every error code is documented, every documented code exists, and every code the sources throw is
// declared: the code, the docs and ERROR_CODES cannot drift apart as codes are added. And what the
// docs say causes a code is shown by a real trigger: every code's section holds a `throws` example
// (run by test/docs/code-blocks.test.ts, which fails unless it throws exactly that code), and every
// environment variable a section (or ERROR_CODES) blames is set in one of those examples.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SlokitError } from 'slokit';
import { parsePage } from './docs/blocks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const docs = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
const codes = Object.keys(ERROR_CODES);

/** Every `.ts` file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The `### SLOKIT_E_...` headings of docs/errors.md. */
const documented = [...docs.matchAll(/^###\s+(SLOKIT_E_\w+)\s*$/gm)].map((match) => match[1]!);

/**
 * Codes no public call can throw, so their section cannot show a trigger. Each needs a reason; keep
 * the list short.
 */
const NO_PUBLIC_TRIGGER: Readonly<Record<string, string>> = {
  SLOKIT_E_BUDGET_WINDOW:
    'thrown only by the internal SliWindows, which the kit asks for its own windows alone (seeing it is a bug)',
  SLOKIT_E_WINDOWS_STATE:
    'a state file the kit cannot use is set aside with a warning that names the code; nothing public throws it',
};

/** Each code's section: its text from the heading to the next heading, and its `throws` examples. */
function sections(): Map<string, { text: string; throws: { code: string; source: string; line: number }[] }> {
  const lines = docs.split('\n');
  const { blocks } = parsePage('docs/errors.md', docs);
  const result = new Map<
    string,
    { text: string; throws: { code: string; source: string; line: number }[] }
  >();
  let current: { code: string; start: number } | undefined;
  const close = (end: number): void => {
    if (current === undefined) return;
    const inside = blocks.filter(
      (b) => b.line > current!.start && b.line < end && b.directives.throws !== undefined,
    );
    result.set(current.code, {
      text: lines.slice(current.start, end - 1).join('\n'),
      throws: inside.map((b) => ({ code: b.directives.throws!, source: b.code, line: b.line })),
    });
    current = undefined;
  };
  lines.forEach((line, i) => {
    if (!line.startsWith('#')) return;
    close(i + 1);
    const match = /^###\s+(SLOKIT_E_\w+)\s*$/.exec(line);
    if (match !== null) current = { code: match[1]!, start: i + 1 };
  });
  close(lines.length + 1);
  return result;
}

const ENV_RE = /\bOTEL_[A-Z0-9_]+\b/g;

describe('error codes', () => {
  it('are all spelled SLOKIT_E_ and upper case', () => {
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(code).toMatch(/^SLOKIT_E_[A-Z][A-Z0-9_]*$/);
  });

  it.each(codes)('%s has a heading in docs/errors.md', (code) => {
    expect(documented).toContain(code);
  });

  it('docs/errors.md documents only codes that exist, each once', () => {
    expect(documented.filter((code) => !codes.includes(code))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('every SLOKIT_E_ string in src/ is a declared code', () => {
    const files = sources(path.join(root, 'src'));
    expect(files.length).toBeGreaterThan(0);
    const unknown: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // String literals in any quotes, including template literals and backticked TSDoc.
      for (const match of text.matchAll(/(['"`])(SLOKIT_E_\w+)\1/g)) {
        if (!codes.includes(match[2]!)) unknown.push(`${path.relative(root, file)}: ${match[2]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  describe('the documented causes are real', () => {
    const bySection = sections();

    it.each(codes.filter((code) => !(code in NO_PUBLIC_TRIGGER)))(
      '%s: its section shows a trigger, an example that throws exactly this code',
      (code) => {
        const section = bySection.get(code);
        expect(section, `no section for ${code}`).toBeDefined();
        expect(section!.throws.map((t) => t.code)).toContain(code);
        // An example under one code's heading that throws another would mislead the reader.
        expect(section!.throws.filter((t) => t.code !== code)).toEqual([]);
      },
    );

    it('codes without a public trigger are declared and say nothing the examples could show', () => {
      for (const code of Object.keys(NO_PUBLIC_TRIGGER)) {
        expect(codes).toContain(code);
        expect(bySection.get(code)?.throws).toEqual([]);
      }
    });

    it.each(codes)(
      '%s: every environment variable its section or ERROR_CODES names is set in one of its triggers',
      (code) => {
        const section = bySection.get(code)!;
        const named = new Set([
          ...(section.text.match(ENV_RE) ?? []),
          ...(ERROR_CODES[code as keyof typeof ERROR_CODES].match(ENV_RE) ?? []),
        ]);
        const shown = section.throws.map((t) => t.source).join('\n');
        const unshown = [...named].filter((name) => !new RegExp(`process\\.env\\.${name}\\s*=`).test(shown));
        expect(unshown).toEqual([]);
      },
    );
  });

  it('carry their code in the message and as `code`', () => {
    const error = new SlokitError('SLOKIT_E_SLI_NAME', 'defineSli: bad name');
    expect(error.code).toBe('SLOKIT_E_SLI_NAME');
    expect(error.message).toBe('defineSli: bad name [SLOKIT_E_SLI_NAME]');
    expect(error.name).toBe('SlokitError');
    expect(error).toBeInstanceOf(Error);
  });
});
