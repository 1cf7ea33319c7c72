/**
 * A span as the OTLP readers hand it to the mapping, the same whichever encoding it came in (protobuf or JSON).
 * Only what the mapping reads is kept: ids, times, status and the attributes.
 */

/** An attribute value that is not a string, a number or a boolean: the mapping reads none of these. */
export interface OtherValue {
  readonly otlpType: 'array' | 'kvlist' | 'bytes' | 'empty';
}

/**
 * An attribute's value: `string`, `boolean`, `number` (an int64 that fits a double exactly, or a double),
 * `bigint` (an int64 beyond 2^53), or one of the kinds the mapping does not read.
 */
export type AttributeValue = string | number | bigint | boolean | OtherValue;

export type Attributes = ReadonlyMap<string, AttributeValue>;

export interface OtlpSpan {
  /** 32 lower-case hex digits; empty when the span has none. */
  traceId: string;
  /** 16 lower-case hex digits; empty when the span has none. */
  spanId: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
  /** The span's status is ERROR (code 2). */
  error: boolean;
  attributes: Attributes;
}

/**
 * Called once per span, in the request's order: `resource` is the attributes of the resource the span belongs
 * to, `index` the span's position in the whole request (0-based, across resources and scopes).
 */
export type SpanVisitor = (span: OtlpSpan, resource: Attributes, index: number) => void;

export class OtlpError extends Error {
  override readonly name = 'OtlpError';
  constructor(
    readonly code: 'bad_otlp' | 'too_many_spans',
    message: string,
  ) {
    super(message);
  }
}

/** Spans one record may hold. A record over it is refused whole before any of its spans is mapped. */
export const OTLP_SPANS_PER_RECORD_MAX = 50_000;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An int64 attribute value: a `number` when a double holds it exactly, else the `bigint` itself. */
export function int64Value(n: bigint): number | bigint {
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}
