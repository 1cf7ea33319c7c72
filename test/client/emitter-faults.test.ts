import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import type { EmitterError, KinesisLike } from '../../packages/client/src/emitter-options.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import {
  type LocalKinesis,
  localKinesisClient,
  startLocalKinesis,
} from '../../src/adapters/local/kinesalite-stream.ts';
import { drainStream } from '../../src/adapters/local/kinesis-poller.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { recordInput } from '../helpers/record-input.ts';
import { REFUSED_ENDPOINT } from '../helpers/refused-endpoint.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let kinesis: LocalKinesis;
let lake: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  kinesis = await startLocalKinesis('llm-events', 1);
  lake = await tempDir();
});
afterEach(async () => {
  await kinesis.stop();
  await lake.remove();
});

async function consumeAndCount(): Promise<{ records: number; stored: number; distinct: number }> {
  const { records } = await drainStream(
    kinesis.client,
    kinesis.streamName,
    createIngestHandler({ store: new FsLakeStore(lake.dir) }),
  );
  const engine = await LocalQueryEngine.open(lake.dir);
  try {
    const [stored] = await engine.run('SELECT count(*) AS n FROM events');
    const [distinct] = await engine.run('SELECT count(*) AS n FROM events_dedup');
    return { records, stored: Number(stored?.n), distinct: Number(distinct?.n) };
  } finally {
    engine.close();
  }
}

const FAST_RETRIES = { retryBaseMs: 1, retryMaxMs: 5 };

