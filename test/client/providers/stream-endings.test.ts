import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createEmitter } from '../../../packages/client/src/emitter.ts';
import type { PutRecordsInput, PutRecordsOutput } from '../../../packages/client/src/emitter-options.ts';
import {
  anthropicEvents,
  bedrockConverseStream,
  estimateTokens,
  geminiChunks,
  type MeterOptions,
  type MeterResult,
  meterStream,
  openAIChatChunks,
  openAIResponseEvents,
} from '../../../packages/client/src/providers/index.ts';

// Issue 12, items 1–4: how a stream ends (break, abort, the SDK's quiet return, a throw) decides its status; the
// served model, the app's input count and the request's start time reach the event.

/** Chat Completions chunks as openai-node yields them for `gpt-4o-mini` (the served snapshot in every chunk). */
const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18' };
const delta = (content: string) => ({
  ...base,
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
  usage: null,
});
const openAIChunks = [
  { ...base, choices: [{ index: 0, delta: { content: '' }, finish_reason: null }], usage: null },
  delta('The'),
  delta(' capital'),
  delta(' is'),
  delta(' Paris.'),
  { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null },
  { ...base, choices: [], usage: { prompt_tokens: 2006, completion_tokens: 300 } },
];

/**
 * A stream as openai-node's `Stream` behaves: it has a `controller`; after `controller.abort()` its iterator
 * ends quietly (openai-node catches the AbortError and returns) instead of throwing.
 */
class SdkStream<C> implements AsyncIterable<C> {
  readonly controller = new AbortController();
  constructor(private readonly chunks: C[]) {}
  async *[Symbol.asyncIterator](): AsyncIterator<C> {
    for (const c of this.chunks) {
      await new Promise((r) => setImmediate(r));
      if (this.controller.signal.aborted) return;
      yield c;
    }
  }
}

async function* replay<C>(items: C[], thenThrow?: unknown): AsyncGenerator<C> {
  for (const item of items) yield item;
  if (thenThrow !== undefined) throw thenThrow;
}

function collect() {
  const results: MeterResult[] = [];
  return { results, onDone: (r: MeterResult) => results.push(r) };
}

/** A Kinesis stand-in that keeps the events it got. */
function sink() {
  const events: Record<string, unknown>[] = [];
  return {
    events,
    putRecords: async (input: PutRecordsInput): Promise<PutRecordsOutput> => {
      for (const r of input.Records)
        for (const line of gunzipSync(r.Data).toString().trim().split('\n')) events.push(JSON.parse(line));
      return { FailedRecordCount: 0, Records: input.Records.map(() => ({ SequenceNumber: '1' })) };
    },
  };
}

