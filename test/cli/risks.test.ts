import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import type { RiskAnalysis } from 'slokit';

const repo = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: string[], cwd = repo, isTty = false): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd,
    isTty,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

// The example catalogue, as printed for a 99.9% objective: the golden output of `slokit risks`.
const TABLE = `Risks ranked by their share of a year's error budget, (1 − objective) × 525,960 minutes.

   Risk                           ETTD    ETTR  Impact  Incidents/yr  Bad min/yr  Saved min/yr  99.9%  Budget share (99.9%)
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
!  bad deploy                        0   3 min    100%         52.18       156.5                29.8%  ██████
     ↳ canary deploys            5 min   3 min      5%         52.18        20.9         135.7   4.0%  ▊
   config push breaks a region  10 min  20 min     33%         12.00       118.8                22.6%  ████▌
     ↳ staged config rollout    10 min  20 min     11%         12.00        39.6          79.2   7.5%  █▌
   payment provider outage       5 min  30 min     80%          2.00        56.0                10.6%  ██▏
   zone outage                   5 min     2 h     33%          1.00        41.3                 7.8%  █▋
     ↳ automatic zone drain      5 min  10 min     33%          1.00         5.0          36.3   0.9%  ▎
   sale-day overload            10 min     1 h     25%          2.00        35.0                 6.7%  █▍
   TLS certificate expires      15 min  45 min    100%          0.50        30.0                 5.7%  █▏
   cache node lost               2 min  15 min     10%         12.18        20.7                 3.9%  ▊
   database failover             1 min   4 min    100%          4.00        20.0                 3.8%  ▊
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
   Total (8 risks)                                                         478.3                90.9%  ██████████████████▏

Objective  Budget min/yr  Risks min/yr  Risks share  Unallocated min/yr  Unallocated share  Flagged
99.9%             525.96         478.3        90.9%                47.7               9.1%        1

! a single risk above 25% of the budget (of at least one objective).
Bars: █ = 5% of the 99.9% budget; ▶ above 100%.
↳ a mitigation, compared with the risk as it is; Saved = the risk's bad minutes minus the mitigated ones.
`;

const MARKDOWN = `|  | Risk | ETTD | ETTR | Impact | Incidents/yr | Bad min/yr | Saved min/yr | 99.9% | 99.95% |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ! | bad deploy | 0 | 3 min | 100% | 52.18 | 156.5 |  | **29.8%** | **59.5%** |
|  | ↳ canary deploys | 5 min | 3 min | 5% | 52.18 | 20.9 | 135.7 | 4.0% | 7.9% |
| ! | config push breaks a region | 10 min | 20 min | 33% | 12.00 | 118.8 |  | 22.6% | **45.2%** |
|  | ↳ staged config rollout | 10 min | 20 min | 11% | 12.00 | 39.6 | 79.2 | 7.5% | 15.1% |
|  | payment provider outage | 5 min | 30 min | 80% | 2.00 | 56.0 |  | 10.6% | 21.3% |
|  | zone outage | 5 min | 2 h | 33% | 1.00 | 41.3 |  | 7.8% | 15.7% |
|  | ↳ automatic zone drain | 5 min | 10 min | 33% | 1.00 | 5.0 | 36.3 | 0.9% | 1.9% |
|  | sale-day overload | 10 min | 1 h | 25% | 2.00 | 35.0 |  | 6.7% | 13.3% |
|  | TLS certificate expires | 15 min | 45 min | 100% | 0.50 | 30.0 |  | 5.7% | 11.4% |
|  | cache node lost | 2 min | 15 min | 10% | 12.18 | 20.7 |  | 3.9% | 7.9% |
|  | database failover | 1 min | 4 min | 100% | 4.00 | 20.0 |  | 3.8% | 7.6% |
|  | **Total (8 risks)** |  |  |  |  | 478.3 |  | 90.9% | 181.9% |

| Objective | Budget min/yr | Risks min/yr | Risks share | Unallocated min/yr | Unallocated share | Flagged |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| 99.9% | 525.96 | 478.3 | 90.9% | 47.7 | 9.1% | 1 |
| 99.95% | 262.98 | 478.3 | 181.9% | -215.3 | -81.9% | 2 |

Shares are of a year's error budget, (1 − objective) × 525,960 minutes. ! and **bold**: a single risk above 25% of the budget. ↳ rows are mitigations, each compared with the risk as it is.
`;

