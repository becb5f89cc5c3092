// `npm run demo`, shortened: it starts the shop, drives traffic, prints the summary and the /metrics
// URL, and exits 0 by itself. The summary it prints (the kit's own counts) must agree exactly with
// the counters it scraped from its own /metrics.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';

const run = promisify(execFile);

describe('examples/demo (npm run demo)', () => {
  it('runs for the given duration, prints a summary that matches its /metrics, and exits 0', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/demo/main.ts', '--duration', '8'],
      {
        timeout: 40_000,
        env: { ...env, PORT: '0' },
      },
    );
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^slokit: telemetry for service "slokit-demo-shop" \(instance [0-9a-f]{8}\): .*nothing leaves this machine/,
    );
    const url = /^metrics \(Prometheus text\): (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(stdout)?.[1];
    expect(url).toBeDefined();
    expect(stdout).toMatch(/^status page: http:\/\/127\.0\.0\.1:\d+\/slo$/m);
    expect(stdout).toMatch(/^\[ {2}0 s \/ 8 s\] steady · 0 requests sent: checkout 0 good\/0 bad/m);

    // The final table: one row per SLI.
    const final = stdout.slice(stdout.indexOf('Final summary'));
    const sent = Number(/^Final summary \((\d+) requests, 0 failed to send\)$/m.exec(final)?.[1]);
    expect(sent).toBeGreaterThan(30);
    const rows: Record<string, { objective: string; good: number; bad: number }> = Object.fromEntries(
      [...final.matchAll(/^(checkout|api-availability|catalog-freshness) +([\d.]+%) +(\d+) +(\d+) /gm)].map(
        (m) => [m[1]!, { objective: m[2]!, good: Number(m[3]), bad: Number(m[4]) }],
      ),
    );
    expect(Object.keys(rows)).toEqual(['checkout', 'api-availability', 'catalog-freshness']);
    expect([
      rows.checkout!.objective,
      rows['api-availability']!.objective,
      rows['catalog-freshness']!.objective,
    ]).toEqual(['99.90%', '99.50%', '99.00%']);

    // The counters it printed from its own /metrics add up to the same numbers.
    const fromMetrics: Record<string, { good: number; bad: number }> = {};
    for (const m of final.matchAll(
      /^slokit_sli_events_total\{slokit_sli_name="([^"]+)",slokit_sli_outcome="(good|bad)"(?:,slokit_sli_reason="[a-z]+")?\} (\d+)$/gm,
    )) {
      const entry = (fromMetrics[m[1]!] ??= { good: 0, bad: 0 });
      entry[m[2] as 'good' | 'bad'] += Number(m[3]);
    }
    for (const [sli, row] of Object.entries(rows)) {
      expect({ sli, ...(fromMetrics[sli] ?? { good: 0, bad: 0 }) }).toEqual({
        sli,
        good: row.good,
        bad: row.bad,
      });
    }
    // Every API request is judged by api-availability (the unrouted /favicon.ico is not).
    expect(rows['api-availability']!.good + rows['api-availability']!.bad).toBeLessThanOrEqual(sent);
    expect(rows.checkout!.good + rows.checkout!.bad).toBeGreaterThan(0);

    // The incident's cause, as kit.explain() finds it: only acme-pay was in trouble.
    const explained = final.slice(
      final.indexOf('What is different about the bad checkouts (kit.explain):\n'),
    );
    const findings = explained.split('\n\n')[0]!.split('\n').slice(1);
    // Each line as formatExplanation() writes a finding: a value (`key = value`) or a range
    // (`key >= min`, `key < max`, `key >= min and < max`).
    for (const line of findings)
      expect(line).toMatch(
        /^bad checkout events: [\d.]+% have [a-z.]+ (?:= \S+|>= \S+(?: and < \S+)?|< \S+) \(good: [\d.<>]+%\)$/,
      );
    // The payment outcome a failure writes is found too; the provider is the cause to find.
    expect(findings.some((line) => / have app\.payment\.provider = acme-pay /.test(line))).toBe(true);
    // The wide event of the latest bad checkout, from kit.recentEvents(), with its trace id.
    const latest =
      /^The latest bad checkout \([\d.]+ s ago\), as slokit kept it \(kit\.recentEvents\):\n((?: {2}.*\n)+)/m.exec(
        final,
      )?.[1];
    expect(latest).toBeDefined();
    expect(latest).toMatch(/^ {2}http\.route = "\/api\/checkout"$/m);
    expect(latest).toMatch(/^ {2}verdict = bad \((status|latency)\)$/m);
    expect(latest).toMatch(/^ {2}app\.payment\.provider = "(acme|globex|initech)-pay"$/m);
    expect(latest).toMatch(/^ {2}trace = [0-9a-f]{32}$/m);

    // The closing hint's command works in a clone of the repository.
    const hint = /^Next: `([^`]+)`/m.exec(final)?.[1];
    expect(hint).toBe('node --import tsx src/cli/main.ts rules examples/slis.ts');
    const rules = await run(process.execPath, hint!.split(' ').slice(1), { timeout: 30_000 });
    expect(rules.stdout.split('\n')[0]).toBe(
      '# Generated by slokit: slokit rules examples/slis.ts --format prometheus',
    );
  }, 60_000);

  it('with OTEL_EXPORTER_OTLP_ENDPOINT set, also sends traces and metrics there', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'examples/demo/main.ts', '--duration', '2'],
        {
          timeout: 40_000,
          env: { ...env, PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        },
      );
      expect(stdout.split('\n')[0]).toContain(`traces → OTLP/HTTP ${receiver.url}/v1/traces`);
      const sent = Number(/^Final summary \((\d+) requests/m.exec(stdout)?.[1]);
      // Every request but the scrape of /metrics (not judged, so no span) reached the receiver.
      const spans = receiver.spans();
      expect(spans).toHaveLength(sent);
      expect(new Set(spans.map((s) => s.resource['service.name']))).toEqual(new Set(['slokit-demo-shop']));
      const checkoutGood = receiver
        .latestPoints('slokit.sli.events')
        .find(
          (p) =>
            p.attributes['slokit.sli.name'] === 'checkout' && p.attributes['slokit.sli.outcome'] === 'good',
        );
      const printed = Number(
        /^checkout +[\d.]+% +(\d+) /m.exec(stdout.slice(stdout.indexOf('Final summary')))?.[1],
      );
      expect(checkoutGood?.value).toBe(printed);
    } finally {
      await receiver.close();
    }
  }, 45_000);
});
