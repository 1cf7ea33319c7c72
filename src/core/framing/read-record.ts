import { isUtf8 } from 'node:buffer';
import { gunzipSync, inflateRawSync, inflateSync, constants as zlib } from 'node:zlib';
import { RECORD_LIMITS } from '@tokenledger/client/contract';
import { decodeRecord, type FramedLine, FramingError, gunzipOptions, splitLines } from './record-framing.ts';

/**
 * Every framing a record of the stream may have (docs/contracts.md §3): the client's (one JSON event, or gzip
 * NDJSON) and what the OpenTelemetry Collector's `awskinesis` exporter writes (one OTLP `ExportTraceServiceRequest`,
 * protobuf or JSON, compressed with gzip, zlib, raw deflate or not at all). Told apart by their bytes, never by
 * configuration:
 *
 * - `{`: an OTLP JSON request when its first key is `resourceSpans`, else one client event;
 * - `1f 8b` (gzip): inflated, then OTLP protobuf (first byte `0a`), OTLP JSON, or else the client's NDJSON;
 * - a zlib header (`78 01`, `78 9c`, …): inflated, then OTLP protobuf or JSON;
 * - `0a`: OTLP protobuf (a request's field 1, `resource_spans`);
 * - anything else: raw deflate when it inflates to OTLP protobuf or JSON, else an unknown framing.
 *
 * The size limits are the client's: 1 MiB compressed, 64 MiB inflated. Collectors before mid-2024 ended their
 * compressed records without the stream's trailer; such a record is read when what it inflates to is OTLP.
 */
export type RecordPayload =
  | { kind: 'events'; lines: FramedLine[] }
  | { kind: 'otlp'; encoding: 'proto' | 'json'; compression: OtlpCompression; bytes: Uint8Array };

export type OtlpCompression = 'gzip' | 'zlib' | 'flate' | 'none';

const OPEN_BRACE = 0x7b;
const PROTO_RESOURCE_SPANS = 0x0a;

export function readRecord(data: Uint8Array): RecordPayload {
  if (data.length === 0) throw new FramingError('empty', 'record is empty');
  const b0 = data[0] as number;
  const b1 = data[1] ?? 0;
  if (b0 === OPEN_BRACE && !isOtlpJson(data)) return { kind: 'events', lines: decodeRecord(data) };
  if (b0 === 0x1f && b1 === 0x8b) return readGzip(data);
  if (b0 === OPEN_BRACE || b0 === PROTO_RESOURCE_SPANS) {
    checkSize(data, 'OTLP');
    return otlp(data, 'none');
  }
  checkSize(data, 'compressed');
  if (isZlibHeader(b0, b1)) {
    const inner = inflateOrNull(data, inflateSync);
    if (inner !== null && isOtlp(inner)) return otlp(inner, 'zlib');
  }
  const raw = inflateOrNull(data, inflateRawSync);
  if (raw !== null && isOtlp(raw)) return otlp(raw, 'flate');
  throw new FramingError(
    isZlibHeader(b0, b1) ? 'bad_compression' : 'unknown_framing',
    `record starts with byte 0x${hex(b0)}: not a client event ('{'), gzip (1f 8b), or an OTLP request ` +
      '(protobuf or JSON, plain or compressed with zlib or deflate)',
    // Not a client framing (those start '{' or 1f 8b), and raw deflate has no header: it may be a Collector's
    // record, holding raw end-user ids, so it is not kept.
    false,
  );
}

function otlp(bytes: Uint8Array, compression: OtlpCompression): RecordPayload {
  return { kind: 'otlp', encoding: bytes[0] === OPEN_BRACE ? 'json' : 'proto', compression, bytes };
}