describe('slokit risks: the example catalogue', () => {
  it('prints the ranked table', async () => {
    const result = await run(['risks', 'examples/risks.yaml']);
    expect(result).toEqual({ code: 0, stdout: TABLE, stderr: '' });
  });

  it('prints Markdown, comparing the objectives given on the command line', async () => {
    const result = await run([
      'risks',
      'examples/risks.yaml',
      '--format',
      'markdown',
      '--objective',
      '99.9%,99.95%',
    ]);
    expect(result).toEqual({ code: 0, stdout: MARKDOWN, stderr: '' });
    const repeated = await run([
      'risks',
      'examples/risks.yaml',
      '--format=markdown',
      '--objective',
      '99.9%',
      '--objective',
      '99.95%',
    ]);
    expect(repeated.stdout).toBe(MARKDOWN);
  });

  it('prints the analysis as JSON', async () => {
    const result = await run(['risks', 'examples/risks.yaml', '--format', 'json']);
    expect(result.code).toBe(0);
    const analysis = JSON.parse(result.stdout) as RiskAnalysis;
    expect(analysis.objectives).toEqual([0.999]);
    expect(analysis.maxShare).toBe(0.25);
    expect(analysis.flagged).toBe(true);
    const deploy = analysis.risks[0]!;
    expect(deploy.name).toBe('bad deploy');
    expect(deploy.badMinutesPerYear).toBeCloseTo(156.5, 1);
    expect(deploy.shares[0]!.share).toBeCloseTo(0.298, 3);
    expect(deploy.mitigations[0]!.name).toBe('canary deploys');
    expect(deploy.mitigations[0]!.savedMinutesPerYear).toBeCloseTo(135.7, 1);
    expect(analysis.totals[0]!.unallocatedMinutesPerYear).toBeCloseTo(47.7, 1);
  });

  it('colours flagged rows red, mitigations dim and the total bold on a terminal only', async () => {
    const tty = await run(['risks', 'examples/risks.yaml'], repo, true);
    const sgr = (code: number) => `\u001b[${code}m`;
    const line = (text: string) => tty.stdout.split('\n').find((l) => l.includes(text))!;
    expect(line('bad deploy').startsWith(`${sgr(31)}!  bad deploy `)).toBe(true);
    expect(line('bad deploy').endsWith(sgr(0))).toBe(true);
    expect(line('canary deploys').startsWith(sgr(2))).toBe(true);
    expect(line('Total (8 risks)').startsWith(sgr(1))).toBe(true);
    expect(line('database failover')).not.toContain('\u001b');
    // Without the escapes it is the same table.
    expect(
      tty.stdout.replaceAll(sgr(31), '').replaceAll(sgr(2), '').replaceAll(sgr(1), '').replaceAll(sgr(0), ''),
    ).toBe(TABLE);
    expect((await run(['risks', 'examples/risks.yaml'])).stdout).not.toContain('\u001b');
  });
});

