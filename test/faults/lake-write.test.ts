import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { drainStream } from '../../src/adapters/local/kinesis-poller.ts';
import { decodeRecord } from '../../src/core/framing/record-framing.ts';
import { LakeWriteError } from '../../src/jobs/ingest-job.ts';
import { consumeStream, type Delivery, loggedHandler, readStream } from '../helpers/consume-stream.ts';
import { FailingStore } from '../helpers/failing-store.ts';
import { fileRows, lakeCounts } from '../helpers/lake-counts.ts';
import { recordInput } from '../helpers/record-input.ts';
import { streamAndLakePerTest } from '../helpers/stream-and-lake.ts';

// Case 2 of the fault-injection suite: the lake cannot be written. Events go through the real emitter into
// kinesalite (one shard, so the record order is known); the consumer is the real ingest handler over the folder
// lake, fed by the real poller. The write faults come from test/helpers/failing-store.ts: a fake only because
// neither the file system nor s3rver can be told to refuse one particular object.

const DAY = 86_400_000;
const NOW = Date.now();
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const DAY_A = dayOf(NOW - 2 * DAY);
const DAY_B = dayOf(NOW - DAY);
/** A day whose partition can never be written (say, a prefix the bucket policy denies). */
const POISON_DAY = dayOf(NOW - 5 * DAY);

const env = streamAndLakePerTest();

interface Planned {
  eventId: string;
  at: number;
}

/** Sends the events through the real client, `perRecord` events to a record, in one PutRecords call. */
async function emit(records: Planned[][], perRecord: number): Promise<void> {
  const ledger = createEmitter({
    streamName: env.kinesis.streamName,
    kinesisClient: env.kinesis.client,
    hmacKey: 'k',
    maxRecordEvents: perRecord,
    maxBatchEvents: 100_000,
  });
  for (const e of records.flat()) ledger.record(recordInput({ eventId: e.eventId, startedAt: e.at }));
  await ledger.shutdown();
  expect(ledger.stats()).toMatchObject({ sent: records.flat().length, dropped: 0, invalid: 0, calls: 1 });
  // The stream holds the records in the planned order.
  const [event] = await readStream(env.kinesis);
  expect(event?.Records.map((r) => idsOf(r))).toEqual(records.map((r) => r.map((e) => e.eventId)));
}

function idsOf(record: KinesisStreamRecord): string[] {
  return decodeRecord(Buffer.from(record.kinesis.data, 'base64')).map(
    (l) => (JSON.parse(l.text) as { event_id: string }).event_id,
  );
}

const planned = (prefix: string, n: number, at: number): Planned[] =>
  Array.from({ length: n }, (_, i) => ({ eventId: `${prefix}-${String(i).padStart(4, '0')}`, at }));

const keyOf = (dt: string, first: Delivery, from = 0, to = first.sequenceNumbers.length - 1) =>
  `events/dt=${dt}/${env.kinesis.streamName}/shardId-000000000000/${first.sequenceNumbers[from]}-${first.sequenceNumbers[to]}.parquet`;

/**
 * Four records: r0 holds 10 events of day A, r1 and r3 10 events of day B, r2 9 of day B and one of day A (x).
 * The batch writes two objects: day A (its first record r0) and day B (first record r1).
 */
function fourRecords(): { records: Planned[][]; x: string; all: string[] } {
  const x = { eventId: 'c2-a-late-x', at: NOW - 2 * DAY };
  const records = [
    planned('c2-a0', 10, NOW - 2 * DAY),
    planned('c2-b1', 10, NOW - DAY),
    [...planned('c2-b2', 9, NOW - DAY), x],
    planned('c2-b3', 10, NOW - DAY),
  ];
  return { records, x: x.eventId, all: records.flat().map((e) => e.eventId) };
}

