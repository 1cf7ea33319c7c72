import {
  type Attributes,
  type AttributeValue,
  int64Value,
  OTLP_SPANS_PER_RECORD_MAX,
  OtlpError,
  type SpanVisitor,
} from './otlp-span.ts';

/**
 * Reads an OTLP/JSON `ExportTraceServiceRequest` (opentelemetry-proto's "JSON Protobuf Encoding": lowerCamelCase
 * keys, trace and span ids in hex, enums as integers, 64-bit integers as decimal strings or numbers) and hands each
 * span to `visit`. Both shapes real exporters write are read: the Collector's (`"intValue":"1200"`) and the JS
 * SDK's (`"intValue":1200`). A request that is not such an object, or has more than `maxSpans` spans, is refused
 * with `OtlpError` before any span is visited. A span field of the wrong type is read as absent (ids, times) or
 * kept as it came (attribute values), so that the span's own checks name it and the spans around it go on.
 */
export function readJsonRequest(
  text: string,
  visit: SpanVisitor,
  maxSpans: number = OTLP_SPANS_PER_RECORD_MAX,
): void {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (err) {
    throw new OtlpError('bad_otlp', `not OTLP JSON: ${(err as Error).message}`);
  }
  const resourceSpans = listAt(request, 'resourceSpans', '');
  const resources = resourceSpans.map((rs, i) => {
    const at = `resourceSpans[${i}]`;
    const resource = field(rs, 'resource');
    return {
      attributes: resource === undefined ? new Map() : attributesOf(resource),
      spans: listAt(rs, 'scopeSpans', at).flatMap((ss, j) => listAt(ss, 'spans', `${at}.scopeSpans[${j}]`)),
    };
  });
  const total = resources.reduce((n, r) => n + r.spans.length, 0);
  if (total > maxSpans) {
    throw new OtlpError('too_many_spans', `request holds ${total} spans, more than ${maxSpans}`);
  }
  let index = 0;
  for (const { attributes, spans } of resources) {
    for (const span of spans) {
      const status = field(span, 'status');
      visit(
        {
          traceId: hexId(field(span, 'traceId')),
          spanId: hexId(field(span, 'spanId')),
          name: typeof field(span, 'name') === 'string' ? (field(span, 'name') as string) : '',
          startNs: nanos(field(span, 'startTimeUnixNano')),
          endNs: nanos(field(span, 'endTimeUnixNano')),
          error: statusCode(field(status, 'code')) === 2,
          attributes: attributesOf(span),
        },
        attributes,
        index++,
      );
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(v: unknown, key: string): unknown {
  return isObject(v) ? v[key] : undefined;
}

/** `v[key]` as an array of objects: absent or null is empty; anything else is not OTLP JSON. */
function listAt(v: unknown, key: string, at: string): Record<string, unknown>[] {
  const where = at ? `${at}.${key}` : key;
  if (!isObject(v)) throw new OtlpError('bad_otlp', `${at || 'request'}: expected an object`);
  const list = v[key];
  if (list === undefined || list === null) {
    if (at === '') throw new OtlpError('bad_otlp', `not an OTLP JSON request: no "resourceSpans"`);
    return [];
  }
  if (!Array.isArray(list)) throw new OtlpError('bad_otlp', `${where}: expected an array`);
  list.forEach((item, i) => {
    if (!isObject(item)) throw new OtlpError('bad_otlp', `${where}[${i}]: expected an object`);
  });
  return list as Record<string, unknown>[];
}

function attributesOf(holder: unknown): Attributes {
  const out = new Map<string, AttributeValue>();
  const list = field(holder, 'attributes');
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    // An attribute without a key cannot be asked for: it is passed over, and the span is read without it.
    const key = field(kv, 'key');
    if (typeof key === 'string') out.set(key, attributeValue(field(kv, 'value')));
  }
  return out;
}

function attributeValue(v: unknown): AttributeValue {
  if (!isObject(v)) return { otlpType: 'empty' };
  if ('stringValue' in v) return textValue(v.stringValue);
  if ('boolValue' in v) return v.boolValue === true;
  if ('intValue' in v) return intValue(v.intValue);
  if ('doubleValue' in v) return doubleValue(v.doubleValue);
  if ('arrayValue' in v) return { otlpType: 'array' };
  if ('kvlistValue' in v) return { otlpType: 'kvlist' };
  if ('bytesValue' in v) return { otlpType: 'bytes' };
  return { otlpType: 'empty' };
}

/** A string value; a number or boolean in its place as its text, anything else as a value of no known type. */
function textValue(v: unknown): AttributeValue {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return { otlpType: 'empty' };
}

/** An int64 as a decimal string or a number; any other text is kept as it is, for the mapping to refuse. */
function intValue(v: unknown): AttributeValue {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
    return int64Value(BigInt(v));
  }
  return typeof v === 'string' ? v : { otlpType: 'empty' };
}

/** A double, which proto3 JSON may also write as a string ("NaN", "Infinity", "1.5"). */
function doubleValue(v: unknown): AttributeValue {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return typeof v === 'string' ? v : { otlpType: 'empty' };
}

const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A span's time: nanoseconds as a decimal string or a number, within fixed64's range (what protobuf can carry);
 * anything else reads as 0 (absent).
 */
function nanos(v: unknown): bigint {
  let n = 0n;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) n = BigInt(Math.round(v));
  else if (typeof v === 'string' && /^\d{1,20}$/.test(v)) n = BigInt(v);
  return n <= UINT64_MAX ? n : 0n;
}

/** A trace or span id: hex, either case (the spec's JSON mapping); anything else reads as absent. */
function hexId(v: unknown): string {
  return typeof v === 'string' && /^(?:[0-9a-fA-F]{2})+$/.test(v) ? v.toLowerCase() : '';
}

function statusCode(v: unknown): number {
  if (typeof v === 'number') return v;
  // Enums are integers in OTLP JSON; their names are accepted too, as protobuf's JSON mapping allows.
  if (v === 'STATUS_CODE_ERROR') return 2;
  if (v === 'STATUS_CODE_OK') return 1;
  return 0;
}
