import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

// Tests and examples import slokit by its public names; inside the repository those resolve to
// the sources (tsconfig.json "paths" says the same for the type checker and tsx).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^slokit$/, replacement: src('index.ts') },
      { find: /^slokit\/testing$/, replacement: src('testing/index.ts') },
      { find: /^slokit\/rules$/, replacement: src('rules/index.ts') },
      { find: /^slokit\/setup$/, replacement: src('setup/index.ts') },
      { find: /^slokit\/node$/, replacement: src('adapters/node-http.ts') },
      { find: /^slokit\/express$/, replacement: src('adapters/express.ts') },
      { find: /^slokit\/fastify$/, replacement: src('adapters/fastify.ts') },
      { find: /^slokit\/vitest$/, replacement: src('testing/vitest.ts') },
      { find: /^slokit\/fleet$/, replacement: src('fleet/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The JSON report lets .ci/run close with a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
