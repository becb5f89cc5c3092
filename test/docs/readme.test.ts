// The README is where a user looks first: its first command installs slokit with the peer
// dependencies it cannot work without (read from package.json, so a new required peer must show up
// there), and the contributors' set-up stays further down.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePage } from './blocks.js';
import { root } from './sandbox.js';

const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const { blocks } = parsePage('README.md', readme);
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const requiredPeers = Object.keys(manifest.peerDependencies).filter(
  (name) => manifest.peerDependenciesMeta[name]?.optional !== true,
);
const sectionOf = (line: number): string | undefined =>
  readme
    .split('\n')
    .slice(0, line)
    .filter((l) => l.startsWith('## '))
    .at(-1);

describe('README.md', () => {
  it("opens with the user's install line: slokit and its required peer dependencies", () => {
    expect(requiredPeers).toEqual(['@opentelemetry/api']);
    const first = blocks[0]!;
    expect(first.lang).toBe('sh');
    expect(sectionOf(first.line)).toBe('## Install');
    expect(first.code).toBe(`npm install ${[manifest.name, ...requiredPeers].join(' ')}`);
  });

  it('says how to install tsx, the optional peer the CLI needs for TypeScript modules', () => {
    expect(manifest.peerDependenciesMeta.tsx).toEqual({ optional: true });
    const tsx = blocks.find((b) => b.code === 'npm install --save-dev tsx');
    expect(tsx && sectionOf(tsx.line)).toBe('## Install');
  });

  it("keeps the contributors' set-up in its Development section", () => {
    const setup = blocks.find((b) => b.lang === 'sh' && b.code === 'npm ci\nnpm test');
    expect(setup && sectionOf(setup.line)).toBe('## Development');
  });
});
