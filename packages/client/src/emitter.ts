import { activeTraceId } from './active-trace.ts';
import { UserHasher } from './contract/user-hash.ts';
import type { EmitterError, EmitterOptions, EmitterStats } from './emitter-options.ts';
import { type GiveUp, packRecords, serialise, splitIntoCalls } from './packing.ts';
import { createQueue, type Item, inputBytes, lineBytes } from './queue.ts';
import type { RecordInput } from './record-input.ts';
import { resolveOptions } from './resolve-options.ts';
import { sdkPutRecords } from './sdk-put-records.ts';
import { createSender } from './sender.ts';

export interface Emitter {
  /** Queues one LLM request's event. Synchronous, never throws, never waits. */
  record(input: RecordInput): void;
  /**
   * Queues an already-serialised wire event (a JSONL line) as it is, unchecked: the consumer validates it.
   * Only a line over the 32 KiB event limit is refused here (counted as invalid), as it could not be sent.
   * For replaying files (`tokenledger ingest events`).
   */
  recordLine(line: string): void;
  /**
   * Sends what is queued now; resolves when it is sent or given up (retries included). Until then the process
   * stays alive: `await ledger.flush()` before a script or a Lambda handler ends. Never rejects.
   */
  flush(): Promise<void>;
  /** Flushes within `shutdownTimeoutMs`, counts what is still unsent as dropped, and stops. Safe to call twice. */
  shutdown(): Promise<void>;
  stats(): EmitterStats;
}

/**
 * The tiny client: queue in memory (queue.ts), batch into gzip NDJSON records (packing.ts), send with
 * PutRecords and retry only what failed (sender.ts). `record()` only copies the call and queues it; ids,
 * hashing, validation, serialisation (in slices, between turns of the event loop), compression (on libuv's
 * pool) and sending happen when a batch is sent.
 *
 * Every recorded event is counted exactly once: `recorded = sent + dropped + invalid + queued + inFlight`.
 * Memory is bounded by the events and bytes recorded but not yet settled, in flight or not.
 */
export function createEmitter(options: EmitterOptions): Emitter {
  // Without onError, each kind of problem is warned at most once a minute: never silent, never a flood.
  const warned = new Map<string, number>();
  const report = (error: EmitterError) => {
    try {
      if (options.onError) return options.onError(error);
      const key = error.kind + (error.code ?? error.message.replace(/[:\d].*/s, ''));
      const now = Date.now();
      if (now - (warned.get(key) ?? -1e13) < 60_000) return;
      if (warned.size > 99) warned.clear();
      warned.set(key, now);
      process.emitWarning(
        `tokenledger: ${error.kind} (${error.count}): ${error.message} [once a minute per kind; see onError]`,
        'TokenledgerWarning',
      );
    } catch {
      // The app's own handler failed; there is nowhere left to report it, and we must not throw.
    }
  };
  const o = resolveOptions(options);
  const putRecords = options.putRecords ?? sdkPutRecords(options.kinesisClient);
  // An empty key (an unset secret) would hash every user under '': anyone could recompute it. It counts as none.
  const hasher = o.hmacKey === undefined || o.hmacKey.length === 0 ? null : new UserHasher(o.hmacKey);
  const traceFromOtel = options.traceIdFromOpenTelemetry !== false;
  const queue = createQueue(o, report);
  const sender = createSender(putRecords, o, queue, report);
  const giveUp: GiveUp = (field, bytes, error) => {
    queue.settle(field, 1, bytes);
    report(error);
  };
  let warnedNoKey = false;
  let sending: Promise<void> = Promise.resolve();

  const timer = setInterval(() => {
    queue.reportDrops();
    if (queue.size() > 0) void flush();
  }, o.flushIntervalMs);
  timer.unref();

  function enqueue(item: Item): void {
    if (queue.push(item)) void flush();
  }

  function record(input: RecordInput): void {
    queue.arrive();
    try {
      if (input === null || typeof input !== 'object') {
        queue.refuse('invalid', `record() takes an object, got ${input === null ? 'null' : typeof input}`);
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
      // The run: the app's own traceId, else the OpenTelemetry trace active here (read now, in the caller's context).
      if (copy.traceId === undefined && traceFromOtel) {
        const traceId = activeTraceId();
        if (traceId !== undefined) copy.traceId = traceId;
      }
      enqueue({ pending: { input: copy, at: Date.now() }, bytes: inputBytes(copy) });
    } catch (err) {
      queue.refuse('invalid', `record() could not read its input: ${(err as Error)?.message}`, err);
    }
  }

  function recordLine(line: string): void {
    queue.arrive();
    if (typeof line !== 'string') {
      queue.refuse('invalid', `recordLine() takes a string, got ${typeof line}`);
      return;
    }
    enqueue({ line, bytes: lineBytes(line) });
  }

  function flush(): Promise<void> {
    queue.reportDrops();
    const items = queue.take();
    // One send at a time, in order; nothing inside rejects the chain.
    sending = sending.then(() => sendItems(items));
    return sending;
  }

  async function sendItems(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    try {
      const lines = await serialise(items, hasher, giveUp);
      const records = await packRecords(lines, o.maxRecordEvents, giveUp);
      for (const call of splitIntoCalls(records)) await sender.put(call);
    } catch (err) {
      // Not expected (every step handles its own failures), but if it happens, the events are accounted for.
      const left = queue.isAbandoned() ? 0 : items.length;
      report({
        kind: 'send_failed',
        message: `sending failed: ${(err as Error)?.message}`,
        count: left,
        cause: err,
      });
    }
  }

  /**
   * The app's flush(): until its events are sent or given up, retry delays keep the process alive, so a script
   * that awaits it cannot exit under its sends. (The timer's flushes never hold the process.)
   */
  function awaitedFlush(): Promise<void> {
    const release = sender.hold();
    const done = flush();
    void done.then(release);
    return done;
  }

  let shuttingDown: Promise<void> | null = null;
  function shutdown(): Promise<void> {
    shuttingDown ??= (async () => {
      clearInterval(timer);
      const done = flush();
      queue.close();
      // Until the last sends finish or the timeout passes, the process must not exit under them.
      sender.hold();
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
        sender.abort();
        queue.abandon('shutdown timed out before these events were sent');
      }
      queue.reportDrops();
    })();
    return shuttingDown;
  }

  return {
    record,
    recordLine,
    // Once shutdown() has begun, it does the last flush: a flush() after it waits for the shutdown.
    flush: () => shuttingDown ?? awaitedFlush(),
    shutdown,
    stats: () => ({ ...queue.stats(), ...sender.stats() }),
  };
}
