// Every error code is documented, every documented code exists, and every code the sources throw is
// declared: the code, the docs and ERROR_CODES cannot drift apart as codes are added.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SlokitError } from 'slokit';

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

  it('carry their code in the message and as `code`', () => {
    const error = new SlokitError('SLOKIT_E_SLI_NAME', 'defineSli: bad name');
    expect(error.code).toBe('SLOKIT_E_SLI_NAME');
    expect(error.message).toBe('defineSli: bad name [SLOKIT_E_SLI_NAME]');
    expect(error.name).toBe('SlokitError');
    expect(error).toBeInstanceOf(Error);
  });
});
