import { describe, expect, it } from 'vitest';
import type { TokenFields } from '../../../packages/client/src/providers/index.ts';
import {
  type MeterOptions,
  type MeterResult,
  meterStream,
} from '../../../packages/client/src/providers/index.ts';

/** A chunk of a made-up provider: text for the user, usage at times. */
interface Chunk {
  text?: string;
  usage?: Partial<TokenFields>;
}

const text = (t: string): Chunk => ({ text: t });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A provider stream: yields `head`, waits until `release()` is called, then yields `tail` (or throws `failWith`).
 * `state.closedEarly` tells whether its `return()` was called before it ended.
 */
function providerStream(head: Chunk[], tail: Chunk[] = [], failWith?: Error) {
  let release = () => {};
  const gate = tail.length > 0 || failWith ? new Promise<void>((resolve) => (release = resolve)) : null;
  const state = { closedEarly: false };
  async function* stream(): AsyncGenerator<Chunk> {
    let ended = false;
    try {
      for (const c of head) yield c;
      if (gate) await gate;
      for (const c of tail) yield c;
      if (failWith) throw failWith;
      ended = true;
    } finally {
      if (!ended && !failWith) state.closedEarly = true;
    }
  }
  return { stream: stream(), release: () => release(), state };
}

/** `meterStream` options over `Chunk`, with the results `onDone` got. */
function metered(extra: Partial<MeterOptions<Chunk>> = {}) {
  const results: MeterResult[] = [];
  let resolveDone: (r: MeterResult) => void = () => {};
  const done = new Promise<MeterResult>((resolve) => (resolveDone = resolve));
  const options: MeterOptions<Chunk> = {
    deliveredTokens: (c) => (c.text ? 1 : 0),
    usage: (c) => c.usage,
    onDone: (r) => {
      results.push(r);
      resolveDone(r);
    },
    ...extra,
  };
  return { options, results, done };
}

async function readAll<C>(stream: AsyncIterable<C>): Promise<C[]> {
  const got: C[] = [];
  for await (const c of stream) got.push(c);
  return got;
}

async function readAndBreak<C>(stream: AsyncIterable<C>, n: number): Promise<C[]> {
  const got: C[] = [];
  for await (const c of stream) {
    got.push(c);
    if (got.length === n) break;
  }
  return got;
}

const opening: Chunk = { usage: { provider: 'acme', model: 'acme-1', inputTokens: 100, outputTokens: 1 } };
const closing: Chunk = { usage: { outputTokens: 9 } };

