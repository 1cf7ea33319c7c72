import { isUtf8 } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import { EVENT_LIMITS, RECORD_LIMITS } from '@tokenledger/client/contract';

/**
 * Kinesis record framing (docs/contracts.md §3): a record's data is one event as UTF-8 JSON (first byte `{`),
 * or a gzip of NDJSON events (first bytes 1f 8b), at most 1 MiB compressed.
 */

/** One event's text as it came out of a record, before JSON parsing. */
export interface FramedLine {
  /** 0-based position of the event inside its record. */
  index: number;
  text: string;
}

export class FramingError extends Error {
  override readonly name = 'FramingError';
  constructor(
    readonly code: 'empty' | 'unknown_framing' | 'bad_gzip' | 'bad_compression' | 'bad_utf8' | 'too_large',
    message: string,
    /**
     * Whether the record's bytes may be quarantined as they are: true for the client's framings, whose events
     * carry only hashed user ids; false for what may be an OTLP request, which can hold raw end-user ids.
     */
    readonly keepRaw = true,
  ) {
    super(message);
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const OPEN_BRACE = 0x7b;

/**
 * Splits a record into its events' texts. Throws only `FramingError`, for a record that cannot be read at
 * all (unknown first byte, broken gzip, invalid UTF-8); a bad event inside a good record is not its concern.
 */
export function decodeRecord(data: Uint8Array): FramedLine[] {
  if (data.length === 0) throw new FramingError('empty', 'record is empty');
  if (data[0] === OPEN_BRACE) return [{ index: 0, text: toText(data) }];
  if (data[0] === GZIP_MAGIC_0 && data[1] === GZIP_MAGIC_1) {
    if (data.length > RECORD_LIMITS.recordBytesMax) {
      throw new FramingError(
        'too_large',
        `gzip record is ${data.length} bytes, more than ${RECORD_LIMITS.recordBytesMax}`,
      );
    }
    let plain: Buffer;
    try {
      plain = gunzipSync(data, gunzipOptions(data));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new FramingError(
          'too_large',
          `gzip record inflates to more than ${RECORD_LIMITS.inflatedBytesMax} bytes`,
        );
      }
      throw new FramingError('bad_gzip', `gzip record cannot be decompressed: ${(err as Error).message}`);
    }
    return splitLines(toText(plain));
  }
  throw new FramingError(
    'unknown_framing',
    `record starts with byte 0x${data[0]?.toString(16).padStart(2, '0')}, expected '{' or gzip (1f 8b)`,
  );
}

/** The largest output buffer a gzip record's stated size may ask for: larger records inflate in 4 MiB pieces. */
const GUNZIP_CHUNK_MAX = 4 * 1024 * 1024;

/**
 * Options for inflating a gzip record: the size cap, and an output buffer of the size the gzip trailer states
 * (ISIZE, the last member's size mod 2^32), so that a record inflates in one piece instead of 16 KiB pieces
 * joined after (about a fifth of the inflate's time for a 150 KB record, docs/benchmarks.md, ingest). The
 * stated size is only a hint: a wrong one costs pieces, never bytes, and it is capped, so a record cannot make
 * the consumer allocate more than 4 MiB up front.
 */
export function gunzipOptions(data: Uint8Array): { maxOutputLength: number; chunkSize?: number } {
  const maxOutputLength = RECORD_LIMITS.inflatedBytesMax;
  const n = data.length;
  if (n < 18) return { maxOutputLength };
  const stated =
    ((data[n - 4] as number) | ((data[n - 3] as number) << 8) | ((data[n - 2] as number) << 16)) +
    (data[n - 1] as number) * 2 ** 24;
  return { maxOutputLength, chunkSize: Math.min(Math.max(stated + 1, 64), GUNZIP_CHUNK_MAX) };
}

export function toText(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) throw new FramingError('bad_utf8', 'record is not valid UTF-8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function splitLines(text: string): FramedLine[] {
  const out: FramedLine[] = [];
  let index = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    if (line.trim().length > 0) out.push({ index, text: line });
    index++;
    start = end + 1;
  }
  return out;
}

/** Serialises one event to its NDJSON line; `null` when it is over the 32 KiB limit. */
export function serialiseEvent(event: object): string | null {
  const text = JSON.stringify(event);
  return Buffer.byteLength(text, 'utf8') > EVENT_LIMITS.eventBytesMax ? null : text;
}

/** A framed record and how many events it holds. */
export interface EncodedRecord {
  data: Buffer;
  events: number;
}

/**
 * Packs serialised events into gzip NDJSON records of at most `maxRecordBytes` compressed each.
 * Events are kept in order; a record that would be too large is split in half until it fits.
 */
export function encodeBatch(
  lines: readonly string[],
  maxRecordBytes: number = RECORD_LIMITS.recordBytesMax,
): EncodedRecord[] {
  if (lines.length === 0) return [];
  const data = gzipSync(`${lines.join('\n')}\n`, { level: 1 });
  if (data.length <= maxRecordBytes) return [{ data, events: lines.length }];
  if (lines.length === 1) {
    throw new FramingError(
      'too_large',
      `one event compresses to ${data.length} bytes, more than ${maxRecordBytes}`,
    );
  }
  const half = Math.ceil(lines.length / 2);
  return [
    ...encodeBatch(lines.slice(0, half), maxRecordBytes),
    ...encodeBatch(lines.slice(half), maxRecordBytes),
  ];
}

/** A single event as its own record (first byte `{`). */
export function encodeSingle(line: string): Buffer {
  return Buffer.from(line, 'utf8');
}
