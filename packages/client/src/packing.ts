import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { EVENT_LIMITS, RECORD_LIMITS } from './contract/limits.ts';
import { rejectionKey } from './contract/rejection.ts';
import type { UserHasher } from './contract/user-hash.ts';
import { validateEvent } from './contract/validate.ts';
import type { EmitterError } from './emitter-options.ts';
import type { Item } from './queue.ts';
import { toWireEvent } from './wire-event.ts';

const gzip = promisify(gzipCallback);
const PUT_RECORDS_MAX_ENTRIES = 500;
const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
/** NDJSON per record before compression: gzip never grows text by more than a few bytes per 16 kB. */
const RECORD_TEXT_MAX = RECORD_LIMITS.recordBytesMax - 64 * 1024;
/** Events serialised between two turns of the event loop, so a large flush never blocks the app for long. */
const SLICE = 200;

/** One Kinesis record: a gzip NDJSON batch of `events` events, holding `bytes` of the queue's memory. */
export interface PackedRecord {
  data: Buffer;
  key: string;
  events: number;
  bytes: number;
}

/** An event's NDJSON line, and the bytes its item holds in the queue. */
export interface Line {
  text: string;
  bytes: number;
}

/** An event given up while packing: settled as invalid or dropped (its bytes freed), and reported. */
export type GiveUp = (field: 'invalid' | 'dropped', bytes: number, error: EmitterError) => void;

/**
 * Items to NDJSON lines, a slice at a time. An event that breaks the contract, is over 32 KiB, or cannot even
 * be read (a getter that throws, a user id that is not a string) is counted as invalid and reported; the
 * events around it go on.
 */
export async function serialise(items: Item[], hasher: UserHasher | null, giveUp: GiveUp): Promise<Line[]> {
  const lines: Line[] = [];
  for (let start = 0; start < items.length; start += SLICE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const now = Date.now();
    for (const item of items.slice(start, start + SLICE)) {
      try {
        let text: string;
        if (item.pending) {
          const wire = toWireEvent(item.pending, hasher);
          const check = validateEvent(wire, now);
          if (!check.ok) {
            const first = check.rejections[0];
            giveUp('invalid', item.bytes, {
              kind: 'invalid',
              message: check.rejections.map((r) => r.message).join('; '),
              count: 1,
              ...(first ? { code: rejectionKey(first) } : {}),
            });
            continue;
          }
          text = JSON.stringify(wire);
        } else {
          text = item.line as string;
        }
        const size = text.length * 3 > EVENT_LIMITS.eventBytesMax ? Buffer.byteLength(text) : 0;
        if (size > EVENT_LIMITS.eventBytesMax) {
          giveUp('invalid', item.bytes, {
            kind: 'invalid',
            message: `event is ${size} bytes, more than ${EVENT_LIMITS.eventBytesMax}`,
            count: 1,
          });
          continue;
        }
        lines.push({ text, bytes: item.bytes });
      } catch (err) {
        giveUp('invalid', item.bytes, {
          kind: 'invalid',
          message: `event could not be serialised: ${(err as Error)?.message}`,
          count: 1,
          cause: err,
        });
      }
    }
  }
  return lines;
}

/**
 * Lines into gzip NDJSON records: at most `maxRecordEvents` events and ~960 KiB of text each, so that with
 * its partition key a record always fits Kinesis' 1 MiB without compressing anything twice.
 */
export async function packRecords(
  lines: Line[],
  maxRecordEvents: number,
  giveUp: GiveUp,
): Promise<PackedRecord[]> {
  const out: PackedRecord[] = [];
  const packGroup = async (group: Line[]): Promise<void> => {
    const key = partitionKey();
    const data = await gzip(`${group.map((l) => l.text).join('\n')}\n`, { level: 1 });
    const bytes = group.reduce((n, l) => n + l.bytes, 0);
    if (data.length + key.length <= RECORD_LIMITS.recordBytesMax) {
      out.push({ data, key, events: group.length, bytes });
    } else if (group.length > 1) {
      const half = Math.ceil(group.length / 2);
      await packGroup(group.slice(0, half));
      await packGroup(group.slice(half));
    } else {
      giveUp('dropped', bytes, {
        kind: 'dropped',
        message: `one event compresses to ${data.length} bytes`,
        count: 1,
      });
    }
  };
  let group: Line[] = [];
  let text = 0;
  for (const line of lines) {
    const size = line.text.length * 3; // an upper bound of its UTF-8 bytes
    if (group.length > 0 && (group.length >= maxRecordEvents || text + size > RECORD_TEXT_MAX)) {
      await packGroup(group);
      group = [];
      text = 0;
    }
    group.push(line);
    text += size;
  }
  if (group.length > 0) await packGroup(group);
  return out;
}

/** Records into PutRecords calls of at most 500 entries and 5 MiB, partition keys included. */
export function splitIntoCalls(records: PackedRecord[]): PackedRecord[][] {
  const out: PackedRecord[][] = [];
  let current: PackedRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.length + r.key.length;
    if (
      current.length === PUT_RECORDS_MAX_ENTRIES ||
      (current.length > 0 && bytes + size > PUT_RECORDS_MAX_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

let keyCounter = 0;
/** Spreads records over shards: Kinesis hashes the key; its value means nothing. */
function partitionKey(): string {
  keyCounter = (keyCounter + 1) % 1_000_000_000;
  return `${process.pid}-${keyCounter}`;
}
