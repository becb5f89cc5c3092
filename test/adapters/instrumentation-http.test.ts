// With @opentelemetry/instrumentation-http active, slokit enriches the SERVER span the
// instrumentation started instead of making a second one. instrumentation-http must patch `http`
// before it is loaded, which vitest's module loader gets in the way of, so the app runs in a child
// process (test/fixtures/<framework>-with-instrumentation.ts) that prints its finished spans; both
// fixtures serve the same four requests.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface PrintedSpan {
  readonly name: string;
  readonly kind: number;
  readonly scope: string;
  readonly traceId: string;
  readonly status: number;
  readonly events: readonly string[];
  readonly attributes: Readonly<Record<string, unknown>>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
function runFixture(framework: string): Promise<{ paths: string[]; spans: PrintedSpan[] }> {
  const fixture = fileURLToPath(new URL(`../fixtures/${framework}-with-instrumentation.ts`, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fixture],
      { cwd: root, timeout: 30_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`fixture failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as { paths: string[]; spans: PrintedSpan[] });
      },
    );
  });
}

describe.each(['express', 'fastify'])(
  'the %s adapter under @opentelemetry/instrumentation-http',
  (framework) => {
    it('makes no second span: exactly one SERVER span per request, the instrumentation’s, with verdicts and route', async () => {
      const { paths, spans } = await runFixture(framework);
      const server = spans.filter((s) => s.kind === 1);
      expect(spans).toHaveLength(paths.length);
      expect(server.map((s) => s.attributes['url.path'])).toEqual(paths);
      // One trace per request: slokit made no span of its own, under or beside the instrumentation's.
      expect(new Set(server.map((s) => s.traceId)).size).toBe(paths.length);
      const row = (
        name: string,
        route: string | undefined,
        status: number,
        availability: string,
        reason: string | undefined,
        fast: string | undefined,
      ) => ({
        scope: '@opentelemetry/instrumentation-http',
        name,
        route,
        status,
        availability,
        reason,
        fast,
      });
      expect(
        server.map((s) => ({
          scope: s.scope,
          name: s.name,
          route: s.attributes['http.route'],
          status: s.attributes['http.response.status_code'],
          availability: s.attributes['slokit.sli.availability.outcome'],
          reason: s.attributes['slokit.sli.availability.reason'],
          fast: s.attributes['slokit.sli.fast.outcome'],
        })),
      ).toEqual([
        row('GET /hello', '/hello', 200, 'good', undefined, 'good'),
        row('GET /api/users/:id', '/api/users/:id', 200, 'good', undefined, 'good'),
        row('GET /boom', '/boom', 500, 'bad', 'error', 'bad'),
        row('GET', undefined, 404, 'good', undefined, undefined),
      ]);
      expect(server[0]!.attributes['app.greeting']).toBe('hi');
      expect([server[2]!.status, server[2]!.events]).toEqual([2, ['exception']]);
    });
  },
);
