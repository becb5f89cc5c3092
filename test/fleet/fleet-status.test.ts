// fleetStatus against servers that misbehave in the ways a Prometheus (or the proxy in front of it)
// can: closed ports, silence, HTTP errors, pages that are not the API, query errors, NaN. Real
// sockets on 127.0.0.1; each test is bounded by the timeout it gives. The figures themselves are
// checked against a real Prometheus in prometheus.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SlokitDefinitionError, defineSli } from 'slokit';
import { SlokitFleetError, fleetStatus } from 'slokit/fleet';
import type { FleetStatusOptions } from 'slokit/fleet';

const checkout = defineSli({ name: 'checkout', objective: '99.9%', good: { status: '2xx' } });
const search = defineSli({ name: 'search', objective: '99%', good: {} });

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An HTTP server on a free loopback port; `handle` answers each request. */
async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The query of a request to /api/v1/query. */
function queryOf(req: http.IncomingMessage): string {
  return new URL(req.url!, 'http://x').searchParams.get('query') ?? '';
}

type Vector = { metric: Record<string, string>; value: [number, string] }[];

/**
 * A Prometheus API stand-in answering each query by what it asks for: `recorded` for the recording
 * rules' selector, `counts(window)` for the increase() queries, and one series per SLI seen since
 * `oldest` (epoch seconds).
 */
function fakePrometheus(answers: {
  recorded?: Vector;
  counts?: (window: string) => Vector;
  oldest?: number;
}): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const query = queryOf(req);
    let result: Vector = [];
    if (query.startsWith('{__name__=~')) result = answers.recorded ?? [];
    else if (query.includes('increase(')) result = answers.counts?.(/\[(\w+)\]\)\)$/.exec(query)![1]!) ?? [];
    else if (query.startsWith('count by'))
      result = ['checkout', 'search'].map((name) => ({ metric: { slokit_sli_name: name }, value: [0, '2'] }));
    else if (query.startsWith('min by'))
      result = ['checkout', 'search'].map((name) => ({
        metric: { slokit_sli_name: name },
        value: [0, String(answers.oldest ?? 0)],
      }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  };
}

const counts = (sli: string, good: number | string, bad: number | string): Vector => [
  { metric: { slokit_sli_name: sli, slokit_sli_outcome: 'good' }, value: [0, String(good)] },
  { metric: { slokit_sli_name: sli, slokit_sli_outcome: 'bad' }, value: [0, String(bad)] },
];

async function rejection(options: FleetStatusOptions): Promise<SlokitFleetError> {
  const error = await fleetStatus(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SlokitFleetError);
  return error as SlokitFleetError;
}

