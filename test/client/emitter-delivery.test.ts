import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import type {
  EmitterError,
  EmitterStats,
  PutRecordsFunction,
} from '../../packages/client/src/emitter-options.ts';
import { recordInput } from '../helpers/record-input.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 12, items 4–6: problems are never silent, an awaited flush() holds the process until its events are
// decided, and errors that retrying cannot fix are not retried.

const run = promisify(execFile);
const FAST_RETRIES = { retryBaseMs: 1, retryMaxMs: 5 };
const settledSum = (s: EmitterStats) => s.sent + s.dropped + s.invalid + s.queued + s.inFlight;
const takesAll: PutRecordsFunction = async (input) => ({
  FailedRecordCount: 0,
  Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
});
/** An error as the AWS SDK v3 throws it: `name` is the error code. */
const awsError = (name: string, message: string, status: number) =>
  Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('errors retrying cannot fix (item 6)', () => {
  it('AccessDeniedException: exactly one PutRecords call and one onError, naming the error and the events dropped', async () => {
    // Prepare
    let calls = 0;
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: 'llm-events',
      putRecords: async () => {
        calls++;
        throw awsError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/app/x is not authorized to perform: kinesis:PutRecords',
          400,
        );
      },
      onError: (e) => errors.push(e),
      ...FAST_RETRIES,
    });

    // Act
    for (let i = 0; i < 20; i++) ledger.record(recordInput());
    await ledger.flush();

    // Assess
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: 'dropped', count: 20, code: 'AccessDeniedException' });
    expect(errors[0]?.message).toMatch(/AccessDeniedException.*not authorized.*20 events dropped/);
    const s = ledger.stats();
    expect(s).toMatchObject({ sent: 0, dropped: 20, retries: 0, calls: 1 });
    expect(settledSum(s)).toBe(s.recorded);
    await ledger.shutdown();
  });

  it.each([
    ['ResourceNotFoundException', 400],
    ['ValidationException', 400],
    ['KMSAccessDeniedException', 400],
    ['KMSDisabledException', 400],
    ['UnrecognizedClientException', 400],
    ['InvalidArgumentException', 400],
  ])('%s is not retried', async (name, status) => {
    // Prepare
    let calls = 0;
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: 'llm-events',
      putRecords: async () => {
        calls++;
        throw awsError(name, 'refused', status);
      },
      onError: (e) => errors.push(e),
      ...FAST_RETRIES,
    });

    // Act
    ledger.record(recordInput());
    await ledger.flush();

    // Assess
    expect(calls).toBe(1);
    expect(errors.map((e) => [e.kind, e.code])).toEqual([['dropped', name]]);
    await ledger.shutdown();
  });

  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['KMSThrottlingException', 400],
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
    ['TimeoutError', 0],
  ])('%s is retried, and the events then sent', async (name, status) => {
    // Prepare
    let calls = 0;
    const ledger = createEmitter({
      streamName: 'llm-events',
      putRecords: async (input, options) => {
        if (++calls <= 2) throw awsError(name, 'try again', status);
        return takesAll(input, options);
      },
      onError: () => {},
      ...FAST_RETRIES,
    });

    // Act
    for (let i = 0; i < 5; i++) ledger.record(recordInput());
    await ledger.flush();

    // Assess
    expect(calls).toBe(3);
    expect(ledger.stats()).toMatchObject({ sent: 5, dropped: 0 });
    await ledger.shutdown();
  });

  it('a client without kinesisClient or putRecords drops the batch at once, with one clear report', async () => {
    // Prepare
    const errors: EmitterError[] = [];
    const ledger = createEmitter({
      streamName: 'llm-events',
      onError: (e) => errors.push(e),
      ...FAST_RETRIES,
    });

    // Act
    ledger.record(recordInput());
    await ledger.flush();

    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/needs a kinesisClient/);
    expect(ledger.stats()).toMatchObject({ dropped: 1, calls: 1, retries: 0 });
    await ledger.shutdown();
  });
});

