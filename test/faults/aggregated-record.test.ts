import { describe, expect, it } from 'vitest';
import { rejectionKey } from '../../packages/client/src/contract/rejection.ts';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { decodeRecord } from '../../src/core/framing/record-framing.ts';
import { consumeStream, readStream } from '../helpers/consume-stream.ts';
import { wireEvent } from '../helpers/factories.ts';
import { fileRows, lakeCounts, quarantined } from '../helpers/lake-counts.ts';
import { recordInput } from '../helpers/record-input.ts';
import { streamAndLakePerTest } from '../helpers/stream-and-lake.ts';

// Case 4 of the fault-injection suite: one bad event inside an aggregated record (a gzip NDJSON batch, docs/contracts.md §3).
// The record is built by the real emitter (the bad line goes in through recordLine, which sends a line as it is,
// as `tokenledger ingest events` does), stored by kinesalite, consumed by the real poller and ingest handler into
// the folder lake. Nothing is faked.

const NOW = Date.now();
/** 9 good events; the bad one is the 5th line of the record (index 4). */
const GOOD = 9;
const BAD_AT = 4;

const BAD_LINES = [
  { what: 'a truncated line (not JSON)', line: '{"v":1,"event_id":"c4-trunc', reason: 'not_json' },
  {
    what: 'an event breaking the contract (feature)',
    line: JSON.stringify(
      wireEvent({ event_id: 'c4-bad-feature', ts: new Date(NOW).toISOString(), feature: 'Bad Feature!' }),
    ),
    reason: 'feature:bad_format',
  },
  {
    what: 'an event dated more than 24 h after its arrival',
    line: JSON.stringify(
      wireEvent({ event_id: 'c4-future-ts', ts: new Date(NOW + 25 * 3_600_000).toISOString() }),
    ),
    reason: 'ts:ts_future',
  },
];

const env = streamAndLakePerTest();

describe('fault: one bad event inside an aggregated record', () => {
  it.each(BAD_LINES)(
    '$what → that event in quarantine with its raw text and reason, the other 9 once',
    async ({ line, reason }) => {
      // Prepare: one record of 10 events, the bad one in the middle.
      const ledger = createEmitter({
        streamName: env.kinesis.streamName,
        kinesisClient: env.kinesis.client,
        hmacKey: 'k',
        maxRecordEvents: 100,
        maxBatchEvents: 100_000,
      });
      const good = Array.from({ length: GOOD }, (_, i) => `c4-good-${String(i).padStart(4, '0')}`);
      good.forEach((eventId, i) => {
        if (i === BAD_AT) ledger.recordLine(line);
        ledger.record(recordInput({ eventId }));
      });
      await ledger.shutdown();
      expect(ledger.stats()).toMatchObject({ recorded: 10, sent: 10, invalid: 0, dropped: 0 });
      const [event] = await readStream(env.kinesis);
      expect(event?.Records).toHaveLength(1);
      const record = event?.Records[0];
      const lines = decodeRecord(Buffer.from(record?.kinesis.data ?? '', 'base64'));
      expect(lines).toHaveLength(10);
      expect(lines[BAD_AT]?.text).toBe(line);

      // Act: consumed twice (a redelivery), to show the quarantine is not doubled either.
      const store = new FsLakeStore(env.lake.dir);
      const consumed = await consumeStream(env.kinesis, store);
      const again = await consumeStream(env.kinesis, store);

      // Assess: the record is not failed; 10 events in: 9 accepted, 1 quarantined.
      expect(consumed.deliveries.map((d) => d.response)).toEqual([{ batchItemFailures: [] }]);
      expect(consumed.counts).toMatchObject({
        records: 1,
        events: 10,
        accepted: GOOD,
        duplicates: 0,
        quarantined: 1,
        reasons: { [reason]: 1 },
      });
      expect(again.deliveries[0]?.report?.outcome.written).toEqual([]);

      const entries = await quarantined(store);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.key).toMatch(
        /^quarantine\/dt=\d{4}-\d{2}-\d{2}\/llm-events\/shardId-000000000000\//,
      );
      expect(entries[0]?.entry).toMatchObject({
        shard_id: 'shardId-000000000000',
        sequence_number: record?.kinesis.sequenceNumber,
        index: BAD_AT,
        raw: line,
        raw_encoding: 'utf8',
      });
      expect(entries[0]?.entry.reasons.map(rejectionKey)).toEqual([reason]);

      const counts = await lakeCounts(env.lake.dir);
      expect({
        rows: counts.rows,
        files: fileRows(counts),
        distinct: counts.distinct,
        dedup: counts.dedup,
      }).toEqual({
        rows: GOOD,
        files: GOOD,
        distinct: GOOD,
        dedup: GOOD,
      });
      expect([...counts.dedupCopies.keys()].sort()).toEqual(good);
    },
  );
});
