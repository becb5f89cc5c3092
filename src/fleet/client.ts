/**
 * A minimal client of the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * instant queries at one evaluation time, through Node's global `fetch`, every request bounded by the
 * caller's deadline. The only code of slokit that calls out over the network.
 */
import { SlokitFleetError } from '../errors.js';

/** One sample of an instant vector: its labels and value. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  /** The value; `NaN`, `Infinity` and `-Infinity` as Prometheus wrote them. */
  readonly value: number;
}

/** Where and how to query. */
export interface PrometheusTarget {
  /** The base URL without credentials, for messages and results. */
  readonly shown: string;
  /** The base URL as fetch takes it (no credentials), ending with `/`. */
  readonly base: URL;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Parses the Prometheus URL: an absolute http(s) URL, possibly with a path prefix
 * (`https://example.com/prometheus`). Credentials in it (`https://user:pass@host`) become a Basic
 * `Authorization` header, since fetch refuses URLs that hold them, and never appear in messages.
 * Returns undefined for anything else.
 */
export function prometheusTarget(
  url: string,
  headers: Readonly<Record<string, string>>,
): PrometheusTarget | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const auth: Record<string, string> = {};
  if (parsed.username !== '' || parsed.password !== '') {
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    // Basic credentials are UTF-8, base64-encoded (RFC 7617).
    const bytes = new TextEncoder().encode(`${user}:${password}`);
    auth.authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
    parsed.username = '';
    parsed.password = '';
  }
  parsed.search = '';
  parsed.hash = '';
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  const shown = parsed.href.replace(/\/$/, '');
  return { shown, base: parsed, headers: { ...auth, ...lowerKeys(headers) } };
}

function lowerKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

// Prometheus writes special values as strings: "NaN", "+Inf", "-Inf" (API docs, "Expression query
// result formats"); Number() reads "NaN" but not the infinities.
function sampleValue(text: unknown): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return typeof text === 'string' ? Number(text) : Number.NaN;
}

/** Longest piece of an unexpected body quoted in an error message. */
const QUOTED = 200;

/**
 * Runs one instant query at `timeSeconds` and returns its vector. Every failure is a
 * {@link SlokitFleetError}: the deadline (`signal`) passed, the connection failed, an HTTP error, a
 * body that is not the API's JSON, a query error, a result that is not a vector.
 */
export async function instantQuery(
  target: PrometheusTarget,
  query: string,
  timeSeconds: number,
  signal: AbortSignal,
  timeoutText: string,
): Promise<VectorSample[]> {
  const url = new URL('api/v1/query', target.base);
  url.searchParams.set('query', query);
  url.searchParams.set('time', timeSeconds.toFixed(3));
  let body: unknown;
  let status: number | undefined;
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...target.headers },
      signal,
    });
    status = response.status;
    const text = await response.text();
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw new SlokitFleetError(
        response.ok ? 'response' : 'http',
        target.shown,
        response.ok
          ? `${target.shown} did not answer like the Prometheus HTTP API (not JSON: ${quote(text)}); is it the Prometheus base URL?`
          : `Prometheus at ${target.shown} answered HTTP ${response.status} ${response.statusText}: ${quote(text)}`,
        { status: response.status },
      );
    }
  } catch (error) {
    throw failure(error, target.shown, signal, timeoutText, status);
  }
  const api = (typeof body === 'object' && body !== null ? body : {}) as {
    status?: unknown;
    errorType?: unknown;
    error?: unknown;
    data?: { resultType?: unknown; result?: unknown };
  };
  if (api.status === 'error') {
    throw new SlokitFleetError(
      'query',
      target.shown,
      `Prometheus at ${target.shown} refused the query ${query}: ${String(api.errorType)}: ${String(api.error)}`,
      { status },
    );
  }
  if (status < 200 || status > 299 || api.status !== 'success') {
    throw new SlokitFleetError(
      status < 200 || status > 299 ? 'http' : 'response',
      target.shown,
      `Prometheus at ${target.shown} answered HTTP ${status} without a result: ${quote(JSON.stringify(body))}`,
      { status },
    );
  }
  if (api.data?.resultType !== 'vector' || !Array.isArray(api.data.result)) {
    throw new SlokitFleetError(
      'response',
      target.shown,
      `Prometheus at ${target.shown} answered the query ${query} without a vector (resultType ${JSON.stringify(api.data?.resultType) ?? 'missing'})`,
      { status },
    );
  }
  const samples: VectorSample[] = [];
  for (const item of api.data.result as unknown[]) {
    // A sample is { metric: { label: value }, value: [time, "value"] } (API docs, "Instant vectors").
    const sample = (typeof item === 'object' && item !== null ? item : {}) as {
      metric?: unknown;
      value?: unknown;
    };
    const metric = sample.metric;
    const pair = sample.value;
    if (
      typeof metric !== 'object' ||
      metric === null ||
      Array.isArray(metric) ||
      !Object.values(metric).every((v) => typeof v === 'string') ||
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[1] !== 'string'
    ) {
      throw new SlokitFleetError(
        'response',
        target.shown,
        `Prometheus at ${target.shown} answered the query ${query} with a sample that is not { metric, value: [time, "value"] }: ${quote(JSON.stringify(item) ?? String(item))}`,
        { status },
      );
    }
    samples.push({ metric: metric as Record<string, string>, value: sampleValue(pair[1]) });
  }
  return samples;
}

function failure(
  error: unknown,
  shown: string,
  signal: AbortSignal,
  timeoutText: string,
  status: number | undefined,
): SlokitFleetError {
  if (error instanceof SlokitFleetError) return error;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return timedOut
      ? new SlokitFleetError(
          'timeout',
          shown,
          `Prometheus at ${shown} did not answer within ${timeoutText}`,
          {
            cause: error,
          },
        )
      : new SlokitFleetError('aborted', shown, `the query of Prometheus at ${shown} was aborted`, {
          cause: reason,
        });
  }
  // undici reports network failures as TypeError("fetch failed") with the system error as cause.
  const cause = (error as { cause?: unknown }).cause;
  const detail =
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  // With the status line read, the connection broke while the body came: a crash, a proxy's cut.
  return status === undefined
    ? new SlokitFleetError('unreachable', shown, `cannot reach Prometheus at ${shown}: ${detail}`, {
        cause: error,
      })
    : new SlokitFleetError(
        'unreachable',
        shown,
        `Prometheus at ${shown} broke off its answer (HTTP ${status}) before the end: ${detail}`,
        { cause: error, status },
      );
}

function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > QUOTED ? `${line.slice(0, QUOTED)}…` : line);
}