function readGzip(data: Uint8Array): RecordPayload {
  checkSize(data, 'gzip');
  let inner: Buffer;
  try {
    inner = gunzipSync(data, gunzipOptions(data));
  } catch (err) {
    tooLarge(err);
    // A collector's record without the gzip trailer: readable when it holds OTLP, which a client never sends.
    const lenient = inflateOrNull(data, gunzipSync, true);
    if (lenient !== null && isOtlp(lenient)) return otlp(lenient, 'gzip');
    // Kept as it came only when what it holds can be seen to be the client's text: a Collector's gzip may hold raw
    // end-user ids.
    const clientText =
      lenient !== null &&
      lenient[firstNonBlank(lenient)] === OPEN_BRACE &&
      isUtf8(lenient) &&
      !mayBeOtlpJson(lenient);
    throw new FramingError(
      'bad_gzip',
      `gzip record cannot be decompressed: ${(err as Error).message}`,
      clientText,
    );
  }
  // NDJSON may start with blank lines, and a newline is also the first byte of OTLP protobuf: text is NDJSON,
  // unless its first object is an OTLP JSON request (read as such even when it is not all valid UTF-8, so that
  // the refusal keeps none of it).
  const brace = firstNonBlank(inner);
  if (inner[brace] === OPEN_BRACE && isOtlpJson(inner.subarray(brace)))
    return otlp(inner.subarray(brace), 'gzip');
  // One scan of the batch for UTF-8 (the client's hot path), reused below instead of toText's own.
  const utf8 = isUtf8(inner);
  if (inner[0] === PROTO_RESOURCE_SPANS && !(inner[brace] === OPEN_BRACE && utf8)) return otlp(inner, 'gzip');
  if (!utf8) {
    // The client writes UTF-8 only: bytes that are not may be anyone's, so they are not kept.
    throw new FramingError('bad_utf8', 'gzip record does not inflate to UTF-8 text', false);
  }
  return { kind: 'events', lines: splitLines(inner.toString('utf8')) };
}

function checkSize(data: Uint8Array, what: string): void {
  if (data.length > RECORD_LIMITS.recordBytesMax) {
    throw new FramingError(
      'too_large',
      `${what} record is ${data.length} bytes, more than ${RECORD_LIMITS.recordBytesMax}`,
      what === 'gzip',
    );
  }
}

function tooLarge(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
    throw new FramingError(
      'too_large',
      `record inflates to more than ${RECORD_LIMITS.inflatedBytesMax} bytes`,
      false,
    );
  }
}

type Inflate = (data: Uint8Array, options: { maxOutputLength: number; finishFlush?: number }) => Buffer;

/**
 * The inflated bytes, or null when they cannot be had; with `lenient`, a stream missing its end is read as far
 * as it goes. Past the 64 MiB cap it throws `too_large`, whatever the framing.
 */
function inflateOrNull(data: Uint8Array, inflate: Inflate, lenient = false): Buffer | null {
  const options = { maxOutputLength: RECORD_LIMITS.inflatedBytesMax };
  try {
    return inflate(data, lenient ? { ...options, finishFlush: zlib.Z_SYNC_FLUSH } : options);
  } catch (err) {
    tooLarge(err);
    if (!lenient && (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      return inflateOrNull(data, inflate, true);
    }
    return null;
  }
}

/** RFC 1950: deflate (CM 8), a window of at most 32 KiB, a check value, no preset dictionary. */
function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0 && (b1 & 0x20) === 0;
}

function firstNonBlank(bytes: Uint8Array): number {
  let i = 0;
  while (
    i < bytes.length &&
    (bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x20 || bytes[i] === 0x09)
  )
    i++;
  return i;
}

/** Text that names an OTLP request's top-level key anywhere (`"resourceSpans"`, `"resourceLogs"`, …). */
export function mayBeOtlpJson(bytes: Uint8Array | string): boolean {
  const text =
    typeof bytes === 'string'
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return OTLP_KEY.test(text);
}

const OTLP_KEY = /"resource(?:Spans|Logs|Metrics|Profiles)"/;

function isOtlp(bytes: Uint8Array): boolean {
  return bytes[0] === PROTO_RESOURCE_SPANS || isOtlpJson(bytes);
}

/** `{` then, after any whitespace, the key `"resourceSpans"`: the first key of every OTLP JSON trace request. */
function isOtlpJson(bytes: Uint8Array): boolean {
  if (bytes[0] !== OPEN_BRACE) return false;
  let i = 1;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
  )
    i++;
  const key = '"resourceSpans"';
  for (let k = 0; k < key.length; k++) if (bytes[i + k] !== key.charCodeAt(k)) return false;
  return true;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
