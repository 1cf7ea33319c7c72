import { randomBytes } from 'node:crypto';
import { createEmitter, type Emitter } from '../client/emitter.ts';
import type { EmitterError, EmitterStats } from '../client/emitter-options.ts';
import { addCounts, type BatchCounts, emptyCounts } from '../core/ingest/event-batch.ts';
import { createIngestHandler } from '../ingest/kinesis-ingest.ts';
import type { LakeStore } from '../ports/lake-store.ts';
import { startLocalKinesis } from './kinesalite-stream.ts';
import { drainStream } from './kinesis-poller.ts';

export interface PipelineResult extends BatchCounts {
  /** Consumer invocations. */
  batches: number;
  client: EmitterStats;
  clientErrors: EmitterError[];
}

export interface PipelineOptions {
  hmacKey?: string;
  /** Shards of the local stream. @default 2 */
  shards?: number;
  onProgress?: (phase: 'send' | 'consume', done: number) => void;
}

/**
 * The whole pipeline on one machine, with real APIs between the parts: the app's events go through the
 * client into a Kinesis API (kinesalite, in-process), and the ingest consumer reads them from there, as the
 * Lambda event source mapping would, into the lake.
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
    const progress = setInterval(() => options.onProgress?.('send', ledger.stats().sent), 250);
    try {
      feed(ledger);
      await ledger.shutdown();
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
    const handler = createIngestHandler({
      store,
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

function localStreamName(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  return `local-${stamp}-${randomBytes(4).toString('hex')}`;
}
