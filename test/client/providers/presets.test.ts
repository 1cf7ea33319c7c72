import { describe, expect, it } from 'vitest';
import {
  anthropicEvents,
  bedrockConverseStream,
  type MeterResult,
  meterStream,
  openAIChatChunks,
} from '../../../packages/client/src/providers/index.ts';

async function* replay<C>(items: C[]): AsyncGenerator<C> {
  for (const item of items) yield item;
}

/** Reads `items` through `meterStream`, stopping after `stopAfter` chunks when given; resolves with onDone's result. */
async function meter<C>(
  items: C[],
  preset: { deliveredTokens: (c: C) => number; usage: (c: C) => unknown },
  stopAfter?: number,
): Promise<MeterResult> {
  let resolveDone: (r: MeterResult) => void = () => {};
  const done = new Promise<MeterResult>((resolve) => (resolveDone = resolve));
  const stream = meterStream(replay(items), {
    deliveredTokens: preset.deliveredTokens,
    usage: (c) => preset.usage(c) as never,
    onDone: resolveDone,
    drainOnCancel: true, // these tests read the chunk shapes to the end; closing is tested in meter-stream
  });
  let n = 0;
  for await (const _ of stream) if (++n === stopAfter) break;
  return done;
}

describe('openAIChatChunks', () => {
  const base = {
    id: 'chatcmpl-C1a2b3c4d5e6f7',
    object: 'chat.completion.chunk',
    created: 1754000000,
    model: 'gpt-4o-mini-2024-07-18',
    service_tier: 'default',
    system_fingerprint: 'fp_34a54ae93c',
  };
  const delta = (content: string) => ({
    ...base,
    choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
    usage: null,
  });
  // With stream_options: { include_usage: true }, the last chunk has no choices and the usage.
  const chunks = [
    {
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null }],
      usage: null,
    },
    delta('The'),
    delta(' capital'),
    delta(' is'),
    delta(' Paris.'),
    { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null },
    {
      ...base,
      choices: [],
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
      },
    },
  ];

  it('reads the usage chunk at the end of a full stream', async () => {
    // Act
    const result = await meter(chunks, openAIChatChunks);

    // Assess
    expect(result).toMatchObject({
      status: 'ok',
      deliveredOutputTokens: undefined,
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      inputTokens: 2006,
      cacheReadTokens: 1920,
      outputTokens: 300,
      serviceTier: 'standard',
    });
  });

  it('counts one delivered token per non-empty content delta when the consumer stops', async () => {
    // Act: the role chunk and two content deltas reach the consumer
    const result = await meter(chunks, openAIChatChunks, 3);

    // Assess
    expect(result).toMatchObject({ status: 'cancelled', deliveredOutputTokens: 2, outputTokens: 300 });
  });

  it('falls back to the delivered count without include_usage', async () => {
    // Prepare
    const withoutUsage = chunks.slice(0, -1);

    // Act
    const result = await meter(withoutUsage, openAIChatChunks);

    // Assess
    expect(result).toMatchObject({ status: 'ok', outputTokens: 4 });
    expect(result.inputTokens).toBe(0);
  });
});

describe('anthropicEvents', () => {
  const textDelta = (text: string) => ({
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'text_delta', text },
  });
  const events = [
    {
      type: 'message_start',
      message: {
        id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-20250514',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 472,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 2048,
          output_tokens: 2,
          service_tier: 'standard',
        },
      },
    },
    {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'The user wants' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    textDelta('Here'),
    textDelta(' is'),
    textDelta(' the plan'),
    { type: 'content_block_stop', index: 1 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 420 },
    },
    { type: 'message_stop' },
  ];

  it('reads input from message_start and output from message_delta', async () => {
    // Act
    const result = await meter(events, anthropicEvents);

    // Assess
    expect(result).toMatchObject({
      status: 'ok',
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      inputTokens: 472 + 2048,
      cacheReadTokens: 2048,
      cacheWriteTokens: 0,
      outputTokens: 420,
      serviceTier: 'standard',
    });
  });

  it('counts text deltas only, and learns the billed output after a stop', async () => {
    // Act: the consumer stops after the second text delta (the 8th event)
    const result = await meter(events, anthropicEvents, 8);

    // Assess
    expect(result).toMatchObject({ status: 'cancelled', deliveredOutputTokens: 2, outputTokens: 420 });
  });

  it('takes input and cache counts from a message_delta that carries them all', async () => {
    // Prepare: with server tools, message_delta reports the cumulative input too
    const withTools = events.map((e) =>
      e.type === 'message_delta'
        ? {
            ...e,
            usage: {
              input_tokens: 10682,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 2048,
              output_tokens: 510,
              server_tool_use: { web_search_requests: 1 },
            },
          }
        : e,
    );

    // Act
    const result = await meter(withTools, anthropicEvents);

    // Assess
    expect(result).toMatchObject({ inputTokens: 10682 + 2048, cacheReadTokens: 2048, outputTokens: 510 });
  });
});

describe('bedrockConverseStream', () => {
  const textDelta = (text: string) => ({ contentBlockDelta: { delta: { text }, contentBlockIndex: 0 } });
  const events = [
    { messageStart: { role: 'assistant' } },
    textDelta('Sure'),
    textDelta(', here'),
    textDelta(' it is.'),
    { contentBlockStop: { contentBlockIndex: 0 } },
    { messageStop: { stopReason: 'end_turn' } },
    {
      metadata: {
        usage: { inputTokens: 12, outputTokens: 85, totalTokens: 12 + 85 + 1024, cacheReadInputTokens: 1024 },
        metrics: { latencyMs: 950 },
      },
    },
  ];

  it('reads the usage of the metadata event, cache tokens added to input', async () => {
    // Act
    const result = await meter(events, bedrockConverseStream);

    // Assess
    expect(result).toMatchObject({
      status: 'ok',
      provider: 'aws.bedrock',
      inputTokens: 12 + 1024,
      cacheReadTokens: 1024,
      cacheWriteTokens: 0,
      outputTokens: 85,
    });
  });

  it('counts delivered text deltas when the consumer stops', async () => {
    // Act
    const result = await meter(events, bedrockConverseStream, 2);

    // Assess
    expect(result).toMatchObject({ status: 'cancelled', deliveredOutputTokens: 1, outputTokens: 85 });
  });
});
