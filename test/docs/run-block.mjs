// Runs one code block of the docs (a file of the sandbox that test/docs/sandbox.ts writes) as an ES
// module, with tsx loaded for TypeScript: `node --import tsx run-block.mjs <file> ok|throws:CODE`.
// Exits 0 when the block did what it promises; otherwise prints why on stderr and exits 1.
import { isDeepStrictEqual, inspect } from 'node:util';
import { pathToFileURL } from 'node:url';

const [file, expectation] = process.argv.slice(2);
const show = (value) => inspect(value, { depth: 6, breakLength: Infinity });

class DocAssertion extends Error {}

// `expr; // → value` in a block: the value the docs claim.
globalThis.__docExpect = (actual, expected, where) => {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new DocAssertion(`${where}: the docs say → ${show(expected)}, but it is ${show(actual)}`);
  }
};

// `expr; // ≈ 0.2976`: equal when rounded to the decimals shown.
globalThis.__docApprox = (actual, expected, decimals, where) => {
  if (typeof actual !== 'number' || !(Math.abs(actual - expected) <= 0.5 * 10 ** -decimals)) {
    throw new DocAssertion(`${where}: the docs say ≈ ${expected}, but it is ${show(actual)}`);
  }
};

let failure;
process.on('unhandledRejection', (reason) => {
  failure ??= reason;
});

try {
  await import(pathToFileURL(file).href);
} catch (error) {
  failure = error;
}
// Let rejected promises the block did not await surface before judging it.
await new Promise((resolve) => setImmediate(resolve));

const code = failure !== null && typeof failure === 'object' ? failure.code : undefined;
if (expectation.startsWith('throws:')) {
  const wanted = expectation.slice('throws:'.length);
  if (failure === undefined) {
    console.error(`the block should throw ${wanted}, but it ran without an error`);
    process.exit(1);
  }
  if (code !== wanted) {
    console.error(`the block should throw ${wanted}, but it threw:\n${failure?.stack ?? show(failure)}`);
    process.exit(1);
  }
  process.exit(0);
}
if (failure !== undefined) {
  console.error(failure instanceof DocAssertion ? failure.message : (failure?.stack ?? show(failure)));
  process.exit(1);
}
// Otherwise the process ends when the block leaves nothing running (a block that keeps serving
// must be marked no-run; the test's time limit says so).
