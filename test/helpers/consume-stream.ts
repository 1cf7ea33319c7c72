import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type DrainOptions, drainStream } from '../../src/adapters/local/kinesis-poller.ts';
import { addCounts, type BatchCounts, emptyCounts } from '../../src/core/ingest/event-batch.ts';
import { type BatchReport, createIngestHandler } from '../../src/jobs/ingest-job.ts';
import type { LakeStore } from '../../src/ports/lake-store.ts';

/** One invocation of the consumer: the records it was given and what it answered (or threw). */
export interface Delivery {
  event: KinesisStreamEvent;
  sequenceNumbers: string[];
  response?: KinesisStreamBatchResponse;
  error?: Error;
  report?: BatchReport;
}

export interface Consumed {
  /** Records the poller counts as consumed. */
  records: number;
  batches: number;
  /** The consumer's counts over every invocation. */
  counts: BatchCounts;
  deliveries: Delivery[];
}

/** The real ingest handler over `store`, logging each invocation it serves. */
export function loggedHandler(store: LakeStore, deliveries: Delivery[]) {
  let current: Delivery | undefined;
  const handler = createIngestHandler({
    store,
    onBatch: (report) => {
      if (current) current.report = report;
    },
  });
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    current = { event, sequenceNumbers: event.Records.map((r) => r.kinesis.sequenceNumber) };
    deliveries.push(current);
    try {
      current.response = await handler(event);
      return current.response;
    } catch (err) {
      current.error = err as Error;
      throw err;
    }
  };
}

/**
 * Reads a stream to its end with the local poller (what the event source mapping does) through the real ingest
 * handler into `store`.
 */
export async function consumeStream(
  kinesis: { client: KinesisClient; streamName: string },
  store: LakeStore,
  options: DrainOptions = {},
): Promise<Consumed> {
  const deliveries: Delivery[] = [];
  const drained = await drainStream(
    kinesis.client,
    kinesis.streamName,
    loggedHandler(store, deliveries),
    options,
  );
  const counts = emptyCounts();
  for (const d of deliveries) if (d.report) addCounts(counts, d.report.counts);
  return { ...drained, counts, deliveries };
}

/** The stream's records as the poller hands them to Lambda, one event per shard, without consuming anything. */
export async function readStream(kinesis: {
  client: KinesisClient;
  streamName: string;
}): Promise<KinesisStreamEvent[]> {
  const events: KinesisStreamEvent[] = [];
  await drainStream(kinesis.client, kinesis.streamName, async (event) => {
    events.push(event);
    return { batchItemFailures: [] };
  });
  return events;
}
