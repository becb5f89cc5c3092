// `slokit budget` in-process: its help, the one-line exit 2 for every user mistake, and exit 3 when
// the server at --prometheus stays silent. The figures, the gate and a stopped Prometheus are checked
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
afterAll(
  () =>
    new Promise<void>((resolve) => {
      silent.closeAllConnections();
      silent.close(() => resolve());
    }),
);

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
      'slokit: --at: expected an RFC 3339 time such as 2025-03-03T00:00:00Z, or Unix seconds; got "last monday"\n',
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
});
