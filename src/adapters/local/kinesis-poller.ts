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
  /** Redeliveries of a batch that failed (whole or from a record) before giving up. @default 3 */
  maxRetries?: number;
  onBatch?: (records: number) => void;
}

/**
 * What the Lambda event source mapping does, on one machine: read every shard of a stream from the start,
 * hand the records to the consumer in batches, and deliver again from the first failed record when the
 * consumer reports `batchItemFailures` (or from the batch's start when it throws). Stops when every shard is
 * read to its end.
 */
export async function drainStream(
  kinesis: KinesisClient,
  streamName: string,
  handler: Handler,
  options: DrainOptions = {},
): Promise<{ records: number; batches: number }> {
  const batchSize = options.batchSize ?? 1000;
  const maxRetries = options.maxRetries ?? 3;
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  let records = 0;
  let batches = 0;
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    let iterator = await shardIterator(kinesis, streamName, shardId);
    let retries = 0;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      const got = page.Records ?? [];
      if (got.length === 0) break;
      const event: KinesisStreamEvent = { Records: got.map((r) => toLambdaRecord(r, shardId, streamName)) };
      let failedAt: string | undefined;
      try {
        failedAt = (await handler(event)).batchItemFailures[0]?.itemIdentifier;
      } catch (err) {
        failedAt = got[0]?.SequenceNumber;
        if (retries >= maxRetries) throw err;
      }
      batches++;
      if (failedAt !== undefined) {
        if (retries++ >= maxRetries)
          throw new Error(`shard ${shardId}: records from ${failedAt} keep failing`);
        records += got.findIndex((r) => r.SequenceNumber === failedAt);
        iterator = await shardIterator(kinesis, streamName, shardId, failedAt);
        continue;
      }
      retries = 0;
      records += got.length;
      options.onBatch?.(records);
      iterator = page.NextShardIterator;
    }
  }
  return { records, batches };
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
