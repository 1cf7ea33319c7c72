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
/** NDJSON per record before compression: gzip never grows text by more than a few bytes per 16 kB. */
const RECORD_TEXT_MAX = RECORD_LIMITS.recordBytesMax - 64 * 1024;
/** Events serialised between two turns of the event loop, so a large flush never blocks the app for long. */
const SLICE = 200;

export interface Emitter {
  /** Queues one LLM request's event. Synchronous, never throws, never waits. */
  record(input: RecordInput): void;
  /**
   * Queues an already-serialised wire event (a JSONL line) as it is, unchecked: the consumer validates it.
   * Only a line over the 32 KiB event limit is refused here (counted as invalid), as it could not be sent.
   * For replaying files (`tokenledger ingest events`).
   */
  recordLine(line: string): void;
  /** Sends what is queued now; resolves when it is sent or given up. Never rejects. */
  flush(): Promise<void>;
  /** Flushes within `shutdownTimeoutMs`, counts what is still unsent as dropped, and stops. Safe to call twice. */
  shutdown(): Promise<void>;
  stats(): EmitterStats;
}

interface Item {
  /** A `record()` call, or a line from `recordLine()`. */
  pending?: Pending;
  line?: string;
  /** Estimated bytes it holds in memory until it is settled. */
  bytes: number;
}

interface Record_ {
  data: Buffer;
  key: string;
  events: number;
  bytes: number;
}

const DEFAULTS = {
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
} as const;

/** Limits of each numeric option: [min, max]. A value outside, or not a whole number, falls back to the default. */
const RANGES: Record<keyof typeof DEFAULTS, readonly [number, number]> = {
  maxBatchEvents: [1, 100_000],
  flushIntervalMs: [1, 3_600_000],
  maxQueueEvents: [1, 100_000_000],
  maxQueueBytes: [1024, 2 ** 40],
  maxRecordEvents: [1, 100_000],
  maxRetries: [0, 100],
  retryBaseMs: [0, 600_000],
  retryMaxMs: [0, 3_600_000],
  requestTimeoutMs: [1, 600_000],
  shutdownTimeoutMs: [0, 3_600_000],
};

/**
 * The tiny client: queue in memory, batch into gzip NDJSON records, send with PutRecords, retry only what
 * failed. `record()` only copies the call and queues it; ids, hashing, validation, serialisation (in slices,
 * between turns of the event loop), compression (on libuv's pool) and sending happen when a batch is sent.
 *
 * Every recorded event is counted exactly once: `recorded = sent + dropped + invalid + queued + inFlight`.
 * Memory is bounded by the events and bytes recorded but not yet settled, in flight or not.
 */