describe('meterStream', () => {
  it('yields every chunk unchanged and reports ok with the usage when the stream ends', async () => {
    // Prepare
    const chunks = [opening, text('a'), text('b'), text(''), text('c'), closing];
    const { stream } = providerStream(chunks);
    const { options, results } = metered();

    // Act
    const got = await readAll(meterStream(stream, options));

    // Assess
    expect(got).toEqual(chunks);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'ok',
      deliveredOutputTokens: undefined,
      provider: 'acme',
      model: 'acme-1',
      inputTokens: 100,
      outputTokens: 9,
    });
  });

  it('by default closes the source when the consumer breaks, as the provider SDK would be closed without it', async () => {
    // Prepare: a source that records whether it was closed (provider SDKs abort the HTTP request there).
    let closed = false;
    let pulled = 0;
    const source: AsyncIterable<Chunk> = {
      [Symbol.asyncIterator]() {
        return {
          next: async () => {
            pulled++;
            return { done: false, value: pulled === 1 ? opening : text('x') };
          },
          return: async () => {
            closed = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const { options, results } = metered();

    // Act
    await readAndBreak(meterStream(source, options), 5);

    // Assess: nothing read past the stop, the source closed, the result reported at once.
    expect(closed).toBe(true);
    expect(pulled).toBe(5);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'cancelled',
      deliveredOutputTokens: 4,
      inputTokens: 100,
      outputTokens: 4,
    });
  });

  it('with drainOnCancel, drains the rest in the background after a break and reports the final usage', async () => {
    // Prepare: the provider sends its final usage only after the consumer has stopped
    const { stream, release } = providerStream(
      [opening, text('a'), text('b'), text('c')],
      [text('d'), text('e'), closing],
    );
    const { options, results, done } = metered();

    // Act
    const got = await readAndBreak(meterStream(stream, { ...options, drainOnCancel: true }), 3);
    await tick();
    const beforeSourceEnded = results.length;
    release();
    const result = await done;

    // Assess
    expect(got).toEqual([opening, text('a'), text('b')]);
    expect(beforeSourceEnded).toBe(0);
    expect(result).toMatchObject({
      status: 'cancelled',
      deliveredOutputTokens: 2,
      inputTokens: 100,
      outputTokens: 9,
    });
    expect(results).toHaveLength(1);
  });

  it('with drainOnCancel false, closes the source and reports the usage seen so far at once', async () => {
    // Prepare
    const { stream, state } = providerStream([opening, text('a'), text('b'), text('c'), closing]);
    const { options, results } = metered({ drainOnCancel: false });

    // Act
    await readAndBreak(meterStream(stream, options), 4);

    // Assess
    expect(state.closedEarly).toBe(true);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'cancelled', deliveredOutputTokens: 3, inputTokens: 100 });
    expect(results[0]?.outputTokens).toBe(3);
  });

  it('treats a consumer that throws in its loop as one that stopped', async () => {
    // Prepare
    const { stream } = providerStream([opening, text('a'), text('b'), closing]);
    const { options, done } = metered();
    const consumer = async () => {
      for await (const c of meterStream(stream, { ...options, drainOnCancel: true }))
        if (c.text === 'b') throw new Error('render failed');
    };

    // Act
    await expect(consumer()).rejects.toThrow('render failed');
    const result = await done;

    // Assess
    expect(result).toMatchObject({ status: 'cancelled', deliveredOutputTokens: 2, outputTokens: 9 });
  });

  it('reports error when the source throws, and lets the error reach the app as it would without the wrapper', async () => {
    // Prepare
    const reset = new Error('upstream connection reset');
    const { stream, release } = providerStream([opening, text('a'), text('b')], [], reset);
    const { options, results } = metered();

    // Act
    const reading = readAll(meterStream(stream, options));
    release();

    // Assess
    await expect(reading).rejects.toBe(reset);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'error',
      deliveredOutputTokens: 2,
      inputTokens: 100,
      error: reset,
    });
  });

  it('keeps an onDone that throws away from the app', async () => {
    // Prepare
    const throwing = () => {
      throw new Error('bug in the app callback');
    };
    const ended = providerStream([text('a'), closing]);
    const closed = providerStream([text('a'), text('b'), closing]);
    let drainedCalls = 0;
    let drainedCalled = () => {};
    const drainedDone = new Promise<void>((resolve) => (drainedCalled = resolve));
    const drained = providerStream([text('a'), text('b'), closing]);

    // Act
    const all = await readAll(meterStream(ended.stream, { onDone: throwing }));
    const some = await readAndBreak(
      meterStream(closed.stream, { onDone: throwing, drainOnCancel: false }),
      1,
    );
    await readAndBreak(
      meterStream(drained.stream, {
        onDone: () => {
          drainedCalls++;
          drainedCalled();
          throw new Error('bug in the app callback');
        },
      }),
      1,
    );
    await drainedDone;
    await tick();

    // Assess
    expect(all).toHaveLength(2);
    expect(some).toHaveLength(1);
    expect(drainedCalls).toBe(1);
  });

  it('calls onDone exactly once, even when the iterator is closed again', async () => {
    // Prepare
    const ended = providerStream([text('a'), closing]);
    const cancelled = providerStream([text('a'), text('b'), closing]);
    const first = metered();
    const second = metered();

    // Act
    const it1 = meterStream(ended.stream, first.options)[Symbol.asyncIterator]();
    while (!(await it1.next()).done) {}
    await it1.return?.();
    await it1.next();
    const it2 = meterStream(cancelled.stream, second.options)[Symbol.asyncIterator]();
    await it2.next();
    await it2.return?.();
    await it2.return?.();
    await second.done;
    await tick();

    // Assess
    expect(first.results.map((r) => r.status)).toEqual(['ok']);
    expect(second.results.map((r) => r.status)).toEqual(['cancelled']);
  });

  it('measures time to first chunk and to the end', async () => {
    // Prepare
    async function* slow(): AsyncGenerator<Chunk> {
      await sleep(30);
      yield text('a');
      await sleep(30);
      yield closing;
    }
    const { options, done } = metered();

    // Act
    await readAll(meterStream(slow(), options));
    const result = await done;

    // Assess
    expect(result.ttftMs).toBeGreaterThanOrEqual(25);
    expect(result.latencyMs).toBeGreaterThanOrEqual((result.ttftMs ?? 0) + 25);
  });

  it('measures from startedAt when given', async () => {
    // Prepare
    const { stream } = providerStream([text('a')]);
    const { options, done } = metered({ startedAt: performance.now() - 1000 });

    // Act
    await readAll(meterStream(stream, options));
    const result = await done;

    // Assess
    expect(result.ttftMs).toBeGreaterThanOrEqual(1000);
  });

  it('counts one delivered token per chunk without deliveredTokens, and no ttft for an empty stream', async () => {
    // Prepare
    const some = providerStream([text('a'), text(''), closing]);
    const none = providerStream([]);
    const counted = metered({ deliveredTokens: undefined, usage: undefined, drainOnCancel: false });
    const empty = metered();

    // Act
    await readAndBreak(meterStream(some.stream, counted.options), 3);
    await readAll(meterStream(none.stream, empty.options));

    // Assess
    expect(counted.results[0]).toMatchObject({
      status: 'cancelled',
      deliveredOutputTokens: 3,
      outputTokens: 3,
    });
    expect(empty.results[0]).toMatchObject({ status: 'ok', outputTokens: 0, ttftMs: undefined });
  });

  it('survives callbacks that throw on a chunk', async () => {
    // Prepare
    const { stream } = providerStream([text('a'), text('b'), closing]);
    const { options, done } = metered({
      deliveredTokens: (c) => {
        if (c.text === 'a') throw new Error('tokenizer failed');
        return 1;
      },
      usage: (c) => {
        if (c.text === 'b') throw new Error('bad chunk');
        return c.usage;
      },
    });

    // Act
    const got = await readAll(meterStream(stream, options));
    const result = await done;

    // Assess
    expect(got).toHaveLength(3);
    expect(result).toMatchObject({ status: 'ok', outputTokens: 9 });
  });
});
