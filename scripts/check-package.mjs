#!/usr/bin/env node
// Checks the package as users get it (`npm run check:package`, part of `npm test`):
//
//   1. build        tsup emits ESM, CJS and .d.ts for every entry;
//   2. publint      --strict: package.json, exports and files agree, nothing to warn about;
//   3. attw         @arethetypeswrong/cli on the packed tarball: types resolve for every entry from
//                   ESM and CJS. Profile node16: slokit needs Node >= 20.6 and subpath exports, which
//                   the old `moduleResolution: node` (node10) cannot see. The `slokit` bin (ESM only)
//                   is not in `exports` and is not analysed.
//   4. consumer     `npm pack`, the tarball unpacked into test/fixtures/consumer/node_modules/slokit
//                   (plain tar, no install, no network), then that project, outside the repository's
//                   own configs, runs an ES module, a CommonJS module, tsc (NodeNext) over .ts and
//                   .cts files, and its own vitest suite with slokit/vitest. Other packages
//                   (vitest, typescript) resolve from the repository's node_modules by walking up.
//
// Exits non-zero at the first failure. The unpacked package and the tarball are removed at the end.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const consumer = path.join(root, 'test', 'fixtures', 'consumer');
const consumerModules = path.join(consumer, 'node_modules');
const packDir = path.join(root, '.tmp', 'check-package');

const passed = [];

/** Runs one command, its output shown as it goes; throws when it fails. */
function run(title, command, args, options = {}) {
  const shown = command.startsWith(root) ? path.relative(root, command) : path.basename(command);
  console.log(`\n── ${title}\n$ ${[shown, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: options.capture === true ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    ...options,
  });
  if (result.error !== undefined) throw new Error(`${title}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${title}: exited with ${result.status ?? result.signal}`);
  passed.push(title);
  return result.stdout;
}

function cleanUp() {
  rmSync(consumerModules, { recursive: true, force: true });
  rmSync(packDir, { recursive: true, force: true });
}

try {
  cleanUp();
  run('build (tsup: ESM, CJS, types)', 'npm', ['run', '--silent', 'build']);
  run('publint --strict', bin('publint'), ['--strict']);
  run('attw --pack (profile node16)', bin('attw'), ['--pack', '.', '--profile', 'node16']);

  mkdirSync(packDir, { recursive: true });
  const packed = JSON.parse(
    run('npm pack', 'npm', ['pack', '--json', '--pack-destination', packDir], { capture: true }),
  );
  const tarball = path.join(packDir, packed[0].filename);
  console.log(`${packed[0].filename}: ${packed[0].entryCount} files, ${packed[0].size} bytes`);

  const target = path.join(consumerModules, 'slokit');
  mkdirSync(target, { recursive: true });
  // npm tarballs hold everything under package/.
  run('unpack into the consumer', 'tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);

  run('consumer: ES module', process.execPath, ['esm.js'], { cwd: consumer });
  run('consumer: CommonJS module', process.execPath, ['cjs.cjs'], { cwd: consumer });
  run('consumer: tsc (NodeNext, .ts and .cts)', bin('tsc'), ['-p', 'tsconfig.json'], { cwd: consumer });
  run('consumer: vitest with slokit/vitest', bin('vitest'), ['run', '--config', 'vitest.config.mjs'], {
    cwd: consumer,
  });

  console.log(`\ncheck:package passed:\n${passed.map((title) => `  ✓ ${title}`).join('\n')}`);
} catch (error) {
  console.error(`\ncheck:package FAILED: ${error instanceof Error ? error.message : String(error)}`);
  if (passed.length > 0)
    console.error(`passed before the failure:\n${passed.map((title) => `  ✓ ${title}`).join('\n')}`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
