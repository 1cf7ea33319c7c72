import type { EmitterError, EmitterStats, PutRecordsEntry, PutRecordsFunction } from './emitter-options.ts';
import type { PackedRecord } from './packing.ts';
import type { Queue } from './queue.ts';
import type { ResolvedOptions } from './resolve-options.ts';

export interface Sender {
  /**
   * Sends one PutRecords call's records, then again only those it did not take, with full-jitter backoff, until
   * all are taken or the retries run out (then they are dropped). Never rejects.
   */
  put(records: PackedRecord[]): Promise<void>;
  /** From shutdown on, retry delays keep the process alive: the last sends must finish. */
  holdOpen(): void;
  /** The shutdown stopped waiting: aborts the call in flight and cuts every retry delay short. */
  abort(): void;
  stats(): Pick<EmitterStats, 'failedSends' | 'retries' | 'calls'>;
}

/** PutRecords calls, one at a time; each event they take or give up is settled in the queue. */
export function createSender(
  putRecords: PutRecordsFunction,
  o: Pick<ResolvedOptions, 'streamName' | 'maxRetries' | 'retryBaseMs' | 'retryMaxMs' | 'requestTimeoutMs'>,
  queue: Pick<Queue, 'settle' | 'drop'>,
  report: (error: EmitterError) => void,
): Sender {
  const counts = { failedSends: 0, retries: 0, calls: 0 };
  const controller = new AbortController();
  const sleeping = new Set<NodeJS.Timeout>();
  let holdingOpen = false;

  async function put(records: PackedRecord[]): Promise<void> {
    let pending = records;
    for (let attempt = 0; ; attempt++) {
      if (controller.signal.aborted) {
        dropRecords(pending, 'shutdown timed out before these events were sent');
        return;
      }
      let failed: PackedRecord[];
      try {
        failed = await putOnce(pending);
      } catch (err) {
        counts.failedSends++;
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
      counts.retries += failed.length;
      pending = failed;
      await sleep(backoff(attempt));
    }
  }

  /** One PutRecords call; resolves with the records it did not take. */
  async function putOnce(records: PackedRecord[]): Promise<PackedRecord[]> {
    counts.calls++;
    const entries: PutRecordsEntry[] = records.map((r) => ({ Data: r.data, PartitionKey: r.key }));
    const signal = AbortSignal.any([AbortSignal.timeout(o.requestTimeoutMs), controller.signal]);
    const out = await putRecords({ StreamName: o.streamName, Records: entries }, { abortSignal: signal });
    const results = out.Records ?? [];
    const failed = records.filter((_, i) => results[i] === undefined || results[i]?.ErrorCode != null);
    const taken = records.filter((_, i) => results[i] !== undefined && results[i]?.ErrorCode == null);
    queue.settle('sent', events(taken), bytes(taken));
    if (failed.length > 0) counts.failedSends++;
    return failed;
  }

  function dropRecords(records: PackedRecord[], message: string): void {
    queue.drop(events(records), bytes(records), message);
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
        controller.signal.removeEventListener('abort', wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      if (!holdingOpen) t.unref();
      sleeping.add(t);
      controller.signal.addEventListener('abort', wake, { once: true });
    });
  }

  return {
    put,
    holdOpen() {
      holdingOpen = true;
      for (const t of sleeping) t.ref();
    },
    abort() {
      controller.abort();
    },
    stats: () => ({ ...counts }),
  };
}

function events(records: readonly PackedRecord[]): number {
  return records.reduce((n, r) => n + r.events, 0);
}

function bytes(records: readonly PackedRecord[]): number {
  return records.reduce((n, r) => n + r.bytes, 0);
}
