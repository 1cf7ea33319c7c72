import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import type { EmitterError } from '../../packages/client/src/emitter-options.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { type LocalKinesis, startLocalKinesis } from '../../src/adapters/local/kinesalite-stream.ts';
import { consumeStream } from '../helpers/consume-stream.ts';
import {
  type KinesisFaultProxy,
  type PutRecordsFault,
  startKinesisFaultProxy,
} from '../helpers/kinesis-fault-proxy.ts';
import { fileRows, lakeCounts } from '../helpers/lake-counts.ts';
import { recordInput } from '../helpers/record-input.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Case 1 of the fault-injection suite: the client's PutRecords fails part-way. The stream is kinesalite behind
// an HTTP proxy that injects the fault (test/helpers/kinesis-fault-proxy.ts), the client is the real emitter over
// the real SDK client, the consumer is the real poller and ingest handler, the lake a folder, the counts DuckDB's.

let kinesis: LocalKinesis;
let proxy: KinesisFaultProxy | undefined;
const dirs: { dir: string; remove: () => Promise<void> }[] = [];
beforeEach(async () => {
  kinesis = await startLocalKinesis('llm-events', 2);
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  await kinesis.stop();
  for (const d of dirs.splice(0)) await d.remove();
});

async function newLake(): Promise<{ dir: string; store: FsLakeStore }> {
  const d = await tempDir('tokenledger-faults-');
  dirs.push(d);
  return { dir: d.dir, store: new FsLakeStore(d.dir) };
}

async function proxied(faultOf: (call: number) => PutRecordsFault): Promise<KinesisFaultProxy> {
  proxy = await startKinesisFaultProxy(kinesis.endpoint, faultOf);
  return proxy;
}

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

describe('fault: PutRecords from the client fails part-way', () => {
  it('PutRecords refuses some entries (throttled) → only those are resent; each event_id once in events_dedup, no extra row', async () => {
    // Prepare: 300 events in 30 records of 10, all in one PutRecords call; the stream refuses its odd entries.
    const through = await proxied((call) =>
      call === 1 ? { kind: 'refuse', refuse: (i) => i % 2 === 1 } : { kind: 'pass' },
    );
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: through.client,
      hmacKey: 'k',
      maxRecordEvents: 10,
      maxBatchEvents: 100_000,
      retryBaseMs: 1,
      retryMaxMs: 5,
    });
    const sent = ids('c1-throttled', 300);

    // Act
    for (const eventId of sent) ledger.record(recordInput({ eventId }));
    await ledger.shutdown();
    await through.settled();
    const lake = await newLake();
    const consumed = await consumeStream(kinesis, lake.store);

    // Assess: the client resent exactly the 15 refused records, once.
    expect(through.calls).toEqual([
      { entries: 30, fault: 'refuse' },
      { entries: 15, fault: 'pass' },
    ]);
    expect(ledger.stats()).toMatchObject({
      recorded: 300,
      sent: 300,
      dropped: 0,
      invalid: 0,
      queued: 0,
      inFlight: 0,
      retries: 15,
      failedSends: 1,
      calls: 2,
    });
    // The stream holds each record once: 30 records, 300 events in, 300 rows out.
    expect(consumed.records).toBe(30);
    expect(consumed.counts).toMatchObject({
      records: 30,
      events: 300,
      accepted: 300,
      duplicates: 0,
      quarantined: 0,
    });
    const counts = await lakeCounts(lake.dir);
    expect({
      rows: counts.rows,
      distinct: counts.distinct,
      dedup: counts.dedup,
      files: fileRows(counts),
    }).toEqual({
      rows: 300,
      distinct: 300,
      dedup: 300,
      files: 300,
    });
    expect([...counts.dedupCopies.keys()].sort()).toEqual(sent);
    expect([...counts.dedupCopies.values()].every((n) => n === 1)).toBe(true);
  });

  it('PutRecords times out after the stream stored the batch → the client resends it all; both copies stored, each event_id once in events_dedup', async () => {
    // Prepare: 200 events in 20 records; the first call reaches the stream, whose answer is then lost, so the
    // client's own requestTimeoutMs ends the call and it sends the 20 records again.
    const through = await proxied((call) => (call === 1 ? { kind: 'lose-answer' } : { kind: 'pass' }));
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: through.client,
      hmacKey: 'k',
      maxRecordEvents: 10,
      maxBatchEvents: 100_000,
      requestTimeoutMs: 300,
      retryBaseMs: 1,
      retryMaxMs: 5,
      onError: (e) => errors.push(e),
    });
    const sent = ids('c1-timeout', 200);

    // Act
    for (const eventId of sent) ledger.record(recordInput({ eventId }));
    await ledger.shutdown();
    await through.settled(); // the lost call's records are in the stream, even if it was slower than the retry
    // Two consumers read the same stream: one takes everything in one batch per shard (the copies meet in a
    // batch), the other one record per batch (each copy in its own batch, as when the retry arrives after the
    // event source mapping read the first copy).
    const together = await newLake();
    const apart = await newLake();
    const inOneBatch = await consumeStream(kinesis, together.store);
    const recordByRecord = await consumeStream(kinesis, apart.store, { batchSize: 1 });

    // Assess: the client
    expect(through.calls).toEqual([
      { entries: 20, fault: 'lose-answer' },
      { entries: 20, fault: 'pass' },
    ]);
    expect(ledger.stats()).toMatchObject({
      recorded: 200,
      sent: 200,
      dropped: 0,
      invalid: 0,
      retries: 20,
      failedSends: 1,
      calls: 2,
    });
    expect(errors.map((e) => [e.kind, e.count])).toEqual([['send_failed', 200]]);

    // The stream holds every record twice: 40 records, 400 events.
    expect(inOneBatch.records).toBe(40);
    expect(recordByRecord.records).toBe(40);
    expect(recordByRecord.batches).toBe(40);

    // Copies in one batch: the consumer drops the repeats, 200 rows are stored.
    expect(inOneBatch.counts).toMatchObject({ events: 400, accepted: 200, duplicates: 200, quarantined: 0 });
    const one = await lakeCounts(together.dir);
    expect({ rows: one.rows, distinct: one.distinct, dedup: one.dedup, files: fileRows(one) }).toEqual({
      rows: 200,
      distinct: 200,
      dedup: 200,
      files: 200,
    });
    expect([...one.dedupCopies.keys()].sort()).toEqual(sent);

    // Copies in separate batches: both are stored (exactly 2 rows per event), the view counts each once.
    expect(recordByRecord.counts).toMatchObject({
      events: 400,
      accepted: 400,
      duplicates: 0,
      quarantined: 0,
    });
    const two = await lakeCounts(apart.dir);
    expect({ rows: two.rows, distinct: two.distinct, dedup: two.dedup, files: fileRows(two) }).toEqual({
      rows: 400,
      distinct: 200,
      dedup: 200,
      files: 400,
    });
    expect(Object.keys(two.files)).toHaveLength(40);
    expect([...two.copies.values()].every((n) => n === 2)).toBe(true);
    expect([...two.dedupCopies.keys()].sort()).toEqual(sent);
    expect([...two.dedupCopies.values()].every((n) => n === 1)).toBe(true);
  });
});
