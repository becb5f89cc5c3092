// Should the SDK's OTLP/JSON serialiser ever stop writing `{"resourceSpans":[` … `]}` exactly, the
// exporter cannot join its slices: it must then send the batch whole, as the SDK would, still as
// one request, and lose no span. Here the serialiser writes indented JSON, which is valid OTLP/JSON
// that the join does not recognise.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type * as Transformer from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect, it, vi } from 'vitest';
import { OtlpTraceExporter, SERIALISE_SLICE } from '../../src/setup/otlp-trace-exporter.js';

const calls = vi.hoisted(() => ({ sizes: [] as number[] }));

vi.mock('@opentelemetry/otlp-transformer', async (importOriginal) => {
  const real = await importOriginal<typeof Transformer>();
  return {
    ...real,
    JsonTraceSerializer: {
      serializeRequest: (spans: ReadableSpan[]) => {
        calls.sizes.push(spans.length);
        const compact = real.JsonTraceSerializer.serializeRequest(spans);
        if (compact === undefined) return undefined;
        return Buffer.from(JSON.stringify(JSON.parse(Buffer.from(compact).toString('utf8')), null, 1));
      },
      deserializeResponse: (data: Uint8Array) => real.JsonTraceSerializer.deserializeResponse(data),
    },
  };
});

it('sends the batch whole, as one request with every span, when the slices cannot be joined', async () => {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('fallback');
  for (let i = 0; i < 150; i++) tracer.startSpan(`work ${i}`, { attributes: { n: i } }).end();
  const spans = memory.getFinishedSpans();

  const bodies: Buffer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  try {
    const exporter = new OtlpTraceExporter('http/json', { url });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    // Three slices were tried (64 + 64 + 22), then the batch was serialised whole.
    expect(calls.sizes).toEqual([SERIALISE_SLICE, SERIALISE_SLICE, 150 - 2 * SERIALISE_SLICE, 150]);
    // One request, byte for byte what the serialiser makes of the whole batch.
    expect(bodies).toEqual([Buffer.from(JsonTraceSerializer.serializeRequest(spans)!)]);
    const sent = JSON.parse(bodies[0]!.toString('utf8')) as {
      resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
    };
    expect(sent.resourceSpans).toHaveLength(1);
    expect(sent.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)).toEqual(spans.map((s) => s.name));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
