// Regenerates the golden files of the rule generators (test/golden/*.yaml) and the example rules
// file (examples/prometheus/slokit-rules.yaml) by running `slokit rules` on examples/slis.ts.
// Run it after changing a generator, then review the diff: `npm run golden:update`
// (node --import tsx scripts/update-golden.mjs).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_RULES, GOLDEN_CASES, renderGolden } from '../test/rules/golden-cases.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

for (const { file, args } of GOLDEN_CASES) {
  const text = await renderGolden(args, root);
  await writeFile(path.join(root, 'test/golden', file), text);
  console.log(`wrote test/golden/${file}`);
  if (file === EXAMPLE_RULES.golden) {
    await writeFile(path.join(root, EXAMPLE_RULES.file), text);
    console.log(`wrote ${EXAMPLE_RULES.file}`);
  }
}
