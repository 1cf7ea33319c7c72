import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { EVENT_LIMITS, RECORD_LIMITS } from '../core/event/limits.ts';
import { validateEvent } from '../core/event/validate.ts';
import type { EmitterError, EmitterOptions, EmitterStats } from './emitter-options.ts';
import type { RecordInput } from './record-input.ts';
import { type Pending, toWireEvent, UserHasher } from './wire-event.ts';

const gzip = promisify(gzipCallback);
const PUT_RECORDS_MAX_ENTRIES = 500;
const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export interface Emitter {
  /** Queues one LLM request's event. Synchronous, never throws, never waits. */
  record(input: RecordInput): void;
  /**
   * Queues an already-serialised wire event (a JSONL line) as it is, unchecked: the consumer validates it.
   * For replaying files (`tokenledger ingest events`).
   */
  recordLine(line: string): void;
  /** Sends what is queued now; resolves when it is sent or given up. Never rejects. */
  flush(): Promise<void>;
  /** Flushes within `shutdownTimeoutMs`, counts what is still unsent as dropped, and stops. Safe to call twice. */
  shutdown(): Promise<void>;
  stats(): EmitterStats;
}

type Item = { kind: 'call'; pending: Pending } | { kind: 'line'; line: string };

/**
 * The tiny client: queue in memory, batch into gzip NDJSON records, send with PutRecords, retry only what
 * failed. All the work — ids, hashing, validation, serialisation, compression, sending — happens at flush,
 * off the app's request path; `record()` only copies the call and queues it.
 */
