import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import type { EmitterError } from '../../packages/client/src/emitter-options.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { type LocalKinesis, startLocalKinesis } from '../../src/adapters/local/kinesalite-stream.ts';
import { drainStream } from '../../src/adapters/local/kinesis-poller.ts';
import { addCounts, type BatchCounts, emptyCounts } from '../../src/core/ingest/event-batch.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { recordInput } from '../helpers/record-input.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let kinesis: LocalKinesis;
let lake: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  kinesis = await startLocalKinesis('llm-events', 2);
  lake = await tempDir();
});
afterEach(async () => {
  await kinesis.stop();
  await lake.remove();
});

/** Reads the stream to its end through the real consumer into the folder lake; returns its counts. */
async function consume(): Promise<BatchCounts> {
  const totals: BatchCounts = emptyCounts();
  const handler = createIngestHandler({
    store: new FsLakeStore(lake.dir),
    onBatch: ({ counts }) => addCounts(totals, counts),
  });
  await drainStream(kinesis.client, kinesis.streamName, handler);
  return totals;
}

async function lakeRows(sql: string) {
  const engine = await LocalQueryEngine.open(lake.dir);
  try {
    return await engine.run(sql);
  } finally {
    engine.close();
  }
}

describe('client → Kinesis API (kinesalite) → ingest consumer, end to end', () => {
  it('delivers every recorded event once, with the same counts on both sides', async () => {
    // Prepare
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: kinesis.client,
      hmacKey: 'test-key',
      maxBatchEvents: 300,
      maxRecordEvents: 100,
      onError: (e) => errors.push(e),
    });

    // Act
    for (let i = 0; i < 1000; i++) ledger.record(recordInput({ tags: { i: String(i) } }));
    ledger.record(recordInput({ feature: 'Bad Feature!' }));
    await ledger.shutdown();
    const consumed = await consume();

    // Assess
    expect(ledger.stats()).toMatchObject({ queued: 0, sent: 1000, dropped: 0, invalid: 1 });
    expect(errors.map((e) => e.kind)).toEqual(['invalid']);
    expect(errors[0]?.message).toContain('feature');
    expect(consumed).toMatchObject({ events: 1000, accepted: 1000, duplicates: 0, quarantined: 0 });
    const [row] = await lakeRows(
      "SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count(DISTINCT json_extract_string(tags, '$.i')) AS tags, min(length(user_hash)) AS hash_len FROM events_dedup",
    );
    expect(row).toEqual({ n: 1000, ids: 1000, tags: 1000, hash_len: 22 });
  });

  it('never sends a raw user id, and leaves the user out without a key', async () => {
    const withKey = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: kinesis.client,
      hmacKey: 'k',
    });
    const noKey = createEmitter({ streamName: kinesis.streamName, kinesisClient: kinesis.client });
    withKey.record(recordInput({ userId: 'alice@example.com', customerId: 'c1' }));
    noKey.record(recordInput({ userId: 'bob@example.com', customerId: 'c2' }));
    await Promise.all([withKey.shutdown(), noKey.shutdown()]);
    await consume();
    const rows = await lakeRows('SELECT customer_id, user_hash FROM events_dedup ORDER BY customer_id');
    expect(rows[0]?.user_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(rows[1]?.user_hash).toBeNull();
    const all = JSON.stringify(await lakeRows('SELECT * FROM events'));
    expect(all).not.toContain('alice');
    expect(all).not.toContain('bob');
  });

  it('passes raw lines through to the consumer, which quarantines the bad ones', async () => {
    const ledger = createEmitter({ streamName: kinesis.streamName, kinesisClient: kinesis.client });
    ledger.recordLine('{"v":1,"broken');
    ledger.recordLine('not json at all');
    await ledger.shutdown();
    const consumed = await consume();
    expect(consumed).toMatchObject({ events: 2, accepted: 0, quarantined: 2 });
    expect(consumed.reasons).toEqual({ not_json: 2 });
  });
});
