// `slokit budget` in-process: its help, the one-line exit 2 for every user mistake (a time without
// its zone among them), --at read at its instant, and exit 3 when the server at --prometheus stays
// silent, breaks the connection, fails or answers garbage or NaN. The figures, the gate and a stopped Prometheus are checked
// against a real Prometheus in test/fleet/prometheus.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BUDGET_USAGE } from '../../src/cli/budget.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MODULE = 'test/fleet/fixtures/slis.ts';

async function budget(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['budget', ...args], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: root,
    isTty: false,
  });
  return { code, stdout, stderr };
}

const silent = http.createServer(() => undefined);
const servers: http.Server[] = [silent];
afterAll(() =>
  Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  ),
);

/** An HTTP server on a free loopback port, closed after the tests. */
async function serve(handle: http.RequestListener): Promise<string> {
  const server = http.createServer(handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Vector = { metric: Record<string, string>; value: [number, string] }[];

/**
 * A stand-in for the Prometheus API that holds two series of each SLI of the module and answers
 * `value` for every good and bad count, and nothing for the recording rules.
 */
function prometheusAnswering(value: string, times: string[] = []): http.RequestListener {
  return (req, res) => {
    const params = new URL(req.url!, 'http://x').searchParams;
    times.push(params.get('time')!);
    const query = params.get('query')!;
    const names = ['checkout', 'api-availability'];
    let result: Vector = [];
    if (query.includes('increase(')) {
      result = names.flatMap((name) =>
        ['good', 'bad'].map((outcome) => ({
          metric: { slokit_sli_name: name, slokit_sli_outcome: outcome },
          value: [0, value] as [number, string],
        })),
      );
    } else if (query.startsWith('count by') || query.startsWith('min by')) {
      result = names.map((name) => ({ metric: { slokit_sli_name: name }, value: [0, '2'] }));
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  };
}

describe('slokit budget', () => {
  it('prints its help', async () => {
    expect(await budget('--help')).toEqual({ code: 0, stdout: BUDGET_USAGE, stderr: '' });
  });

  it.each([
    [
      [MODULE],
      'slokit: budget: --prometheus is required: the Prometheus base URL, e.g. --prometheus http://prometheus:9090\n',
    ],
    [
      [MODULE, '--prometheus', 'prometheus:9090'],
      'slokit: --prometheus: expected the Prometheus base URL, e.g. http://prometheus:9090; got "prometheus:9090"\n',
    ],
    [
      [MODULE, '--prometheus', 'https://ops:secret@prometheus .example.com'],
      'slokit: --prometheus: expected the Prometheus base URL, e.g. http://prometheus:9090; got "https://***@prometheus .example.com"\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--fail-under', '0.25'],
      'slokit: --fail-under: expected a percentage of the error budget from 0% to 100%, e.g. 25%; got "0.25"\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--format', 'csv'],
      'slokit: --format: expected table, markdown, json; got "csv"\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--at', 'last monday'],
      'slokit: --at: expected an RFC 3339 time with its time zone, such as 2025-03-03T00:00:00Z or 2025-03-03T01:00:00+01:00, or Unix seconds; got "last monday"\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--at', '2025-03-03T00:00:00'],
      'slokit: --at: "2025-03-03T00:00:00" has no time zone, so it would mean a different instant on each machine; add Z for UTC or an offset, such as 2025-03-03T00:00:00Z or 2025-03-03T01:00:00+01:00\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--at', '2025-03-03'],
      'slokit: --at: "2025-03-03" is a date without a time and a time zone; give both, such as 2025-03-03T00:00:00Z or 2025-03-03T01:00:00+01:00\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--at', '2025-02-29T12:00:00Z'],
      'slokit: --at: "2025-02-29T12:00:00Z" is not a real date and time; expected one such as 2025-03-03T00:00:00Z or 2025-03-03T01:00:00+01:00\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--at', '2025-03-03T00:00:00+25:00'],
      'slokit: --at: "2025-03-03T00:00:00+25:00" is not a real date and time; expected one such as 2025-03-03T00:00:00Z or 2025-03-03T01:00:00+01:00\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--timeout', '5 seconds'],
      'slokit: budget: --timeout: expected a duration such as "300ms", "1.5s", "5m", "28d" (a non-negative number and one of the units ms, s, m, h, d, w, without spaces); got string "5 seconds" [SLOKIT_E_DURATION]\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--selector', 'job'],
      'slokit: --selector: expected name=value, e.g. --selector job=shop; got "job"\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--header', 'Bearer x'],
      'slokit: --header: expected "Name: value", e.g. --header "Authorization: Bearer $TOKEN"\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--sli', 'search'],
      'slokit: --sli: no SLI named "search"; the module exports "checkout", "api-availability"\n',
    ],
    [
      [MODULE, '--prometheus', 'http://p:9090', '--selector', 'slokit_sli_name=x'],
      'slokit: fleetStatus: selector: "slokit_sli_name" is set by slokit itself and cannot be given [SLOKIT_E_FLEET_OPTION]\n',
    ],
  ])('exits 2 with one line for %j', async (args, message) => {
    expect(await budget(...args)).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('exits 3 after the timeout when Prometheus never answers', async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const started = Date.now();
    const result = await budget(MODULE, '--prometheus', url, '--fail-under', '25%', '--timeout', '500ms');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toEqual({
      code: 3,
      stdout: '',
      stderr: `slokit: Prometheus at ${url} did not answer within 500ms [SLOKIT_E_FLEET_UNAVAILABLE]\n`,
    });
  });

  it.each([
    ['2025-03-03T01:00:00+01:00', Date.UTC(2025, 2, 3)],
    ['2025-03-02T19:30:00-04:30', Date.UTC(2025, 2, 3)],
    ['2025-03-03 00:00:00.250z', Date.UTC(2025, 2, 3) + 250],
    ['1740960000', Date.UTC(2025, 2, 3)],
  ])('evaluates --at %s at its instant, whatever the zone of the machine', async (at, ms) => {
    const times: string[] = [];
    const url = await serve(prometheusAnswering('0', times));
    const { code, stdout } = await budget(MODULE, '--prometheus', url, '--at', at, '--format', 'json');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { at: number }).at).toBe(ms);
    expect(new Set(times)).toEqual(new Set([(ms / 1000).toFixed(3)]));
  });

  it.each([
    [
      'closes the connection',
      (req: http.IncomingMessage) => void req.socket.destroy(),
      'cannot reach Prometheus at {url}: other side closed [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'answers 500',
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(500);
        res.end('internal error');
      },
      'Prometheus at {url} answered HTTP 500 Internal Server Error: "internal error" [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'answers garbage',
      (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('\u0000\u0001garbage'),
      '{url} did not answer like the Prometheus HTTP API (not JSON: "\\u0000\\u0001garbage"); is it the Prometheus base URL? [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'answers a vector holding garbage',
      (_req: http.IncomingMessage, res: http.ServerResponse) =>
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: ['x'] } })),
      'Prometheus at {url} answered the query {__name__=~"slokit:sli_error_ratio:rate(?:5m|30m|1h|2h|6h|1d|3d|28d)",slokit_sli_name=~"checkout|api-availability",job="shop"} with a sample that is not { metric, value: [time, "value"] }: "\\"x\\"" [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
  ])('exits 3 with one line, at once, when Prometheus %s', async (_title, handler, message) => {
    const url = await serve(handler);
    const result = await budget(MODULE, '--prometheus', url, '--selector', 'job=shop', '--fail-under', '25%');
    expect(result).toEqual({ code: 3, stdout: '', stderr: `slokit: ${message.replaceAll('{url}', url)}\n` });
  });

  it('prints NaN where Prometheus answers NaN, and the gate refuses to judge it (exit 3)', async () => {
    const url = await serve(prometheusAnswering('NaN'));
    const report = await budget(MODULE, '--prometheus', url, '--sli', 'checkout');
    expect(report.code).toBe(0);
    expect(report.stdout.split('\n')[3]!.split(/ {2,}/).slice(0, 4)).toEqual([
      'checkout',
      '99.9% / 28d',
      'NaN',
      '-',
    ]);
    const gate = await budget(MODULE, '--prometheus', url, '--sli', 'checkout', '--fail-under', '25%');
    expect(gate.code).toBe(3);
    expect(
      gate.stderr
        .split('\n')
        .filter((line) => line !== '')
        .at(-1),
    ).toBe('slokit: cannot judge the budget of "checkout": Prometheus has no usable data for it');
    expect(gate.stderr).toContain(
      'slokit: warning: Prometheus returned NaN for the good events of "checkout" over 28d; that window is left out\n',
    );
  });
});
