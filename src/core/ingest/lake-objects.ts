import { type EventRow, utcDate } from '../lake/event-columns.ts';
import { eventsToParquet } from '../lake/events-parquet.ts';
import type { EventBatch } from './event-batch.ts';
import type { QuarantineEntry } from './quarantine-entry.ts';

/** An object a batch writes to the lake, and the first record of the batch that contributed to it. */
export interface LakeObject {
  key: string;
  contentType: string;
  /** Index (in the batch's records) of the earliest record whose events are in this object. */
  firstRecord: number;
  rows: number;
  body: () => Uint8Array;
}

/**
 * The objects one batch writes: a Parquet file of valid events per UTC date of `ts`, and a JSONL file of
 * refused events per date of receipt. Keys name the stream, the shard and the batch's first and last sequence numbers,
 * so redelivering the same batch names the same objects, and a batch split on retry names new ones.
 */
export function lakeObjects(batch: EventBatch): LakeObject[] {
  const first = batch.records[0];
  const last = batch.records[batch.records.length - 1];
  if (!first || !last) return [];
  const position = new Map(batch.records.map((r, i) => [r.sequenceNumber, i]));
  const range = `${first.stream}/${first.shardId}/${first.sequenceNumber}-${last.sequenceNumber}`;
  const objects: LakeObject[] = [];

  for (const { dt, rows, firstRecord } of rowsByDate(batch.rows, batch.rowRecords)) {
    objects.push({
      key: `events/dt=${dt}/${range}.parquet`,
      contentType: 'application/vnd.apache.parquet',
      firstRecord,
      rows: rows.length,
      body: () => eventsToParquet(rows),
    });
  }
  const refusedByDate = groupBy(batch.quarantined, (q) => q.received_at.slice(0, 10));
  for (const [dt, entries] of refusedByDate) {
    objects.push({
      key: `quarantine/dt=${dt}/${range}.jsonl`,
      contentType: 'application/x-ndjson',
      firstRecord: earliest(entries.map((q) => position.get(q.sequence_number) ?? 0)),
      rows: entries.length,
      body: () => quarantineJsonl(entries),
    });
  }
  return objects;
}

const DAY_MS = 86_400_000;

/**
 * Accepted events by UTC date of `ts`, dates in order, rows in batch order, with the earliest record each
 * date's rows came from. A batch is in time order, so a row's day is usually the previous row's: the day is
 * looked up (and named) only when it changes.
 */
function rowsByDate(
  accepted: readonly EventRow[],
  records: readonly number[],
): { dt: string; rows: EventRow[]; firstRecord: number }[] {
  const groups = new Map<number, { dt: string; rows: EventRow[]; firstRecord: number }>();
  let day = Number.NaN;
  let group: { dt: string; rows: EventRow[]; firstRecord: number } | undefined;
  for (let i = 0; i < accepted.length; i++) {
    const row = accepted[i] as EventRow;
    const record = records[i] as number;
    const d = Math.floor(row.ts / DAY_MS);
    if (d !== day || group === undefined) {
      day = d;
      group = groups.get(d);
      if (group === undefined) {
        group = { dt: utcDate(row.ts), rows: [], firstRecord: record };
        groups.set(d, group);
      }
    }
    group.rows.push(row);
    if (record < group.firstRecord) group.firstRecord = record;
  }
  return [...groups.values()].sort((a, b) => (a.dt < b.dt ? -1 : a.dt > b.dt ? 1 : 0));
}

function quarantineJsonl(entries: readonly QuarantineEntry[]): Uint8Array {
  return Buffer.from(entries.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
}

function earliest(positions: readonly number[]): number {
  return positions.reduce((min, p) => Math.min(min, p), Number.POSITIVE_INFINITY);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