describe('client faults', () => {
  it('resends only the entries a partially failed PutRecords did not take; no event lost or doubled', async () => {
    // Fault injection: kinesalite cannot fail some entries of a call, so this wrapper forwards only the even
    // entries of the first call to the real API and answers ProvisionedThroughputExceeded for the odd ones.
    const sentEntries: number[] = [];
    let first = true;
    const flaky: KinesisLike = {
      async send(command, options) {
        const entries = command.input.Records ?? [];
        sentEntries.push(entries.length);
        if (!first) return kinesis.client.send(command as PutRecordsCommand, options);
        first = false;
        const even = entries.filter((_, i) => i % 2 === 0);
        const real = await kinesis.client.send(
          new PutRecordsCommand({ ...command.input, Records: even }),
          options,
        );
        const results = entries.map((_, i) =>
          i % 2 === 0
            ? (real.Records?.[i / 2] ?? {})
            : {
                ErrorCode: 'ProvisionedThroughputExceededException',
                ErrorMessage: 'Rate exceeded for shard',
              },
        );
        return {
          ...real,
          FailedRecordCount: Math.floor(entries.length / 2),
          Records: results,
        } as PutRecordsCommandOutput;
      },
    };
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: flaky,
      maxRecordEvents: 10,
      maxBatchEvents: 100_000,
      ...FAST_RETRIES,
    });

    for (let i = 0; i < 200; i++) ledger.record(recordInput());
    await ledger.shutdown();

    expect(sentEntries).toEqual([20, 10]);
    expect(ledger.stats()).toMatchObject({ sent: 200, dropped: 0, retries: 10, failedSends: 1 });
    expect(await consumeAndCount()).toEqual({ records: 20, stored: 200, distinct: 200 });
  });

  it('retries a call that timed out after the stream took it; the duplicates count once', async () => {
    // Fault injection: the call reaches kinesalite, then the answer is lost (as a client-side timeout would).
    let calls = 0;
    const lossy: KinesisLike = {
      async send(command, options) {
        const out = await kinesis.client.send(command as PutRecordsCommand, options);
        if (++calls === 1) throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
        return out;
      },
    };
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: lossy,
      onError: (e) => errors.push(e),
      ...FAST_RETRIES,
    });

    for (let i = 0; i < 50; i++) ledger.record(recordInput());
    await ledger.shutdown();

    expect(ledger.stats()).toMatchObject({ sent: 50, dropped: 0, failedSends: 1 });
    expect(errors.map((e) => e.kind)).toEqual(['send_failed']);
    // Both copies are in the stream; the consumer drops the repeat inside its batch, and the view would across batches.
    expect(await consumeAndCount()).toEqual({ records: 2, stored: 50, distinct: 50 });
  });

  it('keeps memory bounded while the stream is unreachable: the overflow is dropped and counted, nothing thrown', async () => {
    // The real SDK client against a port nobody listens on (refused at once).
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: 'llm-events',
      kinesisClient: localKinesisClient(REFUSED_ENDPOINT, { maxAttempts: 1 }),
      maxQueueEvents: 1000,
      maxBatchEvents: 100_000,
      flushIntervalMs: 60_000,
      maxRetries: 2,
      ...FAST_RETRIES,
      onError: (e) => errors.push(e),
    });

    let maxQueued = 0;
    for (let i = 0; i < 5000; i++) {
      ledger.record(recordInput());
      maxQueued = Math.max(maxQueued, ledger.stats().queued);
    }
    const overflow = ledger.stats().dropped;
    await ledger.shutdown();

    expect(maxQueued).toBe(1000);
    expect(overflow).toBe(4000);
    expect(ledger.stats()).toMatchObject({ queued: 0, sent: 0, dropped: 5000, failedSends: 3 });
    expect(errors.filter((e) => e.kind === 'send_failed')).toHaveLength(3);
  });

  it('shutdown() against a hung endpoint returns within its timeout, every event sent or counted as dropped', async () => {
    // A server that accepts connections and never answers.
    const sockets: Socket[] = [];
    const hung: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    const { port } = hung.address() as AddressInfo;
    const ledger = createEmitter({
      streamName: 'llm-events',
      kinesisClient: localKinesisClient(`http://127.0.0.1:${port}`, { maxAttempts: 1 }),
      requestTimeoutMs: 60_000,
      shutdownTimeoutMs: 300,
    });
    try {
      for (let i = 0; i < 100; i++) ledger.record(recordInput());
      const started = performance.now();
      await ledger.shutdown();
      const took = performance.now() - started;
      await ledger.shutdown(); // safe to call twice

      // 300 ms, not the request's 60 s: the bound leaves a loaded machine room and still tells them apart
      expect(took).toBeLessThan(5000);
      const s = ledger.stats();
      expect(s.sent + s.dropped + s.invalid).toBe(100);
      expect(s.dropped).toBe(100);
      ledger.record(recordInput());
      expect(ledger.stats().dropped).toBe(101);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('refuses an event over the size limit before any call is made', async () => {
    let calls = 0;
    const counting: KinesisLike = {
      send(command, options) {
        calls++;
        return kinesis.client.send(command as PutRecordsCommand, options);
      },
    };
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: counting,
      onError: (e) => errors.push(e),
    });

    ledger.recordLine(JSON.stringify({ v: 1, pad: 'x'.repeat(33 * 1024) }));
    ledger.record(recordInput({ tags: { big: 'x'.repeat(40 * 1024) } }));
    await ledger.flush();

    expect(calls).toBe(0);
    expect(ledger.stats()).toMatchObject({ invalid: 2, sent: 0 });
    expect(errors.map((e) => e.message).join('\n')).toMatch(/more than 32768/);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/tags/);
    await ledger.shutdown();
  });

  it('never throws into the app, even for nonsense input or a throwing onError', () => {
    const ledger = createEmitter({
      streamName: 'x',
      kinesisClient: kinesis.client,
      onError: () => {
        throw new Error('app handler bug');
      },
    });
    expect(() => ledger.record(null as never)).not.toThrow();
    expect(() => ledger.record({} as never)).not.toThrow();
    expect(() => ledger.recordLine(undefined as never)).not.toThrow();
    return expect(ledger.shutdown()).resolves.toBeUndefined();
  });
});
