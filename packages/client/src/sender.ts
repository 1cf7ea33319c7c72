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
  /**
   * While held, retry delays keep the process alive: an awaited `flush()` or a shutdown must see its sends
   * finish. Returns the release (the delays then stop holding the process, unless another hold remains).
   */
  hold(): () => void;
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
  let holds = 0;
  const refAll = (on: boolean) => {
    for (const t of sleeping) on ? t.ref() : t.unref();
  };

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
        const code = errorCode(err);
        const message = `PutRecords failed: ${code ? `${code}: ` : ''}${(err as Error)?.message}`;
        if (code && PERMANENT.test(code)) {
          // Retrying cannot fix it (no permission, no such stream, a bad request): give the batch up at once.
          dropRecords(pending, `${message} (not retried; ${events(pending)} events dropped)`, code, err);
          return;
        }
        // Aborted by a shutdown that timed out: those events are already reported as dropped.
        if (!controller.signal.aborted)
          report({ kind: 'send_failed', message, count: events(pending), code, cause: err });
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
    const results = out?.Records ?? [];
    // Kinesis fails an entry only with ProvisionedThroughputExceededException or InternalFailure: both retried.
    const failed = records.filter((_, i) => results[i] === undefined || results[i]?.ErrorCode != null);
    const taken = records.filter((_, i) => results[i] !== undefined && results[i]?.ErrorCode == null);
    queue.settle('sent', events(taken), bytes(taken));
    if (failed.length > 0) counts.failedSends++;
    return failed;
  }

  function dropRecords(records: PackedRecord[], message: string, code?: string, cause?: unknown): void {
    queue.drop(events(records), bytes(records), message, code, cause);
  }

  function backoff(attempt: number): number {
    return Math.random() * Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** attempt);
  }

  /** A retry delay. It keeps the process alive only while held (an awaited flush, a shutdown). */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        sleeping.delete(t);
        controller.signal.removeEventListener('abort', wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      if (holds === 0) t.unref();
      sleeping.add(t);
      controller.signal.addEventListener('abort', wake, { once: true });
    });
  }

  return {
    put,
    hold() {
      if (holds++ === 0) refAll(true);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holds === 0) refAll(false);
      };
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

/**
 * AWS error codes that retrying cannot fix: permissions, a missing stream or KMS key, a request Kinesis
 * refuses, bad credentials, the client's own setup (sdk-put-records.ts). Everything else — throttling
 * (`ProvisionedThroughputExceededException`, `ThrottlingException`, `KMSThrottlingException`), 5xx, network
 * errors, timeouts — is retried.
 */
const PERMANENT =
  /^(AccessDenied|ResourceNotFound|Validation|InvalidArgument|UnrecognizedClient|IncompleteSignature|MissingAuthenticationToken|KMS(AccessDenied|Disabled|InvalidState|NotFound)|KMSOptInRequired|OptInRequired|InvalidClientTokenId|TokenledgerConfigError)(Exception)?$/;

/** The AWS error code of what a call threw: the SDK's errors carry it as their `name`. */
function errorCode(err: unknown): string | undefined {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}
