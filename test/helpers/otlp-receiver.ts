// An OTLP/HTTP receiver on 127.0.0.1 for tests: it decodes exactly what the real OTel exporters send
// (POST /v1/traces, /v1/metrics), as JSON (`application/json`) or protobuf
// (`application/x-protobuf`), into flat spans and data points, and can be told to misbehave like a
// collector in trouble: refuse connections, hang, answer late, or answer 429/500/503.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeMetricsRequest, decodeTraceRequest } from './otlp-protobuf.js';

/** An OTLP attribute value as decoded: strings, numbers, booleans and arrays of them (a key-value list as JSON). */
export type Value = string | number | boolean | null | Value[];

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Readonly<Record<string, Value>>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly events: readonly { name: string; attributes: Readonly<Record<string, Value>> }[];
  readonly resource: Readonly<Record<string, Value>>;
  readonly scope: { readonly name: string; readonly version: string | undefined };
}

export interface ReceivedPoint {
  readonly metric: string;
  readonly unit: string;
  readonly type: 'sum' | 'gauge' | 'histogram' | 'other';
  readonly isMonotonic: boolean | undefined;
  /** 1 delta, 2 cumulative. */
  readonly temporality: number | undefined;
  readonly attributes: Readonly<Record<string, Value>>;
  readonly value: number;
  readonly timeUnixNano: bigint;
  readonly resource: Readonly<Record<string, Value>>;
  readonly scope: { readonly name: string; readonly version: string | undefined };
  /** Which export request (0-based, in arrival order) carried it. */
  readonly request: number;
}

/** One POST as it arrived. */
export interface ReceivedRequest {
  readonly path: string;
  /** The status answered; undefined while hanging. */
  status: number | undefined;
  readonly contentType: string | undefined;
  readonly headers: Readonly<http.IncomingHttpHeaders>;
}

/** How the receiver answers: normally, or like a collector in trouble. */
export type ReceiverMode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: 429 | 500 | 503 }
  | { readonly kind: 'hang' }
  | { readonly kind: 'delay'; readonly ms: number };

export interface OtlpReceiver {
  readonly port: number;
  /** The base URL to give an exporter: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Spans accepted (answered 200) so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** Metric data points accepted so far, in arrival order. */
  points(): ReceivedPoint[];
  /** The data points of `metric` from the latest accepted metrics request that carried it. */
  latestPoints(metric: string): ReceivedPoint[];
  /** Every POST that arrived, accepted or not: path and status answered (undefined while hanging). */
  requests(): ReceivedRequest[];
  /**
   * Changes how the receiver answers from now on: to requests for `path` only (default: both), and
   * for the next `times` requests only (default: until changed again), after which it answers normally.
   */
  setMode(mode: ReceiverMode, options?: { path?: '/v1/traces' | '/v1/metrics'; times?: number }): void;
  /** Stops listening, so exporters get ECONNREFUSED; `resume()` listens again on the same port. */
  refuse(): Promise<void>;
  resume(): Promise<void>;
  /** Resolves when `predicate` holds, checking every 20 ms; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

// The OTLP/JSON shapes, as far as the receiver reads them.
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: string | number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface Scope {
  name?: string;
  version?: string;
}
interface Resource {
  attributes?: KeyValue[];
}
interface TracesBody {
  resourceSpans?: {
    resource?: Resource;
    scopeSpans?: {
      scope?: Scope;
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: KeyValue[];
        status?: { code?: number };
        events?: { name: string; attributes?: KeyValue[] }[];
      }[];
    }[];
  }[];
}
interface NumberPoint {
  attributes?: KeyValue[];
  timeUnixNano?: string | number;
  asInt?: string | number;
  asDouble?: string | number;
  count?: string | number;
}
interface MetricsBody {
  resourceMetrics?: {
    resource?: Resource;
    scopeMetrics?: {
      scope?: Scope;
      metrics?: {
        name: string;
        unit?: string;
        sum?: { dataPoints?: NumberPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
        gauge?: { dataPoints?: NumberPoint[] };
        histogram?: { dataPoints?: NumberPoint[]; aggregationTemporality?: number };
      }[];
    }[];
  }[];
}

function decodeValue(v: AnyValue | undefined): Value {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  // The JSON encoding may write 64-bit integers as strings.
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeValue);
  if (v.kvlistValue !== undefined) return JSON.stringify(decodeAttributes(v.kvlistValue.values));
  return null;
}

function decodeAttributes(list: KeyValue[] | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const { key, value } of list ?? []) out[key] = decodeValue(value);
  return out;
}

const nanos = (v: string | number | undefined): bigint => BigInt(v ?? 0);
const scopeOf = (scope: Scope | undefined) => ({ name: scope?.name ?? '', version: scope?.version });

// The exporters send trace and span ids as hex strings in JSON (not base64 as protobuf-JSON would).
function decodeTraces(body: TracesBody, into: ReceivedSpan[]): void {
  for (const rs of body.resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = scopeOf(ss.scope);
      for (const s of ss.spans ?? []) {
        into.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId === undefined || s.parentSpanId === '' ? undefined : s.parentSpanId,
          name: s.name,
          kind: Number(s.kind),
          startTimeUnixNano: nanos(s.startTimeUnixNano),
          endTimeUnixNano: nanos(s.endTimeUnixNano),
          attributes: decodeAttributes(s.attributes),
          statusCode: Number(s.status?.code ?? 0),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: decodeAttributes(e.attributes) })),
          resource,
          scope,
        });
      }
    }
  }
}

function decodeMetrics(body: MetricsBody, request: number, into: ReceivedPoint[]): void {
  for (const rm of body.resourceMetrics ?? []) {
    const resource = decodeAttributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = scopeOf(sm.scope);
      for (const m of sm.metrics ?? []) {
        const [type, data] =
          m.sum !== undefined
            ? (['sum', m.sum] as const)
            : m.gauge !== undefined
              ? (['gauge', m.gauge] as const)
              : m.histogram !== undefined
                ? (['histogram', m.histogram] as const)
                : (['other', undefined] as const);
        for (const p of data?.dataPoints ?? []) {
          into.push({
            metric: m.name,
            unit: m.unit ?? '',
            type,
            isMonotonic: m.sum?.isMonotonic,
            temporality: m.sum?.aggregationTemporality ?? m.histogram?.aggregationTemporality,
            attributes: decodeAttributes(p.attributes),
            value: Number(p.asInt ?? p.asDouble ?? p.count ?? Number.NaN),
            timeUnixNano: nanos(p.timeUnixNano),
            resource,
            scope,
            request,
          });
        }
      }
    }
  }
}

/** Starts a receiver on 127.0.0.1 (a free port unless `port` is given). */
export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const requests: ReceivedRequest[] = [];
  let metricRequests = 0;
  // The latest rule per path ('*' for both); a rule with `times` expires after that many requests.
  const rules = new Map<string, { mode: ReceiverMode; times: number | undefined }>();
  const modeFor = (path: string): ReceiverMode => {
    const key = rules.has(path) ? path : '*';
    const rule = rules.get(key);
    if (rule === undefined) return { kind: 'ok' };
    if (rule.times !== undefined && --rule.times <= 0) rules.delete(key);
    return rule.mode;
  };
  const held = new Set<http.ServerResponse>();
  const sockets = new Set<Socket>();

