import { randomBytes } from 'node:crypto';
import type { KinesisStreamRecord } from 'aws-lambda';
import { encodeBatch } from '../core/framing/record-framing.ts';
import type { BatchCounts } from '../core/ingest/event-batch.ts';
import type { QuarantineEntry } from '../core/ingest/quarantine-entry.ts';
import { type BatchReport, createIngestHandler } from '../ingest/kinesis-ingest.ts';
import type { LakeStore } from '../ports/lake-store.ts';

export interface LocalStreamOptions {
  /** Events per record, as the client batches them. @default 500 */
  eventsPerRecord?: number;
  /** Records per consumer invocation (Lambda's batch size). @default 1000 */
  recordsPerBatch?: number;
  /** Payload per invocation in bytes (Lambda's limit is 6 MB). @default 5_000_000 */
  bytesPerBatch?: number;
  /** Called after each batch with the events sent so far. */
  onProgress?: (sent: number, total: number) => void;
  /** Epoch ms the stream received the records. @default Date.now() */
  now?: () => number;
}

/** Where each record's events start in the input, so a refused event can be traced to its line. */
export interface RecordOrigin {
  sequenceNumber: string;
  /** Input line numbers (1-based) of the record's events, in order. */
  lines: number[];
}

export interface LocalIngestResult extends BatchCounts {
  batches: number;
  /** Quarantined events with the input line they came from. */
  refused: (QuarantineEntry & { line: number | null })[];
}

export interface InputLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

/**
 * A stand-in for Kinesis and the Lambda event source mapping, on one machine: frames the lines into gzip
 * NDJSON records exactly as the client does, numbers them like a shard, and hands them to the ingest
 * consumer in Lambda-sized batches. The consumer is the same code that runs in AWS.
 */
export async function streamLines(
  input: readonly InputLine[],
  store: LakeStore,
  options: LocalStreamOptions = {},
): Promise<LocalIngestResult> {
  const perRecord = options.eventsPerRecord ?? 500;
  const now = options.now ?? Date.now;
  const shardId = `shardId-local-${randomBytes(6).toString('hex')}`;
  const origins = new Map<string, number[]>();
  const records: KinesisStreamRecord[] = [];
  let sequence = 0;
  for (let start = 0; start < input.length; start += perRecord) {
    const chunk = input.slice(start, start + perRecord);
    let offset = 0;
    for (const encoded of encodeBatch(chunk.map((l) => l.text))) {
      const sequenceNumber = String(++sequence).padStart(20, '0');
      origins.set(
        sequenceNumber,
        chunk.slice(offset, offset + encoded.events).map((l) => l.line),
      );
      offset += encoded.events;
      records.push(toKinesisRecord(shardId, sequenceNumber, encoded.data));
    }
  }

  const result: LocalIngestResult = {
    records: 0,
    events: 0,
    accepted: 0,
    duplicates: 0,
    quarantined: 0,
    reasons: {},
    batches: 0,
    refused: [],
  };
  const handler = createIngestHandler({ store, onBatch: (report) => collect(report, origins, result) });
  const recordsPerBatch = options.recordsPerBatch ?? 1000;
  const bytesPerBatch = options.bytesPerBatch ?? 5_000_000;
  let sent = 0;
  let next = 0;
  while (next < records.length) {
    const batch: KinesisStreamRecord[] = [];
    let bytes = 0;
    while (next < records.length && batch.length < recordsPerBatch) {
      const record = records[next] as KinesisStreamRecord;
      if (batch.length > 0 && bytes + record.kinesis.data.length > bytesPerBatch) break;
      const arrival = now() / 1000;
      batch.push({ ...record, kinesis: { ...record.kinesis, approximateArrivalTimestamp: arrival } });
      bytes += record.kinesis.data.length;
      next++;
    }
    const response = await handler({ Records: batch });
    if (response.batchItemFailures.length > 0) {
      const failed = response.batchItemFailures[0]?.itemIdentifier;
      throw new Error(`the lake could not store the events from record ${failed}; nothing after it was sent`);
    }
    result.batches++;
    sent += batch.reduce((n, r) => n + (origins.get(r.kinesis.sequenceNumber)?.length ?? 0), 0);
    options.onProgress?.(sent, input.length);
  }
  return result;
}

function collect(report: BatchReport, origins: Map<string, number[]>, result: LocalIngestResult): void {
  const { counts } = report;
  result.records += counts.records;
  result.events += counts.events;
  result.accepted += counts.accepted;
  result.duplicates += counts.duplicates;
  result.quarantined += counts.quarantined;
  for (const [k, n] of Object.entries(counts.reasons)) result.reasons[k] = (result.reasons[k] ?? 0) + n;
  for (const q of report.quarantined) {
    const lines = origins.get(q.sequence_number);
    result.refused.push({ ...q, line: q.index === null ? (lines?.[0] ?? null) : (lines?.[q.index] ?? null) });
  }
}

function toKinesisRecord(shardId: string, sequenceNumber: string, data: Buffer): KinesisStreamRecord {
  return {
    awsRegion: 'local',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/tokenledger-local',
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
    kinesis: {
      approximateArrivalTimestamp: 0,
      data: data.toString('base64'),
      kinesisSchemaVersion: '1.0',
      partitionKey: sequenceNumber,
      sequenceNumber,
    },
  };
}
