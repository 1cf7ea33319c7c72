import { randomBytes } from 'node:crypto';
import type { EmitterError, EmitterStats } from '@tokenledger/client';
import { createEmitter, type Emitter } from '@tokenledger/client';
import { EVENT_LIMITS } from '@tokenledger/client/contract';
import { startLocalKinesis } from '../adapters/local/kinesalite-stream.ts';
import { drainStream } from '../adapters/local/kinesis-poller.ts';
import { putRawRecords } from '../adapters/local/put-raw-records.ts';
import type { FramedLine } from '../core/framing/record-framing.ts';
import { addCounts, type BatchCounts, EventBatch, emptyCounts } from '../core/ingest/event-batch.ts';
import { type OtlpMapping, otlpMapping } from '../core/ingest/otlp-mapping.ts';
import { DEFAULT_OTLP_SETTINGS } from '../core/otlp/otlp-settings.ts';
import type { LakeStore } from '../ports/lake-store.ts';
import { createIngestHandler } from './ingest-job.ts';
import { writeBatch } from './write-batch.ts';

export interface PipelineResult extends BatchCounts {
  /** Consumer invocations. */
  batches: number;
  client: EmitterStats;
  clientErrors: EmitterError[];
}

export interface PipelineOptions {
  /** The app's user-id HMAC key: the client's, and the consumer's for OTLP spans unless `otlp` says otherwise. */
  hmacKey?: string;
  /** How the consumer maps OTLP spans. @default the default attribute keys, user ids hashed under `hmacKey` */
  otlp?: OtlpMapping;
  /**
   * Records put into the stream as they are, after the feed's events: OTLP requests as a Collector's `awskinesis`
   * exporter writes them (one request a record, compressed or not).
   */
  records?: readonly Uint8Array[];
  /** Shards of the local stream. @default 2 */
  shards?: number;
  onProgress?: (phase: 'send' | 'consume', done: number) => void;
}

/**
 * The whole pipeline on one machine, with real APIs between the parts: the app's events go through the
 * client into a Kinesis API (kinesalite, in-process), and the ingest consumer reads them from there, as the
 * Lambda event source mapping would, into the lake. A line fed through `recordLine` that is over the event
 * size limit, which the client cannot send, is quarantined by the consumer's code all the same.
 */
export async function runLocalPipeline(
  store: LakeStore,
  feed: (ledger: Emitter) => void,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  // A stream name of its own per run: object keys carry it, and kinesalite numbers every new stream's records
  // alike, so two runs must never look like the same stream.
  const kinesis = await startLocalKinesis(localStreamName(), options.shards ?? 2);
  try {
    const clientErrors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: kinesis.client,
      ...(options.hmacKey === undefined ? {} : { hmacKey: options.hmacKey }),
      // Locally everything is recorded at once, so the queue must hold a whole file between flushes.
      maxQueueEvents: 5_000_000,
      maxQueueBytes: 4 * 1024 * 1024 * 1024,
      shutdownTimeoutMs: 10 * 60_000,
      onError: (e) => clientErrors.push(e),
    });
    // A line over the event size limit never reaches the stream: the client refuses it (for an app, it counts
    // it as invalid and tells onError). A file's such lines are kept here, to be quarantined by the consumer's
    // own code, as a record of their own, like every other line the contract refuses.
    const oversize: FramedLine[] = [];
    let position = 0;
    const feeding: Emitter = {
      ...ledger,
      record: (input) => {
        position++;
        ledger.record(input);
      },
      recordLine: (line) => {
        const index = position++;
        if (typeof line === 'string' && overSizeLimit(line)) oversize.push({ index, text: line });
        else ledger.recordLine(line);
      },
    };
    const progress = setInterval(() => options.onProgress?.('send', ledger.stats().sent), 250);
    try {
      feed(feeding);
      await ledger.shutdown();
      if (options.records) await putRawRecords(kinesis.client, kinesis.streamName, options.records);
    } finally {
      clearInterval(progress);
    }
    options.onProgress?.('send', ledger.stats().sent);

    const result: PipelineResult = {
      ...emptyCounts(),
      batches: 0,
      client: ledger.stats(),
      clientErrors,
    };
    if (oversize.length > 0) await quarantineUnsent(store, kinesis.streamName, oversize, result);
    const handler = createIngestHandler({
      store,
      otlp: options.otlp ?? otlpMapping(DEFAULT_OTLP_SETTINGS, options.hmacKey),
      onBatch: ({ counts }) => addCounts(result, counts),
    });
    const drained = await drainStream(kinesis.client, kinesis.streamName, handler, {
      onBatch: () => options.onProgress?.('consume', result.events),
    });
    result.batches = drained.batches;
    return result;
  } finally {
    await kinesis.stop();
  }
}

/** More UTF-8 bytes than an event may have (docs/contracts.md §2): the client would not send it. */
function overSizeLimit(line: string): boolean {
  return (
    line.length * 3 > EVENT_LIMITS.eventBytesMax &&
    Buffer.byteLength(line, 'utf8') > EVENT_LIMITS.eventBytesMax
  );
}

/**
 * The lines the client could not send, through the consumer's batch and lake writer: each is quarantined
 * (`too_large`) under `quarantine/dt=…/<stream>/unsent/…`, its index being its position among the calls of the
 * feed. Their counts join the consumer's (not as a stream record).
 */
async function quarantineUnsent(
  store: LakeStore,
  stream: string,
  lines: readonly FramedLine[],
  into: PipelineResult,
): Promise<void> {
  const batch = new EventBatch();
  const arrivedAt = Date.now();
  batch.addLines(
    { stream, shardId: 'unsent', sequenceNumber: '0', arrivedAt, data: new Uint8Array(0) },
    lines,
  );
  const outcome = await writeBatch(batch, store);
  if (outcome.errors.length > 0) {
    throw new Error(
      `the quarantine could not be written: ${outcome.errors.map((e) => `${e.key}: ${e.error.message}`).join('; ')}`,
    );
  }
  addCounts(into, { ...batch.stats(), records: 0 });
}

function localStreamName(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  return `local-${stamp}-${randomBytes(4).toString('hex')}`;
}
