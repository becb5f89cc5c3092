// Running the real promtool on generated rules: `promtool check rules` and `promtool test rules`
// (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/), each in a fresh
// temporary directory, bounded in time.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  BURN_ALERT,
  LABEL_SLI_NAME,
  LABEL_SLI_OUTCOME,
  SLI_EVENTS_PROMETHEUS,
} from '../../src/conventions.js';
import type { PrometheusAlertingRule, PrometheusRuleFile } from '../../src/rules/index.js';
import { requireTool } from '../helpers/tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** promtool's path, or undefined (tests skip) outside CI when it is not installed. */
export const PROMTOOL = requireTool('promtool', 'Debian package "prometheus": apt-get install prometheus');

export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

function run(file: string, args: readonly string[], cwd: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          // Could not start it, or it was killed by the timeout.
          reject(new Error(`${file} ${args.join(' ')}: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), output: `${stdout}${stderr}` });
      },
    );
  });
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slokit-promtool-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `promtool check rules` on a rules file's text. */
export function checkRules(rulesYaml: string): Promise<ToolResult> {
  return inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'rules.yaml'), rulesYaml);
    return run(PROMTOOL!, ['check', 'rules', 'rules.yaml'], dir);
  });
}

/** `promtool check config` on a configuration file of the repository (relative to its root), with its rule files. */
export function checkConfig(file: string): Promise<ToolResult> {
  return run(PROMTOOL!, ['check', 'config', file], ROOT);
}

/** `promtool test rules` with the given rules text and unit-test document (its `rule_files` is set here). */
export function testRules(rulesYaml: string, tests: UnitTests): Promise<ToolResult> {
  return inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'rules.yaml'), rulesYaml);
    await writeFile(
      path.join(dir, 'tests.yaml'),
      stringify({ rule_files: ['rules.yaml'], ...tests }, { lineWidth: 0 }),
    );
    return run(PROMTOOL!, ['test', 'rules', 'tests.yaml'], dir);
  });
}

/** A promtool unit-test file, without `rule_files`. */
export interface UnitTests {
  readonly evaluation_interval: string;
  readonly tests: readonly UnitTest[];
}

export interface UnitTest {
  readonly name?: string;
  readonly interval: string;
  readonly input_series: readonly { readonly series: string; readonly values: string }[];
  readonly alert_rule_test?: readonly AlertTest[];
  readonly promql_expr_test?: readonly {
    readonly expr: string;
    readonly eval_time: string;
    readonly exp_samples: readonly { readonly labels: string; readonly value: number }[];
  }[];
}

export interface AlertTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly {
    readonly exp_labels: Readonly<Record<string, string>>;
    readonly exp_annotations: Readonly<Record<string, string>>;
  }[];
}

/** A stretch of traffic: `minutes` minutes with `good` and `bad` events per minute. */
export interface Stretch {
  readonly minutes: number;
  readonly good: number;
  readonly bad: number;
}

/**
 * Counter values in promtool's expanding notation, one sample a minute from 0 at t = 0: each stretch
 * adds `perMinute` for its minutes (`a+bxn` is the n + 1 values a, a+b, ..., a+n·b).
 */
export function counterValues(stretches: readonly Stretch[], pick: (s: Stretch) => number): string {
  const parts = ['0'];
  let value = 0;
  for (const stretch of stretches) {
    const step = pick(stretch);
    parts.push(`${value + step}+${step}x${stretch.minutes - 1}`);
    value += step * stretch.minutes;
  }
  return parts.join(' ');
}

/** The good and bad series of one SLI on one instance, as slokit exports them. */
export function sliSeries(
  sli: string,
  stretches: readonly Stretch[],
  instance = 'app-1:9464',
): UnitTest['input_series'] {
  const series = (outcome: 'good' | 'bad'): string =>
    `${SLI_EVENTS_PROMETHEUS}{${LABEL_SLI_NAME}="${sli}",${LABEL_SLI_OUTCOME}="${outcome}",job="shop",instance="${instance}"}`;
  return [
    { series: series('good'), values: counterValues(stretches, (s) => s.good) },
    { series: series('bad'), values: counterValues(stretches, (s) => s.bad) },
  ];
}

/** The generated alert of one tier, found by its long window. */
export function burnRule(rules: PrometheusRuleFile, sli: string, longWindow: string): PrometheusAlertingRule {
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      if (
        'alert' in rule &&
        rule.alert === BURN_ALERT &&
        rule.labels[LABEL_SLI_NAME] === sli &&
        rule.labels.long_window === longWindow
      ) {
        return rule;
      }
    }
  }
  throw new Error(`no ${BURN_ALERT} rule for ${sli} with long_window ${longWindow}`);
}

/** The alert promtool should see firing for a tier: the rule's labels and annotations. */
export function firing(
  rules: PrometheusRuleFile,
  sli: string,
  longWindow: string,
): AlertTest['exp_alerts'][number] {
  const rule = burnRule(rules, sli, longWindow);
  return { exp_labels: rule.labels, exp_annotations: rule.annotations };
}
