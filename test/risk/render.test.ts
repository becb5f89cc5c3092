import { describe, expect, it } from 'vitest';
import { analyzeRisks } from 'slokit';
import { BAR_WIDTH, formatRiskMarkdown, formatRiskTable, shareBar } from '../../src/risk/render.js';

describe('shareBar', () => {
  it.each([
    [0, ''],
    [0.001, ''], // 0.16 of an eighth rounds to nothing
    [0.01, '▎'], // 1% = 0.2 block = 1.6 eighths → 2
    [0.05, '█'],
    [0.25, '█████'],
    [0.298, '██████'], // 0.298 × 20 × 8 = 47.68 eighths, rounded to 48: six full blocks
    [0.29, '█████▊'], // 46.4 eighths → 46: five blocks and six eighths
    [0.5, '██████████'],
    [1, '█'.repeat(20)],
    [1.0001, `${'█'.repeat(20)}▶`],
    [2.738, `${'█'.repeat(20)}▶`],
  ])('draws %d of the budget as %j', (share, bar) => {
    expect(shareBar(share)).toBe(bar);
  });

  it('is 20 blocks wide at 100%: one block per 5% of the budget', () => {
    expect(BAR_WIDTH).toBe(20);
    expect(shareBar(0.15)).toBe('███');
    expect(shareBar(0.15625)).toBe('███▏');
  });
});

describe('formatRiskTable and formatRiskMarkdown', () => {
  const analysis = analyzeRisks({
    objective: '99.9%',
    risks: [
      { name: 'release outage', ettd: '1h', ettr: '1h', impact: 1, frequency: '1/month' },
      { name: 'a | b', ettd: '0', ettr: '30s', impact: '0.5%', frequency: '1/year' },
    ],
  });

  it('caps the bar of a risk above the whole budget and shows the budget overrun', () => {
    expect(formatRiskTable(analysis)).toBe(
      [
        "Risks ranked by their share of a year's error budget, (1 − objective) × 525,960 minutes.",
        '',
        '   Risk             ETTD  ETTR  Impact  Incidents/yr  Bad min/yr   99.9%  Budget share (99.9%)',
        '─'.repeat(95),
        `!  release outage    1 h   1 h    100%         12.00      1440.0  273.8%  ${'█'.repeat(20)}▶`,
        '   a | b               0  30 s    0.5%          1.00         0.0    0.0%',
        '─'.repeat(95),
        `   Total (2 risks)                                        1440.0  273.8%  ${'█'.repeat(20)}▶`,
        '',
        'Objective  Budget min/yr  Risks min/yr  Risks share  Unallocated min/yr  Unallocated share  Flagged',
        '99.9%             525.96        1440.0       273.8%              -914.0            -173.8%        1',
        '',
        '! a single risk above 25% of the budget (of at least one objective).',
        'Bars: █ = 5% of the 99.9% budget; ▶ above 100%.',
        '',
      ].join('\n'),
    );
  });

  it('escapes pipes in Markdown cells and bolds flagged shares', () => {
    const markdown = formatRiskMarkdown(analysis);
    expect(markdown).toContain('|  | a \\| b | 0 | 30 s | 0.5% | 1.00 | 0.0 | 0.0% |\n');
    expect(markdown).toContain('| ! | release outage | 1 h | 1 h | 100% | 12.00 | 1440.0 | **273.8%** |\n');
    expect(markdown).toContain('| 99.9% | 525.96 | 1440.0 | 273.8% | -914.0 | -173.8% | 1 |\n');
    expect(markdown).not.toContain('Saved');
  });
});
