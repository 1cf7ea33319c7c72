import type { EmitterError, EmitterStats } from './emitter-options.ts';
import type { RecordInput } from './record-input.ts';
import type { ResolvedOptions } from './resolve-options.ts';
import type { Pending } from './wire-event.ts';

/** One event from the moment it is queued until it is settled. */
export interface Item {
  /** A `record()` call, or a line from `recordLine()`. */
  pending?: Pending;
  line?: string;
  /** Estimated bytes it holds in memory until it is settled. */
  bytes: number;
}

/** The counts the queue keeps: `recorded = sent + dropped + invalid + queued + inFlight`. */
export type QueueStats = Pick<
  EmitterStats,
  'recorded' | 'queued' | 'inFlight' | 'sent' | 'dropped' | 'invalid'
>;

export interface Queue {
  /** Events waiting for the next batch. */
  size(): number;
  /** True after `abandon()`: in-flight events are no longer counted. */
  isAbandoned(): boolean;
  /** Counts a call of `record()` or `recordLine()`, before anything else can go wrong with it. */
  arrive(): void;
  /** Refuses a call before it was queued: counted and reported at once. */
  refuse(field: 'dropped' | 'invalid', message: string, cause?: unknown): void;
  /**
   * Queues an item, unless the queue is closed or full (the item is then counted as dropped). True when the
   * queue now holds a full batch (`maxBatchEvents`): time to flush.
   */
  push(item: Item): boolean;
  /** Hands every queued item to a send: from now on they are in flight. */
  take(): Item[];
  /** Counts in-flight events as sent, dropped or invalid, and frees their bytes. */
  settle(field: 'sent' | 'dropped' | 'invalid', count: number, bytes: number): void;
  /** Gives up on in-flight events: settled as dropped and reported, unless a shutdown already abandoned them. */
  drop(count: number, bytes: number, message: string, code?: string, cause?: unknown): void;
  /** Reports the events a full queue dropped since the last report, in one error. */
  reportDrops(): void;
  /** From shutdown on, the queue takes no more events. */
  close(): void;
  /** A shutdown timed out: counts every in-flight event as dropped, and stops counting them. */
  abandon(message: string): void;
  stats(): QueueStats;
}

/**
 * The in-memory queue, bounded by the events and bytes recorded but not yet settled, in flight or not, and the
 * account of every recorded event: each is counted exactly once, as queued, in flight, sent, dropped or invalid.
 */
export function createQueue(
  o: Pick<ResolvedOptions, 'maxQueueEvents' | 'maxQueueBytes' | 'maxBatchEvents'>,
  report: (error: EmitterError) => void,
): Queue {
  let items: Item[] = [];
  // In the order of EmitterStats; `queued` is read from the queue itself.
  const counts: QueueStats = { recorded: 0, queued: 0, inFlight: 0, sent: 0, dropped: 0, invalid: 0 };
  let bufferedBytes = 0; // queued and in flight
  let closed = false;
  let abandoned = false; // a shutdown timed out: what was in flight is counted as dropped, and no longer counted
  let droppedUnreported = 0;

  const refuse = (field: 'dropped' | 'invalid', message: string, cause?: unknown) => {
    counts[field]++;
    report({ kind: field, message, count: 1, ...(cause === undefined ? {} : { cause }) });
  };
  const settle = (field: 'sent' | 'dropped' | 'invalid', count: number, bytes: number) => {
    if (abandoned || count === 0) return;
    counts[field] += count;
    counts.inFlight -= count;
    bufferedBytes -= bytes;
  };

  // Methods, not getters: with accessors on this object, record() took ~20 ns more (bench/client-bench.ts).
  return {
    size: () => items.length,
    isAbandoned: () => abandoned,
    arrive() {
      counts.recorded++;
    },
    refuse,
    push(item) {
      if (closed) {
        refuse('dropped', 'event recorded after shutdown');
        return false;
      }
      if (
        items.length + counts.inFlight >= o.maxQueueEvents ||
        bufferedBytes + item.bytes > o.maxQueueBytes
      ) {
        // Counted at once, reported once per flush interval: a full queue must not flood the app's logs.
        counts.dropped++;
        droppedUnreported++;
        return false;
      }
      items.push(item);
      bufferedBytes += item.bytes;
      return items.length >= o.maxBatchEvents;
    },
    take() {
      const out = items;
      items = [];
      counts.inFlight += out.length;
      return out;
    },
    settle,
    drop(count, bytes, message, code, cause) {
      if (abandoned) return;
      settle('dropped', count, bytes);
      report({ kind: 'dropped', message, count, code, cause });
    },
    reportDrops() {
      if (droppedUnreported === 0) return;
      report({ kind: 'dropped', message: 'queue full: newest events dropped', count: droppedUnreported });
      droppedUnreported = 0;
    },
    close() {
      closed = true;
    },
    abandon(message) {
      const left = counts.inFlight;
      counts.dropped += left;
      counts.inFlight = 0;
      bufferedBytes = 0;
      abandoned = true;
      if (left > 0) report({ kind: 'dropped', message, count: left });
    },
    stats: () => ({ ...counts, queued: items.length }),
  };
}

/** Bytes a queued `record()` call holds, roughly: its strings and tags, and the fixed part of the event. */
export function inputBytes(i: RecordInput): number {
  let n = 320;
  for (const v of [
    i.feature,
    i.cohort,
    i.provider,
    i.model,
    i.customerId,
    i.userId,
    i.operation,
    i.promptId,
    i.promptVersion,
    i.eventId,
  ]) {
    if (typeof v === 'string') n += v.length * 2;
  }
  if (i.tags !== null && typeof i.tags === 'object') {
    for (const k in i.tags) {
      const v = (i.tags as Record<string, unknown>)[k];
      n += 32 + k.length * 2 + (typeof v === 'string' ? v.length * 2 : 16);
    }
  }
  return n;
}

/** Bytes a queued `recordLine()` line holds, roughly. */
export function lineBytes(line: string): number {
  return 64 + line.length * 2;
}
