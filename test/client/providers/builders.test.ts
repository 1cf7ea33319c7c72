import { describe, expect, it } from 'vitest';
import {
  fromAnthropicMessage,
  fromBedrockConverse,
  fromOpenAIChat,
  fromOpenAIResponses,
} from '../../../packages/client/src/providers/index.ts';

/** Input a caller's types would refuse, as it may still arrive at run time. */
const garbage = (value: unknown) => value as never;

describe('fromOpenAIChat', () => {
  it('keeps prompt_tokens as all input, with the cached tokens as a part of it', () => {
    // Prepare: a Chat Completions result with a prompt-cache hit
    const completion = {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      object: 'chat.completion',
      created: 1741570283,
      model: 'gpt-4o-2024-08-06',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris.', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 1117,
        completion_tokens: 46,
        total_tokens: 1163,
        prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_fc9f1d7035',
    };

    // Act
    const fields = fromOpenAIChat(completion);

    // Assess
    expect(fields).toEqual({
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      inputTokens: 1117,
      cacheReadTokens: 1024,
      cacheWriteTokens: 0,
      outputTokens: 46,
      reasoningTokens: 0,
      serviceTier: 'standard',
    });
  });

  it('keeps completion_tokens as all output, with the reasoning tokens as a part of it', () => {
    // Prepare: a reasoning model's result on the flex tier
    const completion = {
      model: 'o3-mini-2025-01-31',
      usage: {
        prompt_tokens: 75,
        completion_tokens: 1186,
        total_tokens: 1261,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 1024, audio_tokens: 0 },
      },
      service_tier: 'flex',
    };

    // Act
    const fields = fromOpenAIChat(completion);

    // Assess
    expect(fields).toMatchObject({ outputTokens: 1186, reasoningTokens: 1024, serviceTier: 'flex' });
  });

  it('maps priority, and leaves out the tiers it has no name for', () => {
    // Prepare
    const base = { model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 1 } };

    // Act
    const tiers = ['priority', 'scale', 'auto', 'premium', null].map(
      (service_tier) => fromOpenAIChat({ ...base, service_tier }).serviceTier,
    );

    // Assess
    expect(tiers).toEqual(['priority', undefined, undefined, undefined, undefined]);
    expect(Object.keys(fromOpenAIChat({ ...base, service_tier: 'auto' }))).not.toContain('serviceTier');
  });

  it('passes GPT-5.6 cache writes on as a part of prompt_tokens, and maps the batch tier', () => {
    // Prepare: a Chat Completions result that wrote 1,536 prompt tokens to the cache (GPT-5.6 bills them)
    const completion = {
      id: 'chatcmpl-D2kQp7rXw0sLm4Hn8aTbEcYvUf3Zg',
      object: 'chat.completion',
      created: 1783200000,
      model: 'gpt-5.6-sol-2026-07-01',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Done.' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 4120,
        completion_tokens: 210,
        total_tokens: 4330,
        prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 1536, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 128, audio_tokens: 0 },
      },
      service_tier: 'batch',
    };

    // Act
    const fields = fromOpenAIChat(completion);

    // Assess
    expect(fields).toEqual({
      provider: 'openai',
      model: 'gpt-5.6-sol-2026-07-01',
      inputTokens: 4120,
      cacheReadTokens: 2048,
      cacheWriteTokens: 1536,
      outputTokens: 210,
      reasoningTokens: 128,
      serviceTier: 'batch',
    });
  });

  it('counts missing or null usage fields as 0, and a result without usage as 0 tokens', () => {
    // Prepare
    const nulls = {
      model: 'gpt-4o',
      usage: {
        prompt_tokens: 12,
        completion_tokens: null,
        prompt_tokens_details: null,
        completion_tokens_details: { reasoning_tokens: null },
      },
    };
    const noUsage = { model: 'gpt-4o', usage: null };

    // Act
    const fromNulls = fromOpenAIChat(nulls);
    const fromNoUsage = fromOpenAIChat(noUsage);

    // Assess
    expect(fromNulls).toMatchObject({
      inputTokens: 12,
      cacheReadTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    });
    expect(fromNoUsage).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o',
      inputTokens: 0,
      outputTokens: 0,
    });
  });
});

