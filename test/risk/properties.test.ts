import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeRisks } from 'slokit';
import type { Frequency, RiskSpec } from 'slokit';

// Inputs are whole numbers of minutes, whole percentages and whole counts per year, so that the
// doubled inputs are exact and only the arithmetic of analyzeRisks can differ.
const minutes = fc.integer({ min: 0, max: 10_000 });
const percent = fc.integer({ min: 0, max: 50 });
const count = fc.integer({ min: 1, max: 5_000 });
const objective = fc.constantFrom('99%', '99.5%', '99.9%', '99.95%', '99.99%', '90%');

interface Parts {
  readonly ettd: number;
  readonly ettr: number;
  readonly impact: number;
  readonly perYear: number;
}
const parts = fc.record({ ettd: minutes, ettr: minutes, impact: percent, perYear: count });

function spec(name: string, p: Parts): RiskSpec {
  return {
    name,
    ettd: `${p.ettd}m`,
    ettr: `${p.ettr}m`,
    impact: `${p.impact}%`,
    frequency: `${p.perYear}/year` as Frequency,
  };
}

function badMinutes(p: Parts): number {
  return analyzeRisks({ objective: '99.9%', risks: [spec('r', p)] }).risks[0]!.badMinutesPerYear;
}

/** Equal up to floating-point rounding. */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

describe('analyzeRisks properties', () => {
  it('bad minutes are (ETTD + ETTR) × impact × incidents per year', () => {
    fc.assert(
      fc.property(parts, (p) => {
        expectClose(badMinutes(p), (p.ettd + p.ettr) * (p.impact / 100) * p.perYear);
      }),
    );
  });

  it('doubling ETTD and ETTR doubles the bad minutes', () => {
    fc.assert(
      fc.property(parts, (p) => {
        expectClose(badMinutes({ ...p, ettd: 2 * p.ettd, ettr: 2 * p.ettr }), 2 * badMinutes(p));
      }),
    );
  });

  it('doubling the impact doubles the bad minutes', () => {
    fc.assert(
      fc.property(parts, (p) => {
        expectClose(badMinutes({ ...p, impact: 2 * p.impact }), 2 * badMinutes(p));
      }),
    );
  });

  it('doubling the frequency doubles the bad minutes, and so does halving the ETTF', () => {
    fc.assert(
      fc.property(parts, fc.integer({ min: 1, max: 1_000 }), (p, ettfHours) => {
        expectClose(badMinutes({ ...p, perYear: 2 * p.perYear }), 2 * badMinutes(p));
        const byEttf = (hours: number) =>
          analyzeRisks({
            objective: '99.9%',
            risks: [
              {
                name: 'r',
                ettd: `${p.ettd}m`,
                ettr: `${p.ettr}m`,
                impact: `${p.impact}%`,
                ettf: `${hours}h`,
              },
            ],
          }).risks[0]!.badMinutesPerYear;
        expectClose(byEttf(ettfHours), 2 * byEttf(2 * ettfHours));
      }),
    );
  });

  const catalogue = fc.uniqueArray(fc.record({ name: fc.string({ minLength: 1, maxLength: 12 }), parts }), {
    minLength: 1,
    maxLength: 12,
    selector: (risk) => risk.name,
  });
  const validName = (name: string) => name.trim() !== '' && !/\p{Cc}/u.test(name);
  const risksOf = (list: { name: string; parts: Parts }[]) =>
    list.filter((r) => validName(r.name)).map((r) => spec(r.name, r.parts));

  it('the shares sum to the total share, the bad minutes to the total, and budget = bad + unallocated', () => {
    fc.assert(
      fc.property(
        catalogue,
        fc.uniqueArray(objective, { minLength: 1, maxLength: 3 }),
        (list, objectives) => {
          const risks = risksOf(list);
          fc.pre(risks.length > 0);
          const analysis = analyzeRisks({ objectives, risks });
          analysis.totals.forEach((total, i) => {
            expectClose(
              analysis.risks.reduce((sum, risk) => sum + risk.shares[i]!.share, 0),
              total.share,
            );
            expectClose(
              analysis.risks.reduce((sum, risk) => sum + risk.badMinutesPerYear, 0),
              total.badMinutesPerYear,
            );
            expectClose(
              total.badMinutesPerYear + total.unallocatedMinutesPerYear,
              total.budgetMinutesPerYear,
            );
            expectClose(total.share + total.unallocatedShare, 1);
            expectClose(total.budgetMinutesPerYear, (1 - analysis.objectives[i]!) * 525_960);
            expect(total.flaggedRisks).toBe(
              analysis.risks.filter((risk) => risk.shares[i]!.share > analysis.maxShare + 1e-12).length,
            );
          });
        },
      ),
    );
  });

  it('ranks by share, largest first, ties by name, whatever the input order', () => {
    fc.assert(
      fc.property(
        catalogue.chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })),
        ),
        ([list, shuffled]) => {
          const risks = risksOf(list);
          fc.pre(risks.length > 0);
          const analysis = analyzeRisks({ objective: '99.9%', risks });
          const ranked = analysis.risks;
          for (let i = 1; i < ranked.length; i++) {
            const [a, b] = [ranked[i - 1]!, ranked[i]!];
            expect(a.shares[0]!.share).toBeGreaterThanOrEqual(b.shares[0]!.share);
            if (a.badMinutesPerYear === b.badMinutesPerYear) expect(a.name < b.name).toBe(true);
          }
          expect([...ranked.map((r) => r.name)].sort()).toEqual(risks.map((r) => r.name).sort());
          const again = analyzeRisks({ objective: '99.9%', risks: risksOf(shuffled) });
          expect(again.risks.map((r) => r.name)).toEqual(ranked.map((r) => r.name));
        },
      ),
    );
  });

  it("a mitigation saves the risk's bad minutes minus its own", () => {
    fc.assert(
      fc.property(parts, parts, (risk, after) => {
        const analysis = analyzeRisks({
          objective: '99.9%',
          risks: [
            {
              ...spec('r', risk),
              mitigations: [spec('m', after)],
            },
          ],
        });
        const [analyzed] = analysis.risks;
        const mitigation = analyzed!.mitigations[0]!;
        expectClose(mitigation.badMinutesPerYear, badMinutes(after));
        expectClose(mitigation.savedMinutesPerYear, badMinutes(risk) - badMinutes(after));
      }),
    );
  });
});