describe('fleetStatus when Prometheus cannot answer', () => {
  it('rejects at once, with the address, when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const started = Date.now();
    const error = await rejection({
      prometheus: `http://127.0.0.1:${port}`,
      slis: [checkout],
      timeout: '5s',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({
      code: 'SLOKIT_E_FLEET_UNAVAILABLE',
      failure: 'unreachable',
      url: `http://127.0.0.1:${port}`,
    });
    expect(error.message).toBe(
      `cannot reach Prometheus at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} [SLOKIT_E_FLEET_UNAVAILABLE]`,
    );
  });

  it.each([
    [
      'accepts the connection and never answers',
      (_req: http.IncomingMessage, _res: http.ServerResponse) => undefined,
    ],
    [
      'sends the headers and then stalls the body',
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"status":"success","data":');
      },
    ],
  ])('gives up after the timeout when the server %s', async (_title, handler) => {
    const url = await serve(handler);
    const started = Date.now();
    const error = await rejection({ prometheus: url, slis: [checkout], timeout: '300ms' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3_000);
    expect(error).toMatchObject({ code: 'SLOKIT_E_FLEET_UNAVAILABLE', failure: 'timeout' });
    expect(error.message).toBe(
      `Prometheus at ${url} did not answer within 300ms [SLOKIT_E_FLEET_UNAVAILABLE]`,
    );
  });

  it('stops when the caller aborts', async () => {
    const url = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await rejection({ prometheus: url, slis: [checkout], signal: controller.signal });
    expect(error).toMatchObject({ failure: 'aborted', code: 'SLOKIT_E_FLEET_UNAVAILABLE' });
  });

  it('reports an HTTP error with its status and the start of its body', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' });
      res.end('<html><body>upstream\n  unavailable</body></html>');
    });
    const error = await rejection({ prometheus: url, slis: [checkout] });
    expect(error).toMatchObject({ failure: 'http', status: 502, code: 'SLOKIT_E_FLEET_UNAVAILABLE' });
    expect(error.message).toBe(
      `Prometheus at ${url} answered HTTP 502 Bad Gateway: "<html><body>upstream unavailable</body></html>" [SLOKIT_E_FLEET_UNAVAILABLE]`,
    );
  });

  it('says so when the URL is not the Prometheus API (a web page answering 200)', async () => {
    const url = await serve((_req, res) => res.end('<!doctype html><title>Grafana</title>'));
    const error = await rejection({ prometheus: url, slis: [checkout] });
    expect(error).toMatchObject({ failure: 'response', status: 200 });
    expect(error.message).toContain(
      'did not answer like the Prometheus HTTP API (not JSON: "<!doctype html>',
    );
  });

  it("passes on Prometheus's own error for a query it refuses", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }));
    });
    const error = await rejection({ prometheus: url, slis: [checkout] });
    expect(error).toMatchObject({ failure: 'query', status: 400, code: 'SLOKIT_E_FLEET_QUERY' });
    expect(error.message).toMatch(
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ refused the query .+: bad_data: parse error \[SLOKIT_E_FLEET_QUERY\]$/,
    );
  });

  const RECORDED_QUERY =
    '{__name__=~"slokit:sli_error_ratio:rate(?:5m|30m|1h|2h|6h|1d|3d|28d)",slokit_sli_name=~"checkout"}';
  const json = (body: unknown) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.setHeader('content-type', 'application/json');
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  it.each([
    [
      'closes the connection without answering',
      (req: http.IncomingMessage) => void req.socket.destroy(),
      { failure: 'unreachable', status: undefined },
      'cannot reach Prometheus at {url}: other side closed [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'closes the connection in the middle of the body',
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"status":"success","data":{"resultType":"vec', () => res.socket?.destroy());
      },
      { failure: 'unreachable', status: 200 },
      'Prometheus at {url} broke off its answer (HTTP 200) before the end: other side closed [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'answers with something that is not HTTP',
      (req: http.IncomingMessage) => void req.socket.end('SSH-2.0-OpenSSH_9.2\r\n'),
      { failure: 'unreachable', status: undefined },
      'cannot reach Prometheus at {url}: Response does not match the HTTP/1.1 protocol (Expected HTTP/) [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'answers 500 with a text body',
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(500);
        res.end('internal error\n');
      },
      { failure: 'http', status: 500 },
      'Prometheus at {url} answered HTTP 500 Internal Server Error: "internal error" [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      "answers 503 with the API's own error",
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 'error',
            errorType: 'timeout',
            error: 'query timed out in expression evaluation',
          }),
        );
      },
      { failure: 'query', status: 503 },
      `Prometheus at {url} refused the query ${RECORDED_QUERY}: timeout: query timed out in expression evaluation [SLOKIT_E_FLEET_QUERY]`,
    ],
    [
      'answers an empty body',
      json(''),
      { failure: 'response', status: 200 },
      '{url} did not answer like the Prometheus HTTP API (not JSON: ""); is it the Prometheus base URL? [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'answers JSON that is not the API',
      json([1, 2, 3]),
      { failure: 'response', status: 200 },
      'Prometheus at {url} answered HTTP 200 without a result: "[1,2,3]" [SLOKIT_E_FLEET_UNAVAILABLE]',
    ],
    [
      'answers success without data',
      json({ status: 'success' }),
      { failure: 'response', status: 200 },
      `Prometheus at {url} answered the query ${RECORDED_QUERY} without a vector (resultType missing) [SLOKIT_E_FLEET_UNAVAILABLE]`,
    ],
    [
      'answers a matrix',
      json({ status: 'success', data: { resultType: 'matrix', result: [] } }),
      { failure: 'response', status: 200 },
      `Prometheus at {url} answered the query ${RECORDED_QUERY} without a vector (resultType "matrix") [SLOKIT_E_FLEET_UNAVAILABLE]`,
    ],
    [
      'answers a vector holding null',
      json({ status: 'success', data: { resultType: 'vector', result: [null] } }),
      { failure: 'response', status: 200 },
      `Prometheus at {url} answered the query ${RECORDED_QUERY} with a sample that is not { metric, value: [time, "value"] }: "null" [SLOKIT_E_FLEET_UNAVAILABLE]`,
    ],
    [
      'answers a sample whose value is a bare number',
      json({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 0.5] }] } }),
      { failure: 'response', status: 200 },
      `Prometheus at {url} answered the query ${RECORDED_QUERY} with a sample that is not { metric, value: [time, "value"] }: "{\\"metric\\":{},\\"value\\":[1,0.5]}" [SLOKIT_E_FLEET_UNAVAILABLE]`,
    ],
  ])(
    'rejects with a clear error, before the timeout, when the server %s',
    async (_title, handler, fields, message) => {
      const url = await serve(handler);
      const error = await rejection({ prometheus: url, slis: [checkout], timeout: '10s' });
      // Every one of these is told apart at once: the 10 s timeout never comes into it.
      expect(error.failure).not.toBe('timeout');
      expect(error).toMatchObject({
        ...fields,
        url,
        code: fields.failure === 'query' ? 'SLOKIT_E_FLEET_QUERY' : 'SLOKIT_E_FLEET_UNAVAILABLE',
      });
      expect(error.message).toBe(message.replaceAll('{url}', url));
    },
  );

  it('sends credentials from the URL as Basic auth and never shows them', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, 'Unauthorized');
      res.end('no');
    });
    const withCredentials = url.replace('http://', 'http://ops:s%C3%A9cret@');
    const error = await rejection({
      prometheus: `${withCredentials}/`,
      slis: [checkout],
      headers: { 'X-Scope-OrgID': 'shop' },
    });
    expect(seen[0]).toBe(`Basic ${Buffer.from('ops:sécret').toString('base64')}`);
    expect(error.url).toBe(url);
    expect(error.message).not.toContain('cret');
    expect(error.message).toBe(
      `Prometheus at ${url} answered HTTP 401 Unauthorized: "no" [SLOKIT_E_FLEET_UNAVAILABLE]`,
    );
  });
});

