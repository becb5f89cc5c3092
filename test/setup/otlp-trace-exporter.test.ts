// startTelemetry()'s span exporter sends a batch as one OTLP/HTTP request whose body it serialised
// a slice of 64 spans per turn: the request carries exactly the spans, resources and scopes the
// SDK's own serialiser would put in it, in JSON and in protobuf, one ResourceSpans per slice.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpTraceExporter, SERIALISE_SLICE } from '../../src/setup/otlp-trace-exporter.js';
import { decodeTraceRequest } from '../helpers/otlp-protobuf.js';

interface Body {
  resourceSpans: { resource: unknown; scopeSpans: { scope: unknown; spans: { spanId: string }[] }[] }[];
}

/** 200 finished spans from two tracers, with events, links, statuses and attributes of every type. */
function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'slices', 'service.version': '1.2.3' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracers = [provider.getTracer('slokit', '0.1.0'), provider.getTracer('db')];
  let previous: ReadableSpan | undefined;
  for (let i = 0; i < 200; i++) {
    const span = tracers[i % 7 === 0 ? 1 : 0]!.startSpan(`work ${i}`, {
      kind: i % 3 === 0 ? SpanKind.SERVER : SpanKind.INTERNAL,
      attributes: { 'url.path': `/users/${i}`, n: i, ratio: i / 7, ok: i % 2 === 0, tags: ['a', `é${i}`] },
      links:
        previous === undefined ? [] : [{ context: previous.spanContext(), attributes: { why: 'retry' } }],
    });
    if (i % 5 === 0) span.addEvent('exception', { 'exception.message': `"quoted" \\ ${i}` });
    if (i % 11 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
    span.end();
    previous = memory.getFinishedSpans().at(-1);
  }
  return memory.getFinishedSpans();
}

/** Each span with the resource and scope it was sent under, by span id. */
function flatten(body: Body): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const rs of body.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) out.set(span.spanId, { resource: rs.resource, scope: ss.scope, span });
    }
  }
  return out;
}

describe('OtlpTraceExporter', () => {
  let server: http.Server;
  let url = '';
  const bodies: { contentType: string | undefined; body: Buffer }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        bodies.push({ contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.setHeader('content-type', req.headers['content-type'] ?? 'application/json');
        res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const protocols = [
    {
      protocol: 'http/json' as const,
      contentType: 'application/json',
      decode: (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Body,
      whole: (spans: ReadableSpan[]) => JsonTraceSerializer.serializeRequest(spans)!,
    },
    {
      protocol: 'http/protobuf' as const,
      contentType: 'application/x-protobuf',
      decode: (bytes: Uint8Array) => decodeTraceRequest(bytes) as unknown as Body,
      whole: (spans: ReadableSpan[]) => ProtobufTraceSerializer.serializeRequest(spans)!,
    },
  ];

  it.each(protocols)(
    '$protocol: one request per batch, holding what the SDK would send, a ResourceSpans per slice',
    async ({ protocol, contentType, decode, whole }) => {
      bodies.length = 0;
      const spans = makeSpans();
      const exporter = new OtlpTraceExporter(protocol, { url });
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      await exporter.shutdown();

      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]!.contentType).toBe(contentType);
      const sent = decode(bodies[0]!.body);
      // 64 + 64 + 64 + 8 spans, each slice a ResourceSpans of its own with the same resource.
      expect(sent.resourceSpans).toHaveLength(Math.ceil(200 / SERIALISE_SLICE));
      expect(sent.resourceSpans.map((rs) => rs.scopeSpans.reduce((n, ss) => n + ss.spans.length, 0))).toEqual(
        [64, 64, 64, 8],
      );
      const expected = flatten(decode(whole(spans)));
      expect(expected.size).toBe(200);
      expect(flatten(sent)).toEqual(expected);
    },
  );

  it.each(protocols)(
    '$protocol: a batch of one slice or less goes out as the SDK serialises it',
    async ({ protocol, whole }) => {
      bodies.length = 0;
      const spans = makeSpans().slice(0, SERIALISE_SLICE);
      const exporter = new OtlpTraceExporter(protocol, { url });
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(bodies.map((b) => b.body)).toEqual([Buffer.from(whole(spans))]);
    },
  );

  it('reports a batch the collector refuses as failed, once', async () => {
    const refusing = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = 400;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const port = (refusing.address() as AddressInfo).port;
    const exporter = new OtlpTraceExporter('http/json', { url: `http://127.0.0.1:${port}/v1/traces` });
    const results: ExportResult[] = [];
    await new Promise<void>((resolve) =>
      exporter.export(makeSpans(), (r) => {
        results.push(r);
        resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await exporter.shutdown();
    await new Promise((resolve) => refusing.close(resolve));
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.FAILED]);
  });
});
