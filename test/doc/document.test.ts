// The SLO document: `slokit doc` in-process, and toSloDocument / renderSloDocument directly. The
// whole document for the example shop is the golden file test/golden/slo-document.md; these tests
// cover what the example does not: options, escaping, missing fields, mistakes.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SlokitDefinitionError, defineSli } from 'slokit';
import { renderSloDocument, toSloDocument } from 'slokit/rules';
import { main } from '../../src/cli/main.js';
import { DOC_USAGE } from '../../src/cli/doc.js';
import { checkout } from '../../examples/slis.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function doc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['doc', ...args], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: root,
    isTty: false,
  });
  return { code, stdout, stderr };
}

describe('slokit doc', () => {
  it('prints its help', async () => {
    expect(await doc('--help')).toEqual({ code: 0, stdout: DOC_USAGE, stderr: '' });
  });

  it('writes the chosen policy thresholds into the policy and the gate command', async () => {
    const { code, stdout, stderr } = await doc(
      'examples/slis.ts',
      '--sli',
      'checkout',
      '--freeze-under',
      '10%',
      '--postmortem-over',
      '5%',
    );
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toContain(
      '| An SLI has less than 10% of its error budget left (the deploy gate `slokit budget examples/slis.ts --prometheus <url> --fail-under 10%` fails) |',
    );
    expect(stdout).toContain("| A single incident spends more than 5% of an SLI's error budget |");
    expect(stdout).toContain(
      "| A single class of outage (incidents with one cause) spends more than 5% of an SLI's error budget over a quarter |",
    );
    expect(stdout).toContain('\nslokit budget examples/slis.ts --prometheus <url> --fail-under 10%\n');
    expect(stdout).not.toContain('## api-availability');
  });

  it("has the sections of the SRE Workbook's example SLO document and error-budget policy, in their order", async () => {
    const { stdout } = await doc('examples/slis.ts', '--sli', 'checkout', '--service', 'shop');
    const headings = stdout.split('\n').filter((line) => /^#{1,3} /.test(line));
    expect(headings).toEqual([
      '# SLO document: shop',
      // Appendix A: service overview, SLIs and SLOs, then per SLI its rationale and error budget
      // (and, from slokit, its alerts), then the clarifications and caveats, after the policy.
      '## Service overview',
      '## SLIs and SLOs',
      '## checkout',
      '### Rationale',
      '### Error budget',
      '### Alerts',
      // Appendix B: goals, non-goals, SLO miss policy, outage policy, escalation policy.
      '## Error-budget policy',
      '### Goals',
      '### Non-goals',
      '### SLO miss policy',
      '### Outage policy',
      '### Escalation policy',
      '## Clarifications and caveats',
    ]);
    const policy = toSloDocument([checkout]).policy;
    expect(policy.rules.map((rule) => rule.section)).toEqual([
      'slo-miss',
      'slo-miss',
      'slo-miss',
      'outage',
      'outage',
      'outage',
    ]);
  });

  it('leaves out, with a warning, the tiers that cannot fire when asked to', async () => {
    const { code, stdout, stderr } = await doc('test/rules/fixtures/lenient.ts', '--drop-impossible-tiers');
    expect(code).toBe(0);
    expect(stderr).toBe(
      'slokit: warning: SLI "lenient": the page tier "2% of the 30d budget in 1h" can never fire at objective 90%: it needs a burn rate above 14.4×, an error ratio above 144%; the tier is left out [SLOKIT_E_RULES_TIER]\n',
    );
    const lenient = stdout.slice(stdout.indexOf('## lenient'), stdout.indexOf('## strict'));
    expect(lenient).not.toContain('Page: 2% of the budget in 1 hour');
    expect(lenient).toContain('Page: 5% of the budget in 6 hours');
  });

  it.each([
    [['examples/slis.ts', '--format', 'html'], 'slokit: --format: expected markdown or json; got "html"\n'],
    [
      ['examples/slis.ts', '--freeze-under', '25'],
      'slokit: --freeze-under: expected a percentage of the error budget from 0% to 100%, e.g. 25%; got "25"\n',
    ],
    [
      ['examples/slis.ts', '--postmortem-over', '120%'],
      'slokit: --postmortem-over: expected a percentage of the error budget from 0% to 100%, e.g. 25%; got "120%"\n',
    ],
    [
      ['examples/slis.ts', '--min-events', 'many'],
      'slokit: --min-events: expected a whole number of events, 0 or more; got "many"\n',
    ],
    [
      [],
      'slokit: doc: expected the module that exports your SLIs, e.g. "slokit doc src/slis.ts". Run "slokit doc --help".\n',
    ],
    [['test/rules/fixtures/lenient.ts'], expect.stringMatching(/can never fire.*\[SLOKIT_E_RULES_TIER\]\n$/)],
  ])('exits 2 with one line for %j', async (args, message) => {
    expect(await doc(...args)).toEqual({ code: 2, stdout: '', stderr: message });
  });
});

describe('toSloDocument and renderSloDocument', () => {
  it('says what is missing when an SLI has no owner, runbook or rationale', () => {
    const bare = defineSli({ name: 'bare', objective: 0.99, good: {} });
    const doc = toSloDocument([bare]);
    expect(doc).toMatchObject({ service: 'slokit', source: undefined, owners: [] });
    const text = renderSloDocument(doc);
    expect(text.startsWith('# SLO document: slokit\n')).toBe(true);
    expect(text).toContain('- **Owner:** (none declared: give the SLI an `owner`)\n');
    expect(text).toContain('- **Runbook:** (none declared: give the SLI a `runbook`)\n');
    expect(text).toContain(
      '(None declared: give the SLI a `rationale` that says why this objective and threshold.)',
    );
    expect(text).toContain('`slokit budget <module> --prometheus <url> --fail-under 25%`');
    expect(text).toContain('| Owners | (none declared) |');
  });

  it("escapes the SLI's own text so that it cannot inject markup, HTML or table cells", () => {
    const sneaky = defineSli({
      name: 'sneaky',
      objective: 0.99,
      description: 'Fast | <script>alert(1)</script> *bold* [link](http://x)',
      owner: 'Shop team <shop@example.com>',
      rationale: 'First line.\nSecond line & `code`.',
      runbook: 'https://runbooks.example.com/a b',
      good: {},
    });
    const text = renderSloDocument(toSloDocument([sneaky]));
    expect(text).toContain('\nFast \\| \\<script\\>alert(1)\\</script\\> \\*bold\\* \\[link\\](http://x).\n');
    expect(text).toContain('| Owners | Shop team \\<shop@example.com\\> |');
    expect(text).toContain('\nFirst line. Second line \\& \\`code\\`.\n');
    expect(text).toContain('- **Runbook:** https://runbooks.example.com/a b\n');
    expect(text).not.toContain('<script>');
  });

  it('keeps "-->" in the header from ending its comment', () => {
    const text = renderSloDocument(toSloDocument([checkout]), { header: 'a --> b' });
    expect(text.startsWith('<!--\na -- > b\n-->\n\n# SLO document')).toBe(true);
  });

  it.each([
    [
      { policy: { freezeUnder: 2 } },
      'toSloDocument: policy: freezeUnder must be a share of the budget from 0 to 1, e.g. 0.25; got number 2',
    ],
    [
      { policy: { freeze: 0.1 } },
      'toSloDocument: policy: unknown field "freeze"; expected freezeUnder and postmortemOver',
    ],
    [
      { policy: 'strict' },
      'toSloDocument: policy: expected { freezeUnder?, postmortemOver? }; got string "strict"',
    ],
    [
      { source: '' },
      'toSloDocument: source must be the path of the module the SLIs come from, on one line; got string ""',
    ],
  ])('refuses %j', (options, message) => {
    let error: unknown;
    try {
      toSloDocument([checkout], options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SlokitDefinitionError);
    expect((error as Error).message).toBe(`${message} [SLOKIT_E_RULES_OPTION]`);
  });
});
