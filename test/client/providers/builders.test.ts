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