describe('fromOpenAIResponses', () => {
  it('reads input_tokens and output_tokens with their cached and reasoning details', () => {
    // Prepare: a Responses API result
    const response = {
      id: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41',
      object: 'response',
      created_at: 1741476777,
      status: 'completed',
      model: 'o4-mini-2025-04-16',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] }],
      usage: {
        input_tokens: 2328,
        input_tokens_details: { cached_tokens: 2048 },
        output_tokens: 652,
        output_tokens_details: { reasoning_tokens: 576 },
        total_tokens: 2980,
      },
      service_tier: 'priority',
    };

    // Act
    const fields = fromOpenAIResponses(response);

    // Assess
    expect(fields).toEqual({
      provider: 'openai',
      model: 'o4-mini-2025-04-16',
      inputTokens: 2328,
      cacheReadTokens: 2048,
      cacheWriteTokens: 0,
      outputTokens: 652,
      reasoningTokens: 576,
      serviceTier: 'priority',
    });
  });

  it('counts the web searches among the output items as tool calls, not the page opens', () => {
    // Prepare: a Responses API result with the web_search tool: two searches, a page open and a find in page
    const response = {
      id: 'resp_0953eda47ee17412006933306199c88195b44f9cf2986e1d5b',
      object: 'response',
      created_at: 1764962401,
      status: 'completed',
      model: 'gpt-5-mini-2025-08-07',
      output: [
        { id: 'rs_1', type: 'reasoning', summary: [] },
        {
          id: 'ws_1',
          type: 'web_search_call',
          status: 'completed',
          action: {
            type: 'search',
            query: 'tech news today',
            sources: [{ type: 'url', url: 'https://example.com/a' }],
          },
        },
        {
          id: 'ws_2',
          type: 'web_search_call',
          status: 'completed',
          action: { type: 'open_page', url: 'https://example.com/a' },
        },
        {
          id: 'ws_3',
          type: 'web_search_call',
          status: 'completed',
          action: { type: 'find_in_page', pattern: 'Vercel', url: 'https://example.com/a' },
        },
        {
          id: 'ws_4',
          type: 'web_search_call',
          status: 'completed',
          action: { type: 'search', queries: ['ai sdk'] },
        },
        {
          id: 'msg_1',
          type: 'message',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Here is the news.', annotations: [] }],
        },
      ],
      usage: {
        input_tokens: 19681,
        input_tokens_details: { cached_tokens: 3712 },
        output_tokens: 3773,
        output_tokens_details: { reasoning_tokens: 3136 },
        total_tokens: 23454,
      },
      service_tier: 'default',
    };

    // Act
    const fields = fromOpenAIResponses(response);

    // Assess
    expect(fields).toEqual({
      provider: 'openai',
      model: 'gpt-5-mini-2025-08-07',
      inputTokens: 19681,
      cacheReadTokens: 3712,
      cacheWriteTokens: 0,
      outputTokens: 3773,
      reasoningTokens: 3136,
      toolCalls: { web_search: 2 },
      serviceTier: 'standard',
    });
  });

  it('counts a web_search_call without an action as a search, and leaves toolCalls out without one', () => {
    // Prepare: a web_search_preview call as older responses gave it, and a result without web search
    const usage = { input_tokens: 300, output_tokens: 40 };
    const withPreview = {
      model: 'gpt-4.1-2025-04-14',
      output: [{ id: 'ws_67', type: 'web_search_call', status: 'completed' }],
      usage,
    };
    const without = { model: 'gpt-4.1-2025-04-14', output: [{ type: 'message' }], usage };

    // Act
    const searched = fromOpenAIResponses(withPreview);
    const plain = fromOpenAIResponses(without);

    // Assess
    expect(searched.toolCalls).toEqual({ web_search: 1 });
    expect(Object.keys(plain)).not.toContain('toolCalls');
  });

  it('gives 0 tokens for a result without usage', () => {
    // Act
    const fields = fromOpenAIResponses({ model: 'gpt-4.1' });

    // Assess
    expect(fields).toMatchObject({ model: 'gpt-4.1', inputTokens: 0, outputTokens: 0, reasoningTokens: 0 });
  });
});