  const answer = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    entry: ReceivedRequest,
  ) => {
    const mode = modeFor(entry.path);
    if (mode.kind === 'status') {
      entry.status = mode.status;
      res.statusCode = mode.status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ code: mode.status, message: 'receiver told to fail' }));
      return;
    }
    const accept = () => {
      const path = (req.url ?? '').split('?')[0];
      const protobuf = entry.contentType === 'application/x-protobuf';
      let parsed: unknown;
      try {
        parsed = protobuf
          ? path === '/v1/metrics'
            ? decodeMetricsRequest(body)
            : decodeTraceRequest(body)
          : JSON.parse(body.toString('utf8'));
      } catch {
        entry.status = 400;
        res.statusCode = 400;
        res.end(protobuf ? 'not OTLP protobuf' : 'not JSON');
        return;
      }
      if (path === '/v1/traces') decodeTraces(parsed as TracesBody, spans);
      else if (path === '/v1/metrics') decodeMetrics(parsed as MetricsBody, metricRequests++, points);
      else {
        entry.status = 404;
        res.statusCode = 404;
        res.end();
        return;
      }
      entry.status = 200;
      res.statusCode = 200;
      // An empty Export*ServiceResponse, in the encoding of the request.
      res.setHeader('content-type', protobuf ? 'application/x-protobuf' : 'application/json');
      res.end(protobuf ? '' : '{}');
    };
    if (mode.kind === 'hang') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (mode.kind === 'delay') {
      const timer = setTimeout(accept, mode.ms);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    accept();
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: ReceivedRequest = {
        path: (req.url ?? '').split('?')[0]!,
        status: undefined,
        contentType: req.headers['content-type'],
        headers: req.headers,
      };
      requests.push(entry);
      answer(req, res, Buffer.concat(chunks), entry);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const actualPort = await listen(port);
  const stopListening = async () => {
    for (const res of held) res.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    spans: () => [...spans],
    points: () => [...points],
    latestPoints(metric) {
      const withMetric = points.filter((p) => p.metric === metric);
      const last = withMetric.reduce((max, p) => Math.max(max, p.request), -1);
      return withMetric.filter((p) => p.request === last);
    },
    requests: () => requests.map((r) => ({ ...r })),
    setMode(next, options = {}) {
      // A mode for both paths replaces the per-path ones.
      if (options.path === undefined) rules.clear();
      rules.set(options.path ?? '*', { mode: next, times: options.times });
    },
    refuse: stopListening,
    async resume() {
      await listen(actualPort);
    },
    async waitFor(predicate, timeoutMs = 10_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(`OTLP receiver: timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    reset() {
      rules.clear();
      spans.length = 0;
      points.length = 0;
      requests.length = 0;
    },
    async close() {
      if (server.listening) await stopListening();
    },
  };
}
