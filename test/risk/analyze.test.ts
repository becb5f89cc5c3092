import { describe, expect, it } from 'vitest';
import { analyzeRisks } from 'slokit';
import type { Duration, Frequency, RiskAnalysisInput, RiskSpec } from 'slokit';

const deploy: RiskSpec = {
  name: 'deploy outage',
  ettd: '0',
  ettr: '3m',
  impact: '100%',
  frequency: '1/week',
};

describe('analyzeRisks: the published examples', () => {
  // Google CRE, "How to use SLOs and error budgets to rank risks": a deploy outage detected at once
  // (ETTD 0), repaired in 3 minutes, hitting every user, once a week, is 156.5 bad minutes a year:
  // 29.8% of the 525.96 minutes a 99.9% objective allows, so it is flagged at 25%.
  it('a weekly 3-minute deploy outage is 156.5 bad minutes a year, 29.8% of a 99.9% budget, flagged', () => {
    const analysis = analyzeRisks({ objective: '99.9%', risks: [deploy] });
    const [risk] = analysis.risks;
    expect(risk!.incidentsPerYear).toBeCloseTo(365.25 / 7, 12);
    expect(risk!.incidentsPerYear).toBeCloseTo(52.18, 2);
    expect(risk!.ettfDays).toBeCloseTo(7, 12);
    expect(risk!.badMinutesPerIncident).toBe(3);
    expect(risk!.badMinutesPerYear).toBeCloseTo(156.5, 1);
    expect(risk!.badMinutesPerYear).toBeCloseTo(156.536, 3);
    expect(analysis.totals[0]!.budgetMinutesPerYear).toBeCloseTo(525.96, 9);
    expect(risk!.shares).toHaveLength(1);
    expect(risk!.shares[0]!.objective).toBe(0.999);
    expect(risk!.shares[0]!.share).toBeCloseTo(0.298, 3);
    expect(risk!.shares[0]!.flagged).toBe(true);
    expect(risk!.flagged).toBe(true);
    expect(analysis.flagged).toBe(true);
    expect(analysis.maxShare).toBe(0.25);
    expect(analysis.minutesPerYear).toBe(525_960);
  });

  // A release outage hitting 100% of users for two hours once a month is 120 bad minutes per user
  // per month; a canary that limits it to 5% of users for 30 minutes is 1.5. Per year: 1440 and 18,
  // a saving of 1422 minutes.
  it('a monthly two-hour release outage is 120 bad minutes a month; a canary makes it 1.5 and saves 1422 a year', () => {
    const analysis = analyzeRisks({
      objective: '99.9%',
      risks: [
        {
          name: 'release outage',
          ettd: '1h',
          ettr: '1h',
          impact: 1,
          frequency: '1/month',
          mitigations: [{ name: 'canary', ettd: '15m', ettr: '15m', impact: '5%' }],
        },
      ],
    });
    const risk = analysis.risks[0]!;
    expect(risk.incidentsPerYear).toBe(12);
    expect(risk.badMinutesPerIncident).toBe(120);
    expect(risk.badMinutesPerYear).toBe(1440);
    expect(risk.badMinutesPerYear / 12).toBe(120);
    const canary = risk.mitigations[0]!;
    expect(canary.name).toBe('canary');
    expect(canary.ettdMinutes).toBe(15);
    expect(canary.ettrMinutes).toBe(15);
    expect(canary.impact).toBe(0.05);
    expect(canary.incidentsPerYear).toBe(12);
    expect(canary.badMinutesPerIncident).toBeCloseTo(1.5, 12);
    expect(canary.badMinutesPerYear / 12).toBeCloseTo(1.5, 12);
    expect(canary.badMinutesPerYear).toBeCloseTo(18, 12);
    expect(canary.savedMinutesPerYear).toBeCloseTo(1422, 9);
    // 1440 minutes is 273.8% of a 99.9% budget (flagged); with the canary 3.4% (not flagged).
    expect(risk.shares[0]!.share).toBeCloseTo(2.738, 3);
    expect(risk.shares[0]!.flagged).toBe(true);
    expect(canary.shares[0]!.share).toBeCloseTo(0.0342, 4);
    expect(canary.shares[0]!.flagged).toBe(false);
    expect(canary.flagged).toBe(false);
  });
});