describe('fault: the lake write fails', () => {
  it('one object of a batch cannot be written → batchItemFailures from its first record on; after the redelivery each event once', async () => {
    // Prepare: the first write of the day-B object fails.
    const { records, x, all } = fourRecords();
    await emit(records, 10);
    let failNext = true;
    const store = new FailingStore(new FsLakeStore(env.lake.dir), (key) => {
      const fail = failNext && key.includes(`dt=${DAY_B}/`);
      if (fail) failNext = false;
      return fail;
    });

    // Act
    const consumed = await consumeStream(env.kinesis, store);

    // Assess: Kinesis is told to deliver again from r1, the first record with unstored events, and does.
    const [first, second] = consumed.deliveries;
    expect(consumed.deliveries).toHaveLength(2);
    expect(store.failures).toBe(1);
    expect(first?.response).toEqual({ batchItemFailures: [{ itemIdentifier: first?.sequenceNumbers[1] }] });
    expect(first?.report?.outcome.written).toEqual([keyOf(DAY_A, first as Delivery)]);
    expect(second?.sequenceNumbers).toEqual(first?.sequenceNumbers.slice(1));
    expect(second?.response).toEqual({ batchItemFailures: [] });
    expect(consumed.records).toBe(4);

    // 40 events in. The day-A object of the first delivery holds r0..r3's day-A events (11), the redelivery
    // writes r1..r3 again under its own range: x (day A, in r2) is stored twice, every other event once.
    const counts = await lakeCounts(env.lake.dir);
    expect(counts.files).toEqual({
      [keyOf(DAY_A, first as Delivery)]: 11,
      [keyOf(DAY_A, second as Delivery)]: 1,
      [keyOf(DAY_B, second as Delivery)]: 29,
    });
    expect({
      rows: counts.rows,
      files: fileRows(counts),
      distinct: counts.distinct,
      dedup: counts.dedup,
    }).toEqual({
      rows: 41,
      files: 41,
      distinct: 40,
      dedup: 40,
    });
    expect([...counts.copies].filter(([, n]) => n !== 1)).toEqual([[x, 2]]);
    expect([...counts.dedupCopies.keys()].sort()).toEqual([...all].sort());
    expect([...counts.dedupCopies.values()].every((n) => n === 1)).toBe(true);
  });

  it('no object of the batch can be written → the handler throws; the poller bisects as Lambda does and the halves store each event once', async () => {
    // Prepare: every write of the first delivery fails (two objects: day A and day B).
    const { records, all } = fourRecords();
    await emit(records, 10);
    const store = new FailingStore(new FsLakeStore(env.lake.dir), () => store.failures < 2);

    // Act: the local poller bisects the batch when the handler throws, as the event source mapping does.
    const consumed = await consumeStream(env.kinesis, store);

    // Assess
    const [first, second, third] = consumed.deliveries;
    expect(consumed.deliveries).toHaveLength(3);
    expect(first?.error).toBeInstanceOf(LakeWriteError);
    expect(first?.error?.message).toContain(keyOf(DAY_A, first as Delivery));
    expect(first?.error?.message).toContain(keyOf(DAY_B, first as Delivery));
    expect(first?.report?.outcome).toMatchObject({ written: [], retryFrom: 0 });
    expect(second?.sequenceNumbers).toEqual(first?.sequenceNumbers.slice(0, 2));
    expect(third?.sequenceNumbers).toEqual(first?.sequenceNumbers.slice(2));
    expect(second?.response).toEqual({ batchItemFailures: [] });
    expect(third?.response).toEqual({ batchItemFailures: [] });
    expect(consumed.records).toBe(4);

    // 40 events in, 40 rows out: nothing was stored the first time; each half writes its own two objects.
    const counts = await lakeCounts(env.lake.dir);
    expect(counts.files).toEqual({
      [keyOf(DAY_A, second as Delivery)]: 10,
      [keyOf(DAY_B, second as Delivery)]: 10,
      [keyOf(DAY_A, third as Delivery)]: 1,
      [keyOf(DAY_B, third as Delivery)]: 19,
    });
    expect({
      rows: counts.rows,
      files: fileRows(counts),
      distinct: counts.distinct,
      dedup: counts.dedup,
    }).toEqual({
      rows: 40,
      files: 40,
      distinct: 40,
      dedup: 40,
    });
    expect([...counts.dedupCopies.keys()].sort()).toEqual([...all].sort());
  });

  it('the object of the batch’s first record cannot be written while another one is → the handler throws; the bisected halves store again what was stored, and the view counts each event once', async () => {
    // Prepare: the day-A object (first record r0) fails once; the day-B object is written.
    const { records, all } = fourRecords();
    await emit(records, 10);
    const store = new FailingStore(
      new FsLakeStore(env.lake.dir),
      (key) => store.failures < 1 && key.includes(`dt=${DAY_A}/`),
    );

    // Act
    const consumed = await consumeStream(env.kinesis, store);

    // Assess
    const [first, second, third] = consumed.deliveries;
    expect(consumed.deliveries).toHaveLength(3);
    expect(first?.error).toBeInstanceOf(LakeWriteError);
    expect(first?.report?.outcome).toMatchObject({
      written: [keyOf(DAY_B, first as Delivery)],
      retryFrom: 0,
    });
    expect(second?.report?.outcome).toMatchObject({ retryFrom: null });
    expect(third?.report?.outcome).toMatchObject({ retryFrom: null });
    // The first delivery's day-B object (29 events) stays; the halves write theirs under their own ranges, so
    // those events have two raw copies — the view counts each event once.
    const counts = await lakeCounts(env.lake.dir);
    expect({
      rows: counts.rows,
      files: fileRows(counts),
      distinct: counts.distinct,
      dedup: counts.dedup,
    }).toEqual({
      rows: 69,
      files: 69,
      distinct: 40,
      dedup: 40,
    });
    expect([...counts.dedupCopies.keys()].sort()).toEqual([...all].sort());
    expect([...counts.dedupCopies.values()].every((n) => n === 1)).toBe(true);
  });

  describe('fault: a permanently bad record (its events can never be stored)', () => {
    // Four records of 5 events: r0, r1, r3 hold day-A events; r2 holds 4 day-A events and one event (p) of a day
    // whose partition can never be written. Every object of that day fails, every time.
    function poisoned(): { records: Planned[][]; poison: string; good: string[] } {
      const poison = { eventId: 'c2-poison-p', at: NOW - 5 * DAY };
      const records = [
        planned('c2-r0', 5, NOW - 2 * DAY),
        planned('c2-r1', 5, NOW - 2 * DAY),
        [...planned('c2-r2', 2, NOW - 2 * DAY), poison, ...planned('c2-r2b', 2, NOW - 2 * DAY)],
        planned('c2-r3', 5, NOW - 2 * DAY),
      ];
      const good = records.flat().filter((e) => e !== poison);
      return { records, poison: poison.eventId, good: good.map((e) => e.eventId) };
    }

    it('record in mid-batch → batchItemFailures names it; alone or first → the handler throws; with bisection and the on-failure destination its payload is kept, the shard moves on, the rest once', async () => {
      // Prepare
      const { records, poison, good } = poisoned();
      await emit(records, 5);
      const store = new FailingStore(new FsLakeStore(env.lake.dir), (key) =>
        key.includes(`dt=${POISON_DAY}/`),
      );
      const [event] = await readStream(env.kinesis);
      const deliveries: Delivery[] = [];
      const destination: KinesisStreamRecord[] = [];

      // Act: the local poller delivers as the AWS event source mapping does (bisecting on a throw, 2 retries),
      // its on-failure destination collecting what it gives up on.
      await drainStream(env.kinesis.client, env.kinesis.streamName, loggedHandler(store, deliveries), {
        maxRetries: 2,
        onFailure: async ({ records: failed }) => {
          destination.push(...failed);
        },
      });

      // Assess: what the handler answered, invocation by invocation.
      const seqs = (event as KinesisStreamEvent).Records.map((r) => r.kinesis.sequenceNumber);
      const [s0, , s2, s3] = seqs;
      expect(
        deliveries.map((d) => [
          d.sequenceNumbers.map((s) => seqs.indexOf(s)),
          d.error ? d.error.name : d.response?.batchItemFailures.map((f) => seqs.indexOf(f.itemIdentifier)),
        ]),
      ).toEqual([
        [[0, 1, 2, 3], [2]], // r2 in mid-batch: retry from r2 (r0, r1 are done)
        [[2, 3], 'LakeWriteError'], // r2 first: throw, so Lambda bisects
        [[2], 'LakeWriteError'], // r2 alone: throws on every retry
        [[2], 'LakeWriteError'],
        [[3], []], // the shard moves on past r2
      ]);

      // The on-failure destination receives r2 whole: its payload decodes to its 5 events, p included.
      expect(destination).toHaveLength(1);
      expect(destination[0]?.kinesis.sequenceNumber).toBe(s2);
      expect(idsOf(destination[0] as KinesisStreamRecord)).toEqual(records[2]?.map((e) => e.eventId));

      // 20 events in; p is never stored; the 19 others are each once in the view. Raw copies, exactly: r0 and
      // r1 once; r2's other 4 events and r3's 5 three times (the first batch, the r2..r3 retry, and the r2 or
      // r3 half of the bisection).
      const counts = await lakeCounts(env.lake.dir);
      const range = (from: string | undefined, to: string | undefined) =>
        `events/dt=${DAY_A}/${env.kinesis.streamName}/shardId-000000000000/${from}-${to}.parquet`;
      expect(counts.files).toEqual({
        [range(s0, s3)]: 19,
        [range(s2, s3)]: 9,
        [range(s2, s2)]: 4,
        [range(s3, s3)]: 5,
      });
      expect({
        rows: counts.rows,
        files: fileRows(counts),
        distinct: counts.distinct,
        dedup: counts.dedup,
      }).toEqual({
        rows: 37,
        files: 37,
        distinct: 19,
        dedup: 19,
      });
      expect(counts.copies.has(poison)).toBe(false);
      const copies = (prefix: string) =>
        [...counts.copies].filter(([id]) => id.startsWith(prefix)).map(([, n]) => n);
      expect(copies('c2-r0')).toEqual([1, 1, 1, 1, 1]);
      expect(copies('c2-r1')).toEqual([1, 1, 1, 1, 1]);
      expect(copies('c2-r2')).toEqual([3, 3, 3, 3]);
      expect(copies('c2-r3')).toEqual([3, 3, 3, 3, 3]);
      expect([...counts.dedupCopies.keys()].sort()).toEqual([...good].sort());
      expect([...counts.dedupCopies.values()].every((n) => n === 1)).toBe(true);
    });

    it('locally without an on-failure destination → the poller bisects down to the record, then stops with the error that names it; nothing before it is lost or doubled', async () => {
      // Prepare
      const { records, good } = poisoned();
      await emit(records, 5);
      const store = new FailingStore(new FsLakeStore(env.lake.dir), (key) =>
        key.includes(`dt=${POISON_DAY}/`),
      );
      const deliveries: Delivery[] = [];

      // Act
      const drained = drainStream(
        env.kinesis.client,
        env.kinesis.streamName,
        loggedHandler(store, deliveries),
        {
          maxRetries: 2,
        },
      );

      // Assess: the first delivery names r2; r2..r3 throws and is bisected; r2 alone throws on every retry; the
      // poller gives up with the handler's error, which names the unwritable object and r2's sequence number.
      // The record stays in the stream (Kinesis keeps it for its retention), so a later run reads it again.
      await expect(drained).rejects.toThrow(LakeWriteError);
      const [first] = deliveries;
      const seqs = first?.sequenceNumbers ?? [];
      expect(deliveries.map((d) => [d.sequenceNumbers.length, d.error?.name ?? 'ok'])).toEqual([
        [4, 'ok'],
        [2, 'LakeWriteError'],
        [1, 'LakeWriteError'],
        [1, 'LakeWriteError'],
      ]);
      expect(first?.response).toEqual({ batchItemFailures: [{ itemIdentifier: seqs[2] }] });
      await expect(drained).rejects.toThrow(
        `dt=${POISON_DAY}/${env.kinesis.streamName}/shardId-000000000000/${seqs[2]}-`,
      );

      // 20 events in: r0 and r1 stored once; r3's twice (the first batch and the r2..r3 retry); r2's good events
      // three times (those two and r2 alone; its retry found that object); p never.
      const counts = await lakeCounts(env.lake.dir);
      expect({
        rows: counts.rows,
        files: fileRows(counts),
        distinct: counts.distinct,
        dedup: counts.dedup,
      }).toEqual({
        rows: 32,
        files: 32,
        distinct: 19,
        dedup: 19,
      });
      expect([...counts.dedupCopies.keys()].sort()).toEqual([...good].sort());
    });
  });
});
