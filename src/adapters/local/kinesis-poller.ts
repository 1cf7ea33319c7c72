import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

type Handler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

export interface DrainOptions {
  /** Records per handler invocation, as the event source mapping's batch size. @default 1000 */
  batchSize?: number;
  /** Redeliveries of a failing (sub-)batch before giving up on it, as the mapping's retry attempts. @default 3 */
  maxRetries?: number;
  onBatch?: (records: number) => void;
  /**
   * The on-failure destination: receives the records given up on (the mapping sends them to the failed-records
   * bucket), and the shard moves on. Without it, giving up stops the drain with the error.
   */
  onFailure?: (failure: { shardId: string; records: KinesisStreamRecord[]; error: unknown }) => Promise<void>;
}

/**
 * What the Lambda event source mapping does, on one machine: read every shard of a stream from the start and hand
 * the records to the consumer in batches. When the consumer reports `batchItemFailures`, the batch is delivered
 * again from the first failed record; when it throws, the batch is bisected and each half delivered on its own,
 * down to a single record. A (sub-)batch still failing after `maxRetries` redeliveries goes to `onFailure` and the
 * shard moves on past it — or, without `onFailure`, the drain stops with the error. Stops when every shard is read
 * to its end.
 */
export async function drainStream(
  kinesis: KinesisClient,
  streamName: string,
  handler: Handler,
  options: DrainOptions = {},
): Promise<{ records: number; batches: number; failed: number }> {
  const batchSize = options.batchSize ?? 1000;
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const totals = { records: 0, batches: 0, failed: 0 };
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    let iterator = await shardIterator(kinesis, streamName, shardId);
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      const got = page.Records ?? [];
      if (got.length === 0) break;
      await deliver(
        handler,
        shardId,
        got.map((r) => toLambdaRecord(r, shardId, streamName)),
        options,
        totals,
      );
      options.onBatch?.(totals.records);
      iterator = page.NextShardIterator;
    }
  }
  return totals;
}

/** One page of a shard, delivered as the event source mapping delivers it (see drainStream). */
async function deliver(
  handler: Handler,
  shardId: string,
  records: KinesisStreamRecord[],
  options: DrainOptions,
  totals: { records: number; batches: number; failed: number },
): Promise<void> {
  const maxRetries = options.maxRetries ?? 3;
  const pending = [{ records, attempts: 0 }];
  for (let batch = pending.shift(); batch; batch = pending.shift()) {
    let failedFrom: number;
    let error: unknown;
    let threw = false;
    totals.batches++;
    try {
      const failed = (await handler({ Records: batch.records })).batchItemFailures[0]?.itemIdentifier;
      failedFrom =
        failed === undefined ? -1 : batch.records.findIndex((r) => r.kinesis.sequenceNumber === failed);
      if (failed !== undefined && failedFrom < 0) failedFrom = 0; // an identifier not in the batch: all of it
      error = new Error(`shard ${shardId}: the consumer reported record ${failed} as failed`);
    } catch (err) {
      threw = true;
      failedFrom = 0;
      error = err;
    }
    if (failedFrom < 0) {
      totals.records += batch.records.length;
      continue;
    }
    totals.records += failedFrom;
    const rest = batch.records.slice(failedFrom);
    if (threw && rest.length > 1) {
      const half = Math.ceil(rest.length / 2);
      pending.unshift(
        { records: rest.slice(0, half), attempts: batch.attempts },
        { records: rest.slice(half), attempts: batch.attempts },
      );
    } else if (batch.attempts >= maxRetries) {
      if (!options.onFailure) {
        if (threw) throw error;
        throw new Error(`shard ${shardId}: records from ${rest[0]?.kinesis.sequenceNumber} keep failing`);
      }
      await options.onFailure({ shardId, records: rest, error });
      totals.failed += rest.length;
    } else {
      pending.unshift({ records: rest, attempts: batch.attempts + 1 });
    }
  }
}

async function shardIterator(kinesis: KinesisClient, stream: string, shardId: string, atSequence?: string) {
  const out = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shardId,
      ...(atSequence
        ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: atSequence }
        : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  return out.ShardIterator;
}

function toLambdaRecord(r: _Record, shardId: string, streamName: string): KinesisStreamRecord {
  const sequenceNumber = r.SequenceNumber as string;
  return {
    awsRegion: 'local',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: `arn:aws:kinesis:local:000000000000:stream/${streamName}`,
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
    kinesis: {
      approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
      data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
      kinesisSchemaVersion: '1.0',
      partitionKey: r.PartitionKey ?? '',
      sequenceNumber,
    },
  };
}
