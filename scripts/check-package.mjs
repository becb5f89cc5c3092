#!/usr/bin/env node
// Checks the package as users get it (`npm run check:package`, part of `npm test`):
//
//   1. build        tsup emits ESM, CJS and .d.ts for every entry;
//   2. publint      --strict: package.json, exports and files agree, nothing to warn about;
//                   then the tarball's contents: the Apache-2.0 LICENSE that package.json names, and
//                   every file a shipped Markdown page links to or a message of the built code points
//                   at (node_modules/slokit/docs/...) is in it;
//   3. attw         @arethetypeswrong/cli on the packed tarball: types resolve for every entry from
//                   ESM and CJS. Profile node16: slokit needs Node >= 20.6 and subpath exports, which
//                   the old `moduleResolution: node` (node10) cannot see. The `slokit` bin (ESM only)
//                   is not in `exports` and is not analysed.
//   4. consumer     `npm pack`, the tarball unpacked into test/fixtures/consumer/node_modules/slokit
//                   (plain tar, no install, no network), then that project, outside the repository's
//                   own configs, runs an ES module, a CommonJS module, tsc (NodeNext) over .ts and
//                   .cts files, and its own vitest suite with slokit/vitest. Other packages
//                   (vitest, typescript, tsx) resolve from the repository's node_modules by walking up.
//   5. the bin      node_modules/.bin/slokit, linked as npm links it, run from the consumer on the
//                   example SLIs as a .ts, an .mts and an .mjs module, in every --format: each output
//                   must be exactly the golden file (test/golden/, the source CLI's output); and
//                   `slokit risks` on the example catalogue as .ts, .mts and .mjs modules, exactly what
//                   the source CLI prints for examples/risks.yaml.
//   6. no tsx       the same package copied into an empty project outside the repository, where tsx
//                   (an optional peer dependency) cannot be found: a .ts module is refused with the
//                   one-line hint to install tsx, an .mjs module still works.
//
// Exits non-zero at the first failure. The unpacked package and the tarball are removed at the end.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const consumer = path.join(root, 'test', 'fixtures', 'consumer');
const consumerModules = path.join(consumer, 'node_modules');
const packDir = path.join(root, '.tmp', 'check-package');
// The example SLIs and risk catalogue, written into the consumer as modules for the bin to load.
const consumerExamples = path.join(consumer, 'examples');
let isolated; // the project without tsx, in the system's temporary directory

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
  rmSync(consumerExamples, { recursive: true, force: true });
  rmSync(packDir, { recursive: true, force: true });
  if (isolated !== undefined) rmSync(isolated, { recursive: true, force: true });
}

/**
 * What the tarball must hold: the license package.json names, every file that a shipped page links
 * to, and every node_modules/slokit/... path that a message of the built code sends users to.
 */
