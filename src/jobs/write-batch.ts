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
 * deduplicated view counts each event once).
 */
export async function writeBatch(batch: EventBatch, store: LakeStore): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { written: [], existing: [], retryFrom: null, errors: [] };
  for (const object of lakeObjects(batch)) {
    try {
      const result = await store.putNew(object.key, object.body(), object.contentType);
      (result === 'written' ? outcome.written : outcome.existing).push(object.key);
    } catch (err) {
      outcome.errors.push({ key: object.key, error: err instanceof Error ? err : new Error(String(err)) });
      outcome.retryFrom = Math.min(outcome.retryFrom ?? Number.POSITIVE_INFINITY, object.firstRecord);
    }
  }
  return outcome;
}
