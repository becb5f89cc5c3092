import { describe, expect, it } from 'vitest';
import { formatObjective, parseObjective } from 'slokit';
import { thrown } from './support.js';

describe('parseObjective', () => {
  it.each([
    [0.999, 0.999],
    [0.5, 0.5],
    ['99.9%', 0.999],
    ['99.95%', 0.9995],
    ['99%', 0.99],
    ['50%', 0.5],
    ['62.5%', 0.625],
    [' 99.9% ', 0.999],
  ] as const)('reads %j as %d', (input, value) => {
    // Exactly, not approximately: 99.9 / 100 is 0.9990000000000001 in floating point.
    expect(parseObjective(input)).toBe(value);
  });

  it('rejects 99.9 as a number with a hint at 0.999 and "99.9%"', () => {
    const error = thrown(() => parseObjective(99.9, 'SLI "checkout": objective'));
    expect(error.code).toBe('SLOKIT_E_OBJECTIVE');
    expect(error.message).toContain('0.999');
    expect(error.message).toContain('"99.9%"');
    expect(error.message).toBe(
      'SLI "checkout": objective: expected a fraction between 0 and 1 or a percentage string; got the number 99.9. Did you mean 0.999 or "99.9%"? [SLOKIT_E_OBJECTIVE]',
    );
  });

  it('hints at the fraction for other percentages given as numbers', () => {
    expect(thrown(() => parseObjective(99.95)).message).toContain('Did you mean 0.9995 or "99.95%"?');
  });

  it.each([
    ['0.999%', 'got "0.999%". Did you mean "99.9%"?'],
    ['0.95%', 'got "0.95%". Did you mean "95%"?'],
    ['0.1%', 'got "0.1%". Did you mean "99.9%", if 0.1% is the error budget?'],
    [0.001, 'got 0.001 (0.1%). Did you mean 0.999 (99.9%), if 0.001 is the error budget?'],
    [0.05, 'got 0.05 (5%). Did you mean 0.95 (95%), if 0.05 is the error budget?'],
    [0.3, 'got 0.3 (30%).'],
    ['49.9%', 'got "49.9%".'],
  ] as const)('rejects %j, under 50%, with the likely intent', (input, tail) => {
    const error = thrown(() => parseObjective(input, 'SLI "checkout": objective'));
    expect(error.code).toBe('SLOKIT_E_OBJECTIVE');
    expect(error.message).toBe(
      `SLI "checkout": objective: expected an objective of at least 50% (the share of eligible events that are good); ${tail} [SLOKIT_E_OBJECTIVE]`,
    );
  });

  it.each([
    [0, 'number 0'],
    [1, 'number 1'],
    [-0.1, 'number -0.1'],
    [Number.NaN, 'number NaN'],
    ['100%', 'string "100%"'],
    ['0%', 'string "0%"'],
    [100, 'number 100'],
  ])('rejects %j as outside (0, 1)', (input, shown) => {
    const error = thrown(() => parseObjective(input));
    expect(error.code).toBe('SLOKIT_E_OBJECTIVE');
    expect(error.message).toBe(
      `objective: expected an objective strictly between 0 and 1 (0% and 100%: a 100% objective leaves no error budget); got ${shown} [SLOKIT_E_OBJECTIVE]`,
    );
  });

  it.each([
    ['abc', 'string "abc"'],
    ['99.9', 'string "99.9"'],
    ['-5%', 'string "-5%"'],
    ['0.999', 'string "0.999"'],
    [undefined, 'undefined'],
    [null, 'null'],
  ])('rejects %j as neither a fraction nor a percentage', (input, shown) => {
    const error = thrown(() => parseObjective(input));
    expect(error.code).toBe('SLOKIT_E_OBJECTIVE');
    expect(error.message).toBe(
      `objective: expected a fraction between 0 and 1 (0.999) or a percentage string ("99.9%"); got ${shown} [SLOKIT_E_OBJECTIVE]`,
    );
  });
});

describe('formatObjective', () => {
  it.each([
    [0.999, '99.9%'],
    [0.9995, '99.95%'],
    [0.99, '99%'],
    [0.5, '50%'],
  ])('prints %d as %s', (value, text) => {
    expect(formatObjective(value)).toBe(text);
  });

  it('round-trips what parseObjective reads', () => {
    for (const text of ['99.9%', '99.95%', '99.99%', '95%', '62.5%'] as const) {
      expect(formatObjective(parseObjective(text))).toBe(text);
    }
  });
});
