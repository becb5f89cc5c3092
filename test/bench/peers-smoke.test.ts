// The benchmark suite must keep working: `npm run bench:peers -- --smoke` starts every variant of
// every bench app (slokit from src/, the OpenTelemetry floor and the peers), drives each with wrk
// for about a second, measures latency and allocation, and prints its tables. Nothing here judges
// the figures (timings on a shared machine prove nothing); it checks that every row is there and
// every measurement was made.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import DEFAULT_VARIANTS from '../../bench/peer-variants.json' with { type: 'json' };

const { flat: FLAT, nested: NESTED } = DEFAULT_VARIANTS;
const APPS = { express: FLAT, fastify: FLAT, 'express-nested': NESTED, 'fastify-nested': NESTED };

describe('npm run bench:peers -- --smoke', () => {
  it('runs every variant of every app and reports every measurement', { timeout: 300_000 }, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bench/peers.mjs', '--smoke', '--apps', Object.keys(APPS).join(',')],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const sections = stdout.split(/^### /m).slice(1);
    expect(sections.map((s) => s.split('\n')[0])).toEqual(Object.keys(APPS));
    for (const section of sections) {
      const app = section.split('\n')[0] as keyof typeof APPS;
      const rows = section
        .split('\n')
        .filter((line) => line.startsWith('| ') && !line.startsWith('| variant') && !line.startsWith('| ---'))
        .map((line) =>
          line
            .split('|')
            .slice(1, -1)
            .map((cell) => cell.trim()),
        );
      expect(rows, app).toHaveLength(APPS[app].length);
      for (const cells of rows) {
        const [label, cpu, , , rps, , p50, p99, , bytes, objects] = cells;
        const value = (cell: string | undefined) => Number.parseFloat((cell ?? '').replace('*', ''));
        // Timed figures from a one-second run on a busy machine may round to zero; they must exist.
        for (const [what, cell] of Object.entries({ cpu, rps, p50, p99 }))
          expect(value(cell), `${app} / ${label}: ${what} = ${cell}`).toBeGreaterThanOrEqual(0);
        // The allocation bursts are counted, not timed.
        for (const [what, cell] of Object.entries({ bytes, objects }))
          expect(value(cell), `${app} / ${label}: ${what} = ${cell}`).toBeGreaterThan(0);
      }
    }
    // Every variant records what it claims: no span where none should be, at least one per request
    // where they should (the OTLP variants' spans go to the receiver instead, which got them).
    const spans = Object.fromEntries(
      [...stdout.matchAll(/^smoke (\S+) (\S+) spans\/request ([\d.]+)$/gm)].map((m) => [
        `${m[1]} ${m[2]}`,
        Number(m[3]),
      ]),
    );
    for (const [app, variants] of Object.entries(APPS)) {
      for (const variant of variants) {
        const perRequest = spans[`${app} ${variant}`];
        const none = [
          'bare',
          'slokit-counters',
          'slokit-counters-sync',
          'prom',
          'slokit-otlp',
          'slokit-otlp-tail',
        ];
        if (none.includes(variant)) expect(perRequest, `${app} ${variant}`).toBe(0);
        else expect(perRequest, `${app} ${variant}`).toBeGreaterThanOrEqual(1);
      }
    }
    const receiver = /^smoke otlp-receiver requests (\d+) bytes (\d+)$/m.exec(stdout);
    expect(Number(receiver?.[1])).toBeGreaterThan(0);
    expect(Number(receiver?.[2])).toBeGreaterThan(0);
  });
});
