import { defineConfig } from 'tsup';

// One entry per public subpath. Code splitting is on for both formats so that the subpaths share
// one copy of the core (one `SlokitError` class, one conventions table) inside each format.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      express: 'src/adapters/express.ts',
      node: 'src/adapters/node-http.ts',
      fastify: 'src/adapters/fastify.ts',
      rules: 'src/rules/index.ts',
      setup: 'src/setup/index.ts',
      testing: 'src/testing/index.ts',
      vitest: 'src/testing/vitest.ts',
      fleet: 'src/fleet/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    splitting: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
  },
  // The command line: ESM only, one file with its shebang. tsx (an optional peer dependency, the
  // loader of users' TypeScript modules) must stay an import resolved from the user's project:
  // bundled, its CommonJS build fails inside an ES module ("Dynamic require of "fs" is not
  // supported"). tsup leaves peer dependencies external; saying so here keeps it that way.
  {
    entry: { cli: 'src/cli/main.ts' },
    external: ['tsx'],
    format: ['esm'],
    dts: false,
    splitting: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
  },
]);