describe('fromAnthropicMessage', () => {
  it('adds cache reads and writes to input_tokens, which leaves them out', () => {
    // Prepare: a Messages API result that wrote and read the prompt cache
    const message = {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-20250514',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 21,
        cache_creation_input_tokens: 1880,
        cache_read_input_tokens: 4096,
        cache_creation: { ephemeral_5m_input_tokens: 1880, ephemeral_1h_input_tokens: 0 },
        output_tokens: 393,
        server_tool_use: null,
        service_tier: 'standard',
      },
    };

    // Act
    const fields = fromAnthropicMessage(message);

    // Assess
    expect(fields).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      inputTokens: 21 + 1880 + 4096,
      cacheReadTokens: 4096,
      cacheWriteTokens: 1880,
      outputTokens: 393,
      reasoningTokens: 0,
      serviceTier: 'standard',
    });
  });

  it('reads 1-hour cache writes, server tool calls and thinking tokens', () => {
    // Prepare: a Messages API result that used web search and web fetch, and wrote both cache TTLs
    const message = {
      id: 'msg_01HCDu5LRGeP2o7s2xGmxyx8',
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-8',
      content: [
        {
          type: 'server_tool_use',
          id: 'srvtoolu_01',
          name: 'web_search',
          input: { query: 'claude shannon birth' },
        },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] },
        { type: 'text', text: 'Claude Shannon was born on April 30, 1916.' },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 105,
        cache_creation_input_tokens: 7345,
        cache_read_input_tokens: 7123,
        cache_creation: { ephemeral_5m_input_tokens: 2345, ephemeral_1h_input_tokens: 5000 },
        output_tokens: 6039,
        output_tokens_details: { thinking_tokens: 4096 },
        server_tool_use: { web_search_requests: 3, web_fetch_requests: 1 },
        service_tier: 'standard',
        inference_geo: 'global',
      },
    };

    // Act
    const fields = fromAnthropicMessage(message);

    // Assess
    expect(fields).toEqual({
      provider: 'anthropic',
      model: 'claude-opus-4-8',
      inputTokens: 105 + 7345 + 7123,
      cacheReadTokens: 7123,
      cacheWriteTokens: 7345,
      cacheWrite1hTokens: 5000,
      outputTokens: 6039,
      reasoningTokens: 4096,
      toolCalls: { web_search: 3, web_fetch: 1 },
      serviceTier: 'standard',
    });
  });

  it('takes the cache writes from the TTL breakdown when cache_creation_input_tokens is absent', () => {
    // Prepare
    const message = {
      model: 'claude-sonnet-4-5',
      usage: {
        input_tokens: 12,
        output_tokens: 80,
        cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 3000 },
        server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
      },
    };

    // Act
    const fields = fromAnthropicMessage(message);

    // Assess
    expect(fields).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      inputTokens: 12 + 4000,
      cacheReadTokens: 0,
      cacheWriteTokens: 4000,
      cacheWrite1hTokens: 3000,
      outputTokens: 80,
      reasoningTokens: 0,
    });
  });

  it('maps the priority and batch tiers', () => {
    // Prepare
    const usage = { input_tokens: 5, output_tokens: 7 };

    // Act
    const priority = fromAnthropicMessage({
      model: 'claude-opus-4-1',
      usage: { ...usage, service_tier: 'priority' },
    });
    const batch = fromAnthropicMessage({
      model: 'claude-opus-4-1',
      usage: { ...usage, service_tier: 'batch' },
    });

    // Assess
    expect([priority.serviceTier, batch.serviceTier]).toEqual(['priority', 'batch']);
  });

  it('counts null cache fields as 0 and a message without usage as 0 tokens', () => {
    // Prepare
    const nullCache = {
      model: 'claude-3-5-haiku-20241022',
      usage: {
        input_tokens: 40,
        output_tokens: 9,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        service_tier: null,
      },
    };

    // Act
    const fromNulls = fromAnthropicMessage(nullCache);
    const fromNoUsage = fromAnthropicMessage({ model: 'claude-3-5-haiku-20241022' });

    // Assess
    expect(fromNulls).toEqual({
      provider: 'anthropic',
      model: 'claude-3-5-haiku-20241022',
      inputTokens: 40,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 9,
      reasoningTokens: 0,
    });
    expect(fromNoUsage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
  });
});