describe('slokit risks --fail-on-exceed', () => {
  it('exits 1 and names the risks above the maximum share', async () => {
    const result = await run(['risks', 'examples/risks.yaml', '--fail-on-exceed']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(TABLE);
    expect(result.stderr).toBe('slokit: 1 risk exceeds 25% of the error budget: "bad deploy"\n');
  });

  it('counts every objective', async () => {
    const result = await run([
      'risks',
      'examples/risks.yaml',
      '--fail-on-exceed',
      '--objective',
      '99.9%,99.95%',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'slokit: 2 risks exceed 25% of the error budget: "bad deploy", "config push breaks a region"\n',
    );
  });

  it('exits 0 when no risk is above the maximum share', async () => {
    const raised = await run(['risks', 'examples/risks.yaml', '--fail-on-exceed', '--max-share', '30%']);
    expect(raised.code).toBe(0);
    expect(raised.stderr).toBe('');
    expect(raised.stdout).not.toMatch(/^! {2}/m);
    const looser = await run(['risks', 'examples/risks.yaml', '--fail-on-exceed', '--objective', '99.5%']);
    expect(looser.code).toBe(0);
  });

  it('exits 0 without the flag even when risks are flagged', async () => {
    expect((await run(['risks', 'examples/risks.yaml', '--max-share', '0.1'])).code).toBe(0);
  });
});

describe('slokit risks --help', () => {
  it.each([['--help'], ['-h']])('%s prints the usage and exits 0', async (flag) => {
    const result = await run(['risks', flag]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: slokit risks <file> \[options\]\n/);
    for (const option of ['--objective', '--max-share', '--format', '--fail-on-exceed']) {
      expect(result.stdout).toContain(option);
    }
  });

  it('is listed by slokit --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}slokit risks {4}Rank a risk catalogue/m);
  });
});

describe('slokit risks: other inputs and bad input', () => {
  let dir: string;
  const catalogue = {
    objective: '99.9%',
    risks: [{ name: 'deploy outage', ettd: '0', ettr: '3m', impact: '100%', frequency: '1/week' }],
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slokit-risks-'));
    const files: Record<string, string> = {
      'risks.json': JSON.stringify(catalogue),
      'risks.ts': `interface Input { objective: string; risks: { name: string; ettd: string; ettr: string; impact: string; frequency: string }[] }
const input: Input = ${JSON.stringify(catalogue)};
export default input;
`,
      'named.mjs': `export const risks = ${JSON.stringify(catalogue)};\n`,
      // Outside a "type": "module" package a .ts file is compiled as CommonJS.
      'named.ts': `export const risks = ${JSON.stringify(catalogue)};\n`,
      'empty.mjs': 'export const nothing = 1;\n',
      'throws.mts': "throw new Error('database not reachable');\nexport default {};\n",
      'impact.yaml':
        'objective: 99.9%\nrisks:\n  - { name: deploy, ettd: 0, ettr: 3m, impact: 150%, frequency: 1/week }\n',
      'unitless.yaml':
        'objective: 99.9%\nrisks:\n  - { name: deploy, ettd: 0, ettr: 3, impact: 1, frequency: 1/week }\n',
      'negative.yaml':
        'objective: 99.9%\nrisks:\n  - { name: deploy, ettd: -1m, ettr: 3m, impact: 1, frequency: 1/week }\n',
      'zero.yaml':
        'objective: 99.9%\nrisks:\n  - { name: deploy, ettd: 0, ettr: 3m, impact: 1, frequency: 0/week }\n',
      'duplicate.yaml':
        'objective: 99.9%\nrisks:\n  - { name: deploy, ettd: 0, ettr: 3m, impact: 1, frequency: 1/week }\n  - { name: deploy, ettd: 0, ettr: 5m, impact: 1, frequency: 1/week }\n',
      'mitigation.yaml':
        'objective: 99.9%\nrisks:\n  - name: deploy\n    ettd: 0\n    ettr: 3m\n    impact: 1\n    frequency: 1/week\n    mitigations:\n      - name: hope\n',
      'no-objective.yaml': 'risks:\n  - { name: deploy, ettd: 0, ettr: 3m, impact: 1, frequency: 1/week }\n',
      'syntax.yaml': 'objective: 99.9%\nrisks: [\n',
      'keys.yaml':
        'objective: 99.9%\nrisks\n  - { name: deploy, ettd: 0, ettr: 3m, impact: 1, frequency: 1/week }\n',
      'syntax.json': '{ "objective": ',
      'list.yaml': '- { name: deploy }\n',
      'risks.txt': 'objective: 99.9%\n',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([['risks.json'], ['risks.ts'], ['named.mjs'], ['named.ts']])('reads %s', async (file) => {
    const result = await run(['risks', file, '--format', 'json'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const analysis = JSON.parse(result.stdout) as RiskAnalysis;
    expect(analysis.risks[0]!.badMinutesPerYear).toBeCloseTo(156.5, 1);
    expect(analysis.risks[0]!.shares[0]!.share).toBeCloseTo(0.298, 3);
  });

  it('a --objective on the command line stands in for a missing one', async () => {
    const result = await run(['risks', 'no-objective.yaml', '--objective', '99.9%', '--format', 'json'], dir);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RiskAnalysis).objectives).toEqual([0.999]);
  });

  it.each([
    [
      'impact.yaml',
      [],
      'slokit: risk "deploy": impact: expected a fraction between 0 and 1 (0% to 100%); got string "150%" [SLOKIT_E_RISK_IMPACT]',
    ],
    [
      'unitless.yaml',
      [],
      'slokit: risk "deploy": ettr: expected a duration with its unit; got the number 3. ETTR is usually given in minutes: did you mean "3m" (or "3s" or "3h")? [SLOKIT_E_DURATION]',
    ],
    ['negative.yaml', [], 'risk "deploy": ettd: expected a duration such as'],
    ['zero.yaml', [], 'risk "deploy": frequency: a frequency of zero means the risk never happens'],
    [
      'duplicate.yaml',
      [],
      'slokit: risk "deploy": name: risks[1] has the same name as risks[0]; names must be unique [SLOKIT_E_RISK_NAME]',
    ],
    [
      'mitigation.yaml',
      [],
      'slokit: risk "deploy", mitigation "hope": a mitigation must change at least one of ettd, ettr, impact, frequency or ettf [SLOKIT_E_RISK_MITIGATION]',
    ],
    [
      'no-objective.yaml',
      [],
      'slokit: no-objective.yaml gives no objective: add objective: "99.9%" (or objectives: [...]) to it, or pass --objective 99.9%',
    ],
    [
      'list.yaml',
      [],
      'slokit: risk analysis: expected an object { objective | objectives, maxShare?, risks }; got an array of 1 [SLOKIT_E_RISK_FIELD]',
    ],
    ['syntax.json', [], 'slokit: cannot parse syntax.json: '],
    [
      'risks.txt',
      [],
      'slokit: cannot read risks.txt: expected a .yaml, .yml or .json file, or a .ts, .mts, .js or .mjs module',
    ],
    ['missing.yaml', [], 'slokit: no such file: missing.yaml'],
    [
      'empty.mjs',
      [],
      'slokit: empty.mjs exports no risk catalogue: expected a default export (or an export named "risks")',
    ],
    ['throws.mts', [], 'slokit: cannot load throws.mts: Error: database not reachable'],
    [
      'risks.json',
      ['--objective', '99.9'],
      'slokit: --objective: expected a fraction between 0 and 1 or a percentage string; got the number 99.9. Did you mean 0.999 or "99.9%"? [SLOKIT_E_OBJECTIVE]',
    ],
    [
      'risks.json',
      ['--objective', 'high'],
      'slokit: --objective: expected a fraction between 0 and 1 (0.999) or a percentage string ("99.9%"); got string "high" [SLOKIT_E_OBJECTIVE]',
    ],
    ['risks.json', ['--objective', '99.9%,99.9%'], 'slokit: --objective: 99.9% is given twice'],
    [
      'risks.json',
      ['--max-share', '0'],
      'slokit: --max-share: expected a fraction above 0 and at most 1 (above 0%, at most 100%); got number 0 [SLOKIT_E_RISK_MAX_SHARE]',
    ],
    [
      'risks.json',
      ['--max-share', 'a lot'],
      'slokit: --max-share: expected a fraction above 0 and at most 1 (0.05) or a percentage string ("5%", above 0%, at most 100%); got string "a lot" [SLOKIT_E_RISK_MAX_SHARE]',
    ],
    ['risks.json', ['--max-share', '250%'], '--max-share: expected a fraction above 0 and at most 1'],
    ['risks.json', ['--format', 'html'], 'slokit: --format: expected table, markdown or json; got "html"'],
    ['risks.json', ['--fail-on-excede'], "slokit: risks: Unknown option '--fail-on-excede'"],
    ['risks.json', ['--objective'], "slokit: risks: Option '--objective <value>' argument missing"],
    ['risks.json', ['other.yaml'], 'slokit: risks: expected one file; got 2: risks.json other.yaml'],
  ] as const)('%s %j: exit 2 with one line', async (file, flags, message) => {
    const result = await run(['risks', file, ...flags], dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith(message.startsWith('slokit: ') ? message : 'slokit: ')).toBe(true);
    expect(result.stderr).toContain(message);
    expect(result.stderr.endsWith('\n')).toBe(true);
    expect(result.stderr.trimEnd()).not.toContain('\n');
    expect(result.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it('shows a YAML syntax error whole: the problem, where it is, and the lines around it', async () => {
    expect(await run(['risks', 'keys.yaml'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'slokit: cannot parse keys.yaml: Implicit keys need to be on a single line at line 2, column 1:\n\nobjective: 99.9%\nrisks\n^\n',
    });
    expect(await run(['risks', 'syntax.yaml'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'slokit: cannot parse syntax.yaml: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:\n\nrisks: [\n\n^\n',
    });
  });

  it('asks for a file when none is given', async () => {
    const result = await run(['risks'], dir);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'slokit: risks: expected a risk catalogue file, e.g. "slokit risks risks.yaml". Run "slokit risks --help".\n',
    });
  });
});

describe('slokit risks as a process', () => {
  it('runs from the sources: node --import tsx src/cli/main.ts risks examples/risks.yaml', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'risks', 'examples/risks.yaml'],
      { cwd: repo, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(stderr).toBe('');
    expect(stdout).toBe(TABLE);
  });

  it('exits 1 with --fail-on-exceed and 2 on bad input', async () => {
    const exec = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'risks', ...args], {
        cwd: repo,
      }).then(
        () => 0,
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
    expect(await exec(['examples/risks.yaml', '--fail-on-exceed'])).toEqual({
      code: 1,
      stderr: 'slokit: 1 risk exceeds 25% of the error budget: "bad deploy"\n',
    });
    expect(await exec(['examples/risks.yaml', '--max-share', '25'])).toEqual({
      code: 2,
      stderr:
        'slokit: --max-share: expected a fraction above 0 and at most 1 or a percentage string; got the number 25. Did you mean 0.25 or "25%"? [SLOKIT_E_RISK_MAX_SHARE]\n',
    });
  });
});
