import type { KinesisStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { type LocalKinesis, startLocalKinesis } from '../../src/adapters/local/kinesalite-stream.ts';
import { S3LakeStore } from '../../src/adapters/s3/s3-lake-store.ts';
import type { LakeStore } from '../../src/ports/lake-store.ts';
import { consumeStream, type Delivery, loggedHandler } from '../helpers/consume-stream.ts';
import { fileRows, lakeCounts, mirrorToFolder } from '../helpers/lake-counts.ts';
import { meetingAtPutNew } from '../helpers/meeting-store.ts';
import { recordInput } from '../helpers/record-input.ts';
import { startS3 } from '../helpers/s3rver.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Case 3 of the fault-injection suite: the stream delivers a batch again — after it, at the same time, or split
// in two. Events go through the real emitter into kinesalite; the consumer is the real poller and ingest handler;
// the lake is the folder lake, and the S3 lake over s3rver. Nothing is faked: redelivery is the poller reading
// the stream again, and bisection is the handler given a sub-range of the records the poller read.

const DAY = 86_400_000;
const NOW = Date.now();
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
// A minute ago, and exactly a day before that: two UTC days, whatever the time of day (a day minus a minute was the
// same day in the first minute after midnight).
const TS_B = NOW - 60_000;
const TS_A = TS_B - DAY;
const DAY_A = dayOf(TS_A);
const DAY_B = dayOf(TS_B);
/** 200 events in 8 records of 25, alternately of day A and day B: every batch writes two objects. */
const EVENTS = 200;
const PER_RECORD = 25;

interface Lake {
  store: LakeStore;
  /** A folder DuckDB can count: the lake itself, or a copy of the bucket. */
  folder: () => Promise<string>;
  stop: () => Promise<void>;
}

const dirs: { dir: string; remove: () => Promise<void> }[] = [];
async function newDir(): Promise<string> {
  const d = await tempDir('tokenledger-faults-');
  dirs.push(d);
  return d.dir;
}

async function folderLake(): Promise<Lake> {
  const dir = await newDir();
  return { store: new FsLakeStore(dir), folder: async () => dir, stop: async () => {} };
}

async function s3Lake(): Promise<Lake> {
  const s3 = await startS3('tokenledger-lake');
  const store = new S3LakeStore(s3.s3, 'tokenledger-lake');
  return {
    store,
    folder: async () => {
      const dir = await newDir();
      await mirrorToFolder(store, dir);
      return dir;
    },
    stop: () => s3.stop(),
  };
}

let kinesis: LocalKinesis;
let lake: Lake | undefined;
let sent: string[];
beforeEach(async () => {
  kinesis = await startLocalKinesis('llm-events', 1);
  const ledger = createEmitter({
    streamName: kinesis.streamName,
    kinesisClient: kinesis.client,
    hmacKey: 'k',
    maxRecordEvents: PER_RECORD,
    maxBatchEvents: 100_000,
  });
  sent = Array.from({ length: EVENTS }, (_, i) => `c3-evt-${String(i).padStart(5, '0')}`);
  sent.forEach((eventId, i) => {
    ledger.record(recordInput({ eventId, startedAt: i % 2 === 0 ? TS_A : TS_B }));
  });
  await ledger.shutdown();
  expect(ledger.stats()).toMatchObject({ sent: EVENTS, dropped: 0, invalid: 0 });
});
afterEach(async () => {
  await lake?.stop();
  lake = undefined;
  await kinesis.stop();
  for (const d of dirs.splice(0)) await d.remove();
});

const rangeKeys = (first: string, last: string) =>
  [DAY_A, DAY_B].map(
    (dt) => `events/dt=${dt}/${kinesis.streamName}/shardId-000000000000/${first}-${last}.parquet`,
  );

async function snapshot(store: LakeStore): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const key of await store.list('')) out.set(key, Buffer.from(await store.get(key)));
  return out;
}

