import { describe, expect, it } from 'vitest';
import { fromVercelAI, fromVercelAISteps } from '../../../packages/client/src/providers/index.ts';

/** Input a caller's types would refuse, as it may still arrive at run time. */
const garbage = (value: unknown) => value as never;

const timestamp = new Date('2026-08-20T10:00:00Z');

describe('fromVercelAI on AI SDK v5 results', () => {
  it('Anthropic: adds the cache back to inputTokens and reads the raw usage in the metadata', () => {
    // Prepare: a generateText result (v5 shape): inputTokens is Anthropic's input_tokens, cache left out
    const rawUsage = {
      input_tokens: 21,
      cache_creation_input_tokens: 1880,
      cache_read_input_tokens: 4096,
      cache_creation: { ephemeral_5m_input_tokens: 880, ephemeral_1h_input_tokens: 1000 },
      output_tokens: 393,
      server_tool_use: { web_search_requests: 2 },
      service_tier: 'standard',
    };
    const step = {
      content: [{ type: 'text', text: 'The answer.' }],
      finishReason: 'stop',
      usage: { inputTokens: 21, outputTokens: 393, totalTokens: 414, cachedInputTokens: 4096 },
      warnings: [],
      request: {},
      response: {
        id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        timestamp,
        modelId: 'claude-sonnet-4-5-20250929',
        headers: {},
        messages: [],
      },
      providerMetadata: {
        anthropic: { usage: rawUsage, cacheCreationInputTokens: 1880, stopSequence: null },
      },
    };
    const result = {
      ...step,
      text: 'The answer.',
      totalUsage: step.usage,
      steps: [step],
    };

    // Act
    const fields = fromVercelAI(result);

    // Assess
    expect(fields).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      inputTokens: 21 + 1880 + 4096,
      cacheReadTokens: 4096,
      cacheWriteTokens: 1880,
      cacheWrite1hTokens: 1000,
      outputTokens: 393,
      reasoningTokens: 0,
      toolCalls: { web_search: 2 },
      serviceTier: 'standard',
    });
  });

  it('Anthropic without the raw usage: cache writes from cacheCreationInputTokens', () => {
    // Prepare: the awaited parts of a streamText result, from an older v5 provider
    const parts = {
      usage: { inputTokens: 50, outputTokens: 120, totalTokens: 170, cachedInputTokens: 3000 },
      providerMetadata: { anthropic: { cacheCreationInputTokens: 700 } },
      response: { id: 'msg_1', modelId: 'claude-3-7-sonnet-20250219', timestamp },
    };

    // Act
    const fields = fromVercelAI(parts);

    // Assess
    expect(fields).toEqual({
      provider: 'anthropic',
      model: 'claude-3-7-sonnet-20250219',
      inputTokens: 50 + 3000 + 700,
      cacheReadTokens: 3000,
      cacheWriteTokens: 700,
      outputTokens: 120,
      reasoningTokens: 0,
    });
  });

  it('OpenAI: inputTokens include the cached ones; tier from the metadata, web searches from the raw body', () => {
    // Prepare: a Responses API generateText result (v5 shape) with two searches and a page open
    const step = {
      content: [
        { type: 'tool-call', toolCallId: 'ws_1', toolName: 'web_search', input: {}, providerExecuted: true },
        { type: 'text', text: 'It rained.' },
      ],
      usage: {
        inputTokens: 2328,
        outputTokens: 652,
        totalTokens: 2980,
        reasoningTokens: 576,
        cachedInputTokens: 2048,
      },
      response: {
        id: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41',
        timestamp,
        modelId: 'gpt-5-2025-08-07',
        body: {
          object: 'response',
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
              action: { type: 'open_page', url: 'x' },
            },
            {
              id: 'ws_3',
              type: 'web_search_call',
              status: 'completed',
              action: { type: 'search', query: 'hail' },
            },
            { id: 'msg_1', type: 'message', content: [] },
          ],
        },
      },
      providerMetadata: {
        openai: { responseId: 'resp_67ccd3a9', serviceTier: 'priority', usage: { cacheWriteTokens: 0 } },
      },
    };

    // Act
    const fields = fromVercelAI({ ...step, steps: [step] });

    // Assess
    expect(fields).toEqual({
      provider: 'openai',
      model: 'gpt-5-2025-08-07',
      inputTokens: 2328,
      cacheReadTokens: 2048,
      cacheWriteTokens: 0,
      outputTokens: 652,
      reasoningTokens: 576,
      toolCalls: { web_search: 2 },
      serviceTier: 'priority',
    });
  });

  it('OpenAI in a stream: web searches from the provider-executed results of the web_search tool', () => {
    // Prepare: a streamText onFinish event (no raw body), searches named by their result's action
    const step = {
      content: [
        { type: 'tool-call', toolCallId: 'ws_1', toolName: 'web_search', input: {}, providerExecuted: true },
        {
          type: 'tool-result',
          toolCallId: 'ws_1',
          toolName: 'web_search',
          input: {},
          output: { action: { type: 'search', query: 'rain' } },
          providerExecuted: true,
        },
        {
          type: 'tool-result',
          toolCallId: 'ws_2',
          toolName: 'web_search',
          input: {},
          output: { action: { type: 'openPage', url: 'https://x.y' } },
          providerExecuted: true,
        },
        { type: 'tool-result', toolCallId: 'c_1', toolName: 'lookup', input: {}, output: 'own tool' },
      ],
      usage: { inputTokens: 900, outputTokens: 80, totalTokens: 980, cachedInputTokens: 0 },
      response: { id: 'resp_1', timestamp, modelId: 'gpt-5-mini-2025-08-07' },
      providerMetadata: { openai: { responseId: 'resp_1', serviceTier: 'default' } },
    };

    const onFinishEvent = { ...step, steps: [step], totalUsage: step.usage };

    // Act
    const fields = fromVercelAI(onFinishEvent);

    // Assess
    expect(fields).toMatchObject({ toolCalls: { web_search: 1 }, serviceTier: 'standard' });
  });

  it('Google: adds the thinking, which outputTokens leaves out, back to the output', () => {
    // Prepare: v5 Google results, with and without the raw usageMetadata in the metadata
    const usage = {
      inputTokens: 9,
      outputTokens: 29,
      totalTokens: 320,
      reasoningTokens: 282,
      cachedInputTokens: undefined,
    };
    const response = { id: 'YH6LaZT7ENmPxN8P-r2J8Aw', timestamp, modelId: 'gemini-2.5-flash' };
    const withRaw = {
      usage,
      response,
      providerMetadata: {
        google: {
          usageMetadata: {
            promptTokenCount: 9,
            candidatesTokenCount: 29,
            thoughtsTokenCount: 282,
            totalTokenCount: 320,
          },
          serviceTier: null,
        },
      },
    };
    const withoutRaw = { usage, response, providerMetadata: { google: { groundingMetadata: null } } };

    // Act
    const fromRaw = fromVercelAI(withRaw);
    const fromCounts = fromVercelAI(withoutRaw);

    // Assess
    const expected = {
      provider: 'gcp.gemini',
      model: 'gemini-2.5-flash',
      inputTokens: 9,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 29 + 282,
      reasoningTokens: 282,
    };
    expect(fromRaw).toEqual(expected);
    expect(fromCounts).toEqual(expected);
  });
});

