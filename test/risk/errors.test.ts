import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SlokitDefinitionError, SlokitRiskError, analyzeRisks } from 'slokit';
import type { SlokitErrorCode } from 'slokit';

/** Runs analyzeRisks on `input` and returns the SlokitRiskError it throws (fails otherwise). */
function rejection(input: unknown): SlokitRiskError {
  try {
    analyzeRisks(input as never);
  } catch (error) {
    if (error instanceof SlokitRiskError) return error;
    throw error;
  }
  throw new Error('expected a SlokitRiskError, but nothing was thrown');
}

const ok = { name: 'deploy', ettd: '0', ettr: '3m', impact: '100%', frequency: '1/week' };
/** One risk, `ok` with `change` applied (`undefined` removes a key). */
const withRisk = (change: Record<string, unknown>) => ({
  objective: '99.9%',
  risks: [Object.fromEntries(Object.entries({ ...ok, ...change }).filter(([, v]) => v !== undefined))],
});
const withMitigation = (...mitigations: unknown[]) => withRisk({ mitigations });

type Case = readonly [string, unknown, SlokitErrorCode, string | undefined, string, string];

// [what, input, code, risk, field, a part of the message]
const cases: readonly Case[] = [
  // impact
  [
    'impact above 100%',
    withRisk({ impact: '150%' }),
    'SLOKIT_E_RISK_IMPACT',
    'deploy',
    'impact',
    'string "150%"',
  ],
  ['impact above 1', withRisk({ impact: 1.5 }), 'SLOKIT_E_RISK_IMPACT', 'deploy', 'impact', 'number 1.5'],
  [
    'a negative impact',
    withRisk({ impact: -0.1 }),
    'SLOKIT_E_RISK_IMPACT',
    'deploy',
    'impact',
    'number -0.1',
  ],
  ['a negative percentage', withRisk({ impact: '-5%' }), 'SLOKIT_E_RISK_IMPACT', 'deploy', 'impact', '"-5%"'],
  [
    'impact 5 for 5%',
    withRisk({ impact: 5 }),
    'SLOKIT_E_RISK_IMPACT',
    'deploy',
    'impact',
    'Did you mean 0.05 or "5%"?',
  ],
  [
    'impact missing',
    withRisk({ impact: undefined }),
    'SLOKIT_E_RISK_IMPACT',
    'deploy',
    'impact',
    'got undefined',
  ],
  ['impact NaN', withRisk({ impact: Number.NaN }), 'SLOKIT_E_RISK_IMPACT', 'deploy', 'impact', 'number NaN'],
  // durations, through slokit's one duration parser
  ['a negative ETTR', withRisk({ ettr: '-3m' }), 'SLOKIT_E_DURATION', 'deploy', 'ettr', 'string "-3m"'],
  [
    'a unit-less ETTR number',
    withRisk({ ettr: 3 }),
    'SLOKIT_E_DURATION',
    'deploy',
    'ettr',
    'expected a duration with its unit; got the number 3. ETTR is usually given in minutes: did you mean "3m" (or "3s" or "3h")?',
  ],
  [
    'a unit-less ETTD string',
    withRisk({ ettd: '3' }),
    'SLOKIT_E_DURATION',
    'deploy',
    'ettd',
    'got "3". ETTD is usually given in minutes: did you mean "3m"',
  ],
  [
    'a unit-less ETTF number',
    withRisk({ frequency: undefined, ettf: 30 }),
    'SLOKIT_E_DURATION',
    'deploy',
    'ettf',
    'got the number 30. ETTF is usually given in days: did you mean "30d" (or "30h" or "30w")?',
  ],
  ['a negative ETTD number', withRisk({ ettd: -1 }), 'SLOKIT_E_DURATION', 'deploy', 'ettd', 'number -1'],
  ['ETTD missing', withRisk({ ettd: undefined }), 'SLOKIT_E_DURATION', 'deploy', 'ettd', 'got undefined'],
  ['ETTR "5 minutes"', withRisk({ ettr: '5 minutes' }), 'SLOKIT_E_DURATION', 'deploy', 'ettr', '"5 minutes"'],
  [
    'a bad ETTF',
    withRisk({ frequency: undefined, ettf: '7 days' }),
    'SLOKIT_E_DURATION',
    'deploy',
    'ettf',
    '"7 days"',
  ],
  // frequency
  [
    'zero frequency',
    withRisk({ frequency: '0/week' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'frequency',
    'never happens',
  ],
  [
    'an ETTF of zero',
    withRisk({ frequency: undefined, ettf: '0' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'ettf',
    'positive duration',
  ],
  [
    'an unknown period',
    withRisk({ frequency: '1/fortnight' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'frequency',
    '"1/fortnight"',
  ],
  [
    'a bare number',
    withRisk({ frequency: 12 }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'frequency',
    'Write the period: "12/year"',
  ],
  [
    'spaces',
    withRisk({ frequency: '1 / week' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'frequency',
    '"1 / week"',
  ],
  [
    'a negative count',
    withRisk({ frequency: '-1/week' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'frequency',
    '"-1/week"',
  ],
  [
    'frequency and ETTF',
    withRisk({ ettf: '7d' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'frequency',
    'not both',
  ],
  [
    'neither frequency nor ETTF',
    withRisk({ frequency: undefined }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'frequency',
    'missing',
  ],
  // names
  [
    'a duplicate risk name',
    { objective: '99.9%', risks: [ok, { ...ok, ettr: '5m' }] },
    'SLOKIT_E_RISK_NAME',
    'deploy',
    'name',
    'risks[1] has the same name as risks[0]',
  ],
  [
    'a missing name',
    withRisk({ name: undefined }),
    'SLOKIT_E_RISK_NAME',
    'risks[0]',
    'name',
    'got undefined',
  ],
  ['an empty name', withRisk({ name: '  ' }), 'SLOKIT_E_RISK_NAME', 'risks[0]', 'name', 'string "  "'],
  ['a name on two lines', withRisk({ name: 'a\nb' }), 'SLOKIT_E_RISK_NAME', 'risks[0]', 'name', 'one line'],
  // mitigations
  [
    'a mitigation that names no field',
    withMitigation({ name: 'hope' }),
    'SLOKIT_E_RISK_MITIGATION',
    'deploy',
    'mitigations[0]',
    'must change at least one of ettd, ettr, impact, frequency or ettf',
  ],
  [
    'a mitigation with a bad impact',
    withMitigation({ name: 'canary', impact: '200%' }),
    'SLOKIT_E_RISK_IMPACT',
    'deploy',
    'mitigations[0].impact',
    'mitigation "canary": impact',
  ],
  [
    'a mitigation with a negative ETTR',
    withMitigation({ name: 'canary', impact: '5%' }, { name: 'faster', ettr: '-1m' }),
    'SLOKIT_E_DURATION',
    'deploy',
    'mitigations[1].ettr',
    'mitigation "faster": ettr',
  ],
  [
    'a mitigation with frequency and ETTF',
    withMitigation({ name: 'rarer', frequency: '1/month', ettf: '30d' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'mitigations[0].frequency',
    'not both',
  ],
  [
    'a mitigation with zero frequency',
    withMitigation({ name: 'never', frequency: '0/year' }),
    'SLOKIT_E_RISK_FREQUENCY',
    'deploy',
    'mitigations[0].frequency',
    'never happens',
  ],
  [
    'two mitigations of one name',
    withMitigation({ name: 'canary', impact: '5%' }, { name: 'canary', impact: '1%' }),
    'SLOKIT_E_RISK_NAME',
    'deploy',
    'mitigations[1].name',
    'used twice',
  ],
  [
    'a mitigation without a name',
    withMitigation({ impact: '5%' }),
    'SLOKIT_E_RISK_NAME',
    'deploy',
    'mitigations[0].name',
    'got undefined',
  ],
  [
    'a mitigation that is a string',
    withMitigation('canary'),
    'SLOKIT_E_RISK_FIELD',
    'deploy',
    'mitigations[0]',
    'string "canary"',
  ],
  [
    'mitigations not a list',
    withRisk({ mitigations: { name: 'x' } }),
    'SLOKIT_E_RISK_FIELD',
    'deploy',
    'mitigations',
    'a list',
  ],
  [
    'an unknown mitigation key',
    withMitigation({ name: 'c', ettr: '1m', cost: 3 }),
    'SLOKIT_E_RISK_FIELD',
    'deploy',
    'mitigations[0].cost',
    'unknown key',
  ],
  // structure
  [
    'an unknown risk key',
    withRisk({ impcat: '5%' }),
    'SLOKIT_E_RISK_FIELD',
    'deploy',
    'impcat',
    'unknown key',
  ],
  [
    'a description that is not text',
    withRisk({ description: 5 }),
    'SLOKIT_E_RISK_FIELD',
    'deploy',
    'description',
    'number 5',
  ],
  [
    'a risk that is not an object',
    { objective: '99.9%', risks: [ok, null] },
    'SLOKIT_E_RISK_FIELD',
    'risks[1]',
    '',
    'null',
  ],
  ['no risks', { objective: '99.9%', risks: [] }, 'SLOKIT_E_RISK_FIELD', undefined, 'risks', 'an array of 0'],
  ['risks missing', { objective: '99.9%' }, 'SLOKIT_E_RISK_FIELD', undefined, 'risks', 'got undefined'],
  [
    'an unknown top-level key',
    { objective: '99.9%', maxshare: 0.3, risks: [ok] },
    'SLOKIT_E_RISK_FIELD',
    undefined,
    'maxshare',
    'unknown key',
  ],
  ['an input that is not an object', [ok], 'SLOKIT_E_RISK_FIELD', undefined, '', 'an array of 1'],
  [
    'estimates whose product is not finite',
    withRisk({ ettr: `${'9'.repeat(290)}w`, frequency: `${'9'.repeat(20)}/day` }),
    'SLOKIT_E_RISK_FIELD',
    'deploy',
    '',
    'too large',
  ],
  [
    'a mitigation whose product is not finite',
    withMitigation({ name: 'slower', ettd: `${'9'.repeat(290)}w`, frequency: `${'9'.repeat(20)}/day` }),
    'SLOKIT_E_RISK_FIELD',
    'deploy',
    'mitigations[0]',
    'mitigation "slower": the estimates are too large',
  ],
  // objectives, through slokit's one objective parser
  ['no objective', { risks: [ok] }, 'SLOKIT_E_OBJECTIVE', undefined, 'objective', 'missing'],
  [
    'objective 99.9',
    { objective: 99.9, risks: [ok] },
    'SLOKIT_E_OBJECTIVE',
    undefined,
    'objective',
    'Did you mean 0.999',
  ],
  [
    'objective 100%',
    { objective: '100%', risks: [ok] },
    'SLOKIT_E_OBJECTIVE',
    undefined,
    'objective',
    'no error budget',
  ],
  [
    'objective and objectives',
    { objective: '99.9%', objectives: ['99%'], risks: [ok] },
    'SLOKIT_E_OBJECTIVE',
    undefined,
    'objective',
    'not both',
  ],
  [
    'no objectives',
    { objectives: [], risks: [ok] },
    'SLOKIT_E_OBJECTIVE',
    undefined,
    'objectives',
    'non-empty list',
  ],
  [
    'a bad objective in a list',
    { objectives: ['99%', 'high'], risks: [ok] },
    'SLOKIT_E_OBJECTIVE',
    undefined,
    'objectives[1]',
    '"high"',
  ],
  [
    'an objective listed twice',
    { objectives: ['99.9%', 0.999], risks: [ok] },
    'SLOKIT_E_OBJECTIVE',
    undefined,
    'objectives[1]',
    '99.9% is listed twice',
  ],
  // maxShare
  [
    'maxShare 0',
    { objective: '99.9%', maxShare: 0, risks: [ok] },
    'SLOKIT_E_RISK_MAX_SHARE',
    undefined,
    'maxShare',
    'above 0',
  ],
  [
    'maxShare 0%',
    { objective: '99.9%', maxShare: '0%', risks: [ok] },
    'SLOKIT_E_RISK_MAX_SHARE',
    undefined,
    'maxShare',
    '"0%"',
  ],
  [
    'maxShare 25 for 25%',
    { objective: '99.9%', maxShare: 25, risks: [ok] },
    'SLOKIT_E_RISK_MAX_SHARE',
    undefined,
    'maxShare',
    'Did you mean 0.25 or "25%"?',
  ],
  [
    'maxShare 120%',
    { objective: '99.9%', maxShare: '120%', risks: [ok] },
    'SLOKIT_E_RISK_MAX_SHARE',
    undefined,
    'maxShare',
    '"120%"',
  ],
];

describe('analyzeRisks rejects bad input with a coded error naming the risk and the field', () => {
  it.each(cases)('%s', (_what, input, code, risk, field, text) => {
    const error = rejection(input);
    expect(error.code).toBe(code);
    expect(error.risk).toBe(risk);
    expect(error.field).toBe(field);
    expect(error.message).toContain(text);
    expect(error.message.endsWith(` [${code}]`)).toBe(true);
    expect(error).toBeInstanceOf(SlokitDefinitionError);
    expect(error.name).toBe('SlokitRiskError');
    if (risk !== undefined && !risk.startsWith('risks[')) expect(error.message).toContain(`risk "${risk}"`);
    else if (risk !== undefined) expect(error.message).toContain(risk);
    // The field's last part is named in the message (a mitigation by its name: `mitigation "canary"`).
    const last = field
      .split('.')
      .pop()!
      .replace(/s?\[\d+\]$/, '');
    if (last !== '') expect(error.message).toContain(last);
  });

  it('prints whole messages a user can act on', () => {
    expect(rejection(withRisk({ impact: '150%' })).message).toBe(
      'risk "deploy": impact: expected a fraction between 0 and 1 (0% to 100%); got string "150%" [SLOKIT_E_RISK_IMPACT]',
    );
    expect(rejection(withRisk({ ettr: '-3m' })).message).toBe(
      'risk "deploy": ettr: expected a duration such as "300ms", "1.5s", "5m", "28d" (a non-negative number and one of the units ms, s, m, h, d, w, without spaces); got string "-3m" [SLOKIT_E_DURATION]',
    );
    expect(rejection(withMitigation({ name: 'hope' })).message).toBe(
      'risk "deploy", mitigation "hope": a mitigation must change at least one of ettd, ettr, impact, frequency or ettf [SLOKIT_E_RISK_MITIGATION]',
    );
    expect(rejection({ objective: '99.9%', maxShare: 25, risks: [ok] }).message).toBe(
      'risk analysis: maxShare: expected a fraction above 0 and at most 1 or a percentage string; got the number 25. Did you mean 0.25 or "25%"? [SLOKIT_E_RISK_MAX_SHARE]',
    );
  });

  it("keeps the duration parser's error as the cause", () => {
    const error = rejection(withRisk({ ettr: '3 minutes' }));
    expect(error.cause).toBeInstanceOf(SlokitDefinitionError);
    expect((error.cause as SlokitDefinitionError).code).toBe('SLOKIT_E_DURATION');
  });

  it('validates every risk before computing anything: the first problem in input order is reported', () => {
    const error = rejection({
      objective: '99.9%',
      risks: [ok, { ...ok, name: 'b', impact: 2 }, { ...ok, name: 'c', ettr: 'x' }],
    });
    expect(error.risk).toBe('b');
    expect(error.field).toBe('impact');
  });
});

describe('risk error codes', () => {
  const riskCodes = Object.keys(ERROR_CODES).filter((code) => code.startsWith('SLOKIT_E_RISK_'));

  it('are each thrown by at least one case above', () => {
    expect(riskCodes.length).toBeGreaterThan(0);
    const thrown = new Set(cases.map((c) => c[2]));
    for (const code of riskCodes) expect(thrown, code).toContain(code);
  });

  it('are each documented under "Risk analysis" in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('\n## Risk analysis\n'));
    expect(section.startsWith('\n## Risk analysis\n')).toBe(true);
    for (const code of riskCodes) expect(section, code).toContain(`\n### ${code}\n`);
  });
});
