import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../../packages/client/src/contract/index.ts';
import type { PutRecordsInput } from '../../../packages/client/src/index.ts';
import {
  anthropicEvents,
  createEmitter,
  fromAnthropicMessage,
  fromGemini,
  fromOpenAIResponses,
  type MeterResult,
  meterStream,
  wireEncoder,
} from '../../../packages/client/src/index.ts';

describe('provider helpers into the emitter', () => {
  it('sends a cancelled Anthropic stream as an event with all input, cache parts and delivered output', async () => {
    // Prepare: a Kinesis client that keeps the PutRecords commands it gets
    const captured: { input: PutRecordsInput }[] = [];
    const kinesisClient = {
      send: async (cmd: { input: PutRecordsInput }) => {
        captured.push(cmd);
        return {
          $metadata: {},
          FailedRecordCount: 0,
          Records: (cmd.input.Records ?? []).map(() => ({ SequenceNumber: '1', ShardId: 'shardId-0' })),
        };
      },
    };
    const ledger = createEmitter({ streamName: 'llm-events', kinesisClient });
    const start = {
      type: 'message_start',
      message: {
        id: 'msg_01Aq9w938a90dw8q',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-20250514',
        content: [],
        usage: {
          input_tokens: 310,
          cache_creation_input_tokens: 1500,
          cache_read_input_tokens: 4000,
          output_tokens: 1,
        },
      },
    };
    const delta = (text: string) => ({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text },
    });
    async function* events() {
      yield start;
      yield { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } };
      for (const t of ['One', ' two', ' three', ' four', ' five']) yield delta(t);
      yield { type: 'content_block_stop', index: 0 };
      yield { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 250 } };
      yield { type: 'message_stop' };
    }
    let resolveDone: (r: MeterResult) => void = () => {};
    const done = new Promise<MeterResult>((resolve) => (resolveDone = resolve));

    // Act: the user presses stop after three text deltas; the helper drains the rest for the billed usage
    let seen = 0;
    for await (const e of meterStream(events(), {
      ...anthropicEvents,
      onDone: resolveDone,
      drainOnCancel: true,
    }))
      if (e.type === 'content_block_delta' && ++seen === 3) break;
    const result = await done;
    ledger.record({
      feature: 'chat',
      cohort: 'pro',
      customerId: 'acme',
      ...fromAnthropicMessage(start.message),
      ...result,
    });
    await ledger.flush();
    await ledger.shutdown();

    // Assess
    const data = captured[0]?.input.Records?.[0]?.Data;
    expect(data).toBeDefined();
    const lines = gunzipSync(data as Uint8Array)
      .toString('utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      v: 1,
      feature: 'chat',
      cohort: 'pro',
      customer_id: 'acme',
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      input_tokens: 310 + 1500 + 4000,
      cache_read_tokens: 4000,
      cache_write_tokens: 1500,
      output_tokens: 250,
      delivered_output_tokens: 3,
      status: 'cancelled',
    });
    expect(ledger.stats()).toMatchObject({ sent: 1, invalid: 0, dropped: 0 });
  });
});

describe('the new fields of the helpers, as wire events', () => {
  it('1-hour cache writes, tool calls and tiers pass the contract', () => {
    // Prepare: results that report every new field
    const encode = wireEncoder();
    const at = Date.parse('2026-08-20T10:00:00Z');
    const who = { feature: 'research', cohort: 'pro', status: 'ok' as const, startedAt: at };
    const anthropicFields = fromAnthropicMessage({
      model: 'claude-opus-4-8',
      usage: {
        input_tokens: 105,
        cache_creation_input_tokens: 7345,
        cache_read_input_tokens: 7123,
        cache_creation: { ephemeral_5m_input_tokens: 2345, ephemeral_1h_input_tokens: 5000 },
        output_tokens: 6039,
        output_tokens_details: { thinking_tokens: 4096 },
        server_tool_use: { web_search_requests: 3, web_fetch_requests: 1 },
        service_tier: 'priority',
      },
    });
    const openAIFields = fromOpenAIResponses({
      model: 'gpt-5-mini-2025-08-07',
      output: [{ type: 'web_search_call', action: { type: 'search' } }],
      usage: {
        input_tokens: 900,
        input_tokens_details: { cached_tokens: 512, cache_write_tokens: 256 },
        output_tokens: 40,
      },
      service_tier: 'flex',
    });
    const geminiFields = fromGemini({
      modelVersion: 'gemini-2.5-flash',
      usageMetadata: {
        promptTokenCount: 9,
        candidatesTokenCount: 29,
        thoughtsTokenCount: 282,
        serviceTier: 'priority',
      },
    });

    // Act
    const validations = [anthropicFields, openAIFields, geminiFields].map((fields) =>
      validateEvent(encode({ ...who, ...fields }), at),
    );

    // Assess
    expect(validations.map((v) => (v.ok ? 'ok' : v.rejections))).toEqual(['ok', 'ok', 'ok']);
    expect(validations[0]).toMatchObject({
      event: {
        cache_write_tokens: 7345,
        cache_write_1h_tokens: 5000,
        reasoning_tokens: 4096,
        tool_calls: { web_search: 3, web_fetch: 1 },
        service_tier: 'priority',
      },
    });
    expect(validations[1]).toMatchObject({
      event: { cache_write_tokens: 256, tool_calls: { web_search: 1 }, service_tier: 'flex' },
    });
    expect(validations[2]).toMatchObject({ event: { output_tokens: 311, reasoning_tokens: 282 } });
  });
});
