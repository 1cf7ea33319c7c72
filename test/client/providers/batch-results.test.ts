import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../../packages/client/src/contract/index.ts';
import { wireEncoder } from '../../../packages/client/src/index.ts';
import {
  fromAnthropicBatchResult,
  fromOpenAIBatchLine,
} from '../../../packages/client/src/providers/index.ts';

/** Input a caller's types would refuse, as it may still arrive at run time. */
const garbage = (value: unknown) => value as never;

const zero = { inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 };

describe('fromOpenAIBatchLine', () => {
  it('reads a Chat Completions result line of the output file, on the batch tier', () => {
    // Prepare: a line of the output file, as the Files API returns it (the body says 'default', not 'batch')
    const line = JSON.stringify({
      id: 'batch_req_wnaDys',
      custom_id: 'request-2',
      response: {
        status_code: 200,
        request_id: 'req_c187b3',
        body: {
          id: 'chatcmpl-9758Iw',
          object: 'chat.completion',
          created: 1711475054,
          model: 'gpt-4o-mini-2024-07-18',
          choices: [
            { index: 0, message: { role: 'assistant', content: '2 + 2 equals 4.' }, finish_reason: 'stop' },
          ],
          usage: {
            prompt_tokens: 1224,
            completion_tokens: 15,
            total_tokens: 1239,
            prompt_tokens_details: { cached_tokens: 1024 },
            completion_tokens_details: { reasoning_tokens: 0 },
          },
          service_tier: 'default',
          system_fingerprint: null,
        },
      },
      error: null,
    });

    // Act
    const result = fromOpenAIBatchLine(line);

    // Assess
    expect(result).toEqual({
      customId: 'request-2',
      fields: {
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        inputTokens: 1224,
        cacheReadTokens: 1024,
        cacheWriteTokens: 0,
        outputTokens: 15,
        reasoningTokens: 0,
        status: 'ok',
        serviceTier: 'batch',
      },
    });
  });

  it('reads a Responses API body, web searches included', () => {
    // Prepare: a parsed line of a /v1/responses batch
    const line = {
      id: 'batch_req_68b2',
      custom_id: 'doc-17',
      response: {
        status_code: 200,
        request_id: 'req_9f1e',
        body: {
          id: 'resp_68b2',
          object: 'response',
          model: 'gpt-5-mini-2025-08-07',
          output: [
            {
              id: 'ws_1',
              type: 'web_search_call',
              status: 'completed',
              action: { type: 'search', query: 'q' },
            },
            { id: 'msg_1', type: 'message', content: [] },
          ],
          usage: {
            input_tokens: 5120,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: 900,
            output_tokens_details: { reasoning_tokens: 640 },
            total_tokens: 6020,
          },
          service_tier: 'default',
        },
      },
      error: null,
    };

    // Act
    const { customId, fields } = fromOpenAIBatchLine(line);

    // Assess
    expect(customId).toBe('doc-17');
    expect(fields).toEqual({
      provider: 'openai',
      model: 'gpt-5-mini-2025-08-07',
      inputTokens: 5120,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 900,
      reasoningTokens: 640,
      toolCalls: { web_search: 1 },
      status: 'ok',
      serviceTier: 'batch',
    });
  });

  it('gives error and cancelled results 0 tokens and the model passed in', () => {
    // Prepare: lines of the error file, and a request the API refused
    const expired = {
      id: 'batch_req_1',
      custom_id: 'request-7',
      response: null,
      error: {
        code: 'batch_expired',
        message: 'This request could not be executed before the completion window expired.',
      },
    };
    const cancelled = {
      id: 'batch_req_2',
      custom_id: 'request-8',
      response: null,
      error: { code: 'batch_cancelled', message: 'This request was cancelled before it could be executed.' },
    };
    const refused = {
      id: 'batch_req_3',
      custom_id: 'request-9',
      response: {
        status_code: 400,
        request_id: 'req_3',
        body: {
          error: { message: "Invalid 'max_tokens'", type: 'invalid_request_error', param: 'max_tokens' },
        },
      },
      error: null,
    };

    // Act
    const results = [expired, cancelled, refused].map((l) => fromOpenAIBatchLine(l, 'gpt-4o-mini'));

    // Assess
    expect(results).toEqual([
      {
        customId: 'request-7',
        fields: { provider: 'openai', model: 'gpt-4o-mini', ...zero, status: 'error', serviceTier: 'batch' },
      },
      {
        customId: 'request-8',
        fields: {
          provider: 'openai',
          model: 'gpt-4o-mini',
          ...zero,
          status: 'cancelled',
          serviceTier: 'batch',
        },
      },
      {
        customId: 'request-9',
        fields: { provider: 'openai', model: 'gpt-4o-mini', ...zero, status: 'error', serviceTier: 'batch' },
      },
    ]);
  });

  it('never throws: a line it cannot read is an error result without a custom id', () => {
    // Prepare
    const lines: unknown[] = [
      '',
      'not json',
      '[1,2]',
      'null',
      42,
      null,
      { custom_id: 5, response: 'x', error: 'y' },
      { custom_id: 'r', response: { status_code: '200', body: { usage: 'x' } } },
      {
        custom_id: 'r2',
        get response() {
          throw new Error('getter failed');
        },
      },
    ];

    // Act
    const results = lines.map((l) => fromOpenAIBatchLine(garbage(l)));

    // Assess
    for (const r of results) {
      expect(r.fields).toMatchObject({ provider: 'openai', ...zero, status: 'error', serviceTier: 'batch' });
    }
    expect(results.map((r) => r.customId)).toEqual(['', '', '', '', '', '', '', 'r', 'r2']);
  });
});

