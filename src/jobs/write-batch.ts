import type { EventBatch } from '../core/ingest/event-batch.ts';
import { lakeObjects } from '../core/ingest/lake-objects.ts';
import type { LakeStore } from '../ports/lake-store.ts';

export interface WriteOutcome {
  written: string[];
  /** Keys a previous delivery of the same batch had already written. */
  existing: string[];
  /**
   * Index of the earliest record whose events could not be stored; the stream must deliver again from
   * it. `null` when everything was stored.
   */
  retryFrom: number | null;
  errors: { key: string; error: Error }[];
}

/**
 * Writes a batch's objects. Every object is tried even after one fails, so as much as possible lands;
 * the outcome says from which record the stream must retry (a retry rewrites under a new key, and the
 * deduplicated view counts each event once). The objects are written concurrently: each write starts as soon
 * as its body is built, so the next body is built while the store works.
 */
export async function writeBatch(batch: EventBatch, store: LakeStore): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { written: [], existing: [], retryFrom: null, errors: [] };
  const objects = lakeObjects(batch);
  const writes = objects.map(async (object) => store.putNew(object.key, object.body(), object.contentType));
  const results = await Promise.allSettled(writes);
  results.forEach((result, i) => {
    const object = objects[i] as (typeof objects)[number];
    if (result.status === 'fulfilled') {
      (result.value === 'written' ? outcome.written : outcome.existing).push(object.key);
    } else {
      const err = result.reason;
      outcome.errors.push({ key: object.key, error: err instanceof Error ? err : new Error(String(err)) });
      outcome.retryFrom = Math.min(outcome.retryFrom ?? Number.POSITIVE_INFINITY, object.firstRecord);
    }
  });
  return outcome;
}
