import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { type BatchCounts, EventBatch } from '../core/ingest/event-batch.ts';
import type { OtlpMapping } from '../core/ingest/otlp-mapping.ts';
import type { QuarantineEntry } from '../core/ingest/quarantine-entry.ts';
import type { StreamRecord } from '../core/ingest/stream-record.ts';
import type { LakeStore } from '../ports/lake-store.ts';
import { type WriteOutcome, writeBatch } from './write-batch.ts';

export interface IngestDependencies {
  store: LakeStore;
  /**
   * How OTLP spans become events (attribute keys, user-id HMAC key). Given as a promise when it takes a read at
   * cold start (the HMAC key from Secrets Manager); defaults to the default keys with user ids left out.
   */
  otlp?: OtlpMapping | Promise<OtlpMapping>;
  logger?: Pick<Logger, 'info' | 'error'>;
  /** Told what each batch did (the local pipeline reports it to the user). */
  onBatch?: (report: BatchReport) => void;
}

export interface BatchReport {
  counts: BatchCounts;
  quarantined: readonly QuarantineEntry[];
  outcome: WriteOutcome;
}

/** Thrown when nothing of a batch could be stored, so that Lambda retries and bisects it. */
export class LakeWriteError extends Error {
  override readonly name = 'LakeWriteError';
}

/**
 * The ingest consumer: Kinesis batch → decode → validate → drop repeated event_ids → Parquet in `events/`,
 * refused events in `quarantine/`. Bad data never fails the batch. When the lake cannot be written, the
 * response names the first record whose events are not stored (`batchItemFailures`), so Kinesis delivers
 * again from there; when that is the batch's first record, it throws instead, so Lambda bisects.
 */
export function createIngestHandler(deps: IngestDependencies) {
  return async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    const batch = new EventBatch(await deps.otlp);
    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    const processed = await processPartialResponse(
      event,
      (record: KinesisStreamRecord) => batch.add(toStreamRecord(record)),
      processor,
      { ...(context ? { context } : {}), processInParallel: false },
    );
    const outcome = await writeBatch(batch, deps.store);
    const records = event.Records;
    const failedPositions = processed.batchItemFailures.map((f) =>
      records.findIndex((r) => r.kinesis.sequenceNumber === f.itemIdentifier),
    );
    if (outcome.retryFrom !== null) failedPositions.push(outcome.retryFrom);
    const retryFrom = failedPositions.length > 0 ? Math.min(...failedPositions) : null;
    const counts = batch.stats();
    deps.onBatch?.({ counts, quarantined: batch.quarantined, outcome });
    deps.logger?.info('ingest batch', {
      ...counts,
      written: outcome.written,
      existing: outcome.existing.length,
    });
    for (const { key, error } of outcome.errors) deps.logger?.error('lake write failed', { key, error });
    if (retryFrom === null) return { batchItemFailures: [] };
    if (retryFrom <= 0) {
      throw new LakeWriteError(
        `the batch's first record could not be stored, so none is acknowledged (a retry skips objects already stored): ${outcome.errors.map((e) => `${e.key}: ${e.error.message}`).join('; ')}`,
      );
    }
    const from = records[retryFrom]?.kinesis.sequenceNumber as string;
    return { batchItemFailures: [{ itemIdentifier: from }] };
  };
}

export function toStreamRecord(record: KinesisStreamRecord): StreamRecord {
  return {
    stream: streamOf(record.eventSourceARN),
    shardId: shardOf(record.eventID),
    sequenceNumber: record.kinesis.sequenceNumber,
    arrivedAt: Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
    data: Buffer.from(record.kinesis.data, 'base64'),
  };
}

/** `arn:aws:kinesis:<region>:<account>:stream/<name>` → `<name>`. */
function streamOf(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : 'stream-unknown';
}

/** Kinesis event ids are `shardId-000000000000:<sequence number>`. */
function shardOf(eventId: string): string {
  const colon = eventId.indexOf(':');
  return colon > 0 ? eventId.slice(0, colon) : 'shardId-unknown';
}
