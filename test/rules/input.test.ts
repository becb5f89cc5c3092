import { describe, expect, it } from 'vitest';
import { SlokitError, defineSli } from 'slokit';
import { toOpenSlo, toPrometheusRules, toPyrraSlos, toSlothSpec } from 'slokit/rules';
import type { RulesWarning } from 'slokit/rules';
import { checkout } from '../../examples/slis.js';

const generators = { toPrometheusRules, toSlothSpec, toPyrraSlos, toOpenSlo } as const;

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof SlokitError) return error.code;
    throw error;
  }
  return undefined;
}

describe.each(Object.entries(generators))('%s refuses bad input with a coded error', (name, generate) => {
  it('an empty list or no list', () => {
    expect(() => generate([])).toThrow(
      `${name}: no SLIs to generate rules for; pass at least one SLI made by defineSli() [SLOKIT_E_RULES_NO_SLIS]`,
    );
    expect(codeOf(() => generate(checkout as never))).toBe('SLOKIT_E_RULES_NO_SLIS');
  });

  it('something that is not an SLI', () => {
    expect(() => generate([checkout, { name: 'fake', objective: 0.99 }])).toThrow(
      `${name}: slis[1]: expected an SLI made by defineSli(); got an object [SLOKIT_E_NOT_AN_SLI]`,
    );
  });

  it('two different SLIs with one name, while the same SLI twice is one SLI', () => {
    const twin = defineSli({ name: 'checkout', objective: 0.99, good: { status: '2xx' } });
    expect(() => generate([checkout, twin])).toThrow(
      `${name}: two different SLIs are named "checkout"; SLI names must be unique, since they become the slokit_sli_name label of their rules [SLOKIT_E_DUPLICATE_SLI]`,
    );
    expect(generate([checkout, checkout])).toEqual(generate([checkout]));
  });

  it('an objective that leaves a tier unable to fire, naming the SLI and the tier', () => {
    const lenient = defineSli({ name: 'lenient', objective: '90%', window: '30d', good: { status: '<500' } });
    expect(() => generate([checkout, lenient])).toThrow(
      'SLI "lenient": the page tier "2% of the 30d budget in 1h" can never fire at objective 90%: it needs a burn rate above 14.4×, an error ratio above 144%; use a stricter objective or a shorter window, or drop the tier (impossibleTiers: \'drop\', --drop-impossible-tiers) [SLOKIT_E_RULES_TIER]',
    );
  });

  it('a window shorter than the longest alert window', () => {
    const daily = defineSli({ name: 'daily', objective: '99.9%', window: '1d', good: { status: '2xx' } });
    expect(() => generate([daily])).toThrow(
      'SLI "daily": its window 1d is shorter than the 3d long window of the ticket tier "10% of the 1d budget in 3d"; use a window of at least 3d, or drop the tier (impossibleTiers: \'drop\', --drop-impossible-tiers) [SLOKIT_E_RULES_WINDOW]',
    );
  });

  it('bad options', () => {
    const cases: readonly unknown[] = [
      'shop',
      { servce: 'shop' },
      { labels: { 'team-name': 'shop' } },
      { labels: { severity: 'low' } },
      { selector: { slokit_sli_name: 'other' } },
      { labels: { team: 1 } },
      { minEvents: -1 },
      { minEvents: Number.NaN },
      { tiers: [] },
      { tiers: [{ severity: 'warn', budgetShare: 0.1, longMs: 3_600_000, shortMs: 300_000 }] },
      { tiers: [{ severity: 'page', budgetShare: 0.1, longMs: 300_000, shortMs: 3_600_000 }] },
      { impossibleTiers: 'ignore' },
      { onWarning: 'console' },
      { service: 'My Shop' },
    ];
    for (const options of cases)
      expect(codeOf(() => generate([checkout], options as never))).toBe('SLOKIT_E_RULES_OPTION');
  });
});

describe('impossible tiers under impossibleTiers: drop', () => {
  it('warns once per dropped tier, naming the SLI, and still fails when no tier is left', () => {
    const daily = defineSli({ name: 'daily', objective: '99.9%', window: '1d', good: { status: '2xx' } });
    const warnings: RulesWarning[] = [];
    const rules = toPrometheusRules([daily], { impossibleTiers: 'drop', onWarning: (w) => warnings.push(w) });
    expect(warnings.map((w) => [w.code, w.sli])).toEqual([['SLOKIT_E_RULES_WINDOW', 'daily']]);
    expect(rules.groups[0]!.rules.filter((r) => 'alert' in r)).toHaveLength(3);

    // A loose objective over a long window: at 90% over 365 days every factor times the 10% budget
    // is above 100% (1h: 175 × 10%; 6h: 73; 1d: 36.5; 3d: 12.2 × 10% = 122%), so nothing could fire.
    const hopeless = defineSli({
      name: 'hopeless',
      objective: '90%',
      window: '365d',
      good: { status: '2xx' },
    });
    expect(() => toPrometheusRules([hopeless], { impossibleTiers: 'drop' })).toThrow(
      'SLI "hopeless": no burn-rate tier can fire for objective 90% over 365d, so no alert would ever fire; use a stricter objective or another window [SLOKIT_E_RULES_TIER]',
    );
  });
});