describe('fleetStatus on odd answers', () => {
  it('keeps a path prefix, evaluates every query at the same time, and sends the headers', async () => {
    const requests: { path: string; time: string | null; tenant: string | undefined }[] = [];
    const answer = fakePrometheus({});
    const url = await serve((req, res) => {
      const u = new URL(req.url!, 'http://x');
      requests.push({
        path: u.pathname,
        time: u.searchParams.get('time'),
        tenant: req.headers['x-scope-orgid'] as string,
      });
      answer(req, res);
    });
    const at = Date.UTC(2025, 0, 6, 9, 0, 0, 250);
    const fleet = await fleetStatus({
      prometheus: `${url}/prom`,
      slis: [checkout],
      at: new Date(at),
      headers: { 'X-Scope-OrgID': 'shop' },
    });
    expect(fleet).toMatchObject({ scope: 'fleet', at, prometheus: `${url}/prom` });
    // 1 recorded + 9 windows (5m, 30m, 1h, 2h, 6h, 1d, 3d, 28d) + series + oldest sample.
    expect(requests.length).toBe(11);
    expect(new Set(requests.map((r) => `${r.path} ${r.time} ${r.tenant}`))).toEqual(
      new Set([`/prom/api/v1/query ${(at / 1000).toFixed(3)} shop`]),
    );
  });

  it('leaves out a NaN window with a warning, marks the data, and uses a recorded ratio over NaN counts', async () => {
    const url = await serve(
      fakePrometheus({
        recorded: [
          {
            metric: { __name__: 'slokit:sli_error_ratio:rate1h', slokit_sli_name: 'checkout' },
            value: [0, '0.002'],
          },
          {
            metric: { __name__: 'slokit:sli_error_ratio:rate5m', slokit_sli_name: 'checkout' },
            value: [0, 'NaN'],
          },
        ],
        counts: (w) =>
          w === '1h' || w === '5m' ? counts('checkout', 'NaN', 1) : counts('checkout', 9_990, 10),
      }),
    );
    const [status] = (await fleetStatus({ prometheus: url, slis: [checkout] })).slis;
    expect(status).toMatchObject({ data: 'not-a-number', source: 'mixed', good: 9_990, bad: 10 });
    expect(status!.burnRates['1h']).toBeCloseTo(2, 12);
    expect(status!.burnRates['5m']).toBeNull();
    expect(status!.burnRates['30m']).toBeCloseTo(1, 12);
    expect(status!.warnings).toEqual([
      'Prometheus returned NaN for slokit:sli_error_ratio:rate5m of "checkout"; the raw counters are used',
      'Prometheus returned NaN for the good events of "checkout" over 5m; that window is left out',
      'Prometheus returned NaN for the good events of "checkout" over 1h; that window is left out',
    ]);
  });

  it('picks the recorded series with the rule labels and the fewest others, and refuses to guess between two', async () => {
    const rate = (window: string, value: string, extra: Record<string, string> = {}) => ({
      metric: { __name__: `slokit:sli_error_ratio:rate${window}`, slokit_sli_name: 'checkout', ...extra },
      value: [0, value] as [number, string],
    });
    const url = await serve(
      fakePrometheus({
        recorded: [
          rate('1h', '0.003', { team: 'shop' }),
          rate('1h', '0.5', { team: 'shop', replica: 'b' }),
          rate('6h', '0.004', { team: 'shop', replica: 'a' }),
          rate('6h', '0.005', { team: 'shop', replica: 'b' }),
        ],
        counts: () => counts('checkout', 999, 1),
      }),
    );
    const [status] = (await fleetStatus({ prometheus: url, slis: [checkout], labels: { team: 'shop' } }))
      .slis;
    expect(status!.burnRates['1h']).toBeCloseTo(3, 12);
    expect(status!.burnRates['6h']).toBeCloseTo(1, 12); // 1 in 1000 from the counters
    expect(status!.warnings).toEqual([
      'two recording rules give slokit:sli_error_ratio:rate6h for "checkout" with the labels given; the raw counters are used (pass the rules\' labels to tell them apart)',
    ]);
  });

  it('says when Prometheus holds no series of an SLI, and reports it as untouched', async () => {
    const url = await serve((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      void queryOf(req);
    });
    const fleet = await fleetStatus({ prometheus: url, slis: [checkout, search] });
    expect(
      fleet.slis.map((s) => [s.name, s.data, s.series, s.budgetRemaining, s.compliance, s.observedMs]),
    ).toEqual([
      ['checkout', 'no-series', 0, 1, null, 0],
      ['search', 'no-series', 0, 1, null, 0],
    ]);
  });
});