describe('analyzeRisks: frequencies', () => {
  const perYear = (how: { frequency: Frequency } | { ettf: Duration }) =>
    analyzeRisks({
      objective: '99.9%',
      risks: [{ name: 'r', ettd: '0', ettr: '1m', impact: 1, ...how }],
    }).risks[0]!.incidentsPerYear;

  it.each([
    ['1/year', 1],
    ['0.5/year', 0.5],
    ['12/year', 12],
    ['1/quarter', 4],
    ['2/month', 24],
    ['1/month', 12],
    ['1/week', 365.25 / 7],
    ['3/day', 3 * 365.25],
    ['.5/week', 365.25 / 14],
  ] as const)('%s is %d incidents a year', (frequency, expected) => {
    expect(perYear({ frequency })).toBeCloseTo(expected, 12);
  });

  it.each([
    ['7d', 365.25 / 7],
    ['1w', 365.25 / 7],
    ['365.25d', 1],
    ['30d', 365.25 / 30],
    ['12h', 730.5],
  ] as const)('an ETTF of %s is %d incidents a year', (ettf, expected) => {
    expect(perYear({ ettf })).toBeCloseTo(expected, 12);
  });

  it('an ETTF of 7 days and a frequency of 1/week give the same bad minutes', () => {
    const analysis = analyzeRisks({
      objective: 0.999,
      risks: [deploy, { name: 'deploy outage (ettf)', ettd: 0, ettr: '3m', impact: 1, ettf: '7d' }],
    });
    expect(analysis.risks[0]!.badMinutesPerYear).toBe(analysis.risks[1]!.badMinutesPerYear);
  });
});

describe('analyzeRisks: objectives, totals and ranking', () => {
  const input: RiskAnalysisInput = {
    objectives: ['99.5%', '99.9%', 0.9995],
    risks: [
      { name: 'small', ettd: '1m', ettr: '4m', impact: '10%', frequency: '2/year' }, // 1 min/yr
      deploy, // 156.536 min/yr
      { name: 'region loss', ettd: '5m', ettr: '55m', impact: '50%', frequency: '4/year' }, // 120 min/yr
    ],
  };
  const analysis = analyzeRisks(input);

  it('measures every risk against every objective, in the order given', () => {
    expect(analysis.objectives).toEqual([0.995, 0.999, 0.9995]);
    expect(analysis.totals.map((t) => t.budgetMinutesPerYear)).toEqual([
      expect.closeTo(2629.8, 9),
      expect.closeTo(525.96, 9),
      expect.closeTo(262.98, 9),
    ]);
    const region = analysis.risks.find((risk) => risk.name === 'region loss')!;
    expect(region.badMinutesPerYear).toBe(120);
    expect(region.shares.map((share) => share.objective)).toEqual([0.995, 0.999, 0.9995]);
    expect(region.shares[0]!.share).toBeCloseTo(120 / 2629.8, 12);
    expect(region.shares[1]!.share).toBeCloseTo(0.228, 3);
    expect(region.shares[2]!.share).toBeCloseTo(0.4563, 4);
    // Flagged per objective: 4.6% and 22.8% are below 25%, 45.6% is above.
    expect(region.shares.map((share) => share.flagged)).toEqual([false, false, true]);
    expect(region.flagged).toBe(true);
  });

  it('ranks by share, largest first', () => {
    expect(analysis.risks.map((risk) => risk.name)).toEqual(['deploy outage', 'region loss', 'small']);
  });

  it('totals the bad minutes, the shares and the budget left, which is negative when over budget', () => {
    const total = 156.5357142857143 + 120 + 1;
    const [loose, middle, tight] = analysis.totals;
    expect(middle!.objective).toBe(0.999);
    expect(middle!.badMinutesPerYear).toBeCloseTo(total, 9);
    expect(middle!.share).toBeCloseTo(total / 525.96, 12);
    expect(middle!.unallocatedMinutesPerYear).toBeCloseTo(525.96 - total, 9);
    expect(middle!.unallocatedShare).toBeCloseTo(1 - total / 525.96, 12);
    expect(middle!.flaggedRisks).toBe(1);
    expect(loose!.flaggedRisks).toBe(0);
    expect(loose!.unallocatedMinutesPerYear).toBeCloseTo(2629.8 - total, 9);
    expect(tight!.flaggedRisks).toBe(2);
    expect(tight!.share).toBeCloseTo(1.0553, 4);
    expect(tight!.unallocatedMinutesPerYear).toBeCloseTo(-14.556, 3);
    expect(tight!.unallocatedShare).toBeCloseTo(-0.0553, 4);
  });

  it('breaks ties by name, whatever the input order', () => {
    const same = { ettd: '0', ettr: '1m', impact: 1, frequency: '1/year' } as const;
    const names = (order: string[]) =>
      analyzeRisks({ objective: '99.9%', risks: order.map((name) => ({ name, ...same })) }).risks.map(
        (r) => r.name,
      );
    expect(names(['b', 'a', 'C', 'c'])).toEqual(['C', 'a', 'b', 'c']);
    expect(names(['c', 'C', 'b', 'a'])).toEqual(['C', 'a', 'b', 'c']);
  });
});