export function createEmitter(options: EmitterOptions): Emitter {
  const report = (error: EmitterError) => {
    try {
      options.onError?.(error);
    } catch {
      // The app's own handler failed; there is nowhere left to report it, and we must not throw.
    }
  };
  const o = resolveOptions(options);
  // An empty key (an unset secret) would hash every user under '': anyone could recompute it. It counts as none.
  const hasher = o.hmacKey === undefined || o.hmacKey.length === 0 ? null : new UserHasher(o.hmacKey);
  const stats: EmitterStats = {
    recorded: 0,
    queued: 0,
    inFlight: 0,
    sent: 0,
    dropped: 0,
    invalid: 0,
    failedSends: 0,
    retries: 0,
    calls: 0,
  };
  let queue: Item[] = [];
  let bufferedBytes = 0; // queued and in flight
  let closed = false;
  let abandoned = false; // a shutdown timed out: what was in flight is counted as dropped, and no longer counted
  let warnedNoKey = false;
  let droppedUnreported = 0;
  let sending: Promise<void> = Promise.resolve();
  const abort = new AbortController();
  const sleeping = new Set<NodeJS.Timeout>();

  /** Counts in-flight events as sent, dropped or invalid, and frees their bytes. */
  const settle = (field: 'sent' | 'dropped' | 'invalid', count: number, bytes: number) => {
    if (abandoned || count === 0) return;
    stats[field] += count;
    stats.inFlight -= count;
    bufferedBytes -= bytes;
  };
  /** Refuses a call before it was queued. */
  const refuse = (field: 'dropped' | 'invalid', message: string, cause?: unknown) => {
    stats[field]++;
    report({ kind: field, message, count: 1, ...(cause === undefined ? {} : { cause }) });
  };
  const reportQueueDrops = () => {
    if (droppedUnreported === 0) return;
    report({ kind: 'dropped', message: 'queue full: newest events dropped', count: droppedUnreported });
    droppedUnreported = 0;
  };

  const timer = setInterval(() => {
    reportQueueDrops();
    if (queue.length > 0) void flush();
  }, o.flushIntervalMs);
  timer.unref();

  function enqueue(item: Item): void {
    if (closed) {
      refuse('dropped', 'event recorded after shutdown');
      return;
    }
    if (queue.length + stats.inFlight >= o.maxQueueEvents || bufferedBytes + item.bytes > o.maxQueueBytes) {
      // Counted at once, reported once per flush interval: a full queue must not flood the app's logs.
      stats.dropped++;
      droppedUnreported++;
      return;
    }
    queue.push(item);
    bufferedBytes += item.bytes;
    if (queue.length >= o.maxBatchEvents) void flush();
  }

  function record(input: RecordInput): void {
    stats.recorded++;
    try {
      if (input === null || typeof input !== 'object') {
        refuse('invalid', `record() takes an object, got ${input === null ? 'null' : typeof input}`);
        return;
      }
      if (input.userId !== undefined && hasher === null && !warnedNoKey) {
        warnedNoKey = true;
        process.emitWarning(
          `tokenledger: ${o.hmacKey === undefined ? 'no' : 'an empty'} hmacKey given, so userId is left out of every event`,
          'TokenledgerWarning',
        );
      }
      // A copy, tags included: the app may reuse or change its objects after the call.
      const copy = { ...input };
      if (copy.tags !== null && typeof copy.tags === 'object') copy.tags = { ...copy.tags };
      enqueue({ pending: { input: copy, at: Date.now() }, bytes: estimateBytes(copy) });
    } catch (err) {
      refuse('invalid', `record() could not read its input: ${(err as Error)?.message}`, err);
    }
  }

  function recordLine(line: string): void {
    stats.recorded++;
    if (typeof line !== 'string') {
      refuse('invalid', `recordLine() takes a string, got ${typeof line}`);
      return;
    }
    enqueue({ line, bytes: 64 + line.length * 2 });
  }

  function flush(): Promise<void> {
    reportQueueDrops();
    const items = queue;
    queue = [];
    stats.inFlight += items.length;
    // One send at a time, in order; nothing inside rejects the chain.
    sending = sending.then(() => sendItems(items));
    return sending;
  }

  async function sendItems(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    try {
      const lines = await serialise(items);
      const records = await pack(lines);
      for (const call of calls(records)) await putWithRetries(call);
    } catch (err) {
      // Not expected (every step handles its own failures), but if it happens, the events are accounted for.
      const left = abandoned ? 0 : items.length;
      report({
        kind: 'send_failed',
        message: `sending failed: ${(err as Error)?.message}`,
        count: left,
        cause: err,
      });
    }
  }

  /**
   * Items to NDJSON lines, a slice at a time. An event that breaks the contract, is over 32 KiB, or cannot even
   * be read (a getter that throws, a user id that is not a string) is counted as invalid and reported; the
   * events around it go on.
   */
  async function serialise(items: Item[]): Promise<{ text: string; bytes: number }[]> {
    const lines: { text: string; bytes: number }[] = [];
    for (let start = 0; start < items.length; start += SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const now = Date.now();
      for (const item of items.slice(start, start + SLICE)) {
        try {
          let text: string;
          if (item.pending) {
            const wire = toWireEvent(item.pending, hasher);
            const check = validateEvent(wire, now);
            if (!check.ok) {
              settle('invalid', 1, item.bytes);
              report({
                kind: 'invalid',
                message: check.rejections.map((r) => r.message).join('; '),
                count: 1,
              });
              continue;
            }
            text = JSON.stringify(wire);
          } else {
            text = item.line as string;
          }
          const size = text.length * 3 > EVENT_LIMITS.eventBytesMax ? Buffer.byteLength(text) : 0;
          if (size > EVENT_LIMITS.eventBytesMax) {
            settle('invalid', 1, item.bytes);
            report({
              kind: 'invalid',
              message: `event is ${size} bytes, more than ${EVENT_LIMITS.eventBytesMax}`,
              count: 1,
            });
            continue;
          }
          lines.push({ text, bytes: item.bytes });
        } catch (err) {
          settle('invalid', 1, item.bytes);
          report({
            kind: 'invalid',
            message: `event could not be serialised: ${(err as Error)?.message}`,
            count: 1,
            cause: err,
          });
        }
      }
    }
    return lines;
  }

  /**
   * Lines into gzip NDJSON records: at most `maxRecordEvents` events and ~960 KiB of text each, so that with
   * its partition key a record always fits Kinesis' 1 MiB without compressing anything twice.
   */
  async function pack(lines: { text: string; bytes: number }[]): Promise<Record_[]> {
    const out: Record_[] = [];
    const packGroup = async (group: { text: string; bytes: number }[]): Promise<void> => {
      const key = partitionKey();
      const data = await gzip(`${group.map((l) => l.text).join('\n')}\n`, { level: 1 });
      const bytes = group.reduce((n, l) => n + l.bytes, 0);
      if (data.length + key.length <= RECORD_LIMITS.recordBytesMax) {
        out.push({ data, key, events: group.length, bytes });
      } else if (group.length > 1) {
        const half = Math.ceil(group.length / 2);
        await packGroup(group.slice(0, half));
        await packGroup(group.slice(half));
      } else {
        settle('dropped', 1, bytes);
        report({ kind: 'dropped', message: `one event compresses to ${data.length} bytes`, count: 1 });
      }
    };
    let group: { text: string; bytes: number }[] = [];
    let text = 0;
    for (const line of lines) {
      const size = line.text.length * 3; // an upper bound of its UTF-8 bytes
      if (group.length > 0 && (group.length >= o.maxRecordEvents || text + size > RECORD_TEXT_MAX)) {
        await packGroup(group);
        group = [];
        text = 0;
      }
      group.push(line);
      text += size;
    }
    if (group.length > 0) await packGroup(group);
    return out;
  }

  /** Records into PutRecords calls of at most 500 entries and 5 MiB, partition keys included. */
  function calls(records: Record_[]): Record_[][] {
    const out: Record_[][] = [];
    let current: Record_[] = [];
    let bytes = 0;
    for (const r of records) {
      const size = r.data.length + r.key.length;
      if (
        current.length === PUT_RECORDS_MAX_ENTRIES ||
        (current.length > 0 && bytes + size > PUT_RECORDS_MAX_BYTES)
      ) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(r);
      bytes += size;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  async function putWithRetries(records: Record_[]): Promise<void> {
    let pending = records;
    for (let attempt = 0; ; attempt++) {
      if (abort.signal.aborted) {
        dropRecords(pending, 'shutdown timed out before these events were sent');
        return;
      }
      let failed: Record_[];
      try {
        failed = await putOnce(pending);
      } catch (err) {
        stats.failedSends++;
        report({
          kind: 'send_failed',
          message: `PutRecords failed: ${(err as Error)?.message}`,
          count: events(pending),
          cause: err,
        });
        failed = pending;
      }
      if (failed.length === 0) return;
      if (attempt >= o.maxRetries) {
        dropRecords(failed, `PutRecords still failing after ${o.maxRetries} retries`);
        return;
      }
      stats.retries += failed.length;
      pending = failed;
      await sleep(backoff(attempt));
    }
  }

  /** One PutRecords call; resolves with the records it did not take. */
  async function putOnce(records: Record_[]): Promise<Record_[]> {
    stats.calls++;
    const entries: PutRecordsRequestEntry[] = records.map((r) => ({ Data: r.data, PartitionKey: r.key }));
    const signal = AbortSignal.any([AbortSignal.timeout(o.requestTimeoutMs), abort.signal]);
    const out = await o.kinesisClient.send(
      new PutRecordsCommand({ StreamName: o.streamName, Records: entries }),
      {
        abortSignal: signal,
      },
    );
    const results = out.Records ?? [];
    const failed = records.filter((_, i) => results[i] === undefined || results[i]?.ErrorCode != null);
    const taken = records.filter((_, i) => results[i] !== undefined && results[i]?.ErrorCode == null);
    settle(
      'sent',
      events(taken),
      taken.reduce((n, r) => n + r.bytes, 0),
    );
    if (failed.length > 0) stats.failedSends++;
    return failed;
  }

  function dropRecords(records: Record_[], message: string): void {
    if (abandoned) return;
    const count = events(records);
    settle(
      'dropped',
      count,
      records.reduce((n, r) => n + r.bytes, 0),
    );
    report({ kind: 'dropped', message, count });
  }

  function backoff(attempt: number): number {
    return Math.random() * Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** attempt);
  }

  /** A retry delay. It does not keep the process alive, except during shutdown, which must finish its sends. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        sleeping.delete(t);
        abort.signal.removeEventListener('abort', wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      if (!closed) t.unref();
      sleeping.add(t);
      abort.signal.addEventListener('abort', wake, { once: true });
    });
  }

  let shuttingDown: Promise<void> | null = null;
  function shutdown(): Promise<void> {
    shuttingDown ??= (async () => {
      clearInterval(timer);
      const done = flush();
      closed = true;
      // Until the last sends finish or the timeout passes, the process must not exit under them.
      for (const t of sleeping) t.ref();
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        done.then(() => false),
        new Promise<boolean>((resolve) => {
          timeout = setTimeout(() => resolve(true), o.shutdownTimeoutMs);
        }),
      ]);
      clearTimeout(timeout);
      if (timedOut) {
        // Stop waiting: abort the calls in flight, and count every event not yet acknowledged as dropped.
        abort.abort();
        const left = stats.inFlight;
        stats.dropped += left;
        stats.inFlight = 0;
        bufferedBytes = 0;
        abandoned = true;
        if (left > 0)
          report({
            kind: 'dropped',
            message: 'shutdown timed out before these events were sent',
            count: left,
          });
      }
      reportQueueDrops();
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

/** Options with defaults; a value that is missing, `undefined` or out of range falls back (with a warning). */
function resolveOptions(options: EmitterOptions) {
  const o = { ...options, ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = options[name];
    if (value === undefined) continue;
    const [min, max] = RANGES[name];
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      (o as Record<string, unknown>)[name] = value;
    } else {
      process.emitWarning(
        `tokenledger: option ${name} = ${String(value)} is not a whole number from ${min} to ${max}; using ${DEFAULTS[name]}`,
        'TokenledgerWarning',
      );
    }
  }
  return o;
}

/** Bytes a queued call holds, roughly: its strings and tags, and the fixed part of the event. */
function estimateBytes(i: RecordInput): number {
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

function events(records: readonly Record_[]): number {
  return records.reduce((n, r) => n + r.events, 0);
}

let keyCounter = 0;
/** Spreads records over shards: Kinesis hashes the key; its value means nothing. */
function partitionKey(): string {
  keyCounter = (keyCounter + 1) % 1_000_000_000;
  return `${process.pid}-${keyCounter}`;
}