describe('fromBedrockConverse', () => {
  it('adds cache reads and writes to inputTokens, takes the model from the caller and latency from metrics', () => {
    // Prepare: a Converse result (AWS SDK v3 shape); totalTokens = inputTokens + outputTokens + cache tokens
    const response = {
      $metadata: { httpStatusCode: 200, requestId: '7b1c9d1e-5c1f-4e0a-9d1b-2f3a4b5c6d7e', attempts: 1 },
      output: { message: { role: 'assistant', content: [{ text: 'Here is the summary.' }] } },
      stopReason: 'end_turn',
      usage: {
        inputTokens: 12,
        outputTokens: 305,
        totalTokens: 12 + 305 + 1024 + 512,
        cacheReadInputTokens: 1024,
        cacheWriteInputTokens: 512,
      },
      metrics: { latencyMs: 2811 },
      serviceTier: { type: 'default' },
    };

    // Act
    const fields = fromBedrockConverse(response, 'anthropic.claude-3-7-sonnet-20250219-v1:0');

    // Assess
    expect(fields).toEqual({
      provider: 'aws.bedrock',
      model: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
      inputTokens: 12 + 1024 + 512,
      cacheReadTokens: 1024,
      cacheWriteTokens: 512,
      outputTokens: 305,
      reasoningTokens: 0,
      serviceTier: 'standard',
      latencyMs: 2811,
    });
  });

  it('reads the 1-hour writes of cacheDetails and the priority and flex tiers', () => {
    // Prepare: a Converse result that wrote to both cache TTLs (cacheDetails lists 1h before 5m)
    const usage = {
      inputTokens: 40,
      outputTokens: 512,
      totalTokens: 40 + 512 + 2048 + 6144,
      cacheReadInputTokens: 2048,
      cacheWriteInputTokens: 6144,
      cacheDetails: [
        { ttl: '1h', inputTokens: 4096 },
        { ttl: '5m', inputTokens: 2048 },
      ],
    };

    // Act
    const priority = fromBedrockConverse(
      { usage, serviceTier: { type: 'priority' } },
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    const flex = fromBedrockConverse(
      { usage: { ...usage, cacheWriteInputTokens: undefined }, serviceTier: { type: 'flex' } },
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );

    // Assess
    expect(priority).toEqual({
      provider: 'aws.bedrock',
      model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      inputTokens: 40 + 2048 + 6144,
      cacheReadTokens: 2048,
      cacheWriteTokens: 6144,
      cacheWrite1hTokens: 4096,
      outputTokens: 512,
      reasoningTokens: 0,
      serviceTier: 'priority',
    });
    expect(flex).toMatchObject({ cacheWriteTokens: 6144, cacheWrite1hTokens: 4096, serviceTier: 'flex' });
  });

  it('leaves out latency and tier when the result does not give them', () => {
    // Prepare
    const response = {
      usage: { inputTokens: 30, outputTokens: 4, totalTokens: 34 },
      serviceTier: { type: 'reserved' },
    };

    // Act
    const fields = fromBedrockConverse(response, 'amazon.nova-lite-v1:0');

    // Assess
    expect(fields).toEqual({
      provider: 'aws.bedrock',
      model: 'amazon.nova-lite-v1:0',
      inputTokens: 30,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 4,
      reasoningTokens: 0,
    });
  });

  it('gives 0 tokens for a result without usage', () => {
    // Act
    const fields = fromBedrockConverse({ metrics: null }, 'meta.llama3-70b-instruct-v1:0');

    // Assess
    expect(fields).toMatchObject({ model: 'meta.llama3-70b-instruct-v1:0', inputTokens: 0, outputTokens: 0 });
  });
});

describe('builders on garbage', () => {
  const builders = [
    ['openai', (v: unknown) => fromOpenAIChat(garbage(v))],
    ['openai', (v: unknown) => fromOpenAIResponses(garbage(v))],
    ['anthropic', (v: unknown) => fromAnthropicMessage(garbage(v))],
    ['aws.bedrock', (v: unknown) => fromBedrockConverse(garbage(v), garbage(v))],
  ] as const;
  const inputs: unknown[] = [
    undefined,
    null,
    42,
    'not a response',
    [],
    { usage: 'lots' },
    { usage: [1, 2] },
    {
      get usage() {
        throw new Error('getter failed');
      },
    },
    { usage: { cache_creation: 'x', server_tool_use: [3], cacheDetails: 'y' }, output: 'z' },
    { usage: { cacheDetails: [null, 7, { ttl: '1h' }] }, output: [null, 1, { action: null }] },
  ];

  it('never throw, and return the provider with zero counts', () => {
    for (const [provider, build] of builders) {
      for (const input of inputs) {
        // Act
        const fields = build(input);

        // Assess
        expect(fields).toMatchObject({ provider, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0 });
      }
    }
  });

  it('keep what can be read next to what cannot', () => {
    // Prepare: a usage object with some fields of the wrong type
    const partly = { model: 'gpt-4o', usage: { prompt_tokens: 'ten', completion_tokens: 8 } };

    // Act
    const fields = fromOpenAIChat(garbage(partly));

    // Assess
    expect(fields).toMatchObject({ model: 'gpt-4o', inputTokens: 0, outputTokens: 8 });
  });

  it('pass numbers through as they are, for the emitter to validate', () => {
    // Prepare
    const negative = { model: 'claude-3-5-haiku-20241022', usage: { input_tokens: -3, output_tokens: 2.5 } };

    // Act
    const fields = fromAnthropicMessage(negative);

    // Assess
    expect(fields).toMatchObject({ inputTokens: -3, outputTokens: 2.5 });
  });
});