describe.each([
  { name: 'the folder lake', open: folderLake, exclusiveCreate: true },
  { name: 'the S3 lake (s3rver)', open: s3Lake, exclusiveCreate: false },
])('fault: a batch is delivered again, into $name', ({ open, exclusiveCreate }) => {
  it('the same batch delivered twice → the second delivery finds its objects and writes nothing; each event once', async () => {
    // Prepare
    lake = await open();

    // Act: the poller reads the stream twice, as after a checkpoint that was lost.
    const once = await consumeStream(kinesis, lake.store);
    const before = await snapshot(lake.store);
    const again = await consumeStream(kinesis, lake.store);

    // Assess
    const [first] = once.deliveries;
    const [second] = again.deliveries;
    const seqs = first?.sequenceNumbers ?? [];
    const keys = rangeKeys(seqs[0] as string, seqs[seqs.length - 1] as string);
    expect(once.deliveries).toHaveLength(1);
    expect(again.deliveries).toHaveLength(1);
    expect(second?.sequenceNumbers).toEqual(seqs);
    expect(first?.report?.outcome).toMatchObject({ written: keys, existing: [] });
    expect(second?.report?.outcome).toMatchObject({ written: [], existing: keys, retryFrom: null });
    expect(await snapshot(lake.store)).toEqual(before);

    const counts = await lakeCounts(await lake.folder());
    expect(counts.files).toEqual({ [keys[0] as string]: 100, [keys[1] as string]: 100 });
    expect({
      rows: counts.rows,
      files: fileRows(counts),
      distinct: counts.distinct,
      dedup: counts.dedup,
    }).toEqual({
      rows: EVENTS,
      files: EVENTS,
      distinct: EVENTS,
      dedup: EVENTS,
    });
    expect([...counts.dedupCopies.keys()].sort()).toEqual(sent);
  });

  it('the same batch delivered twice concurrently → one object per date, identical to a single delivery’s; each event once', async () => {
    // Prepare: what one delivery alone writes, as the reference.
    lake = await open();
    const reference = await folderLake();
    await consumeStream(kinesis, reference.store);
    const expected = await snapshot(reference.store);

    // Act: two consumers read and write the same batch at the same time, meeting at each key's write.
    const racing = meetingAtPutNew(lake.store);
    const [a, b] = await Promise.all([consumeStream(kinesis, racing), consumeStream(kinesis, racing)]);

    // Assess: both delivered the same records, and named the same two objects.
    const da = a.deliveries[0] as Delivery;
    const db = b.deliveries[0] as Delivery;
    expect(db.sequenceNumbers).toEqual(da.sequenceNumbers);
    const keys = rangeKeys(da.sequenceNumbers[0] as string, da.sequenceNumbers.at(-1) as string);
    for (const d of [da, db]) {
      const { written, existing } = d.report?.outcome ?? { written: [], existing: [] };
      expect([...written, ...existing].sort()).toEqual(keys);
      expect(d.response).toEqual({ batchItemFailures: [] });
    }
    // The folder lake links each key into place once; the other writer finds it taken. s3rver does not enforce
    // If-None-Match on PUT (S3 answers the second writer 412 or 409), so two writers that both found the key free
    // may both write it, with the same bytes. Either way: one object per key, byte-identical to what a single
    // delivery writes.
    const written = [...(da.report?.outcome.written ?? []), ...(db.report?.outcome.written ?? [])];
    for (const key of keys) {
      const writes = written.filter((k) => k === key).length;
      if (exclusiveCreate) expect(writes).toBe(1);
      else expect([1, 2]).toContain(writes);
    }
    expect(await snapshot(lake.store)).toEqual(expected);

    const counts = await lakeCounts(await lake.folder());
    expect({
      rows: counts.rows,
      files: fileRows(counts),
      distinct: counts.distinct,
      dedup: counts.dedup,
    }).toEqual({
      rows: EVENTS,
      files: EVENTS,
      distinct: EVENTS,
      dedup: EVENTS,
    });
    expect([...counts.dedupCopies.keys()].sort()).toEqual(sent);
  });

  it('a bisected retry (both halves of a stored batch) → new keys; the larger objects stay byte-identical; each event once', async () => {
    // Prepare: the whole batch is stored.
    lake = await open();
    const once = await consumeStream(kinesis, lake.store);
    const whole = (once.deliveries[0] as Delivery).event;
    const before = await snapshot(lake.store);

    // Act: the batch is delivered again as Lambda bisects it: its first 4 records, then its last 4.
    const deliveries: Delivery[] = [];
    const handler = loggedHandler(lake.store, deliveries);
    const halves: KinesisStreamEvent[] = [
      { Records: whole.Records.slice(0, 4) },
      { Records: whole.Records.slice(4) },
    ];
    for (const half of halves) expect(await handler(half)).toEqual({ batchItemFailures: [] });

    // Assess: each half wrote under its own range; the objects of the whole batch are untouched.
    const seqs = whole.Records.map((r) => r.kinesis.sequenceNumber);
    expect(seqs).toHaveLength(EVENTS / PER_RECORD);
    const wholeKeys = rangeKeys(seqs[0] as string, seqs[7] as string);
    const halfKeys = [
      ...rangeKeys(seqs[0] as string, seqs[3] as string),
      ...rangeKeys(seqs[4] as string, seqs[7] as string),
    ];
    expect(deliveries.map((d) => d.report?.outcome.written)).toEqual([
      halfKeys.slice(0, 2),
      halfKeys.slice(2),
    ]);
    expect(deliveries.map((d) => d.report?.outcome.existing)).toEqual([[], []]);
    const after = await snapshot(lake.store);
    expect([...after.keys()].sort()).toEqual([...wholeKeys, ...halfKeys].sort());
    for (const key of wholeKeys) expect(after.get(key)).toEqual(before.get(key));

    // 200 events in; every event is stored exactly twice (the whole batch and one half), and counted once.
    const counts = await lakeCounts(await lake.folder());
    expect(counts.files).toEqual({
      [wholeKeys[0] as string]: 100,
      [wholeKeys[1] as string]: 100,
      [halfKeys[0] as string]: 50,
      [halfKeys[1] as string]: 50,
      [halfKeys[2] as string]: 50,
      [halfKeys[3] as string]: 50,
    });
    expect({
      rows: counts.rows,
      files: fileRows(counts),
      distinct: counts.distinct,
      dedup: counts.dedup,
    }).toEqual({
      rows: 2 * EVENTS,
      files: 2 * EVENTS,
      distinct: EVENTS,
      dedup: EVENTS,
    });
    expect([...counts.copies.values()].every((n) => n === 2)).toBe(true);
    expect([...counts.dedupCopies.keys()].sort()).toEqual(sent);
    expect([...counts.dedupCopies.values()].every((n) => n === 1)).toBe(true);

    // And the whole batch delivered once more still finds its objects.
    const last: Delivery[] = [];
    await loggedHandler(lake.store, last)(whole);
    expect(last[0]?.report?.outcome).toMatchObject({ written: [], existing: wholeKeys });
  });
});

describe('fault: many writers of one key at once, into the folder lake', () => {
  it('32 concurrent putNew of one key → exactly one written, its bytes stored, the other 31 told it exists', async () => {
    // The folder lake hard-links a finished temp file into place, which fails when the key exists. A check-then-
    // rename store would let several writers "win" here (the last overwriting): this catches it often, not always
    // — a race cannot be made certain from outside the store.
    const dir = await tempDir('tokenledger-race-');
    try {
      const store = new FsLakeStore(dir.dir);
      const key = 'events/dt=2026-01-01/raced.parquet';
      const results = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          store.putNew(key, Buffer.from(`writer ${i}`), 'application/octet-stream'),
        ),
      );
      expect(results.filter((r) => r === 'written')).toHaveLength(1);
      expect(Buffer.from(await store.get(key)).toString()).toBe(`writer ${results.indexOf('written')}`);
    } finally {
      await dir.remove();
    }
  });
});
