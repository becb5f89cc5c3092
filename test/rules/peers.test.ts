// What the peers accept: every spec slokit generates passes the peers' own validation rules
// (test/rules/peer-rules.ts, encoded from their sources), what they refuse is refused or reported
// by slokit with the peer's reason, and the Prometheus rules behave under the real promtool where
// peers and users would otherwise trip: two rule files for different selectors, and burns that tie
// with a factor.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defineSli } from '../../src/index.js';
import type { SlokitError } from '../../src/index.js';
import { toOpenSlo, toPrometheusRules, toPyrraSlos, toSlothSpec, toYaml } from '../../src/rules/index.js';
import type { RulesOptions, RulesWarning } from '../../src/rules/index.js';
import { main } from '../../src/cli/main.js';
import { slis as exampleSlis } from '../../examples/slis.js';
import { openSloProblems, pyrraProblems, slothProblems } from './peer-rules.js';
import { PROMTOOL, sliSeries, testRules } from './promtool.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const VARIANTS: readonly RulesOptions[] = [
  {},
  { service: 'shop', labels: { team: 'shop', env: 'prod' } },
  { selector: { job: 'shop', namespace: 'prod-eu' }, labels: { tier: '1' } },
];

function thrown(work: () => unknown): SlokitError {
  try {
    work();
  } catch (error) {
    return error as SlokitError;
  }
  throw new Error('expected a throw');
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: root,
    isTty: false,
  });
  return { code, stdout, stderr };
}

const named = (name: string) => defineSli({ name, objective: '99.9%', good: { status: '2xx' } });

