import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import type { OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http';
import {
  JsonTraceSerializer,
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
} from '@opentelemetry/otlp-transformer';
import type { IExportTraceServiceResponse, ISerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpProtocol } from './options.js';

/** The most spans serialised in one turn of the event loop. */
export const SERIALISE_SLICE = 64;

/** The opening and closing of the SDK's OTLP/JSON request: `{"resourceSpans":[` … `]}`. */
const JSON_OPEN = Buffer.from('{"resourceSpans":[');
const JSON_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/**
 * The OTLP/HTTP span exporter of `startTelemetry()`: the SDK's transport (headers, timeout,
 * retries with backoff, compression, the standard environment variables) and serialisers, with
 * one difference in how a batch becomes a request.
 *
 * Serialising a span costs a few microseconds, so a batch of 512 serialised at once holds the
 * event loop for milliseconds, and any request arriving meanwhile waits. Sending a batch as several
 * smaller requests is no answer: each export request costs CPU of its own (measured: 512 spans took
 * 17.5 µs of CPU per span as eight requests of 64, 10.7 µs as one request of 512). So a
 * batch is serialised a slice of {@link SERIALISE_SLICE} spans per turn of the event loop and sent
 * as one request whose body joins the slices:
 *
 * - protobuf: serialised `ExportTraceServiceRequest` messages concatenated are one message with
 *   every slice's `resource_spans` (the protobuf encoding's merge rule for repeated fields);
 * - JSON: the slices' `resourceSpans` arrays are joined into one array.
 *
 * Either way the request holds one `ResourceSpans` per slice, each with the same resource, which
 * OTLP allows and receivers read as they read one. Should the SDK's JSON ever stop starting and
 * ending as it does now, the batch is serialised whole, as the SDK would.
 */
export class OtlpTraceExporter implements SpanExporter {
  private readonly base: OTLPExporterBase<ReadableSpan[]>;
  private readonly serializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse>;
  /** Bodies serialised ahead, by batch, for the delegate's call of `serializeRequest`. */
  private readonly prepared = new WeakMap<ReadableSpan[], Uint8Array>();

  constructor(
    private readonly protocol: OtlpProtocol,
    config: OTLPExporterNodeConfigBase,
  ) {
    this.serializer = protocol === 'http/protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
    const contentType = protocol === 'http/protobuf' ? 'application/x-protobuf' : 'application/json';
    const serializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
      serializeRequest: (spans) => {
        const body = this.prepared.get(spans);
        if (body === undefined) return this.serializer.serializeRequest(spans);
        this.prepared.delete(spans);
        return body;
      },
      deserializeResponse: (data) => this.serializer.deserializeResponse(data),
    };
    this.base = new OTLPExporterBase(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': contentType }),
        serializer,
        'otlp_http_span_exporter',
        TraceExporterMetricsHelper,
        undefined,
      ),
    );
  }

  /**
   * Serialises the first slice now and each next one in a turn of its own, then sends the batch.
   * Call it from a turn of its own too (the pipeline does), not from the end of a request.
   */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (spans.length <= SERIALISE_SLICE) {
      this.base.export(spans, resultCallback);
      return;
    }
    const slices: Uint8Array[] = [];
    const serialiseFrom = (start: number): void => {
      let body: Uint8Array | undefined;
      try {
        const slice = this.serializer.serializeRequest(spans.slice(start, start + SERIALISE_SLICE));
        if (slice === undefined) throw new Error('the OTLP serialiser returned nothing');
        slices.push(slice);
        if (start + SERIALISE_SLICE < spans.length) {
          setImmediate(serialiseFrom, start + SERIALISE_SLICE);
          return;
        }
        body = this.join(slices);
      } catch (error) {
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
        return;
      }
      // Without a joined body (an unexpected JSON shape) the delegate serialises the batch whole.
      if (body !== undefined) this.prepared.set(spans, body);
      this.base.export(spans, resultCallback);
    };
    serialiseFrom(0);
  }

  /** One request body from the slices' bodies; undefined if their JSON is not as expected. */
  private join(slices: readonly Uint8Array[]): Uint8Array | undefined {
    if (this.protocol === 'http/protobuf') return Buffer.concat(slices);
    const inner: Uint8Array[] = [JSON_OPEN];
    for (const slice of slices) {
      const bytes = Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength);
      const end = bytes.length - JSON_CLOSE.length;
      if (
        end <= JSON_OPEN.length ||
        !bytes.subarray(0, JSON_OPEN.length).equals(JSON_OPEN) ||
        !bytes.subarray(end).equals(JSON_CLOSE)
      ) {
        return undefined;
      }
      if (inner.length > 1) inner.push(COMMA);
      inner.push(bytes.subarray(JSON_OPEN.length, end));
    }
    inner.push(JSON_CLOSE);
    return Buffer.concat(inner);
  }

  forceFlush(): Promise<void> {
    return this.base.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.base.shutdown();
  }
}
