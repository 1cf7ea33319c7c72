import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { createIngestHandler, LakeWriteError } from '../../src/jobs/ingest-job.ts';
import { kinesisEvent, kinesisRecord, line, SHARD, STREAM, seq, wireEvent } from '../helpers/factories.ts';
import { FailingStore } from '../helpers/failing-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let lake: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  lake = await tempDir();
});
afterEach(async () => {
  await lake.remove();
});

async function countRows(sql: string): Promise<Record<string, unknown>[]> {
  const engine = await LocalQueryEngine.open(lake.dir);
  try {
    return await engine.run(sql);
  } finally {
    engine.close();
  }
}

describe('ingest handler', () => {
  it('stores valid events per date, drops repeated ids and quarantines bad events without failing the batch', async () => {
    // Prepare
    const store = new FsLakeStore(lake.dir);
    const handler = createIngestHandler({ store });
    const day1 = wireEvent({ ts: '2026-11-01T23:59:59.999Z' });
    const day2 = wireEvent({ ts: '2026-11-02T00:00:00.000+00:00' });
    const offset = wireEvent({ ts: '2026-11-02T01:30:00+02:00' }); // 2026-11-01T23:30Z
    const event = kinesisEvent([
      [
        line(day1),
        line(day2),
        line(day1),
        '{"v":1,"event_id":"trunc',
        line(wireEvent({ feature: 'Bad Feature!' })),
      ],
      [line(offset), line(wireEvent({ tags: { big: 'x'.repeat(33 * 1024) } })), line(day2)],
    ]);
    event.Records.push(kinesisRecord(Buffer.from([0x1f, 0x8b, 0, 0]), seq(1002)));

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const keys = await store.list('');
    const range = `${STREAM}/${SHARD}/${seq(1000)}-${seq(1002)}`;
    expect(keys).toEqual([
      `events/dt=2026-11-01/${range}.parquet`,
      `events/dt=2026-11-02/${range}.parquet`,
      `quarantine/dt=2026-11-02/${range}.jsonl`,
    ]);
    const rows = await countRows('SELECT dt, event_id, ts FROM events ORDER BY ts');
    expect(rows.map((r) => r.event_id)).toEqual([offset.event_id, day1.event_id, day2.event_id]);
    expect(rows.map((r) => r.dt)).toEqual(['2026-11-01', '2026-11-01', '2026-11-02']);
    const quarantine = Buffer.from(await store.get(`quarantine/dt=2026-11-02/${range}.jsonl`))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(quarantine.map((q) => q.reasons[0].code)).toEqual([
      'not_json',
      'bad_format',
      'too_large',
      'not_json',
    ]);
    expect(quarantine[0].raw).toBe('{"v":1,"event_id":"trunc');
    expect(quarantine[1].reasons[0].field).toBe('feature');
    // A gzip of which nothing can be inflated may be a Collector's, holding raw end-user ids: its bytes are not kept.
    expect(quarantine[3]).toMatchObject({ raw: '', raw_encoding: 'none' });
  });

  it('writes the same keys when a batch is delivered again, and never overwrites them', async () => {
    const store = new FsLakeStore(lake.dir);
    const handler = createIngestHandler({ store });
    const event = kinesisEvent([[line(wireEvent()), line(wireEvent())]]);
    await handler(event);
    const [key] = await store.list('events/');
    const before = await store.get(key as string);

    await handler(event);

    expect(await store.list('events/')).toEqual([key]);
    expect(await store.get(key as string)).toEqual(before);
    expect(await countRows('SELECT count(*)::INT AS n FROM events_dedup')).toEqual([{ n: 2 }]);
  });

  it('reports the first record whose events could not be stored, and a retry from there counts every event once', async () => {
    // Prepare: record 0 holds a 2026-11-01 event, records 1 and 2 hold 2026-11-02 events; writes for 11-02 fail.
    const fs = new FsLakeStore(lake.dir);
    let failing = true;
    const store = new FailingStore(fs, (key) => failing && key.includes('dt=2026-11-02'));
    const handler = createIngestHandler({ store });
    const e0 = wireEvent({ ts: '2026-11-01T10:00:00Z' });
    const e1 = wireEvent();
    const e2 = wireEvent();
    const event = kinesisEvent([[line(e0)], [line(e1), line(e0)], [line(e2)]]);

    // Act
    const response = await handler(event);

    // Assess: Kinesis must redeliver from record 1, the first one with unstored events.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(1001) }]);
    expect(store.failures).toBe(1);

    // Act: the stream redelivers from record 1 and the lake works again.
    failing = false;
    const retry = { Records: event.Records.slice(1) };
    expect((await handler(retry)).batchItemFailures).toEqual([]);

    // Assess: e0 is stored twice (in both batches) but counted once.
    expect(await countRows('SELECT count(*)::INT AS n FROM events')).toEqual([{ n: 4 }]);
    const ids = await countRows('SELECT event_id FROM events_dedup ORDER BY event_id');
    expect(ids.map((r) => r.event_id)).toEqual([e0.event_id, e1.event_id, e2.event_id].sort());
  });

  it('throws when nothing of the batch could be stored, so that Lambda retries and bisects', async () => {
    const store = new FailingStore(new FsLakeStore(lake.dir), () => true);
    const handler = createIngestHandler({ store });
    await expect(handler(kinesisEvent([[line(wireEvent())], [line(wireEvent())]]))).rejects.toThrow(
      LakeWriteError,
    );
  });

  it('accepts a single-event record (first byte `{`) next to gzip batches', async () => {
    const store = new FsLakeStore(lake.dir);
    const handler = createIngestHandler({ store });
    const single = wireEvent();
    const event = kinesisEvent([[line(wireEvent())]]);
    event.Records.push(kinesisRecord(Buffer.from(line(single)), seq(1001)));
    event.Records.push(kinesisRecord(gzipSync(`${line(wireEvent())}\n`), seq(1002)));
    await handler(event);
    expect(await countRows('SELECT count(*)::INT AS n FROM events')).toEqual([{ n: 3 }]);
  });

  it('quarantines an event dated more than 24 h after the record arrived', async () => {
    const store = new FsLakeStore(lake.dir);
    const handler = createIngestHandler({ store });
    const event = kinesisEvent([[line(wireEvent({ ts: '2026-11-03T11:00:00Z' })), line(wireEvent())]]);
    await handler(event);
    const [q] = await store.list('quarantine/');
    const entry = JSON.parse(Buffer.from(await store.get(q as string)).toString());
    expect(entry.reasons[0]).toMatchObject({ code: 'ts_future', field: 'ts' });
    expect(await countRows('SELECT count(*)::INT AS n FROM events')).toEqual([{ n: 1 }]);
  });
});
