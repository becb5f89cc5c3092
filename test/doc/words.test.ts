// The words generated from SLI declarations: the same sentences reach the SLO document, the
// Prometheus alerts and onAlert, so they are checked here once, exactly, and the figures they state
// (detection times) are checked against the in-process evaluator.
import { describe, expect, it } from 'vitest';
import { alertTable, createSlokit, defineSli } from 'slokit';
import type { AlertTransition, Sli } from 'slokit';
import { createFakeClock, kitTraffic, playTraffic, trafficPhases } from 'slokit/testing';
import { apiAvailability, catalogFreshness, checkout } from '../../examples/slis.js';
import { count, durationWords, oneIn, rounded, roundedPercent, windowWords } from '../../src/doc/numbers.js';
import { severityWords, sliInWords, tierWords } from '../../src/doc/words.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('sliInWords', () => {
  it.each([
    [
      'the example checkout',
      checkout,
      'POST /api/checkout; good when the status is 2xx and the response takes under 300 ms; requests the client abandoned before 300 ms are not counted',
    ],
    [
      'a RegExp route and a status comparison',
      apiAvailability,
      'requests to routes matching /^\\/api\\//; good when the status is below 500; requests the client abandoned are not counted',
    ],
    [
      'freshness',
      catalogFreshness,
      "data reads recorded for it with kit.record(); good when the data's updatedAt is at most 1 day old (a read without a valid time is bad)",
    ],
    [
      'two methods, an exact route and a pattern, several statuses, an inclusive latency',
      defineSli({
        name: 'a',
        objective: 0.99,
        match: { method: ['GET', 'head'], route: ['/a', /^\/b/] },
        good: { status: ['2xx', 304, '<=399', '>=100', '>150', '200-204'], latency: { atMost: '1.5s' } },
      }),
      'GET or HEAD requests to /a or routes matching /^\\/b/; good when the status is 2xx, 304, 399 or below, 100 or above, above 150 or 200 to 204 and the response takes at most 1.5 s; requests the client abandoned within 1.5 s are not counted',
    ],
    [
      'the defaults',
      defineSli({ name: 'b', objective: 0.99, good: {} }),
      'every HTTP request; good when the status is neither 5xx nor 429; requests the client abandoned are not counted',
    ],
    [
      'a method alone',
      defineSli({ name: 'f', objective: 0.99, match: { method: 'post' }, good: { status: '200-299' } }),
      'POST requests; good when the status is 200 to 299; requests the client abandoned are not counted',
    ],
    [
      'a match function and a classifier',
      defineSli({ name: 'd', objective: 0.99, match: () => true, good: () => true }),
      'the HTTP requests its match function selects; good or bad as its classifier function decides (events it returns null for are not counted)',
    ],
    [
      'a classifier over custom events',
      defineSli<{ ok: boolean }>({ name: 'c', objective: 0.99, events: 'custom', good: (e) => e.ok }),
      'events recorded for it with kit.track() or kit.record(); good or bad as its classifier function decides (events it returns null for are not counted)',
    ],
    [
      'thresholds over tracked work',
      defineSli({ name: 'e', objective: 0.99, events: 'custom', good: { latency: { under: '5s' } } }),
      'events recorded for it with kit.track() or kit.record(); good when it finishes without an error and takes under 5 s',
    ],
  ] as const)('says which events %s judges and when one is good', (_title, sli, words) => {
    expect(sliInWords(sli as Sli<unknown>)).toBe(words);
  });
});

