// The boundaries of the source layout: the pure modules (judging, budgets, rules, risks,
// explanations, the words of documents and alerts) import neither Node's built-ins nor
// OpenTelemetry, so they run anywhere and never call out; fleet/ calls out only through the global
// fetch.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(path.join(src, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(path.join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

/** Module specifiers a file imports (static, dynamic and re-exports), comments excluded. */
function imports(file: string): string[] {
  const code = readFileSync(path.join(src, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]!);
}

const PURE = ['sli', 'budget', 'rules', 'risk', 'explain', 'doc'];

describe('source layout', () => {
  it.each(PURE)('src/%s/ imports neither node: built-ins nor @opentelemetry packages', (dir) => {
    const offending = files(dir).flatMap((file) =>
      imports(file)
        .filter((spec) => spec.startsWith('node:') || spec.startsWith('@opentelemetry/'))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('src/fleet/ calls out through the global fetch alone: no node: built-ins, no OpenTelemetry', () => {
    const offending = files('fleet').flatMap((file) =>
      imports(file)
        .filter(
          (spec) => spec.startsWith('node:') || spec.startsWith('@opentelemetry/') || !spec.startsWith('.'),
        )
        .map((spec) => `${file}: ${spec}`),
    );
    expect(files('fleet').length).toBeGreaterThan(0);
    expect(offending).toEqual([]);
  });

  it('nothing outside src/fleet/ calls fetch', () => {
    const callers = [
      'sli',
      'budget',
      'rules',
      'risk',
      'explain',
      'doc',
      'runtime',
      'context',
      'adapters',
      'telemetry',
      'testing',
      'cli',
    ]
      .flatMap((dir) => files(dir))
      .filter((file) => /\bfetch\(/.test(readFileSync(path.join(src, file), 'utf8')));
    expect(callers).toEqual([]);
  });
});
