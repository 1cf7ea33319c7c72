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

  for (const { dt, rows, firstRecord, order } of batch.days()) {
    objects.push({
      key: `events/dt=${dt}/${range}.parquet`,
      contentType: 'application/vnd.apache.parquet',
      firstRecord,
      rows: rows.length,
      body: () => eventsToParquet(rows, { tracked: order }),
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