describe('analyzeRisks: maxShare', () => {
  const risk = (ettr: `${number}m`): RiskSpec => ({
    name: 'r',
    ettd: '0',
    ettr,
    impact: 1,
    frequency: '1/year',
  });

  it('flags a risk strictly above the maximum share, not one at it', () => {
    // 25% of 525.96 is 131.49 minutes.
    const at = analyzeRisks({ objective: '99.9%', risks: [risk('131.49m')] }).risks[0]!;
    expect(at.shares[0]!.share).toBeCloseTo(0.25, 12);
    expect(at.flagged).toBe(false);
    const above = analyzeRisks({ objective: '99.9%', risks: [risk('131.5m')] }).risks[0]!;
    expect(above.flagged).toBe(true);
  });

  it.each([
    [0.1, true],
    ['10%', true],
    ['30%', false],
    [1, false],
    ['100%', false],
  ] as const)('maxShare %j: the deploy outage (29.8%) flagged: %s', (maxShare, flagged) => {
    const analysis = analyzeRisks({ objective: '99.9%', maxShare, risks: [deploy] });
    expect(analysis.risks[0]!.flagged).toBe(flagged);
    expect(analysis.flagged).toBe(flagged);
  });

  it('echoes maxShare as a fraction', () => {
    expect(analyzeRisks({ objective: '99.9%', maxShare: '12.5%', risks: [deploy] }).maxShare).toBe(0.125);
  });
});

describe('analyzeRisks: mitigations', () => {
  const analysis = analyzeRisks({
    objective: '99.9%',
    risks: [
      {
        ...deploy,
        description: 'rolled back by hand',
        mitigations: [
          { name: 'faster rollback', ettr: '1m' },
          { name: 'deploy monthly', frequency: '1/month' },
          { name: 'deploy every 14 days', ettf: '14d' },
          { name: 'slower detection', ettd: '2m', description: 'a change for the worse' },
          { name: 'full failover', impact: 0 },
        ],
      },
    ],
  });
  const risk = analysis.risks[0]!;
  const byName = (name: string) => risk.mitigations.find((m) => m.name === name)!;

  it('keeps mitigations in the order given, each compared with the risk as it is', () => {
    expect(risk.mitigations.map((m) => m.name)).toEqual([
      'faster rollback',
      'deploy monthly',
      'deploy every 14 days',
      'slower detection',
      'full failover',
    ]);
    expect(byName('faster rollback').badMinutesPerYear).toBeCloseTo(365.25 / 7, 9);
    expect(byName('faster rollback').savedMinutesPerYear).toBeCloseTo((2 * 365.25) / 7, 9);
    expect(byName('deploy monthly').badMinutesPerYear).toBe(36);
    expect(byName('deploy monthly').ettrMinutes).toBe(3);
    expect(byName('deploy every 14 days').incidentsPerYear).toBeCloseTo(365.25 / 14, 12);
    expect(byName('deploy every 14 days').badMinutesPerYear).toBeCloseTo(risk.badMinutesPerYear / 2, 9);
  });

  it('reports a change for the worse as a negative saving', () => {
    const worse = byName('slower detection');
    expect(worse.badMinutesPerYear).toBeCloseTo((5 * 365.25) / 7, 9);
    expect(worse.savedMinutesPerYear).toBeCloseTo((-2 * 365.25) / 7, 9);
    expect(worse.description).toBe('a change for the worse');
  });

  it('gives the share after each mitigation, flagged or not', () => {
    const failover = byName('full failover');
    expect(failover.badMinutesPerYear).toBe(0);
    expect(failover.savedMinutesPerYear).toBe(risk.badMinutesPerYear);
    expect(failover.shares).toEqual([{ objective: 0.999, share: 0, flagged: false }]);
    expect(byName('faster rollback').shares[0]!.share).toBeCloseTo(0.0992, 4);
  });

  it('does not count mitigations in the totals', () => {
    expect(analysis.totals[0]!.badMinutesPerYear).toBe(risk.badMinutesPerYear);
  });

  it('returns plain data that survives JSON', () => {
    expect(JSON.parse(JSON.stringify(analysis))).toEqual(analysis);
    expect(risk.description).toBe('rolled back by hand');
    expect('description' in byName('faster rollback')).toBe(false);
  });
});