describe('tierWords', () => {
  it('states the workbook figures of each tier of a 99.9% SLI over 28 days', () => {
    const tiers = alertTable(checkout.windowMs).map((tier) => tierWords(checkout, tier, { minEvents: 100 }));
    // factor = share × 28 d / long; error ratio = factor × 0.1%; the budget lasts 28 d / factor; a full
    // outage fires after share × 0.1% × 28 d, a 10× burn after share × 28 d / 10 (never when 10 ≤ factor).
    const six = (x: number | null): number | null => (x === null ? null : Number(x.toPrecision(6)));
    expect(
      tiers.map((t) =>
        [
          t.windows,
          t.factor,
          t.errorRatio,
          t.budgetLastsMs,
          t.fullOutageDetectionMs,
          t.exampleBurnDetectionMs,
        ].map((x) => (typeof x === 'number' ? six(x) : x)),
      ),
    ).toEqual([
      ['1h/5m', 13.44, 0.01344, six((28 * DAY) / 13.44), 48_384, null],
      ['6h/30m', 5.6, 0.0056, 5 * DAY, 120_960, 12_096_000],
      ['1d/2h', 2.8, 0.0028, 10 * DAY, 241_920, 24_192_000],
      ['3d/6h', six(2.8 / 3), six(0.0028 / 3), 30 * DAY, 241_920, 24_192_000],
    ]);
    expect(tiers.map((t) => [t.title, t.condition, t.meaning, t.fullOutage, t.exampleBurn])).toEqual([
      [
        'Page: 2% of the budget in 1 hour',
        'more than 1.34% of eligible events are bad over both the last hour and the last 5 minutes (a burn rate above 13.4×), with at least 100 eligible events in the last hour',
        '2% of the 28-day error budget (48.4 seconds of full outage) has gone in the last hour; at that rate the whole budget lasts at most 2.08 days',
        'a full outage fires it after 48.4 seconds',
        'a 10× burn never fires it (10× is not above 13.4×)',
      ],
      [
        'Page: 5% of the budget in 6 hours',
        'more than 0.56% of eligible events are bad over both the last 6 hours and the last 30 minutes (a burn rate above 5.6×), with at least 100 eligible events in the last 6 hours',
        '5% of the 28-day error budget (2.02 minutes of full outage) has gone in the last 6 hours; at that rate the whole budget lasts at most 5 days',
        'a full outage fires it after 2.02 minutes',
        'a 10× burn fires it after 3.36 hours',
      ],
      [
        'Ticket: 10% of the budget in 1 day',
        'more than 0.28% of eligible events are bad over both the last day and the last 2 hours (a burn rate above 2.8×), with at least 100 eligible events in the last day',
        '10% of the 28-day error budget (4.03 minutes of full outage) has gone in the last day; at that rate the whole budget lasts at most 10 days',
        'a full outage fires it after 4.03 minutes',
        'a 10× burn fires it after 6.72 hours',
      ],
      [
        'Ticket: 10% of the budget in 3 days',
        'more than 0.0933% of eligible events are bad over both the last 3 days and the last 6 hours (a burn rate above 0.933×), with at least 100 eligible events in the last 3 days',
        '10% of the 28-day error budget (4.03 minutes of full outage) has gone in the last 3 days; at that rate the whole budget lasts at most 30 days',
        'a full outage fires it after 4.03 minutes',
        'a 10× burn fires it after 6.72 hours',
      ],
    ]);
  });

  it('writes the alert summary and description, without the guard when minEvents is 0', () => {
    const [page] = alertTable(checkout.windowMs);
    expect(tierWords(checkout, page!, { minEvents: 100 }).summary).toBe(
      'checkout: more than 2% of its 28-day error budget spent in the last hour (burn rate above 13.4×)',
    );
    expect(tierWords(checkout, page!, { minEvents: 0 }).description).toBe(
      'Over both the last hour and the last 5 minutes, more than 1.34% of eligible events were bad: 13.4× the 0.1% that the 99.9% objective allows. At this rate the whole 28-day budget lasts at most 2.08 days. The SLI: Checkout requests answer 2xx in under 300 ms. Owner: shop-team.',
    );
  });

  it('names every tier of one severity for formats that raise one alert per severity', () => {
    const pages = alertTable(checkout.windowMs).filter((t) => t.severity === 'page');
    expect(severityWords(checkout, pages)).toEqual({
      summary:
        'checkout: more than 2% of its 28-day error budget spent in the last hour or 5% in the last 6 hours',
      description:
        'The 99.9% objective allows 0.1% bad events over 28 days. The SLI: Checkout requests answer 2xx in under 300 ms. Owner: shop-team.',
    });
  });

  // The stated detection times, checked against the kit's own evaluator on minute steps: a clean
  // window first, then the burn. Each step adds a minute of events, so a tier fires in the first
  // step at which more than the stated time of burn has been counted.
  async function firstPage(sli: Sli, errorRatio: number, cleanMs: number): Promise<AlertTransition> {
    const clock = createFakeClock();
    const transitions: AlertTransition[] = [];
    const kit = createSlokit({ slis: [sli], clock, onAlert: (t) => transitions.push(t) });
    const onset = clock.now() + cleanMs;
    playTraffic({
      clock,
      durationMs: cleanMs + 8 * HOUR,
      rate: trafficPhases([
        { durationMs: cleanMs, total: 1000, errorRatio: 0 },
        { durationMs: 8 * HOUR, total: 1000, errorRatio },
      ]),
      onStep: kitTraffic(kit, sli),
    });
    await kit.shutdown();
    const page = transitions.find((t) => t.severity === 'page' && t.state === 'firing');
    if (page === undefined) throw new Error('no page fired');
    return { ...page, at: page.at - onset };
  }

  const monthly = defineSli({ name: 'monthly', objective: '99.9%', window: '30d', good: { status: '2xx' } });

  it('pages a 10× burn when the stated time has passed: 3.6 hours on the 6h tier of a 30-day 99.9% SLI', async () => {
    const words = tierWords(monthly, alertTable(monthly.windowMs)[1]!, { minEvents: 100 });
    expect(words.exampleBurnDetectionMs).toBe(3.6 * HOUR);
    // 1% errors (10 × 0.1%): the 6h window passes 6 × 0.1% once it holds more than 216 minutes of it,
    // in the step stamped 216 minutes after the onset (it counts that step's minute too).
    const page = await firstPage(monthly, 0.01, 6 * HOUR);
    expect([page.windows, page.at]).toEqual(['6h/30m', words.exampleBurnDetectionMs]);
  });

  it('pages a full outage within the stated time: 51.8 seconds on the 1h tier of a 30-day 99.9% SLI', async () => {
    const words = tierWords(monthly, alertTable(monthly.windowMs)[0]!, { minEvents: 100 });
    expect(words.fullOutageDetectionMs).toBeCloseTo(51_840, 6);
    expect(words.fullOutage).toBe('a full outage fires it after 51.8 seconds');
    // The first minute of outage is 1/60 = 1.67% of the hour, above 14.4 × 0.1% = 1.44%.
    const page = await firstPage(monthly, 1, HOUR);
    expect([page.windows, page.at]).toEqual(['1h/5m', 0]);
  });
});