describe('fleetStatus options', () => {
  it.each([
    [
      { prometheus: 'prometheus:9090', slis: [checkout] },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: prometheus: expected the Prometheus base URL, e.g. "http://prometheus:9090"; got string "prometheus:9090"',
    ],
    [
      { prometheus: 'ftp://user:pw@host', slis: [checkout] },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: prometheus: expected the Prometheus base URL, e.g. "http://prometheus:9090"; got string "ftp://***@host"',
    ],
    [
      { prometheus: 'http://p', slis: [] },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: slis: expected a non-empty array of SLIs made by defineSli(); got an array of 0',
    ],
    [
      { prometheus: 'http://p', slis: [{ name: 'checkout' }] },
      'SLOKIT_E_NOT_AN_SLI',
      'fleetStatus: slis[0]: expected an SLI made by defineSli(); got an object',
    ],
    [
      { prometheus: 'http://p', slis: [checkout], selector: { 'job-name': 'x' } },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: selector: "job-name" is not a Prometheus label name (letters, digits and "_", not starting with a digit or "__")',
    ],
    [
      { prometheus: 'http://p', slis: [checkout], labels: { slokit_sli_name: 'x' } },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: labels: "slokit_sli_name" is set by slokit itself and cannot be given',
    ],
    [
      { prometheus: 'http://p', slis: [checkout], timeout: 2000 },
      'SLOKIT_E_DURATION',
      'fleetStatus: timeout: expected a duration string such as "300ms", "1.5s", "5m", "28d"; got number 2000 (write the unit: "2000ms" or "2000s")',
    ],
    [
      { prometheus: 'http://p', slis: [checkout], at: 'yesterday' },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: at: expected a Date or epoch milliseconds; got string "yesterday"',
    ],
    [
      { prometheus: 'http://p', slis: [checkout], headers: { Authorization: 'Bearer x\r\nHost: evil' } },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: headers.Authorization: expected a string without line breaks; got string "(hidden)"',
    ],
    [
      { prometheus: 'http://p', slis: [checkout], retries: 3 },
      'SLOKIT_E_FLEET_OPTION',
      'fleetStatus: unknown option "retries"; expected only prometheus, slis, selector, labels, minEvents, tiers, timeout, at, headers, signal',
    ],
  ])('rejects %j', async (options, code, message) => {
    const error = await fleetStatus(options as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SlokitDefinitionError);
    expect((error as SlokitDefinitionError).code).toBe(code);
    expect((error as Error).message).toBe(`${message} [${code}]`);
  });
});