function checkContents(paths) {
  const shipped = new Set(paths);
  const problems = [];
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  if (manifest.license !== 'Apache-2.0' || !shipped.has('LICENSE')) {
    problems.push(`package.json says ${manifest.license}; the tarball must hold its LICENSE`);
  } else if (
    !/^\s*Apache License\s+Version 2\.0, January 2004/.test(readFileSync(path.join(root, 'LICENSE'), 'utf8'))
  ) {
    problems.push('LICENSE is not the Apache License, Version 2.0');
  }
  const exists = (file) =>
    shipped.has(file) || paths.some((p) => p.startsWith(`${file.replace(/\/$/, '')}/`));
  for (const page of paths.filter((p) => p.endsWith('.md'))) {
    const text = readFileSync(path.join(root, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const file = path.posix.normalize(path.posix.join(path.posix.dirname(page), target));
      if (!exists(file)) problems.push(`${page} links to ${target}, which the package does not ship`);
    }
  }
  for (const built of paths.filter((p) => /^dist\/.*\.(c?js)$/.test(p))) {
    const text = readFileSync(path.join(root, built), 'utf8');
    for (const [, file] of text.matchAll(/node_modules\/slokit\/([\w./-]*\w)/g)) {
      if (!exists(file))
        problems.push(
          `${built} points users at node_modules/slokit/${file}, which the package does not ship`,
        );
    }
  }
  if (problems.length > 0) throw new Error(`the tarball's contents:\n  ${problems.join('\n  ')}`);
  console.log('  ✓ LICENSE, every linked page and every path the messages name are in the tarball');
  passed.push("the tarball's contents");
}

/** Runs a command without failing on its exit code; returns what it did. */
function capture(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  if (result.error !== undefined) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Checks one run of the bin against what it must print; records it as passed. */
function expectRun(title, result, expected) {
  const problems = [];
  if (result.code !== expected.code) problems.push(`exit code ${result.code}, expected ${expected.code}`);
  if (result.stderr !== expected.stderr)
    problems.push(`stderr:\n${result.stderr}\nexpected:\n${expected.stderr}`);
  if (expected.stdout !== undefined && result.stdout !== expected.stdout) {
    const lines = result.stdout.split('\n');
    const wanted = expected.stdout.split('\n');
    const at = lines.findIndex((line, i) => line !== wanted[i]);
    problems.push(`stdout differs at line ${at + 1}:\n  got:      ${lines[at]}\n  expected: ${wanted[at]}`);
  }
  if (problems.length > 0) throw new Error(`${title}: ${problems.join('; ')}`);
  console.log(`  ✓ ${title}`);
}

/** The example SLIs as .ts, .mts and .mjs modules, and the example risk catalogue likewise. */
function writeExampleModules() {
  mkdirSync(consumerExamples, { recursive: true });
  const slis = readFileSync(path.join(root, 'examples', 'slis.ts'), 'utf8');
  writeFileSync(path.join(consumerExamples, 'slis.ts'), slis);
  writeFileSync(path.join(consumerExamples, 'slis.mts'), slis);
  const js = ts.transpileModule(slis, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(path.join(consumerExamples, 'slis.mjs'), js);
  const catalogue = JSON.stringify(
    parseYaml(readFileSync(path.join(root, 'examples', 'risks.yaml'), 'utf8')),
  );
  const typed = `import type { RiskAnalysisInput } from 'slokit';\n\nexport default ${catalogue} satisfies RiskAnalysisInput;\n`;
  writeFileSync(path.join(consumerExamples, 'risks.ts'), typed);
  writeFileSync(path.join(consumerExamples, 'risks.mts'), typed);
  writeFileSync(path.join(consumerExamples, 'risks.mjs'), `export default ${catalogue};\n`);
}

/**
 * The golden files with the arguments that made them, read from their first line ("# Generated by
 * slokit: slokit rules examples/slis.ts --format sloth --service shop").
 */
function goldenCases() {
  return ['prometheus', 'sloth', 'pyrra', 'openslo'].map((format) => {
    const text = readFileSync(path.join(root, 'test', 'golden', `${format}.yaml`), 'utf8');
    const args = /^# Generated by slokit: slokit (.*)$/m.exec(text)[1].split(' ');
    return { format, args, text };
  });
}

/** Runs the bin on the example SLIs (.ts, .mts, .mjs) in every format and the risk catalogue. */
function checkBin(binDir, cwd, title) {
  const bin = path.join(binDir, 'slokit');
  for (const ext of ['.ts', '.mts', '.mjs']) {
    for (const { args, text } of goldenCases()) {
      const withExt = args.map((arg) => (arg === 'examples/slis.ts' ? `examples/slis${ext}` : arg));
      expectRun(`${title}: slokit ${withExt.join(' ')}`, capture(bin, withExt, cwd), {
        code: 0,
        stderr: '',
        stdout: text.replace('examples/slis.ts', `examples/slis${ext}`),
      });
    }
  }
  const source = (format) =>
    capture(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'risks', 'examples/risks.yaml', '--format', format],
      root,
    );
  for (const format of ['table', 'markdown', 'json']) {
    const expected = source(format);
    if (expected.code !== 0)
      throw new Error(`the source CLI failed on examples/risks.yaml: ${expected.stderr}`);
    for (const ext of format === 'json' ? ['.ts', '.mts', '.mjs'] : ['.ts']) {
      const args = ['risks', `examples/risks${ext}`, '--format', format];
      expectRun(`${title}: slokit ${args.join(' ')}`, capture(bin, args, cwd), {
        code: 0,
        stderr: '',
        stdout: expected.stdout,
      });
    }
  }
  passed.push(title);
}

/** npm's bin link: node_modules/.bin/slokit → ../slokit/dist/cli.js (the package's "bin"). */
function linkBin(modules) {
  const binDir = path.join(modules, '.bin');
  mkdirSync(binDir, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(modules, 'slokit', 'package.json'), 'utf8'));
  symlinkSync(path.join('..', 'slokit', manifest.bin.slokit), path.join(binDir, 'slokit'));
  return binDir;
}

/**
 * A project of its own in the system's temporary directory, with the package and only what it
 * needs at run time (yaml, @opentelemetry/api), so that tsx cannot be found by walking up.
 */
function checkWithoutTsx(unpacked) {
  isolated = mkdtempSync(path.join(os.tmpdir(), 'slokit-no-tsx-'));
  const modules = path.join(isolated, 'node_modules');
  cpSync(unpacked, path.join(modules, 'slokit'), { recursive: true });
  mkdirSync(path.join(modules, '@opentelemetry'), { recursive: true });
  symlinkSync(path.join(root, 'node_modules', 'yaml'), path.join(modules, 'yaml'));
  symlinkSync(
    path.join(root, 'node_modules', '@opentelemetry', 'api'),
    path.join(modules, '@opentelemetry', 'api'),
  );
  writeFileSync(path.join(isolated, 'package.json'), '{ "private": true, "type": "module" }\n');
  cpSync(consumerExamples, path.join(isolated, 'examples'), { recursive: true });
  const bin = path.join(linkBin(modules), 'slokit');
  const title = 'no tsx: .ts refused with a hint, .mjs loads';
  expectRun(
    `${title}: slokit rules examples/slis.ts`,
    capture(bin, ['rules', 'examples/slis.ts'], isolated),
    {
      code: 2,
      stderr:
        'slokit: cannot load examples/slis.ts: TypeScript modules load through tsx, which is not installed. Install it in your project with "npm install --save-dev tsx", or give slokit the compiled .js or .mjs module\n',
      stdout: '',
    },
  );
  const prometheus = goldenCases()[0];
  expectRun(
    `${title}: slokit rules examples/slis.mjs`,
    capture(bin, ['rules', 'examples/slis.mjs'], isolated),
    {
      code: 0,
      stderr: '',
      stdout: prometheus.text.replace('examples/slis.ts', 'examples/slis.mjs'),
    },
  );
  passed.push(title);
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
  checkContents(packed[0].files.map((file) => file.path));

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

  console.log('\n── consumer: the slokit bin on .ts, .mts and .mjs modules');
  writeExampleModules();
  checkBin(linkBin(consumerModules), consumer, 'consumer: the slokit bin');

  console.log('\n── a project without tsx');
  checkWithoutTsx(target);

  console.log(`\ncheck:package passed:\n${passed.map((title) => `  ✓ ${title}`).join('\n')}`);
} catch (error) {
  console.error(`\ncheck:package FAILED: ${error instanceof Error ? error.message : String(error)}`);
  if (passed.length > 0)
    console.error(`passed before the failure:\n${passed.map((title) => `  ✓ ${title}`).join('\n')}`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
