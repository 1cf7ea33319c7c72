import protobuf from 'protobufjs/minimal.js';
import {
  type AnyValueMessage,
  type KeyValueMessage,
  type Long,
  opentelemetry,
} from './generated/otlp-trace.js';
import {
  type Attributes,
  type AttributeValue,
  int64Value,
  OTLP_SPANS_PER_RECORD_MAX,
  type OtherValue,
  OtlpError,
  type SpanVisitor,
  toHex,
} from './otlp-span.ts';

const { Reader } = protobuf;
const { Resource } = opentelemetry.proto.resource.v1;
const { Span } = opentelemetry.proto.trace.v1;

/** Field numbers of the three levels above a span (opentelemetry-proto, trace_service.proto and trace.proto). */
const REQUEST_RESOURCE_SPANS = 1;
const RESOURCE_SPANS_RESOURCE = 1;
const RESOURCE_SPANS_SCOPE_SPANS = 2;
const SCOPE_SPANS_SPANS = 2;
const LENGTH_DELIMITED = 2;

type Range = [start: number, end: number];

/**
 * Reads an OTLP/protobuf `ExportTraceServiceRequest` and hands each span to `visit`. The levels above the spans
 * are walked first with protobufjs' reader, without decoding a span: a request with more than `maxSpans` spans is
 * refused before any is decoded, and a span is decoded (by the generated decoder) only when it is visited, so a
 * large request never holds all its spans in memory at once. Throws `OtlpError` for bytes that are not such a
 * request; nothing has been visited when it does so. A span that cannot be decoded is handed to `onBadSpan` (its
 * bytes are bounded by the levels above, so the spans around it still decode), or, without it, throws too.
 */
export function readProtoRequest(
  bytes: Uint8Array,
  visit: SpanVisitor,
  maxSpans: number = OTLP_SPANS_PER_RECORD_MAX,
  onBadSpan?: (index: number, error: OtlpError) => void,
): void {
  let resources: { resource: Range | null; spans: Range[] }[];
  try {
    resources = fieldRanges(bytes, [0, bytes.length], REQUEST_RESOURCE_SPANS).map((rs) => ({
      resource: fieldRanges(bytes, rs, RESOURCE_SPANS_RESOURCE).at(-1) ?? null,
      spans: fieldRanges(bytes, rs, RESOURCE_SPANS_SCOPE_SPANS).flatMap((ss) =>
        fieldRanges(bytes, ss, SCOPE_SPANS_SPANS),
      ),
    }));
  } catch (err) {
    throw new OtlpError(
      'bad_otlp',
      `not an OTLP protobuf ExportTraceServiceRequest: ${(err as Error).message}`,
    );
  }
  const total = resources.reduce((n, r) => n + r.spans.length, 0);
  if (total > maxSpans) {
    throw new OtlpError('too_many_spans', `request holds ${total} spans, more than ${maxSpans}`);
  }
  let index = 0;
  // One reader for the whole request, moved to each message in turn (the decoders read `length` bytes from `pos`).
  const reader = Reader.create(bytes);
  const at = ([start, end]: Range) => {
    reader.pos = start;
    return end - start;
  };
  for (const { resource, spans } of resources) {
    const resourceAttributes = resource
      ? attributesOf(decode(() => Resource.decode(reader, at(resource)), 'resource').attributes)
      : new Map<string, AttributeValue>();
    for (const range of spans) {
      let span: ReturnType<typeof Span.decode>;
      try {
        span = decode(() => Span.decode(reader, at(range)), `span ${index}`);
      } catch (err) {
        // The span's bytes are bounded by the walk above: the spans around it still decode.
        if (!onBadSpan || !(err instanceof OtlpError)) throw err;
        onBadSpan(index++, err);
        continue;
      }
      visit(
        {
          traceId: toHex(span.traceId),
          spanId: toHex(span.spanId),
          name: span.name,
          startNs: unsigned64(span.startTimeUnixNano),
          endNs: unsigned64(span.endTimeUnixNano),
          error: span.status?.code === 2,
          attributes: attributesOf(span.attributes),
        },
        resourceAttributes,
        index++,
      );
    }
  }
}

/** The byte ranges of the length-delimited fields numbered `field` in the message at `range`. */
function fieldRanges(bytes: Uint8Array, [start, end]: Range, field: number): Range[] {
  const reader = Reader.create(bytes.subarray(start, end));
  const out: Range[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag >>> 3 === field && (tag & 7) === LENGTH_DELIMITED) {
      const length = reader.size();
      const from = reader.pos;
      reader.skip(length);
      out.push([start + from, start + from + length]);
    } else {
      reader.skipType(tag & 7, 0, tag >>> 3);
    }
  }
  return out;
}

function decode<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    throw new OtlpError('bad_otlp', `${what} cannot be decoded: ${(err as Error).message}`);
  }
}

const OTHER: Record<OtherValue['otlpType'], OtherValue> = {
  array: { otlpType: 'array' },
  kvlist: { otlpType: 'kvlist' },
  bytes: { otlpType: 'bytes' },
  empty: { otlpType: 'empty' },
};

export function attributesOf(list: readonly KeyValueMessage[]): Attributes {
  const out = new Map<string, AttributeValue>();
  for (const kv of list) out.set(kv.key, attributeValue(kv.value));
  return out;
}

/**
 * The member of the value's oneof that is set. Read field by field: the generated `value` getter lists the
 * message's keys on every call. Unset members are null (on the prototype); the decoder clears the others when it
 * sets one.
 */
function attributeValue(v: AnyValueMessage | null): AttributeValue {
  if (v === null) return OTHER.empty;
  if (v.stringValue !== null) return v.stringValue;
  if (v.intValue !== null) return signed64(v.intValue);
  if (v.doubleValue !== null) return v.doubleValue;
  if (v.boolValue !== null) return v.boolValue;
  if (v.arrayValue !== null) return OTHER.array;
  if (v.kvlistValue !== null) return OTHER.kvlist;
  if (v.bytesValue !== null) return OTHER.bytes;
  // Unset, or a string by index into a dictionary this request cannot carry (profiles only).
  return OTHER.empty;
}

function bits(value: Long): bigint {
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** An int64 attribute (see int64Value). */
function signed64(value: Long | number): number | bigint {
  if (typeof value === 'number') return value;
  return int64Value(BigInt.asIntN(64, bits(value)));
}

function unsigned64(value: Long | number): bigint {
  return typeof value === 'number' ? BigInt(value) : bits(value);
}
