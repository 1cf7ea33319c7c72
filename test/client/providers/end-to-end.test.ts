import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { PutRecordsInput } from '../../../packages/client/src/index.ts';
import {
  anthropicEvents,
  createEmitter,
  fromAnthropicMessage,
  type MeterResult,
  meterStream,
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