describe('meterStream: a stream that ends before the provider finished is never ok (item 1)', () => {
  it("records cancelled when the app calls the SDK's controller.abort() and the stream returns quietly", async () => {
    // Prepare
    const stream = new SdkStream(openAIChunks);
    const { results, onDone } = collect();

    // Act: the stop button aborts the request through the SDK; the loop ends without break or throw.
    let n = 0;
    for await (const _ of meterStream(stream, { ...openAIChatChunks, onDone })) {
      if (++n === 3) stream.controller.abort();
    }

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'cancelled', deliveredOutputTokens: 2, outputTokens: 2 });
  });

  it('records cancelled for a quiet end without the final chunk even when no signal is known (the preset knows)', async () => {
    // Prepare: a source without a controller, ending after three content deltas
    const { results, onDone } = collect();

    // Act
    for await (const _ of meterStream(replay(openAIChunks.slice(0, 4)), { ...openAIChatChunks, onDone })) {
    }

    // Assess
    expect(results[0]?.status).toBe('cancelled');
  });

  it('records cancelled when the app’s AbortSignal aborted the request, and when the source throws an abort error', async () => {
    // Prepare
    const aborted = new AbortController();
    aborted.abort();
    const abortError = Object.assign(new Error('Request was aborted.'), { name: 'APIUserAbortError' });
    const domAbort = new DOMException('This operation was aborted', 'AbortError');
    const first = collect();
    const second = collect();
    const third = collect();

    // Act
    for await (const _ of meterStream(replay([{ type: 'ping' }]), {
      onDone: first.onDone,
      signal: aborted.signal,
    })) {
    }
    const read = async (thrown: unknown, onDone: (r: MeterResult) => void) => {
      for await (const _ of meterStream(replay(openAIChunks.slice(0, 3), thrown), {
        ...openAIChatChunks,
        onDone,
      })) {
      }
    };
    await expect(read(abortError, second.onDone)).rejects.toBe(abortError);
    await expect(read(domAbort, third.onDone)).rejects.toBe(domAbort);

    // Assess
    expect(first.results[0]?.status).toBe('cancelled');
    expect(second.results[0]).toMatchObject({ status: 'cancelled', error: abortError });
    expect(third.results[0]).toMatchObject({ status: 'cancelled', error: domAbort });
  });

  it('records error for a thrown failure, and ok only for a stream the provider finished', async () => {
    // Prepare
    const reset = new Error('socket hang up');
    const failed = collect();
    const completed = collect();

    // Act
    await expect(
      (async () => {
        for await (const _ of meterStream(replay(openAIChunks.slice(0, 3), reset), {
          ...openAIChatChunks,
          onDone: failed.onDone,
        })) {
        }
      })(),
    ).rejects.toBe(reset);
    for await (const _ of meterStream(new SdkStream(openAIChunks), {
      ...openAIChatChunks,
      onDone: completed.onDone,
    })) {
    }

    // Assess
    expect(failed.results[0]?.status).toBe('error');
    expect(completed.results[0]).toMatchObject({ status: 'ok', inputTokens: 2006, outputTokens: 300 });
  });

  it('an abort after the provider’s last chunk stopped nothing: the stream is ok', async () => {
    // Prepare
    const stream = new SdkStream([...openAIChunks, delta('')]);
    const { results, onDone } = collect();

    // Act: aborted once the usage chunk has arrived
    let n = 0;
    for await (const _ of meterStream(stream, { ...openAIChatChunks, onDone })) {
      if (++n === openAIChunks.length) stream.controller.abort();
    }

    // Assess
    expect(results[0]).toMatchObject({ status: 'ok', inputTokens: 2006 });
  });

  it('each preset tells a finished stream from one cut short', async () => {
    // Prepare: the last chunk of each provider's stream, and one before it
    const cases: [Pick<MeterOptions<unknown>, 'usage' | 'isFinal'>, unknown[]][] = [
      [
        anthropicEvents as never,
        [
          {
            type: 'message_start',
            message: { model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 9 } },
          },
          { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hi' } },
          { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } },
          { type: 'message_stop' },
        ],
      ],
      [
        openAIResponseEvents as never,
        [
          { type: 'response.created', response: { model: 'gpt-5-mini-2025-08-07' } },
          { type: 'response.output_text.delta', delta: 'Hi' },
          {
            type: 'response.completed',
            response: { model: 'gpt-5-mini-2025-08-07', usage: { input_tokens: 9 } },
          },
        ],
      ],
      [
        bedrockConverseStream as never,
        [
          { contentBlockDelta: { delta: { text: 'Hi' } } },
          { messageStop: { stopReason: 'end_turn' } },
          { metadata: { usage: { inputTokens: 9, outputTokens: 3 } } },
        ],
      ],
      [
        geminiChunks as never,
        [
          { modelVersion: 'gemini-2.5-flash', candidates: [{ content: { parts: [{ text: 'Hi' }] } }] },
          {
            modelVersion: 'gemini-2.5-flash',
            candidates: [{ content: { parts: [{ text: '!' }] }, finishReason: 'STOP' }],
            usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 3 },
          },
        ],
      ],
    ];

    for (const [preset, events] of cases) {
      const whole = collect();
      const cut = collect();
      // Act
      for await (const _ of meterStream(replay(events), { ...preset, onDone: whole.onDone })) {
      }
      for await (const _ of meterStream(replay(events.slice(0, -2)), { ...preset, onDone: cut.onDone })) {
      }
      // Assess
      expect(whole.results[0]?.status).toBe('ok');
      expect(cut.results[0]?.status).toBe('cancelled');
    }
  });
});