describe('fromVercelAI on AI SDK v6/v7 results', () => {
  it('Google, two steps: reads each step (usage.raw) and adds them up', () => {
    // Prepare: a v7 generateText result that called a tool; result.usage is the total of both steps
    const step1 = {
      stepNumber: 0,
      model: { provider: 'google.generative-ai', modelId: 'gemini-2.5-pro' },
      content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: { city: 'Oslo' } }],
      finishReason: 'tool-calls',
      usage: {
        inputTokens: 1200,
        inputTokenDetails: { noCacheTokens: 1200, cacheReadTokens: 0, cacheWriteTokens: undefined },
        outputTokens: 340,
        outputTokenDetails: { textTokens: 40, reasoningTokens: 300 },
        totalTokens: 1540,
        raw: {
          promptTokenCount: 1200,
          candidatesTokenCount: 40,
          thoughtsTokenCount: 300,
          totalTokenCount: 1540,
          serviceTier: 'priority',
        },
      },
      response: { id: 'r1', timestamp, modelId: 'gemini-2.5-pro' },
      providerMetadata: { google: { serviceTier: 'priority' } },
    };
    const step2 = {
      ...step1,
      stepNumber: 1,
      content: [{ type: 'text', text: 'It is 14°C in Oslo.' }],
      finishReason: 'stop',
      usage: {
        inputTokens: 1500,
        inputTokenDetails: { noCacheTokens: 476, cacheReadTokens: 1024, cacheWriteTokens: undefined },
        outputTokens: 25,
        outputTokenDetails: { textTokens: 25, reasoningTokens: 0 },
        totalTokens: 1525,
        raw: {
          promptTokenCount: 1500,
          cachedContentTokenCount: 1024,
          candidatesTokenCount: 25,
          totalTokenCount: 1525,
          serviceTier: 'priority',
        },
      },
      response: { id: 'r2', timestamp, modelId: 'gemini-2.5-pro' },
    };
    const result = {
      usage: {
        inputTokens: 2700,
        inputTokenDetails: { noCacheTokens: 1676, cacheReadTokens: 1024, cacheWriteTokens: undefined },
        outputTokens: 365,
        outputTokenDetails: { textTokens: 65, reasoningTokens: 300 },
        totalTokens: 3065,
      },
      providerMetadata: step2.providerMetadata,
      response: step2.response,
      steps: [step1, step2],
    };

    // Act
    const whole = fromVercelAI(result);
    const perStep = [step1, step2].map((s) => fromVercelAI(s));

    // Assess
    expect(whole).toEqual({
      provider: 'gcp.gemini',
      model: 'gemini-2.5-pro',
      inputTokens: 2700,
      cacheReadTokens: 1024,
      cacheWriteTokens: 0,
      outputTokens: 365,
      reasoningTokens: 300,
      serviceTier: 'priority',
    });
    expect(perStep.map((f) => [f.inputTokens, f.outputTokens])).toEqual([
      [1200, 340],
      [1500, 25],
    ]);
    expect(fromVercelAISteps(result)).toEqual(perStep);
  });

  it('fromVercelAISteps: one event per LLM request, so steps never add up past a long-context threshold', () => {
    // Five Anthropic steps of 60,000 input tokens: each a standard-context request, 300,000 only when summed.
    const step = (n: number) => ({
      stepNumber: n,
      model: { provider: 'anthropic.messages', modelId: 'claude-sonnet-4-5' },
      usage: {
        inputTokens: 60_000,
        inputTokenDetails: { noCacheTokens: 60_000, cacheReadTokens: 0, cacheWriteTokens: 0 },
        outputTokens: 100,
        outputTokenDetails: { textTokens: 100, reasoningTokens: 0 },
        totalTokens: 60_100,
      },
      response: { id: `r${n}`, timestamp, modelId: 'claude-sonnet-4-5-20250929' },
    });
    const result = { steps: [0, 1, 2, 3, 4].map(step) };

    const perRequest = fromVercelAISteps(result);

    expect(perRequest).toHaveLength(5);
    for (const fields of perRequest) {
      expect(fields).toMatchObject({
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        inputTokens: 60_000,
        outputTokens: 100,
      });
    }
    expect(fromVercelAI(result).inputTokens).toBe(300_000);
  });

  it('fromVercelAISteps: a step or result without steps is one request; unreadable input one empty set', () => {
    expect(fromVercelAISteps({ usage: { inputTokens: 10, outputTokens: 2 } })).toHaveLength(1);
    expect(fromVercelAISteps(null as never)).toEqual([fromVercelAI(null as never)]);
  });

  it('Anthropic total usage without raw: inputTokens already include the cache', () => {
    // Prepare: `await result.usage` etc. of a v6 streamText call (the summed usage has no raw)
    const parts = {
      usage: {
        inputTokens: 6000,
        inputTokenDetails: { noCacheTokens: 24, cacheReadTokens: 4096, cacheWriteTokens: 1880 },
        outputTokens: 393,
        outputTokenDetails: { textTokens: 93, reasoningTokens: 300 },
        totalTokens: 6393,
      },
      providerMetadata: { anthropic: { cacheCreationInputTokens: 1880 } },
      response: { id: 'msg_1', timestamp, modelId: 'claude-opus-4-8' },
    };

    // Act
    const fields = fromVercelAI(parts);

    // Assess
    expect(fields).toEqual({
      provider: 'anthropic',
      model: 'claude-opus-4-8',
      inputTokens: 6000,
      cacheReadTokens: 4096,
      cacheWriteTokens: 1880,
      outputTokens: 393,
      reasoningTokens: 300,
    });
  });

  it('Bedrock step: the raw usage with its 1-hour writes, the tier from the metadata', () => {
    // Prepare: a v7 step served by Amazon Bedrock
    const step = {
      model: { provider: 'amazon-bedrock', modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
      usage: {
        inputTokens: 40 + 2048 + 6144,
        inputTokenDetails: { noCacheTokens: 40, cacheReadTokens: 2048, cacheWriteTokens: 6144 },
        outputTokens: 512,
        outputTokenDetails: { textTokens: 512, reasoningTokens: undefined },
        totalTokens: 40 + 2048 + 6144 + 512,
        raw: {
          inputTokens: 40,
          outputTokens: 512,
          totalTokens: 40 + 2048 + 6144 + 512,
          cacheReadInputTokens: 2048,
          cacheWriteInputTokens: 6144,
          cacheDetails: [
            { ttl: '1h', inputTokens: 4096 },
            { ttl: '5m', inputTokens: 2048 },
          ],
        },
      },
      response: { id: 'b1', timestamp, modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
      providerMetadata: {
        amazonBedrock: { serviceTier: { type: 'flex' } },
        bedrock: { serviceTier: { type: 'flex' } },
      },
    };

    // Act
    const fields = fromVercelAI(step);

    // Assess
    expect(fields).toEqual({
      provider: 'aws.bedrock',
      model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      inputTokens: 40 + 2048 + 6144,
      cacheReadTokens: 2048,
      cacheWriteTokens: 6144,
      cacheWrite1hTokens: 4096,
      outputTokens: 512,
      reasoningTokens: 0,
      serviceTier: 'flex',
    });
  });

  it('OpenAI step with the raw Chat Completions usage: GPT-5.6 cache writes', () => {
    // Prepare
    const step = {
      model: { provider: 'openai.chat', modelId: 'gpt-5.6-terra' },
      usage: {
        inputTokens: 4120,
        inputTokenDetails: { noCacheTokens: 536, cacheReadTokens: 2048, cacheWriteTokens: 1536 },
        outputTokens: 210,
        outputTokenDetails: { textTokens: 82, reasoningTokens: 128 },
        totalTokens: 4330,
        raw: {
          prompt_tokens: 4120,
          completion_tokens: 210,
          total_tokens: 4330,
          prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 1536 },
          completion_tokens_details: { reasoning_tokens: 128 },
        },
      },
      response: { id: 'chatcmpl-1', timestamp, modelId: 'gpt-5.6-terra-2026-07-01' },
      providerMetadata: { openai: {} },
    };

    // Act
    const fields = fromVercelAI(step);

    // Assess
    expect(fields).toEqual({
      provider: 'openai',
      model: 'gpt-5.6-terra-2026-07-01',
      inputTokens: 4120,
      cacheReadTokens: 2048,
      cacheWriteTokens: 1536,
      outputTokens: 210,
      reasoningTokens: 128,
    });
  });

  it('names the provider from the model: Vertex AI, Azure OpenAI, others by their prefix', () => {
    // Prepare
    const usage = {
      inputTokens: 10,
      inputTokenDetails: { noCacheTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 },
      outputTokens: 5,
      outputTokenDetails: { textTokens: 5, reasoningTokens: 0 },
      totalTokens: 15,
    };
    const served = (provider: string) => ({ model: { provider, modelId: 'm' }, usage });

    // Act
    const providers = [
      'google.vertex.chat',
      'googleVertex.anthropic.messages',
      'azure.responses',
      'openai.responses',
      'anthropic.messages',
      'mistral.chat',
    ].map((p) => fromVercelAI(served(p)).provider);

    // Assess
    expect(providers).toEqual([
      'gcp.vertex_ai',
      'gcp.vertex_ai',
      'azure.ai.openai',
      'openai',
      'anthropic',
      'mistral',
    ]);
  });
});

