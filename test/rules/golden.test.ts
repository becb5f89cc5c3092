// The generated files for the example shop, compared byte for byte with the reviewed golden files.
// After an intended change: npm run golden:update, then review the diff of test/golden/.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { toOpenSlo, toPrometheusRules, toPyrraSlos, toSlothSpec } from 'slokit/rules';
import { slis } from '../../examples/slis.js';
import { EXAMPLE_RULES, GOLDEN_CASES, renderGolden } from './golden-cases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const golden = (file: string): Promise<string> => readFile(path.join(root, 'test/golden', file), 'utf8');

describe('golden files', () => {
  it.each(GOLDEN_CASES.map(({ file, args }) => [file, args.join(' '), args] as const))(
    'test/golden/%s is exactly what `slokit %s` prints',
    async (file, _command, args) => {
      expect(await renderGolden(args, root)).toBe(await golden(file));
    },
  );

  it('the golden files hold what the generators return', async () => {
    const parsed = async (file: string): Promise<unknown[]> =>
      parseAllDocuments(await golden(file)).map((doc) => doc.toJS() as unknown);
    expect(await parsed('prometheus.yaml')).toEqual([toPrometheusRules(slis)]);
    expect(await parsed('sloth.yaml')).toEqual([toSlothSpec(slis, { service: 'shop' })]);
    expect(await parsed('pyrra.yaml')).toEqual(toPyrraSlos(slis, { namespace: 'shop' }));
    expect(await parsed('openslo.yaml')).toEqual(toOpenSlo(slis, { service: 'shop' }));
  });

  it(`${EXAMPLE_RULES.file} is the Prometheus golden file`, async () => {
    expect(await readFile(path.join(root, EXAMPLE_RULES.file), 'utf8')).toBe(
      await golden(EXAMPLE_RULES.golden),
    );
  });
});