describe('meterStream: stopping after the provider finished', () => {
  it('a break at message_stop is ok, with every token delivered: nothing was cut short', async () => {
    // Prepare
    const { results, onDone } = collect();
    const events = [
      {
        type: 'message_start',
        message: { model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 12 } },
      },
      { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'message_delta', usage: { output_tokens: 40 } },
      { type: 'message_stop' },
    ];

    // Act: the app's loop stops on the last event
    for await (const event of meterStream(replay(events), { ...anthropicEvents, onDone })) {
      if (event.type === 'message_stop') break;
    }

    // Assess: not a cancel, so the waste report counts nothing undelivered
    expect(results[0]).toMatchObject({ status: 'ok', outputTokens: 40 });
    expect(results[0]?.deliveredOutputTokens).toBeUndefined();
  });
});

describe('meterStream: the served model, from the first chunk (item 2)', () => {
  it('a cancelled OpenAI stream carries the served snapshot, not the alias of the request', async () => {
    // Prepare
    const { results, onDone } = collect();

    // Act: stopped after two chunks, long before the usage chunk
    let n = 0;
    for await (const _ of meterStream(replay(openAIChunks), { ...openAIChatChunks, onDone })) {
      if (++n === 2) break;
    }

    // Assess: the app's `{ model: 'gpt-4o-mini', ...m }` ends up as the snapshot
    expect(results[0]).toMatchObject({
      status: 'cancelled',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
    });
    expect({ model: 'gpt-4o-mini', ...results[0] }.model).toBe('gpt-4o-mini-2024-07-18');
  });

  it('a cancelled Anthropic stream carries the model of message_start, and Gemini its modelVersion', async () => {
    // Prepare
    const anthropic = collect();
    const gemini = collect();
    const geminiStream = [
      { modelVersion: 'gemini-2.5-flash-001', candidates: [{ content: { parts: [{ text: 'a' }] } }] },
      { modelVersion: 'gemini-2.5-flash-001', candidates: [{ content: { parts: [{ text: 'b' }] } }] },
    ];

    // Act
    for await (const _ of meterStream(
      replay([
        {
          type: 'message_start',
          message: { model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 12 } },
        },
        { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hi' } },
      ]),
      { ...anthropicEvents, onDone: anthropic.onDone },
    ))
      break;
    for await (const _ of meterStream(replay(geminiStream), { ...geminiChunks, onDone: gemini.onDone }))
      break;

    // Assess
    expect(anthropic.results[0]).toMatchObject({
      status: 'cancelled',
      model: 'claude-sonnet-4-5-20250929',
      inputTokens: 12,
    });
    expect(gemini.results[0]).toMatchObject({ status: 'cancelled', model: 'gemini-2.5-flash-001' });
  });
});

describe('meterStream: input tokens the provider never stated (item 3)', () => {
  it('uses the app’s count when the stream stopped before the usage, and marks it as an estimate', async () => {
    // Prepare
    const messages = [{ role: 'user', content: 'x'.repeat(400) }];
    const { results, onDone } = collect();
    let asked = 0;

    // Act
    for await (const _ of meterStream(replay(openAIChunks), {
      ...openAIChatChunks,
      inputTokens: () => {
        asked++;
        return estimateTokens(messages);
      },
      onDone,
    })) {
      break;
    }

    // Assess
    expect(asked).toBe(1);
    expect(results[0]).toMatchObject({ status: 'cancelled', inputTokens: 101, inputTokensEstimated: true });
  });

  it('keeps the provider’s count when the usage arrived: the app’s count is not used', async () => {
    // Prepare
    const { results, onDone } = collect();

    // Act
    for await (const _ of meterStream(replay(openAIChunks), {
      ...openAIChatChunks,
      inputTokens: 5,
      onDone,
    })) {
    }

    // Assess
    expect(results[0]).toMatchObject({ status: 'ok', inputTokens: 2006 });
    expect(results[0]?.inputTokensEstimated).toBeUndefined();
  });

  it('estimateTokens counts about 4 characters a token in strings and messages, and never throws', () => {
    // Prepare
    const circular: Record<string, unknown> = { content: 'abcd' };
    circular.self = circular;
    circular.again = circular;

    // Act / Assess
    expect(estimateTokens('x'.repeat(40))).toBe(10);
    expect(estimateTokens([{ role: 'user', content: [{ type: 'text', text: 'abcdefgh' }] }])).toBe(4);
    expect(estimateTokens(circular)).toBe(1);
    expect(estimateTokens(undefined)).toBe(0);
    expect(estimateTokens(42)).toBe(0);
  });
});