describe('numbers for people', () => {
  it('rounds derived figures to three significant digits and keeps counts exact', () => {
    expect([rounded(13.44), rounded(0.933333), rounded(2419.2), rounded(0), rounded(1e-7)]).toEqual([
      '13.4',
      '0.933',
      '2420',
      '0',
      '0.0000001',
    ]);
    expect([roundedPercent(0.01344), roundedPercent(0.000933)]).toEqual(['1.34%', '0.0933%']);
    expect([count(432_000), count(-1_234_567), count(40.32), count(999)]).toEqual([
      '432,000',
      '-1,234,567',
      '40.3',
      '999',
    ]);
  });

  it('says durations in the unit people use', () => {
    expect([
      durationWords(48_384),
      durationWords(1_000),
      durationWords(121_000),
      durationWords(12_096_000),
      durationWords(2.0833 * DAY),
    ]).toEqual(['48.4 seconds', '1 second', '2.02 minutes', '3.36 hours', '2.08 days']);
    expect([windowWords(28 * DAY), windowWords(HOUR), windowWords(90 * MINUTE), windowWords(1500)]).toEqual([
      '28 days',
      '1 hour',
      '90 minutes',
      '1500 milliseconds',
    ]);
  });

  it('writes a budget as whole events out of a round number', () => {
    expect([oneIn(0.001), oneIn(0.005), oneIn(0.003), oneIn(0.0025), oneIn(0.0007), oneIn(0.3 / 7)]).toEqual([
      '1 in 1,000',
      '1 in 200',
      '3 in 1,000',
      '1 in 400',
      '7 in 10,000',
      undefined,
    ]);
  });
});
