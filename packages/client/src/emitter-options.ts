/** One entry of a Kinesis PutRecords call. */
export interface PutRecordsEntry {
  Data: Uint8Array;
  PartitionKey: string;
}

/** A Kinesis PutRecords request, as the AWS SDK v3 types it. */
export interface PutRecordsInput {
  StreamName: string;
  Records: PutRecordsEntry[];
}

/** What a PutRecords call answers: one result per entry, in order; an entry with an `ErrorCode` was not taken. */
export interface PutRecordsOutput {
  FailedRecordCount?: number;
  Records?: {
    ErrorCode?: string | null;
    ErrorMessage?: string | null;
    SequenceNumber?: string;
    ShardId?: string;
  }[];
}

/** Sends one PutRecords call. The seam for apps that send through something other than the AWS SDK. */
export type PutRecordsFunction = (
  input: PutRecordsInput,
  options: { abortSignal: AbortSignal },
) => Promise<PutRecordsOutput>;

/**
 * Anything with the `send` of an AWS SDK v3 `KinesisClient`. The client loads the SDK's `PutRecordsCommand`
 * only when it first sends, so an app that uses `putRecords` instead never needs the SDK installed.
 */
export interface KinesisLike {
  send(
    command: { input: PutRecordsInput },
    options?: { abortSignal?: AbortSignal },
  ): Promise<PutRecordsOutput>;
}

/** Why the client counted an event as not sent, or a send as failed. Reported through `onError`. */
export interface EmitterError {
  kind: 'invalid' | 'dropped' | 'send_failed';
  message: string;
  /** Events concerned. */
  count: number;
  /**
   * What kind of problem, for grouping: the AWS error code of a failed call (`AccessDeniedException`,
   * `ProvisionedThroughputExceededException`), or the contract rule an invalid event broke first
   * (`latency_ms:out_of_range`, as the consumer's quarantine counts it).
   */
  code?: string;
  cause?: unknown;
}

export interface EmitterOptions {
  /** The Kinesis stream's name. */
  streamName: string;
  /** An AWS SDK v3 `KinesisClient` (or anything with its `send`). Give this or `putRecords`. */
  kinesisClient?: KinesisLike;
  /** Sends one PutRecords call without the AWS SDK (your own transport, a test double). Give this or `kinesisClient`. */
  putRecords?: PutRecordsFunction;
  /** Key for the HMAC of user ids. Without it `userId` is left out of every event (warned once). */
  hmacKey?: string | Uint8Array;
  /**
   * When a `record()` call has no `traceId`, take the trace id of the OpenTelemetry span active where it is called
   * (the app's `@opentelemetry/api` with a context manager; the client does not depend on it). @default true
   */
  traceIdFromOpenTelemetry?: boolean;
  /**
   * Told about invalid events, drops and failed sends; what it throws is swallowed. Without it, each kind of
   * problem (`kind` and `code`) is warned (`process.emitWarning`) at most once a minute. @default warnings
   */
  onError?: (error: EmitterError) => void;
  /** Send when this many events are queued. @default 500 */
  maxBatchEvents?: number;
  /** Send queued events at least this often (ms). @default 1000 */
  flushIntervalMs?: number;
  /** Events the queue holds before it drops the newest. @default 10000 */
  maxQueueEvents?: number;
  /** Approximate bytes the queue holds before it drops the newest. @default 8 MiB */
  maxQueueBytes?: number;
  /** Events per Kinesis record (a gzip NDJSON batch, at most 1 MiB compressed). @default 500 */
  maxRecordEvents?: number;
  /**
   * Retries of the entries a PutRecords call did not take, for throttling and transient errors only; an error
   * retrying cannot fix (access denied, no such stream, …) drops the batch at once. @default 5
   */
  maxRetries?: number;
  /** First retry delay (ms); doubles each retry, with full jitter. @default 100 */
  retryBaseMs?: number;
  /** Longest retry delay (ms). @default 5000 */
  retryMaxMs?: number;
  /** Time limit of one PutRecords call (ms). @default 5000 */
  requestTimeoutMs?: number;
  /** How long `shutdown()` waits for the last sends (ms). @default 5000 */
  shutdownTimeoutMs?: number;
}

/** Every recorded event is in exactly one place: recorded = sent + dropped + invalid + queued + inFlight. */
export interface EmitterStats {
  /** Calls of record() and recordLine(). */
  recorded: number;
  /** Events waiting for the next batch. */
  queued: number;
  /** Events handed to a send and not yet acknowledged, dropped or refused. */
  inFlight: number;
  /** Events Kinesis acknowledged. */
  sent: number;
  /** Events given up: queue full, retries exhausted, or still unsent at shutdown. */
  dropped: number;
  /** Events refused by the contract (never sent). */
  invalid: number;
  /** PutRecords calls that failed whole or in part. */
  failedSends: number;
  /** Entries sent again after a failure. */
  retries: number;
  /** PutRecords calls made. */
  calls: number;
}