describe('fromVercelAI on AI SDK v4 results', () => {
  it('OpenAI: promptTokens with cached and reasoning tokens from the metadata', () => {
    // Prepare
    const result = {
      usage: { promptTokens: 1117, completionTokens: 46, totalTokens: 1163 },
      providerMetadata: { openai: { cachedPromptTokens: 1024, reasoningTokens: 0 } },
      response: { id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG', timestamp, modelId: 'gpt-4o-2024-08-06' },
    };

    // Act
    const fields = fromVercelAI(result);

    // Assess
    expect(fields).toEqual({
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      inputTokens: 1117,
      cacheReadTokens: 1024,
      cacheWriteTokens: 0,
      outputTokens: 46,
      reasoningTokens: 0,
    });
  });

  it('Anthropic: the cache from the metadata added back; NaN (unknown) counts as 0', () => {
    // Prepare
    const result = {
      usage: { promptTokens: 310, completionTokens: Number.NaN, totalTokens: Number.NaN },
      providerMetadata: { anthropic: { cacheCreationInputTokens: 1500, cacheReadInputTokens: 4000 } },
      response: { id: 'msg_1', timestamp, modelId: 'claude-3-5-sonnet-20241022' },
    };

    // Act
    const fields = fromVercelAI(result);

    // Assess
    expect(fields).toEqual({
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      inputTokens: 310 + 1500 + 4000,
      cacheReadTokens: 4000,
      cacheWriteTokens: 1500,
      outputTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe('fromVercelAI on garbage', () => {
  it('never throws, and gives zero counts', () => {
    // Prepare
    const inputs: unknown[] = [
      undefined,
      null,
      3,
      'result',
      [],
      { steps: 'x' },
      { steps: [null, 4, 'y'] },
      { usage: 'lots', providerMetadata: [1], response: 5, model: 'x', content: 'y' },
      { usage: { raw: [], inputTokenDetails: 'x' }, providerMetadata: { anthropic: { usage: 'x' } } },
      { providerMetadata: { openai: null }, response: { body: { output: 'x' } }, content: [null, 1] },
      {
        get usage() {
          throw new Error('getter failed');
        },
      },
    ];

    // Act
    const all = inputs.map((input) => fromVercelAI(garbage(input)));

    // Assess
    for (const fields of all) {
      expect(fields).toMatchObject({
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      });
      expect(typeof fields.provider).toBe('string');
    }
  });
});