describe('fromAnthropicBatchResult', () => {
  const succeeded = {
    custom_id: 'my-first-request',
    result: {
      type: 'succeeded',
      message: {
        id: 'msg_014VwiXbi91y3JMjcpyGBHX5',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [{ type: 'text', text: 'Hello again! How can I help?' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: 11,
          cache_creation_input_tokens: 2048,
          cache_read_input_tokens: 0,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 2048 },
          output_tokens: 36,
          server_tool_use: null,
          service_tier: 'batch',
        },
      },
    },
  };

  it("reads a succeeded result's message on the batch tier", () => {
    // Act: a line of the results file, as a string
    const result = fromAnthropicBatchResult(JSON.stringify(succeeded));

    // Assess
    expect(result).toEqual({
      customId: 'my-first-request',
      fields: {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        inputTokens: 11 + 2048,
        cacheReadTokens: 0,
        cacheWriteTokens: 2048,
        cacheWrite1hTokens: 2048,
        outputTokens: 36,
        reasoningTokens: 0,
        status: 'ok',
        serviceTier: 'batch',
      },
    });
  });

  it('maps errored and expired to error and canceled to cancelled, with 0 tokens', () => {
    // Prepare: the other result types (as the SDK's batches.results() yields them)
    const lines = [
      {
        custom_id: 'my-second-request',
        result: {
          type: 'errored',
          error: {
            type: 'error',
            error: { type: 'invalid_request_error', message: 'Validation error: max_tokens: Field required' },
          },
        },
      },
      { custom_id: 'my-third-request', result: { type: 'expired' } },
      { custom_id: 'my-fourth-request', result: { type: 'canceled' } },
    ];

    // Act
    const results = lines.map((l) => fromAnthropicBatchResult(l, 'claude-haiku-4-5'));

    // Assess
    expect(results.map((r) => [r.customId, r.fields.status])).toEqual([
      ['my-second-request', 'error'],
      ['my-third-request', 'error'],
      ['my-fourth-request', 'cancelled'],
    ]);
    for (const r of results) {
      expect(r.fields).toEqual({
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        ...zero,
        status: r.fields.status,
        serviceTier: 'batch',
      });
    }
  });

  it('never throws on lines it cannot read', () => {
    // Prepare
    const lines: unknown[] = [
      '{',
      undefined,
      [],
      { custom_id: 'a', result: 'succeeded' },
      { custom_id: 'b', result: { type: 'succeeded', message: 'x' } },
      { custom_id: 'c', result: { type: 'succeeded', message: { usage: [1] } } },
    ];

    // Act
    const results = lines.map((l) => fromAnthropicBatchResult(garbage(l)));

    // Assess
    expect(results.map((r) => [r.customId, r.fields.status])).toEqual([
      ['', 'error'],
      ['', 'error'],
      ['', 'error'],
      ['a', 'error'],
      ['b', 'ok'], // the type says it succeeded; its message cannot be read: 0 tokens
      ['c', 'ok'],
    ]);
    for (const r of results) expect(r.fields).toMatchObject({ ...zero, serviceTier: 'batch' });
  });

  it('gives record() input that makes a valid event, the batch creation time as startedAt', () => {
    // Prepare: the results of a batch created at 10:00, recorded when it ended
    const createdAt = Date.parse('2026-08-20T10:00:00Z');
    const encode = wireEncoder();
    const inputs = [succeeded, { custom_id: 'x', result: { type: 'expired' } }].map((line) => {
      const { customId, fields } = fromAnthropicBatchResult(line, 'claude-sonnet-4-5-20250929');
      return {
        ...fields,
        feature: 'nightly-summaries',
        cohort: 'internal',
        tags: { request: customId },
        startedAt: createdAt,
      };
    });

    // Act
    const validations = inputs.map((input) => validateEvent(encode(input), createdAt + 3_600_000));

    // Assess
    expect(validations.map((v) => v.ok)).toEqual([true, true]);
    expect(validations[0]).toMatchObject({
      ok: true,
      event: {
        service_tier: 'batch',
        cache_write_tokens: 2048,
        cache_write_1h_tokens: 2048,
        status: 'ok',
        ts: createdAt,
      },
    });
    expect(validations[1]).toMatchObject({ ok: true, event: { status: 'error', input_tokens: 0 } });
  });
});