export function createEmitter(options: EmitterOptions): Emitter {
  const o = {
    maxBatchEvents: 500,
    flushIntervalMs: 1000,
    maxQueueEvents: 10_000,
    maxQueueBytes: 8 * 1024 * 1024,
    maxRecordEvents: 500,
    maxRetries: 5,
    retryBaseMs: 100,
    retryMaxMs: 5000,
    requestTimeoutMs: 5000,
    shutdownTimeoutMs: 5000,
    ...options,
  };
  const hasher = o.hmacKey === undefined ? null : new UserHasher(o.hmacKey);
  const stats: EmitterStats = {
    queued: 0,
    sent: 0,
    dropped: 0,
    invalid: 0,
    failedSends: 0,
    retries: 0,
    calls: 0,
  };
  let queue: Item[] = [];
  let queueBytes = 0;
  let closed = false;
  let warnedNoKey = false;
  let sending: Promise<void> = Promise.resolve();
  const abort = new AbortController();
  // Events handed to a send and not yet counted as sent, dropped or invalid. At a shutdown that times out
  // they are all counted as dropped, and whatever happens to them later is no longer counted.
  let outstanding = 0;
  let abandoned = false;
  const settle = (field: 'sent' | 'dropped' | 'invalid', count: number) => {
    if (abandoned || count === 0) return;
    stats[field] += count;
    outstanding -= count;
  };

  const report = (error: EmitterError) => {
    try {
      o.onError?.(error);
    } catch {
      // The app's own handler failed; there is nowhere left to report it, and we must not throw.
    }
  };
  const drop = (count: number, message: string, cause?: unknown) => {
    stats.dropped += count;
    report({ kind: 'dropped', message, count, ...(cause === undefined ? {} : { cause }) });
  };

  const timer = setInterval(() => {
    if (queue.length > 0) void flush();
  }, o.flushIntervalMs);
  timer.unref();

  function enqueue(item: Item, bytes: number): void {
    if (closed) {
      drop(1, 'event recorded after shutdown');
      return;
    }
    if (queue.length >= o.maxQueueEvents || queueBytes + bytes > o.maxQueueBytes) {
      drop(1, `queue full (${queue.length} events, ~${queueBytes} bytes): newest event dropped`);
      return;
    }
    queue.push(item);
    queueBytes += bytes;
    if (queue.length >= o.maxBatchEvents) void flush();
  }

  function record(input: RecordInput): void {
    try {
      if (input.userId !== undefined && hasher === null && !warnedNoKey) {
        warnedNoKey = true;
        process.emitWarning(
          'tokenledger: no hmacKey given, so userId is left out of every event',
          'TokenledgerWarning',
        );
      }
      const copy = { ...input };
      enqueue(
        { kind: 'call', pending: { input: copy, at: Date.now() } },
        400 + (input.feature?.length ?? 0) * 2,
      );
    } catch (err) {
      report({
        kind: 'invalid',
        message: `record() failed: ${(err as Error).message}`,
        count: 1,
        cause: err,
      });
    }
  }

  function recordLine(line: string): void {
    try {
      enqueue({ kind: 'line', line }, line.length);
    } catch (err) {
      report({
        kind: 'invalid',
        message: `recordLine() failed: ${(err as Error).message}`,
        count: 1,
        cause: err,
      });
    }
  }

  function flush(): Promise<void> {
    const items = queue;
    queue = [];
    queueBytes = 0;
    outstanding += items.length;
    // One send at a time, in order; a failure inside never rejects the chain.
    sending = sending
      .then(() => sendItems(items))
      .catch((err) => report({ kind: 'send_failed', message: String(err), count: 0, cause: err }));
    return sending;
  }

  async function sendItems(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    const lines = serialise(items);
    const records = await pack(lines);
    for (const call of calls(records)) await putWithRetries(call);
  }

  /** Items to NDJSON lines; invalid and oversize events are counted and reported here, before any call. */
  function serialise(items: Item[]): string[] {
    const lines: string[] = [];
    const now = Date.now();
    for (const item of items) {
      let line: string;
      if (item.kind === 'line') {
        line = item.line;
      } else {
        const wire = toWireEvent(item.pending, hasher);
        const check = validateEvent(wire, now);
        if (!check.ok) {
          settle('invalid', 1);
          report({ kind: 'invalid', message: check.rejections.map((r) => r.message).join('; '), count: 1 });
          continue;
        }
        line = JSON.stringify(wire);
      }
      if (
        line.length * 3 > EVENT_LIMITS.eventBytesMax &&
        Buffer.byteLength(line) > EVENT_LIMITS.eventBytesMax
      ) {
        settle('invalid', 1);
        report({
          kind: 'invalid',
          message: `event is ${Buffer.byteLength(line)} bytes, more than ${EVENT_LIMITS.eventBytesMax}`,
          count: 1,
        });
        continue;
      }
      lines.push(line);
    }
    return lines;
  }

  /** Lines into gzip NDJSON records of at most `maxRecordEvents` events and 1 MiB compressed. */
  async function pack(lines: string[]): Promise<Record_[]> {
    const out: Record_[] = [];
    const packOne = async (group: string[]): Promise<void> => {
      const data = await gzip(`${group.join('\n')}\n`, { level: 1 });
      if (data.length <= RECORD_LIMITS.recordBytesMax || group.length === 1) {
        if (data.length > RECORD_LIMITS.recordBytesMax)
          return dropSent(1, `one event compresses to ${data.length} bytes`);
        out.push({ data, events: group.length });
        return;
      }
      const half = Math.ceil(group.length / 2);
      await packOne(group.slice(0, half));
      await packOne(group.slice(half));
    };
    for (let i = 0; i < lines.length; i += o.maxRecordEvents)
      await packOne(lines.slice(i, i + o.maxRecordEvents));
    return out;
  }

  /** Records into PutRecords calls of at most 500 entries and 5 MiB. */
  function calls(records: Record_[]): Record_[][] {
    const out: Record_[][] = [];
    let current: Record_[] = [];
    let bytes = 0;
    for (const r of records) {
      if (
        current.length === PUT_RECORDS_MAX_ENTRIES ||
        (current.length > 0 && bytes + r.data.length > PUT_RECORDS_MAX_BYTES)
      ) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(r);
      bytes += r.data.length;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  async function putWithRetries(records: Record_[]): Promise<void> {
    let pending = records;
    for (let attempt = 0; ; attempt++) {
      if (abort.signal.aborted)
        return dropSent(events(pending), 'shutdown timed out before these events were sent');
      let failed: Record_[];
      try {
        failed = await putOnce(pending);
      } catch (err) {
        stats.failedSends++;
        report({
          kind: 'send_failed',
          message: `PutRecords failed: ${(err as Error).message}`,
          count: events(pending),
          cause: err,
        });
        failed = pending;
      }
      if (failed.length === 0) return;
      if (attempt >= o.maxRetries) {
        return dropSent(events(failed), `PutRecords still failing after ${o.maxRetries} retries`);
      }
      stats.retries += failed.length;
      pending = failed;
      await sleep(backoff(attempt));
    }
  }

  /** One PutRecords call; resolves with the entries it did not take. */
  async function putOnce(records: Record_[]): Promise<Record_[]> {
    stats.calls++;
    const entries: PutRecordsRequestEntry[] = records.map((r) => ({
      Data: r.data,
      PartitionKey: partitionKey(),
    }));
    const timeout = AbortSignal.timeout(o.requestTimeoutMs);
    const signal = AbortSignal.any([timeout, abort.signal]);
    const out = await o.kinesisClient.send(
      new PutRecordsCommand({ StreamName: o.streamName, Records: entries }),
      {
        abortSignal: signal,
      },
    );
    const results = out.Records ?? [];
    const failed = records.filter((_, i) => results[i] === undefined || results[i]?.ErrorCode !== undefined);
    settle('sent', events(records) - events(failed));
    if (failed.length > 0) stats.failedSends++;
    return failed;
  }

  /** Drops events that were handed to a send. */
  function dropSent(count: number, message: string): void {
    if (abandoned) return;
    settle('dropped', count);
    report({ kind: 'dropped', message, count });
  }

  function backoff(attempt: number): number {
    const cap = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** attempt);
    return Math.random() * cap;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }

  let shuttingDown: Promise<void> | null = null;
  function shutdown(): Promise<void> {
    shuttingDown ??= (async () => {
      clearInterval(timer);
      const done = flush();
      closed = true;
      let timedOut = false;
      await Promise.race([
        done,
        new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timedOut = true;
            resolve();
          }, o.shutdownTimeoutMs);
          t.unref();
          void done.then(() => clearTimeout(t));
        }),
      ]);
      if (timedOut) {
        // Stop waiting: abort the calls in flight, and count every event not yet acknowledged as dropped.
        abort.abort();
        if (!abandoned) stats.dropped += outstanding;
        if (outstanding > 0) {
          report({
            kind: 'dropped',
            message: 'shutdown timed out before these events were sent',
            count: outstanding,
          });
        }
        outstanding = 0;
        abandoned = true;
      }
    })();
    return shuttingDown;
  }

  return {
    record,
    recordLine,
    flush: () => (closed ? (shuttingDown ?? Promise.resolve()) : flush()),
    shutdown,
    stats: () => ({ ...stats, queued: queue.length }),
  };
}

interface Record_ {
  data: Buffer;
  events: number;
}

function events(records: readonly Record_[]): number {
  return records.reduce((n, r) => n + r.events, 0);
}

let keyCounter = 0;
/** Spreads records over shards: Kinesis hashes the key; its value means nothing. */
function partitionKey(): string {
  keyCounter = (keyCounter + 1) % 1_000_000_000;
  return `${process.pid}-${keyCounter}`;
}
