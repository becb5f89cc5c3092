// Quantitative risk analysis: a risk catalogue turned into bad minutes per year and shares of the
// yearly error budget.
//
// Source: Google CRE, "How to use SLOs and error budgets to rank risks" (CRE life lessons, Google
// Cloud blog) and the CRE risk-analysis spreadsheet that goes with it (its "risk stack rank" sheet
// compares several objectives side by side, as `objectives` does here). Step by step, for one risk
// against objective T:
//
//   1. incidents per year   = 365.25 days ÷ ETTF          (or the frequency, converted per year)
//   2. bad minutes/incident = (ETTD + ETTR) × impact      (impact: the fraction of users affected,
//                                                          so these are user-weighted minutes)
//   3. bad minutes per year = bad minutes/incident × incidents per year
//   4. budget minutes/year  = (1 − T) × 525,960           (525,960 = 365.25 × 24 × 60)
//   5. share                = bad minutes per year ÷ budget minutes per year
//
// A risk whose share alone is above `maxShare` (default 25%) is flagged: that one failure mode
// would take more of the budget than any single risk should, and deserves engineering work first.
// The published example: a bad deploy, ETTD 0, ETTR 3 min, 100% of users, once a week:
// 365.25 / 7 = 52.18 incidents × 3 min = 156.5 bad minutes a year = 29.8% of the 525.96 minutes a
// 99.9% objective allows, so it is flagged.

import { parseRiskInput, MINUTES_PER_YEAR } from './parse.js';
import type { ParsedRiskInput, RiskParameters } from './parse.js';
import type {
  AnalyzedMitigation,
  AnalyzedRisk,
  RiskAnalysis,
  RiskAnalysisInput,
  RiskFigures,
  RiskShare,
  RiskTotals,
} from './types.js';

/**
 * Turns a risk catalogue into bad minutes per year and shares of the yearly error budget, ranked.
 *
 * Each risk has an estimated time to detect (`ettd`), to repair (`ettr`), the fraction of users it
 * affects (`impact`) and how often it happens (`frequency`, or an estimated time to failure,
 * `ettf`). Its bad minutes per year are `(ETTD + ETTR) × impact × incidents per year`; its share is
 * that divided by the objective's budget, `(1 − objective) × 525,960` minutes a year. A risk above
 * `maxShare` (default 25%) of the budget is flagged. Each mitigation (a changed ettd, ettr, impact,
 * frequency or ettf) is evaluated against the risk as it is, and reports the minutes it saves and
 * the share left.
 *
 * Pure: the input is validated first, and nothing is rounded; print with the precision you need.
 *
 * @throws SlokitRiskError (a `SlokitDefinitionError`) naming the risk and the field, with the codes
 *   `SLOKIT_E_RISK_*`, `SLOKIT_E_DURATION` or `SLOKIT_E_OBJECTIVE`.
 * @example
 * const analysis = analyzeRisks({
 *   objective: '99.9%',
 *   risks: [{ name: 'bad deploy', ettd: '0', ettr: '3m', impact: '100%', frequency: '1/week' }],
 * });
 * analysis.risks[0].badMinutesPerYear; // 156.54 (52.18 incidents × 3 minutes)
 * analysis.risks[0].shares[0].share; // 0.2976: 29.8% of the 525.96-minute budget
 * analysis.risks[0].flagged; // true (above 25%)
 */
export function analyzeRisks(input: RiskAnalysisInput): RiskAnalysis {
  const parsed = parseRiskInput(input);
  return analyzeParsed(parsed);
}

function analyzeParsed({ objectives, maxShare, risks }: ParsedRiskInput): RiskAnalysis {
  // Step 4: a year's budget in bad minutes for each objective. `1 − 0.999` is 0.0010000000000000009
  // in binary; rounding to 12 significant digits gives back the 0.001 that was meant (objectives are
  // parsed to 12 digits too), so that 99.9% has a budget of exactly 525.96 minutes.
  const budgets = objectives.map((objective) => Number((1 - objective).toPrecision(12)) * MINUTES_PER_YEAR);

  const figures = (risk: RiskParameters): RiskFigures => {
    // Steps 1–3 (incidents per year were computed while parsing the frequency or ETTF).
    const badMinutesPerIncident = (risk.ettdMinutes + risk.ettrMinutes) * risk.impact;
    const badMinutesPerYear = badMinutesPerIncident * risk.incidentsPerYear;
    // Step 5, per objective.
    const shares = objectives.map((objective, i): RiskShare => {
      const share = badMinutesPerYear / budgets[i]!;
      return { objective, share, flagged: isAbove(share, maxShare) };
    });
    return {
      name: risk.name,
      ...(risk.description === undefined ? {} : { description: risk.description }),
      ettdMinutes: risk.ettdMinutes,
      ettrMinutes: risk.ettrMinutes,
      impact: risk.impact,
      incidentsPerYear: risk.incidentsPerYear,
      ettfDays: 365.25 / risk.incidentsPerYear,
      badMinutesPerIncident,
      badMinutesPerYear,
      shares,
      flagged: shares.some((share) => share.flagged),
    };
  };

  const analyzed = risks.map((risk): AnalyzedRisk => {
    const own = figures(risk);
    const mitigations = risk.mitigations.map((mitigation): AnalyzedMitigation => {
      const after = figures(mitigation);
      return { ...after, savedMinutesPerYear: own.badMinutesPerYear - after.badMinutesPerYear };
    });
    return { ...own, mitigations };
  });

  // Largest first. The share of every objective is bad minutes ÷ a constant, so one order serves all
  // columns. Ties by name (code-unit order, independent of locale) keep the output stable.
  analyzed.sort(
    (a, b) => b.badMinutesPerYear - a.badMinutesPerYear || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );

  const totalBad = analyzed.reduce((sum, risk) => sum + risk.badMinutesPerYear, 0);
  const totals = objectives.map((objective, i): RiskTotals => {
    const budget = budgets[i]!;
    const share = totalBad / budget;
    return {
      objective,
      budgetMinutesPerYear: budget,
      badMinutesPerYear: totalBad,
      share,
      unallocatedMinutesPerYear: budget - totalBad,
      unallocatedShare: 1 - share,
      flaggedRisks: analyzed.filter((risk) => risk.shares[i]!.flagged).length,
    };
  });

  return {
    objectives: [...objectives],
    maxShare,
    minutesPerYear: MINUTES_PER_YEAR,
    risks: analyzed,
    totals,
    flagged: analyzed.some((risk) => risk.flagged),
  };
}

/**
 * `share > maxShare`, compared at 12 significant digits so that binary noise cannot flag a risk that
 * takes exactly the maximum (e.g. 131.49 bad minutes of a 525.96-minute budget is 25%, not more).
 */
function isAbove(share: number, maxShare: number): boolean {
  return Number(share.toPrecision(12)) > maxShare;
}
