import { describe, expect, it } from 'vitest';
import type { PutRecordsInput } from '../../packages/client/src/index.ts';
import {
  createEmitter,
  fromAnthropicMessage,
  fromBedrockConverse,
  fromOpenAIChat,
  meterStream,
  openAIChatChunks,
} from '../../packages/client/src/index.ts';

// docs/client.md's "Emitting events" examples, with the provider SDKs replaced by the objects they return, so
// that the type checker (npm test runs tsc over test/) and this test keep the documentation honest.
describe('README examples', () => {
  it('record() calls built with the helpers type-check and reach the stream', async () => {
    const sent: { input: PutRecordsInput }[] = [];
    const kinesisClient = {
      send: async (command: { input: PutRecordsInput }) => {
        sent.push(command);
        return {
          $metadata: {},
          FailedRecordCount: 0,
          Records: (command.input.Records ?? []).map(() => ({})),
        };
      },
    };
    const errors: string[] = [];
    const ledger = createEmitter({
      streamName: 'llm-events',
      kinesisClient,
      hmacKey: 'secret',
      onError: (e) => errors.push(e.message),
    });
    const who = { feature: 'draft-email', cohort: 'pro', customerId: 'acct_1', userId: 'u_1' };
    const started = Date.now();

    const completion = {
      model: 'gpt-4o-mini-2024-07-18',
      usage: { prompt_tokens: 1200, completion_tokens: 300 },
    };
    ledger.record({ ...who, ...fromOpenAIChat(completion), status: 'ok', latencyMs: Date.now() - started });

    const message = {
      model: 'claude-sonnet-4-5',
      usage: { input_tokens: 20, cache_read_input_tokens: 1000, output_tokens: 150 },
    };
    ledger.record({
      ...who,
      ...fromAnthropicMessage(message),
      status: 'ok',
      promptId: 'draft-email',
      promptVersion: 'v8',
    });

    const out = {
      usage: { inputTokens: 500, outputTokens: 80, totalTokens: 580 },
      metrics: { latencyMs: 900 },
    };
    ledger.record({ ...who, ...fromBedrockConverse(out, 'amazon.nova-lite-v1:0'), status: 'ok' });

    async function* stream() {
      yield { choices: [{ delta: { content: 'Hello' } }] };
      yield { choices: [{ delta: { content: ' world' } }] };
      yield { choices: [], usage: { prompt_tokens: 50, completion_tokens: 2 } };
    }
    const model = 'gpt-4o';
    for await (const chunk of meterStream(stream(), {
      ...openAIChatChunks,
      onDone: (m) => ledger.record({ ...who, provider: 'openai', model, ...m }),
    })) {
      expect(chunk).toBeDefined();
    }

    await ledger.shutdown();
    expect(errors).toEqual([]);
    expect(ledger.stats()).toMatchObject({ sent: 4, invalid: 0, dropped: 0 });
    expect(sent.length).toBeGreaterThan(0);
  });
});
