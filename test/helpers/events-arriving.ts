import type { KinesisStreamEvent } from 'aws-lambda';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import { encodeBatch } from '../../src/core/framing/record-framing.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { kinesisRecord, line, seq } from './factories.ts';
import type { LakeFixture } from './lake-fixture.ts';

let batch = 900_000;

/**
 * Writes events into a LakeFixture's lake as the consumer does, received at `arrivedAt` (epoch ms) rather than the
 * factories' fixed arrival: an event's ts may lie at most 24 h after its arrival, so a fixture with events over
 * several days (or the next month) has them arrive after the last of them. Throws when the contract would refuse
 * one of them, rather than let a fixture lose it silently.
 */
export async function eventsArriving(
  lake: LakeFixture,
  events: readonly Record<string, unknown>[],
  arrivedAt = Date.parse('2026-12-05T00:00:00Z'),
): Promise<void> {
  for (const e of events) {
    const v = validateEvent(e, arrivedAt);
    if (!v.ok) throw new Error(`fixture event refused: ${JSON.stringify(v.rejections)}`);
  }
  batch += 100;
  const records = encodeBatch(events.map(line));
  const event: KinesisStreamEvent = {
    Records: records.map((r, i) => kinesisRecord(r.data as Buffer, seq(batch + i), arrivedAt)),
  };
  await createIngestHandler({ store: lake.store })(event);
}
