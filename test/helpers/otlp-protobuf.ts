// A decoder of OTLP/protobuf export requests for the test receiver, written from the protobuf wire
// format and the OTLP .proto files (opentelemetry-proto v1: collector/{trace,metrics}/v1,
// trace/v1/trace.proto, metrics/v1/metrics.proto, common/v1/common.proto), sharing no code with the
// exporters' encoder. It turns the bytes into the shapes the OTLP/JSON encoding has (ids as hex, 64-bit
// integers as decimal strings), so one set of readers serves both encodings.

type Json = Record<string, unknown>;

/** One field as read off the wire: its number, wire type and payload. */
interface Field {
  readonly no: number;
  readonly wire: number;
  /** Varint (0) as bigint, fixed64 (1) and fixed32 (5) as their bytes, length-delimited (2) as bytes. */
  readonly value: bigint | Uint8Array;
}

function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new Error('protobuf: truncated varint');
      const byte = bytes[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) throw new Error('protobuf: truncated field');
    const slice = bytes.subarray(at, at + n);
    at += n;
    return slice;
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 1) out.push({ no, wire, value: take(8) });
    else if (wire === 2) out.push({ no, wire, value: take(Number(varint())) });
    else if (wire === 5) out.push({ no, wire, value: take(4) });
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const text = (v: bigint | Uint8Array) => Buffer.from(v as Uint8Array).toString('utf8');
const hex = (v: bigint | Uint8Array) => Buffer.from(v as Uint8Array).toString('hex');
const fixed64 = (v: bigint | Uint8Array) =>
  view(v as Uint8Array)
    .getBigUint64(0, true)
    .toString();
const sfixed64 = (v: bigint | Uint8Array) =>
  view(v as Uint8Array)
    .getBigInt64(0, true)
    .toString();
const double = (v: bigint | Uint8Array) => view(v as Uint8Array).getFloat64(0, true);
const int64 = (v: bigint | Uint8Array) => BigInt.asIntN(64, v as bigint).toString();
const uint = (v: bigint | Uint8Array) => Number(v);

/** Reads a message: `schema[fieldNo] = [jsonName, read, repeated?]`; unknown fields are skipped. */
type Schema = Readonly<Record<number, readonly [string, (v: bigint | Uint8Array) => unknown, boolean?]>>;

function message(schema: Schema): (v: bigint | Uint8Array) => Json {
  return (v) => {
    const out: Json = {};
    for (const f of fields(v as Uint8Array)) {
      const entry = schema[f.no];
      if (entry === undefined) continue;
      const [name, read, repeated] = entry;
      if (repeated) ((out[name] ??= []) as unknown[]).push(read(f.value));
      else out[name] = read(f.value);
    }
    return out;
  };
}

// common/v1/common.proto
const keyValue = (v: bigint | Uint8Array): Json => KeyValue(v);
const anyValue = (v: bigint | Uint8Array): Json => AnyValue(v);
const AnyValue = message({
  1: ['stringValue', text],
  2: ['boolValue', (v) => v === 1n],
  3: ['intValue', int64],
  4: ['doubleValue', double],
  5: ['arrayValue', message({ 1: ['values', anyValue, true] })],
  6: ['kvlistValue', message({ 1: ['values', keyValue, true] })],
  7: ['bytesValue', hex],
});
const KeyValue = message({ 1: ['key', text], 2: ['value', anyValue] });
const Resource = message({ 1: ['attributes', keyValue, true], 2: ['droppedAttributesCount', uint] });
const Scope = message({ 1: ['name', text], 2: ['version', text], 3: ['attributes', keyValue, true] });

// trace/v1/trace.proto
const Span = message({
  1: ['traceId', hex],
  2: ['spanId', hex],
  3: ['traceState', text],
  4: ['parentSpanId', hex],
  5: ['name', text],
  6: ['kind', uint],
  7: ['startTimeUnixNano', fixed64],
  8: ['endTimeUnixNano', fixed64],
  9: ['attributes', keyValue, true],
  10: ['droppedAttributesCount', uint],
  11: [
    'events',
    message({ 1: ['timeUnixNano', fixed64], 2: ['name', text], 3: ['attributes', keyValue, true] }),
    true,
  ],
  12: ['droppedEventsCount', uint],
  15: ['status', message({ 2: ['message', text], 3: ['code', uint] })],
});
const ExportTraceServiceRequest = message({
  1: [
    'resourceSpans',
    message({
      1: ['resource', Resource],
      2: ['scopeSpans', message({ 1: ['scope', Scope], 2: ['spans', Span, true] }), true],
    }),
    true,
  ],
});

// metrics/v1/metrics.proto
const NumberDataPoint = message({
  7: ['attributes', keyValue, true],
  2: ['startTimeUnixNano', fixed64],
  3: ['timeUnixNano', fixed64],
  4: ['asDouble', double],
  6: ['asInt', sfixed64],
});
const HistogramDataPoint = message({
  9: ['attributes', keyValue, true],
  2: ['startTimeUnixNano', fixed64],
  3: ['timeUnixNano', fixed64],
  4: ['count', fixed64],
  5: ['sum', double],
});
const Metric = message({
  1: ['name', text],
  2: ['description', text],
  3: ['unit', text],
  5: ['gauge', message({ 1: ['dataPoints', NumberDataPoint, true] })],
  7: [
    'sum',
    message({
      1: ['dataPoints', NumberDataPoint, true],
      2: ['aggregationTemporality', uint],
      3: ['isMonotonic', (v) => v === 1n],
    }),
  ],
  9: [
    'histogram',
    message({ 1: ['dataPoints', HistogramDataPoint, true], 2: ['aggregationTemporality', uint] }),
  ],
});
const ExportMetricsServiceRequest = message({
  1: [
    'resourceMetrics',
    message({
      1: ['resource', Resource],
      2: ['scopeMetrics', message({ 1: ['scope', Scope], 2: ['metrics', Metric, true] }), true],
    }),
    true,
  ],
});

/** An `ExportTraceServiceRequest` in its OTLP/JSON shape. Throws on bytes that are no protobuf. */
export function decodeTraceRequest(bytes: Uint8Array): Json {
  return ExportTraceServiceRequest(bytes);
}

/** An `ExportMetricsServiceRequest` in its OTLP/JSON shape. Throws on bytes that are no protobuf. */
export function decodeMetricsRequest(bytes: Uint8Array): Json {
  return ExportMetricsServiceRequest(bytes);
}
