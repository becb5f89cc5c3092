import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlokit, defineSli } from 'slokit';
import type { AlertTransition } from 'slokit';
import { createFakeClock, kitTraffic, playTraffic, trafficPhases } from 'slokit/testing';
import { resetWarnings } from '../../src/runtime/diag.js';
import { captureDiag } from '../helpers/diag.js';
import { toPrometheusRules } from 'slokit/rules';
import { checkout as exampleCheckout } from '../../examples/slis.js';
import { burnRule } from '../rules/promtool.js';

const MINUTE = 60_000;
const checkout = defineSli({ name: 'checkout', objective: '99.9%', window: '30d', good: { status: '2xx' } });
const search = defineSli({ name: 'search', objective: '99%', good: {} });

afterEach(() => {
  diag.disable();
  resetWarnings();
});

describe('kit.status() and onAlert', () => {
  it('pages at once for 15% errors on a fresh instance and resolves 43 minutes later (workbook scenario, case A)', async () => {
    // The same scenario as test/budget/scenario.test.ts case A, played through a kit: the kit must
    // report exactly the transitions the pure evaluator computes (derivation there).
    const clock = createFakeClock();
    const onsetMs = clock.now();
    const transitions: AlertTransition[] = [];
    const kit = createSlokit({ slis: [checkout, search], clock, onAlert: (t) => transitions.push(t) });
    playTraffic({
      clock,
      durationMs: 430 * MINUTE,
      rate: trafficPhases([
        { durationMs: 10 * MINUTE, total: 1000, errorRatio: 0.15 },
        { durationMs: 420 * MINUTE, total: 1000, errorRatio: 0 },
      ]),
      onStep: kitTraffic(kit, checkout),
    });
    expect(
      transitions.map((t) => [t.sli, t.severity, t.state, (t.at - onsetMs) / MINUTE, t.windows]),
    ).toEqual([
      ['checkout', 'page', 'firing', 0, '1h/5m'],
      ['checkout', 'ticket', 'firing', 0, '1d/2h'],
      ['checkout', 'page', 'resolved', 43, '6h/30m'],
      ['checkout', 'ticket', 'resolved', 372, '3d/6h'],
    ]);
    const status = kit.status();
    expect(status.scope).toBe('instance');
    expect(status.at).toBe(clock.now());
    const [c, s] = status.slis;
    expect(c).toMatchObject({
      name: 'checkout',
      scope: 'instance',
      objective: 0.999,
      window: '30d',
      good: 430_000 - 1500,
      bad: 1500,
      eligible: 430_000,
      observedMs: 430 * MINUTE,
      alerts: { page: { state: 'ok' }, ticket: { state: 'ok' } },
    });
    expect(c!.compliance).toBeCloseTo(1 - 1500 / 430_000, 12);
    expect(c!.budgetRemaining).toBeCloseTo(1 - 1500 / 430_000 / 0.001, 9);
    expect(s).toMatchObject({ name: 'search', good: 0, bad: 0, compliance: null, budgetRemaining: 1 });
    await kit.shutdown();
  });

  it('hands onAlert the same summary, description, runbook and owner as the generated Prometheus alert', () => {
    const clock = createFakeClock();
    const transitions: AlertTransition[] = [];
    const kit = createSlokit({ slis: [exampleCheckout], clock, onAlert: (t) => transitions.push(t) });
    playTraffic({
      clock,
      durationMs: 10 * MINUTE,
      rate: trafficPhases([{ durationMs: 10 * MINUTE, total: 1000, errorRatio: 0.15 }]),
      onStep: kitTraffic(kit, exampleCheckout),
    });
    const rules = toPrometheusRules([exampleCheckout]);
    expect(transitions.map((t) => [t.severity, t.state, t.windows])).toEqual([
      ['page', 'firing', '1h/5m'],
      ['ticket', 'firing', '1d/2h'],
    ]);
    for (const [transition, long] of [
      [transitions[0]!, '1h'],
      [transitions[1]!, '1d'],
    ] as const) {
      const rule = burnRule(rules, 'checkout', long);
      expect({
        summary: transition.summary,
        description: transition.description,
        runbook: transition.runbook,
        owner: transition.owner,
      }).toEqual({
        summary: rule.annotations.summary,
        description: rule.annotations.description,
        runbook: rule.annotations.runbook_url,
        owner: rule.labels.owner,
      });
    }
    expect(transitions[0]!.summary).toBe(
      'checkout: more than 2% of its 28-day error budget spent in the last hour (burn rate above 13.4×)',
    );
    expect(transitions[0]!.owner).toBe('shop-team');
    expect(transitions[0]!.runbook).toBe('https://runbooks.example.com/shop/checkout');
  });

  it('counts real verdicts into the windows and shows a firing page in status()', () => {
    const clock = createFakeClock();
    const kit = createSlokit({ slis: [checkout], clock, alerting: { minEvents: 10 } });
    for (let i = 0; i < 20; i++)
      kit.record(checkout, { method: 'POST', status: i < 5 ? 503 : 200, durationMs: 3 });
    const [status] = kit.status().slis;
    expect(status).toMatchObject({
      good: 15,
      bad: 5,
      alerts: { page: { state: 'firing', windows: '1h/5m' } },
    });
    expect(status!.burnRates['5m']).toBeCloseTo(0.25 / 0.001, 9);
    expect(status!.alerts.page.since).toBe(clock.now());
  });

  it('keeps the low-traffic guard: no alert from fewer than minEvents events', () => {
    const clock = createFakeClock();
    const kit = createSlokit({ slis: [checkout], clock });
    for (let i = 0; i < 99; i++) kit.record(checkout, { method: 'POST', status: 503, durationMs: 3 });
    expect(kit.status().slis[0]!.alerts.page.state).toBe('ok');
    kit.record(checkout, { method: 'POST', status: 503, durationMs: 3 });
    expect(kit.status().slis[0]!.alerts.page.state).toBe('firing');
  });

  it('catches a throwing onAlert and logs it once', () => {
    const lines = captureDiag();
    const clock = createFakeClock();
    const kit = createSlokit({
      slis: [checkout],
      clock,
      onAlert: () => {
        throw new Error('pager down');
      },
    });
    playTraffic({
      clock,
      durationMs: 3 * MINUTE,
      rate: () => ({ good: 0, bad: 1000 }),
      onStep: kitTraffic(kit, checkout),
    });
    expect(lines.filter((l) => l.includes('onAlert callback threw'))).toHaveLength(1);
  });

  it('rejects bad budget options at creation', () => {
    expect(() => createSlokit({ slis: [checkout], alerting: { minEvents: -1 } })).toThrow(
      /SLOKIT_E_ALERT_OPTION/,
    );
    expect(() => createSlokit({ slis: [checkout], alerting: { resolveHold: '5 minutes' as never } })).toThrow(
      /SLOKIT_E_DURATION/,
    );
    expect(() => createSlokit({ slis: [checkout], alerting: { minEvent: 1 } as never })).toThrow(
      /alerting.minEvent: unknown option/,
    );
    expect(() => createSlokit({ slis: [checkout], onAlert: 'page me' as never })).toThrow(/SLOKIT_E_OPTION/);
    expect(() => createSlokit({ slis: [checkout], stateFile: '' })).toThrow(/stateFile/);
    expect(() => createSlokit({ slis: [checkout], stateSaveInterval: '10ms' })).toThrow(/stateSaveInterval/);
    expect(() => kitTraffic(createSlokit({ slis: [checkout] }), 'nope')).toThrow(/SLOKIT_E_UNKNOWN_SLI/);
  });
});

