import { describe, expect, it } from 'vitest';
import { classify, defineSli } from 'slokit';
import type { StatusRule } from 'slokit';
import { httpEvent } from 'slokit/testing';
import { DEFAULT_STATUS_RULES, compileStatusRule } from '../../src/sli/status.js';
import { thrown } from './support.js';

/** The statuses every table below is checked at: the boundaries of the usual rules and beyond. */
const STATUSES = [
  0,
  99,
  100,
  199,
  200,
  204,
  299,
  300,
  304,
  399,
  400,
  404,
  428,
  429,
  430,
  499,
  500,
  503,
  599,
  600,
  200.5,
  -200,
  Number.NaN,
] as const;

/** For each rule: the statuses (among STATUSES) that are good; every other one must be bad/status. */
const CASES: readonly (readonly [string, StatusRule | undefined, readonly number[]])[] = [
  [
    'the default (all but 5xx and 429)',
    undefined,
    [100, 199, 200, 204, 299, 300, 304, 399, 400, 404, 428, 430, 499],
  ],
  ['"2xx"', '2xx', [200, 204, 299]],
  ['"2XX" (case-insensitive)', '2XX', [200, 204, 299]],
  ['"<500"', '<500', [100, 199, 200, 204, 299, 300, 304, 399, 400, 404, 428, 429, 430, 499]],
  ['"<=499"', '<=499', [100, 199, 200, 204, 299, 300, 304, 399, 400, 404, 428, 429, 430, 499]],
  ['">=400"', '>=400', [400, 404, 428, 429, 430, 499, 500, 503, 599]],
  ['">399"', '>399', [400, 404, 428, 429, 430, 499, 500, 503, 599]],
  ['"200-299"', '200-299', [200, 204, 299]],
  ['"200 - 399" (spaces around the dash)', '200 - 399', [200, 204, 299, 300, 304, 399]],
  ['the single code 204', 204, [204]],
  ['the single code "204"', '204', [204]],
  ['a list ["2xx", 304, "400-428"]', ['2xx', 304, '400-428'], [200, 204, 299, 304, 400, 404, 428]],
  [
    'a list ["<429", "430-499"]',
    ['<429', '430-499'],
    [100, 199, 200, 204, 299, 300, 304, 399, 400, 404, 428, 430, 499],
  ],
];

describe('status rules', () => {
  describe.each(CASES)('%s', (_title, rule, good) => {
    const sli = defineSli({
      name: 'statuses',
      objective: 0.99,
      good: rule === undefined ? {} : { status: rule },
    });
    it.each(STATUSES.map((status) => [status, good.includes(status) ? 'good' : 'bad/status'] as const))(
      'status %d is %s',
      (status, expected) => {
        const verdict = classify(sli, httpEvent({ status }));
        expect(verdict.outcome === 'bad' ? `bad/${verdict.reason}` : verdict.outcome).toBe(expected);
      },
    );
  });

  it('a response with no status sent is judged on the other thresholds only', () => {
    const sli = defineSli({
      name: 'statuses',
      objective: 0.99,
      good: { status: '2xx', latency: { under: '1s' } },
    });
    expect(classify(sli, httpEvent({ status: undefined, durationMs: 10 }))).toEqual({ outcome: 'good' });
    expect(classify(sli, httpEvent({ status: undefined, durationMs: 1_000 }))).toEqual({
      outcome: 'bad',
      reason: 'latency',
    });
  });
});

describe('compileStatusRule', () => {
  it.each([
    [undefined, ['100-428', '430-499'], 'not 5xx or 429'],
    ['2xx', ['2xx'], '2xx'],
    [' 2XX', ['2xx'], '2xx'],
    ['< 500', ['<500'], '<500'],
    ['>= 200', ['>=200'], '>=200'],
    ['200 - 299', ['200-299'], '200-299'],
    [204, ['204'], '204'],
    [['2xx', 304], ['2xx', '304'], '2xx or 304'],
  ] as const)('normalises %j to %j ("%s")', (rule, rules, text) => {
    const compiled = compileStatusRule(rule);
    expect(compiled.rules).toEqual(rules);
    expect(compiled.text).toBe(text);
    expect(Object.isFrozen(compiled.rules)).toBe(true);
  });

  it('defaults to everything but 5xx and 429', () => {
    expect(DEFAULT_STATUS_RULES).toEqual(['100-428', '430-499']);
    const { table } = compileStatusRule(undefined);
    const good = [...table.keys()].filter((code) => table[code] === 1);
    expect(good).toHaveLength(400 - 1);
    expect(good[0]).toBe(100);
    expect(good.at(-1)).toBe(499);
    expect(good).not.toContain(429);
  });

  it.each([
    [
      [],
      'good.status: expected at least one status rule such as "2xx", "<500" or "200-299"; got an empty list',
    ],
    [
      '299-200',
      'good.status: the range "299-200" runs backwards; expected the lower code first, e.g. "200-299"',
    ],
    [700, 'good.status: string "700" names status 700; expected codes from 100 to 599'],
    ['<600', 'good.status: string "<600" names status 600; expected codes from 100 to 599'],
    ['099-200', 'good.status: string "099-200" names status 99; expected codes from 100 to 599'],
    [
      '6xx',
      'good.status: expected a status rule such as "2xx", "<500", "<=499", ">=200", "200-299" or 204; got string "6xx"',
    ],
    [
      'ok',
      'good.status: expected a status rule such as "2xx", "<500", "<=499", ">=200", "200-299" or 204; got string "ok"',
    ],
    [
      200.5,
      'good.status: expected a status rule such as "2xx", "<500", "<=499", ">=200", "200-299" or 204; got string "200.5"',
    ],
    [
      ['2xx', null],
      'good.status: expected a status rule such as "2xx", "<500", "<=499", ">=200", "200-299" or 204; got null',
    ],
    [
      true,
      'good.status: expected a status rule such as "2xx", "<500", "<=499", ">=200", "200-299" or 204; got boolean true',
    ],
  ])('rejects %j', (rule, message) => {
    const error = thrown(() => compileStatusRule(rule as never));
    expect(error.code).toBe('SLOKIT_E_STATUS_RULE');
    expect(error.message).toBe(`${message} [SLOKIT_E_STATUS_RULE]`);
  });
});
