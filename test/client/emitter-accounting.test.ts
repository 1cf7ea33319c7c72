import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import type { EmitterStats } from '../../packages/client/src/emitter-options.ts';
import type { PutRecordsInput, PutRecordsOutput } from '../../packages/client/src/index.ts';
import { localKinesisClient, startLocalKinesis } from '../../src/adapters/local/kinesalite-stream.ts';
import { recordInput } from '../helpers/record-input.ts';
import { REFUSED_ENDPOINT } from '../helpers/refused-endpoint.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A Kinesis stand-in that takes every record and keeps the events it got (no network: the client's own logic). */
function acceptingKinesis() {
  const events: Record<string, unknown>[] = [];
  return {
    events,
    send: async (command: { input: PutRecordsInput }): Promise<PutRecordsOutput> => {
      const records = command.input.Records ?? [];
      for (const r of records) {
        for (const line of gunzipSync(r.Data as Uint8Array)
          .toString()
          .trim()
          .split('\n'))
          events.push(JSON.parse(line));
      }
      return {
        FailedRecordCount: 0,
        Records: records.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
      };
    },
  };
}

const settledSum = (s: EmitterStats) => s.sent + s.dropped + s.invalid + s.queued + s.inFlight;

describe('client accounting and bounds', () => {
  it('with default options, memory stays bounded while the stream is down: queued + in flight never pass the limit', async () => {
    // The real SDK client against a port nobody listens on; every other option at its default.
    const ledger = createEmitter({
      streamName: 'llm-events',
      kinesisClient: localKinesisClient(REFUSED_ENDPOINT, { maxAttempts: 1 }),
      retryBaseMs: 1,
      retryMaxMs: 5,
      shutdownTimeoutMs: 2000,
    });

    let peak = 0;
    for (let i = 0; i < 30_000; i++) {
      ledger.record(recordInput());
      const s = ledger.stats();
      peak = Math.max(peak, s.queued + s.inFlight);
      expect(settledSum(s)).toBe(s.recorded);
      if (i % 100 === 99) await nextTurn();
    }
    await ledger.shutdown();

    const s = ledger.stats();
    expect(peak).toBeLessThanOrEqual(10_000);
    expect(s).toMatchObject({
      recorded: 30_000,
      sent: 0,
      queued: 0,
      inFlight: 0,
      invalid: 0,
      dropped: 30_000,
    });
  });

  it('counts every hostile input as invalid and keeps the good events of the same batch', async () => {
    const sink = acceptingKinesis();
    const ledger = createEmitter({ streamName: 's', kinesisClient: sink, hmacKey: 'k' });
    const throwingGetter = Object.defineProperty(recordInput(), 'model', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    });

    for (let i = 0; i < 9; i++) ledger.record(recordInput({ tags: { i: String(i) } }));
    ledger.record(null as never);
    ledger.record(throwingGetter);
    ledger.record(recordInput({ startedAt: Number.NaN }));
    ledger.record(recordInput({ userId: 12345 as never }));
    ledger.record(recordInput({ tags: { toJSON: 'x', bad: 7 } as never }));
    ledger.recordLine(42 as never);
    await ledger.shutdown();

    const s = ledger.stats();
    expect(s).toMatchObject({ recorded: 15, sent: 9, invalid: 6, dropped: 0, queued: 0, inFlight: 0 });
    expect(sink.events.map((e) => (e.tags as Record<string, string>).i).sort()).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
  });

  it('copies tags at record(): changing the app object afterwards changes nothing sent', async () => {
    const sink = acceptingKinesis();
    const ledger = createEmitter({ streamName: 's', kinesisClient: sink });
    const tags: Record<string, string> = { route: '/a' };
    ledger.record(recordInput({ tags }));
    tags.route = '/b';
    ledger.record(recordInput({ tags }));
    delete tags.route;
    await ledger.shutdown();
    expect(sink.events.map((e) => (e.tags as Record<string, string>).route)).toEqual(['/a', '/b']);
  });

  it('falls back to the defaults for undefined or out-of-range options, and still delivers everything', async () => {
    const sink = acceptingKinesis();
    const ledger = createEmitter({
      streamName: 's',
      kinesisClient: sink,
      maxRecordEvents: undefined,
      maxRetries: undefined,
      maxQueueEvents: 0,
      maxBatchEvents: Number.NaN,
    });
    for (let i = 0; i < 1200; i++) ledger.record(recordInput());
    await ledger.shutdown();
    expect(ledger.stats()).toMatchObject({ sent: 1200, dropped: 0, invalid: 0 });
    expect(sink.events).toHaveLength(1200);
  });

  it('keeps the process alive until shutdown() has finished its retries, then every event is counted', async () => {
    // A script of its own, so that nothing of the test runner keeps its event loop alive: the first
    // PutRecords is refused (injected: kinesalite does not throttle), so shutdown() waits in a retry delay.
    const kinesis = await startLocalKinesis('exit-test', 1);
    const dir = await tempDir();
    try {
      const script = join(dir.dir, 'emit.mts');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        script,
        `import { createEmitter } from ${JSON.stringify(join(process.cwd(), 'packages/client/src/emitter.ts'))};
import { localKinesisClient } from ${JSON.stringify(join(process.cwd(), 'src/adapters/local/kinesalite-stream.ts'))};
const real = localKinesisClient(${JSON.stringify(kinesis.endpoint)});
let calls = 0;
const throttling = { send: (c, o) => (++calls === 1 ? Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })) : real.send(c, o)) };
const ledger = createEmitter({ streamName: 'exit-test', kinesisClient: throttling, retryBaseMs: 400, retryMaxMs: 400 });
for (let i = 0; i < 50; i++) ledger.record({ feature: 'f', cohort: 'c', provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1, status: 'ok' });
process.on('exit', () => console.log(JSON.stringify(ledger.stats())));
await ledger.shutdown();
real.destroy();
`,
      );
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script], {
        cwd: process.cwd(),
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });
      expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toMatchObject({
        recorded: 50,
        sent: 50,
        dropped: 0,
        inFlight: 0,
      });
    } finally {
      await kinesis.stop();
      await dir.remove();
    }
  });
});
