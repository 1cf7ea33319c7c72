import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { encodeBatch } from '../../src/core/framing/record-framing.ts';

let counter = 0;

/** A valid wire event (docs/contracts.md §2); override any field. */
export function wireEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    v: 1,
    event_id: `evt_${String(counter).padStart(8, '0')}`,
    ts: '2026-11-02T10:00:00.000Z',
    feature: 'draft-email',
    cohort: 'pro',
    customer_id: 'cus_1',
    user_hash: 'a'.repeat(64),
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    input_tokens: 1000,
    cache_read_tokens: 200,
    cache_write_tokens: 0,
    output_tokens: 300,
    status: 'ok',
    ...overrides,
  };
}

export const STREAM = 'llm-events';
export const SHARD = 'shardId-000000000000';
export const ARRIVAL = Date.parse('2026-11-02T10:00:05.000Z');

/** A Kinesis record whose data is the given bytes. */
export function kinesisRecord(
  data: Uint8Array,
  sequenceNumber: string,
  arrivedAt = ARRIVAL,
): KinesisStreamRecord {
  return {
    awsRegion: 'eu-west-1',
    eventID: `${SHARD}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/llm-events',
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/ingest',
    kinesis: {
      approximateArrivalTimestamp: arrivedAt / 1000,
      data: Buffer.from(data).toString('base64'),
      kinesisSchemaVersion: '1.0',
      partitionKey: 'pk',
      sequenceNumber,
    },
  };
}

/** A Kinesis event with one gzip NDJSON record per group of lines. */
export function kinesisEvent(groups: readonly (readonly string[])[], firstSeq = 1000): KinesisStreamEvent {
  return {
    Records: groups.map((lines, i) => {
      const [record] = encodeBatch(lines);
      return kinesisRecord(record?.data as Buffer, seq(firstSeq + i));
    }),
  };
}

/** Kinesis sequence numbers are long decimal strings of equal length here, so they sort as numbers do. */
export function seq(n: number): string {
  return `4963${String(n).padStart(52, '0')}`;
}

export const line = (event: Record<string, unknown>) => JSON.stringify(event);