describe('stateFile', () => {
  it('restores the windows saved at shutdown, so a restart keeps the budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slokit-state-'));
    const stateFile = join(dir, 'state.json');
    const clock = createFakeClock();
    const first = createSlokit({ slis: [checkout, search], clock, stateFile });
    playTraffic({
      clock,
      durationMs: 30 * MINUTE,
      rate: () => ({ good: 990, bad: 10 }),
      onStep: kitTraffic(first, checkout),
    });
    await first.shutdown();
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      format: 'slokit.state',
      version: 1,
      savedAt: clock.now(),
    });
    clock.advance(5 * MINUTE);
    const second = createSlokit({ slis: [checkout, search], clock, stateFile });
    expect(second.status().slis[0]).toMatchObject({ good: 29_700, bad: 300, observedMs: 35 * MINUTE });
    await second.shutdown();
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('sets a corrupt file aside with a warning and starts empty', async () => {
    const lines = captureDiag();
    const dir = mkdtempSync(join(tmpdir(), 'slokit-state-'));
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, '{ not json');
    const clock = createFakeClock();
    const kit = createSlokit({ slis: [checkout], clock, stateFile });
    expect(kit.status().slis[0]).toMatchObject({ good: 0, bad: 0 });
    expect(lines.filter((l) => l.includes('is unusable (it is not JSON'))).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(['state.json.corrupt-20250101T000000.000Z']);
    await kit.shutdown();
    expect(readdirSync(dir).sort()).toEqual(['state.json', 'state.json.corrupt-20250101T000000.000Z']);
  });
});