describe('meterStream: one time base with record() (item 4)', () => {
  it('takes startedAt as epoch ms or a Date, like record(), and measures latency from it', async () => {
    // Prepare
    const epoch = collect();
    const date = collect();
    const perf = collect();
    const startedAt = Date.now() - 1500;

    // Act
    for await (const _ of meterStream(replay(openAIChunks), {
      ...openAIChatChunks,
      startedAt,
      onDone: epoch.onDone,
    })) {
    }
    for await (const _ of meterStream(replay(openAIChunks), {
      ...openAIChatChunks,
      startedAt: new Date(startedAt),
      onDone: date.onDone,
    })) {
    }
    // Earlier versions took performance.now(): still understood (the same instant on the epoch clock, taken beside it).
    const perfStartedAt = performance.now() - 1500;
    const perfEpoch = Date.now() - 1500;
    for await (const _ of meterStream(replay(openAIChunks), {
      ...openAIChatChunks,
      startedAt: perfStartedAt,
      onDone: perf.onDone,
    })) {
    }

    // Assess
    for (const r of [epoch.results[0], date.results[0], perf.results[0]]) {
      expect(r?.latencyMs).toBeGreaterThanOrEqual(1500);
      expect(r?.latencyMs).toBeLessThan(5000);
      expect(r?.ttftMs).toBeGreaterThanOrEqual(1500);
    }
    expect(Math.abs((perf.results[0]?.startedAt ?? 0) - perfEpoch)).toBeLessThan(50);
    expect(epoch.results[0]?.startedAt).toBe(startedAt);
    expect(date.results[0]?.startedAt).toBe(startedAt);
  });

  it('record() takes the same times: epoch ms, a Date, and a performance.now() value placed on the epoch', async () => {
    // Prepare
    const kinesis = sink();
    const ledger = createEmitter({
      streamName: 'llm-events',
      putRecords: kinesis.putRecords,
      onError: () => {},
    });
    const fields = {
      feature: 'chat',
      cohort: 'pro',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      inputTokens: 1,
      outputTokens: 1,
      status: 'ok' as const,
    };
    const epoch = Date.now() - 3000;

    // Act
    ledger.record({ ...fields, startedAt: epoch });
    ledger.record({ ...fields, startedAt: new Date(epoch) });
    ledger.record({ ...fields, startedAt: performance.now() - 3000 });
    await ledger.shutdown();

    // Assess
    expect(ledger.stats()).toMatchObject({ sent: 3, invalid: 0 });
    for (const e of kinesis.events) expect(Math.abs(Date.parse(e.ts as string) - epoch)).toBeLessThan(1000);
  });

  it('end to end: a stream started with Date.now() and cancelled is sent with the snapshot, the start time and an estimated input', async () => {
    // Prepare
    const kinesis = sink();
    const errors: string[] = [];
    const ledger = createEmitter({
      streamName: 'llm-events',
      putRecords: kinesis.putRecords,
      onError: (e) => errors.push(e.message),
    });
    const who = { feature: 'chat', cohort: 'pro', tags: { route: '/chat' } };
    const messages = [{ role: 'user', content: 'y'.repeat(800) }];
    const started = Date.now() - 2000;
    const stream = new SdkStream(openAIChunks);

    // Act
    let n = 0;
    for await (const _ of meterStream(stream, {
      ...openAIChatChunks,
      startedAt: started,
      inputTokens: estimateTokens(messages),
      onDone: (m) => ledger.record({ ...who, provider: 'openai', model: 'gpt-4o-mini', ...m }),
    })) {
      if (++n === 2) stream.controller.abort();
    }
    await ledger.shutdown();

    // Assess
    expect(errors).toEqual([]);
    expect(ledger.stats()).toMatchObject({ sent: 1, invalid: 0 });
    expect(kinesis.events[0]).toMatchObject({
      status: 'cancelled',
      model: 'gpt-4o-mini-2024-07-18',
      input_tokens: 201,
      ts: new Date(started).toISOString(),
      tags: { route: '/chat', input_tokens: 'estimated' },
    });
    expect(kinesis.events[0]?.latency_ms).toBeGreaterThanOrEqual(2000);
  });
});