describe('Sloth', () => {
  it.each(VARIANTS)('accepts the spec of the example SLIs at their period (%j)', (options) => {
    const spec = toSlothSpec(exampleSlis, options);
    expect(slothProblems(spec as never, '28d')).toEqual([]);
  });

  it('the fixture refuses what Sloth refuses: short names, empty label values, unknown periods', () => {
    const spec = toSlothSpec([named('checkout')]) as unknown as Record<string, unknown>;
    const slo = (spec.slos as Record<string, unknown>[])[0]!;
    expect(slothProblems({ ...spec, slos: [{ ...slo, name: 'a' }], labels: { team: '' } }, '7d')).toEqual([
      'spec: invalid label value "": the label value is required',
      'the 7d SLO period time window is not supported',
      `SLO "a": invalid SLO name: name must start and end with an alphanumeric and can only contain alphanumeric, '.', '_', and '-'`,
    ]);
  });

  it.each(['a', 'checkout-', 'api_latency_'])(
    'refuses the SLI name %j, which Sloth does not take',
    (name) => {
      const error = thrown(() => toSlothSpec([named(name)]));
      expect(error.code).toBe('SLOKIT_E_RULES_FORMAT');
      expect(error.message).toBe(
        `toSlothSpec: Sloth takes SLO names of two or more characters that start and end with a letter or digit; "${name}" does not: rename the SLI (e.g. "checkout" for "checkout-") [SLOKIT_E_RULES_FORMAT]`,
      );
      // The other formats can hold it: Prometheus label values are free, Pyrra and OpenSLO names are mapped.
      expect(() => toPrometheusRules([named(name)])).not.toThrow();
    },
  );

  it('refuses a one-letter service, which Sloth does not take', () => {
    expect(thrown(() => toSlothSpec([named('checkout')], { service: 'x' })).message).toBe(
      'toSlothSpec: Sloth takes service names of two or more characters; got "x" [SLOKIT_E_RULES_OPTION]',
    );
  });

  it("warns, in Sloth's words, about a period Sloth has no alert windows for, and not about 28d or 30d", () => {
    const warnings: RulesWarning[] = [];
    const weekly = defineSli({ name: 'search', objective: '99%', window: '7d', good: {} });
    toSlothSpec([weekly], { onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([
      {
        code: 'SLOKIT_E_RULES_FORMAT',
        sli: 'search',
        message:
          'SLI "search": Sloth ships alert windows for 28d and 30d periods only; for 7d, run sloth generate with --default-slo-period 7d and --slo-period-windows-path pointing at a 7d windows catalogue, or it fails with "the 168h0m0s SLO period time window is not supported"',
      },
    ]);
    for (const window of ['28d', '30d'] as const) {
      const quiet: RulesWarning[] = [];
      toSlothSpec([defineSli({ name: 'search', objective: '99%', window, good: {} })], {
        onWarning: (w) => quiet.push(w),
      });
      expect(quiet).toEqual([]);
    }
  });

  it('says the period in the generated file, and the warning on stderr', async () => {
    const monthly = await cli('rules', 'examples/slis.ts', '--format', 'sloth');
    expect([monthly.code, monthly.stderr]).toEqual([0, '']);
    const shown = await cli('rules', 'examples/slis.ts', '--format', 'sloth', '--service', 'shop');
    expect(shown.stdout.split('\n').slice(0, 3)).toEqual([
      '# Generated by slokit: slokit rules examples/slis.ts --format sloth --service shop',
      '# Do not edit by hand: change the SLIs and run the command again.',
      "# SLO period 28d: sloth generate -i <this file> --default-slo-period 28d (Sloth's default is 30d).",
    ]);
    const weekly = await cli('rules', 'test/rules/fixtures/weekly.ts', '--format', 'sloth');
    expect(weekly.code).toBe(0);
    expect(weekly.stderr).toBe(
      'slokit: warning: SLI "search": Sloth ships alert windows for 28d and 30d periods only; for 7d, run sloth generate with --default-slo-period 7d and --slo-period-windows-path pointing at a 7d windows catalogue, or it fails with "the 168h0m0s SLO period time window is not supported" [SLOKIT_E_RULES_FORMAT]\n',
    );
  });
});

describe('labels, per target', () => {
  const generators = {
    prometheus: (labels: Record<string, string>) => toPrometheusRules([named('checkout')], { labels }),
    sloth: (labels: Record<string, string>) => toSlothSpec([named('checkout')], { labels }),
    pyrra: (labels: Record<string, string>) => toPyrraSlos([named('checkout')], { labels }),
    openslo: (labels: Record<string, string>) => toOpenSlo([named('checkout')], { labels }),
  };

  it.each(Object.keys(generators))('%s refuses an empty label value (--label team=)', (format) => {
    const error = thrown(() => generators[format as keyof typeof generators]({ team: '' }));
    expect(error.code).toBe('SLOKIT_E_RULES_OPTION');
    expect(error.message).toMatch(
      /: labels\.team is empty; give it a value, e.g\. team=shop \[SLOKIT_E_RULES_OPTION\]$/,
    );
  });

  it('Pyrra refuses what Kubernetes refuses in metadata.labels; Prometheus and Sloth take it', () => {
    expect(thrown(() => generators.pyrra({ _team: 'shop' })).message).toBe(
      'toPyrraSlos: labels: "_team" is not a valid label name here: Kubernetes label names and values are at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit [SLOKIT_E_RULES_OPTION]',
    );
    expect(thrown(() => generators.pyrra({ env: 'prod/eu' })).message).toBe(
      'toPyrraSlos: labels.env: "prod/eu" is not a valid label value here: Kubernetes label names and values are at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit [SLOKIT_E_RULES_OPTION]',
    );
    expect(thrown(() => generators.pyrra({ env: 'x'.repeat(64) })).code).toBe('SLOKIT_E_RULES_OPTION');
    // The fixture agrees that these are refused.
    const [slo] = toPyrraSlos([named('checkout')]) as unknown as Record<string, Record<string, unknown>>[];
    expect(
      pyrraProblems({ ...slo!, metadata: { ...slo!.metadata, labels: { _team: 'a', env: 'prod/eu' } } }),
    ).toHaveLength(2);
    for (const labels of [{ _team: 'shop' }, { env: 'prod/eu' }]) {
      expect(() => generators.prometheus(labels)).not.toThrow();
      expect(slothProblems(generators.sloth(labels) as never, '28d')).toEqual([]);
    }
  });

  it('OpenSLO refuses label names its validator refuses, and takes free values', () => {
    expect(thrown(() => generators.openslo({ team_: 'shop' })).message).toBe(
      'toOpenSlo: labels: "team_" is not a valid label name here: OpenSLO label names are at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit [SLOKIT_E_RULES_OPTION]',
    );
    expect(openSloProblems(generators.openslo({ env: 'prod/eu' }) as never)).toEqual([]);
  });

  it('the CLI refuses them too, with exit code 2', async () => {
    expect(await cli('rules', 'examples/slis.ts', '--label', 'team=')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'slokit: toPrometheusRules: labels.team is empty; give it a value, e.g. team=shop [SLOKIT_E_RULES_OPTION]\n',
    });
    const pyrra = await cli('rules', 'examples/slis.ts', '--format', 'pyrra', '--label', '_team=shop');
    expect(pyrra.code).toBe(2);
    expect(pyrra.stderr).toContain('"_team" is not a valid label name here');
  });
});

describe('Pyrra', () => {
  it.each(VARIANTS)('accepts the resources of the example SLIs (%j)', (options) => {
    for (const slo of toPyrraSlos(exampleSlis, options)) expect(pyrraProblems(slo as never)).toEqual([]);
  });

  it("labels Pyrra's tiers page and ticket, as slokit's own rules, and passes labels on to its rules", () => {
    const [slo] = toPyrraSlos([named('checkout')], { labels: { team: 'shop' } });
    expect(slo!.spec.alerting.severities).toEqual({
      fastBurn: 'page',
      mediumBurn: 'page',
      slowBurn: 'ticket',
      longTermBurn: 'ticket',
      absent: 'page',
    });
    // Pyrra copies labels prefixed pyrra.dev/ onto the rules and alerts it generates.
    expect(slo!.metadata.labels).toEqual({ team: 'shop', 'pyrra.dev/team': 'shop' });
    expect(thrown(() => toPyrraSlos([named('checkout')], { severities: 'critical' as never })).code).toBe(
      'SLOKIT_E_RULES_OPTION',
    );
  });

  it('--pyrra-severities pyrra leaves Pyrra its own severities, for Pyrra before 0.10', async () => {
    const result = await cli('rules', 'examples/slis.ts', '--format', 'pyrra', '--pyrra-severities', 'pyrra');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('severities:');
    expect(result.stdout.split('\n')[0]).toBe(
      '# Generated by slokit: slokit rules examples/slis.ts --format pyrra --pyrra-severities pyrra',
    );
    expect((await cli('rules', 'examples/slis.ts', '--pyrra-severities', 'pyrra')).stderr).toBe(
      'slokit: --pyrra-severities applies to --format pyrra only\n',
    );
  });
});

describe('OpenSLO', () => {
  it.each(VARIANTS)('accepts the documents of the example SLIs (%j)', (options) => {
    expect(
      openSloProblems(toOpenSlo(exampleSlis, { ...options, dataSource: 'prometheus-main' }) as never),
    ).toEqual([]);
  });

  it.each(['Prom Main', 'prometheus_main', '-prometheus', 'x'.repeat(64)])(
    'refuses the data source %j: a DataSource name is a DNS label',
    (dataSource) => {
      const error = thrown(() => toOpenSlo([named('checkout')], { dataSource }));
      expect(error.code).toBe('SLOKIT_E_RULES_OPTION');
      expect(error.message).toContain(
        'toOpenSlo: dataSource must name an OpenSLO DataSource: 1 to 63 lower-case letters',
      );
    },
  );

  it('cuts a description to the 1050 characters OpenSLO takes, and says so', () => {
    const long = defineSli({ name: 'checkout', objective: '99.9%', description: 'é'.repeat(1100), good: {} });
    const warnings: RulesWarning[] = [];
    const docs = toOpenSlo([long], { onWarning: (w) => warnings.push(w) });
    expect(openSloProblems(docs as never)).toEqual([]);
    const description = (docs[1]!.spec as { description: string }).description;
    expect([...description]).toHaveLength(1050);
    expect(description).toBe(`${'é'.repeat(1049)}…`);
    expect(warnings).toEqual([
      {
        code: 'SLOKIT_E_RULES_FORMAT',
        sli: 'checkout',
        message:
          'SLI "checkout": its description has 1100 characters and OpenSLO takes at most 1050; the SLI and SLO documents carry its first 1049 and "…"',
      },
    ]);
    const fits = defineSli({ name: 'checkout', objective: '99.9%', description: 'a'.repeat(1050), good: {} });
    expect((toOpenSlo([fits])[1]!.spec as { description: string }).description).toBe('a'.repeat(1050));
  });
});

const execFileAsync = promisify(execFile);

describe.skipIf(PROMTOOL === undefined)('Prometheus rules under promtool', () => {
  it('two rule files for different selectors record different series, not duplicate samples', async () => {
    const checkout = defineSli({
      name: 'checkout',
      objective: '99.9%',
      window: '30d',
      good: { status: '2xx' },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slokit-selectors-'));
    try {
      await writeFile(
        path.join(dir, 'shop.yaml'),
        toYaml(toPrometheusRules([checkout], { selector: { job: 'shop' } })),
      );
      await writeFile(
        path.join(dir, 'cart.yaml'),
        toYaml(toPrometheusRules([checkout], { selector: { job: 'cart' } })),
      );
      // One instance of each job: shop with 1 bad event in 1000, cart with 10.
      const series = (job: string, bad: number) =>
        sliSeries('checkout', [{ minutes: 60, good: 1000 - bad, bad }]).map((s) => ({
          ...s,
          series: s.series.replace('job="shop"', `job="${job}"`),
        }));
      const tests = {
        rule_files: ['shop.yaml', 'cart.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [...series('shop', 1), ...series('cart', 10)],
            promql_expr_test: [
              {
                expr: 'slokit:sli_error_ratio:rate5m',
                eval_time: '30m',
                exp_samples: [
                  {
                    labels: 'slokit:sli_error_ratio:rate5m{slokit_sli_name="checkout",job="shop"}',
                    value: 0.001,
                  },
                  {
                    labels: 'slokit:sli_error_ratio:rate5m{slokit_sli_name="checkout",job="cart"}',
                    value: 0.01,
                  },
                ],
              },
            ],
          },
        ],
      };
      await writeFile(path.join(dir, 'tests.yaml'), stringify(tests, { lineWidth: 0 }));
      const result = await execFileAsync(PROMTOOL!, ['test', 'rules', 'tests.yaml'], {
        cwd: dir,
        timeout: 120_000,
      }).then(
        (r) => ({ code: 0, output: r.stdout + r.stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          output: error.stdout + error.stderr,
        }),
      );
      expect(result.output).not.toContain('duplicate sample');
      expect(result.output).toContain('SUCCESS');
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // A burn of exactly the factor never fires, at any period: the threshold is the factor itself,
  // and the tier fires only above it. At 28 days the slow ticket's factor is 14/15; printed as
  // 0.933333333333 it sat below the burn of 14 bad in 15,000 (0.9333333333333333) and fired, while
  // at 30 days the tie (factor 1, 1 bad in 1000) did not. One bad event more fires at both.
  it('a burn of exactly the factor fires at neither 28 nor 30 days; one bad event more fires at both', async () => {
    const slis = (['28d', '30d'] as const).map((window) =>
      defineSli({ name: `checkout-${window}`, objective: '99.9%', window, good: { status: '2xx' } }),
    );
    const rules = toPrometheusRules(slis);
    const ticket = (sli: string) => {
      const rule = rules.groups
        .flatMap((g) => g.rules)
        .find((r) => 'alert' in r && r.labels.slokit_sli_name === sli && r.labels.long_window === '3d')!;
      return 'alert' in rule ? { exp_labels: rule.labels, exp_annotations: rule.annotations } : undefined!;
    };
    // Evaluated every 6 hours: the checked time, 3 days and 6 hours in, is a multiple of it, and
    // nothing in the rules waits (no `for`).
    const scenario = (name: string, perMinute: Record<'28d' | '30d', [number, number]>, fires: boolean) => ({
      name,
      interval: '1m',
      input_series: (['28d', '30d'] as const).flatMap((window) => {
        const [good, bad] = perMinute[window];
        return sliSeries(`checkout-${window}`, [{ minutes: 4720, good, bad }]);
      }),
      alert_rule_test: [
        {
          eval_time: '4680m',
          alertname: 'SlokitErrorBudgetBurn',
          exp_alerts: fires ? [ticket('checkout-28d'), ticket('checkout-30d')] : [],
        },
      ],
    });
    const result = await testRules(toYaml(rules), {
      evaluation_interval: '6h',
      tests: [
        scenario('a tie with the factor', { '28d': [14_986, 14], '30d': [999, 1] }, false),
        scenario('just above the factor', { '28d': [14_985, 15], '30d': [998, 2] }, true),
      ],
    });
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});
