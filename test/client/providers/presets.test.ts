import { describe, expect, it } from 'vitest';
import {
  anthropicEvents,
  bedrockConverseStream,
  type MeterResult,
  meterStream,
  openAIChatChunks,
  openAIResponseEvents,
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

describe('anthropicEvents with 1-hour cache writes, web search and thinking', () => {
  // A stream with the web_search tool: message_start states the cache writes by TTL; message_delta the
  // cumulative counts, the server tool calls and the thinking part of the output.
  const events = [
    {
      type: 'message_start',
      message: {
        id: 'msg_01Vq3k6u9bH5JmYk2pQd3xLr',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-4-8',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 2679,
          cache_creation_input_tokens: 12000,
          cache_read_input_tokens: 0,
          cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 10000 },
          output_tokens: 3,
          server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
          service_tier: 'priority',
        },
      },
    },
    {
      type: 'content_block_start',
      index: 0,
      content_block: {
        type: 'server_tool_use',
        id: 'srvtoolu_014hJH82Qum7Td6UV8gDXThB',
        name: 'web_search',
        input: {},
      },
    },
    {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: '{"query":"weather"}' },
    },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Sunny' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: ', 21°C.' } },
    { type: 'content_block_stop', index: 1 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: {
        input_tokens: 10682,
        cache_creation_input_tokens: 12000,
        cache_read_input_tokens: 0,
        output_tokens: 510,
        output_tokens_details: { thinking_tokens: 300 },
        server_tool_use: { web_search_requests: 2, web_fetch_requests: 0 },
      },
    },
    { type: 'message_stop' },
  ];

  it('carries the 1-hour writes of message_start and the tool calls and thinking of message_delta', async () => {
    // Act
    const result = await meter(events, anthropicEvents);

    // Assess
    expect(result).toMatchObject({
      status: 'ok',
      provider: 'anthropic',
      model: 'claude-opus-4-8',
      inputTokens: 10682 + 12000,
      cacheWriteTokens: 12000,
      cacheWrite1hTokens: 10000,
      outputTokens: 510,
      reasoningTokens: 300,
      toolCalls: { web_search: 2 },
      serviceTier: 'priority',
    });
  });

  it('reports no tool calls when the consumer stops before message_delta, without draining', async () => {
    // Prepare
    let done: MeterResult | undefined;
    const stream = meterStream(
      (async function* () {
        yield* events;
      })(),
      { ...anthropicEvents, onDone: (r) => (done = r) },
    );

    // Act: the consumer stops at the first text delta (the 6th event)
    let n = 0;
    for await (const _ of stream) if (++n === 6) break;

    // Assess
    expect(done).toMatchObject({ status: 'cancelled', cacheWrite1hTokens: 10000, deliveredOutputTokens: 1 });
    expect(done?.toolCalls).toBeUndefined();
  });
});

describe('openAIResponseEvents', () => {
  const created = {
    id: 'resp_68a1f0c2b6d48190a5cd8e9f1e2d3c4b',
    object: 'response',
    created_at: 1755443394,
    status: 'in_progress',
    model: 'gpt-5-2025-08-07',
    output: [],
    usage: null,
    service_tier: 'auto',
  };
  const delta = (text: string, n: number) => ({
    type: 'response.output_text.delta',
    sequence_number: n,
    item_id: 'msg_1',
    output_index: 2,
    content_index: 0,
    delta: text,
    logprobs: [],
  });
  const events = [
    { type: 'response.created', sequence_number: 0, response: created },
    { type: 'response.in_progress', sequence_number: 1, response: created },
    {
      type: 'response.output_item.added',
      sequence_number: 2,
      output_index: 0,
      item: { id: 'ws_1', type: 'web_search_call', status: 'in_progress' },
    },
    { type: 'response.web_search_call.completed', sequence_number: 3, output_index: 0, item_id: 'ws_1' },
    delta('Rain', 4),
    delta(' is', 5),
    delta(' likely.', 6),
    {
      type: 'response.completed',
      sequence_number: 7,
      response: {
        ...created,
        status: 'completed',
        output: [
          {
            id: 'ws_1',
            type: 'web_search_call',
            status: 'completed',
            action: { type: 'search', query: 'rain' },
          },
          {
            id: 'ws_2',
            type: 'web_search_call',
            status: 'completed',
            action: { type: 'open_page', url: 'https://x.y' },
          },
          { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [] },
        ],
        usage: {
          input_tokens: 8421,
          input_tokens_details: { cached_tokens: 4096 },
          output_tokens: 655,
          output_tokens_details: { reasoning_tokens: 448 },
          total_tokens: 9076,
        },
        service_tier: 'flex',
      },
    },
  ];

  it('reads the model at the start and the usage, tier and web searches of response.completed', async () => {
    // Act
    const result = await meter(events, openAIResponseEvents);

    // Assess
    expect(result).toMatchObject({
      status: 'ok',
      deliveredOutputTokens: undefined,
      provider: 'openai',
      model: 'gpt-5-2025-08-07',
      inputTokens: 8421,
      cacheReadTokens: 4096,
      outputTokens: 655,
      reasoningTokens: 448,
      toolCalls: { web_search: 1 },
      serviceTier: 'flex',
    });
  });

  it('counts output_text deltas, and keeps the model when stopped before the end', async () => {
    // Prepare
    let done: MeterResult | undefined;
    const stream = meterStream(
      (async function* () {
        yield* events;
      })(),
      { ...openAIResponseEvents, onDone: (r) => (done = r) },
    );

    // Act: the consumer stops after the second text delta (the 6th event)
    let n = 0;
    for await (const _ of stream) if (++n === 6) break;

    // Assess
    expect(done).toMatchObject({
      status: 'cancelled',
      provider: 'openai',
      model: 'gpt-5-2025-08-07',
      deliveredOutputTokens: 2,
      inputTokens: 0,
      outputTokens: 2,
    });
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

  it('reads the tier and the 1-hour cache writes of the metadata event', async () => {
    // Prepare
    const withTier = [
      ...events.slice(0, -1),
      {
        metadata: {
          usage: {
            inputTokens: 20,
            outputTokens: 85,
            totalTokens: 20 + 85 + 3000,
            cacheWriteInputTokens: 3000,
            cacheDetails: [{ ttl: '1h', inputTokens: 3000 }],
          },
          metrics: { latencyMs: 950 },
          serviceTier: { type: 'priority' },
        },
      },
    ];

    // Act
    const result = await meter(withTier, bedrockConverseStream);

    // Assess
    expect(result).toMatchObject({
      inputTokens: 3020,
      cacheWriteTokens: 3000,
      cacheWrite1hTokens: 3000,
      serviceTier: 'priority',
    });
  });
});