describe('without onError, problems are warned, once per kind a minute (item 4)', () => {
  it('warns once for many events broken the same way, again for another kind, and not at all with onError', async () => {
    // Prepare
    const warnings: string[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => {
      warnings.push(String(w));
    }) as typeof process.emitWarning);
    const ledger = createEmitter({ streamName: 'llm-events', putRecords: takesAll, hmacKey: 'k' });
    const quiet = createEmitter({
      streamName: 'llm-events',
      putRecords: takesAll,
      hmacKey: 'k',
      onError: () => {},
    });

    // Act: a negative latency (a start time on another clock) three times, then an empty feature
    for (let i = 0; i < 3; i++) ledger.record(recordInput({ latencyMs: -5 - i }));
    await ledger.flush();
    ledger.record(recordInput({ latencyMs: -9 }));
    ledger.record(recordInput({ feature: '' }));
    await ledger.flush();
    quiet.record(recordInput({ latencyMs: -5 }));
    await quiet.flush();

    // Assess
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/tokenledger: invalid.*latency_ms/);
    expect(warnings[1]).toMatch(/tokenledger: invalid.*feature/);
    expect(ledger.stats()).toMatchObject({ invalid: 5, sent: 0 });
    await ledger.shutdown();
    await quiet.shutdown();
  });

  it('warns about the same kind again after a minute', async () => {
    // Prepare
    const warnings: string[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => {
      warnings.push(String(w));
    }) as typeof process.emitWarning);
    const ledger = createEmitter({ streamName: 'llm-events', putRecords: takesAll, hmacKey: 'k' });
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now');

    // Act
    clock.mockReturnValue(now);
    ledger.record(recordInput({ latencyMs: -1 }));
    await ledger.flush();
    clock.mockReturnValue(now + 30_000);
    ledger.record(recordInput({ latencyMs: -1 }));
    await ledger.flush();
    clock.mockReturnValue(now + 61_000);
    ledger.record(recordInput({ latencyMs: -1 }));
    await ledger.flush();
    clock.mockRestore();

    // Assess
    expect(warnings).toHaveLength(2);
    await ledger.shutdown();
  });
});

describe('an awaited flush() decides its events before the process exits (item 5)', () => {
  /**
   * Runs a script in a process of its own (nothing of the test runner keeps its event loop alive): it records
   * one event, awaits flush() (in an async function, not top-level await, as CommonJS scripts do) against a
   * putRecords that fails `failures` times, then prints what it knows at exit.
   */
  async function script(failures: number, maxRetries: number) {
    const dir = await tempDir();
    try {
      const file = join(dir.dir, 'flush.mts');
      await writeFile(
        file,
        `import { createEmitter } from ${JSON.stringify(join(process.cwd(), 'packages/client/src/emitter.ts'))};
let calls = 0;
const putRecords = async (input) => {
  if (++calls <= ${failures}) throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
  return { FailedRecordCount: 0, Records: input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })) };
};
const ledger = createEmitter({ streamName: 'llm-events', putRecords, maxRetries: ${maxRetries}, retryBaseMs: 200, retryMaxMs: 200, onError: () => {} });
let flushed = false;
process.on('exit', (code) => console.log(JSON.stringify({ code, flushed, calls, ...ledger.stats() })));
async function main() {
  ledger.record({ feature: 'f', cohort: 'c', provider: 'openai', model: 'm', inputTokens: 1, outputTokens: 1, status: 'ok' });
  await ledger.flush();
  flushed = true;
}
main();
`,
      );
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: process.cwd() });
      return JSON.parse(stdout.trim().split('\n').pop() as string);
    } finally {
      await dir.remove();
    }
  }

  it('waits through the retries of a failing stream, and the event is sent', async () => {
    expect(await script(3, 5)).toMatchObject({
      code: 0,
      flushed: true,
      calls: 4,
      sent: 1,
      dropped: 0,
      inFlight: 0,
    });
  });

  it('when the retries run out, the event is given up (counted as dropped) before the script goes on', async () => {
    expect(await script(100, 2)).toMatchObject({
      code: 0,
      flushed: true,
      calls: 3,
      sent: 0,
      dropped: 1,
      inFlight: 0,
    });
  });

  it('the timer’s own sends still never hold the process: a script that does not flush exits at once', async () => {
    // Prepare: the same script without `await ledger.flush()`, against a stream that always fails
    const dir = await tempDir();
    try {
      const file = join(dir.dir, 'noflush.mts');
      await writeFile(
        file,
        `import { createEmitter } from ${JSON.stringify(join(process.cwd(), 'packages/client/src/emitter.ts'))};
const putRecords = async () => { throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }); };
const ledger = createEmitter({ streamName: 'llm-events', putRecords, maxBatchEvents: 1, retryBaseMs: 60000, retryMaxMs: 60000, onError: () => {} });
ledger.record({ feature: 'f', cohort: 'c', provider: 'openai', model: 'm', inputTokens: 1, outputTokens: 1, status: 'ok' });
`,
      );
      const started = performance.now();

      // Act
      await run(process.execPath, ['--import', 'tsx', file], { cwd: process.cwd() });

      // Assess
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      await dir.remove();
    }
  });
});
