import { gunzipSync } from 'node:zlib';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTraceId } from '../../packages/client/src/active-trace.ts';
import { createEmitter } from '../../packages/client/src/emitter.ts';
import { type LocalKinesis, startLocalKinesis } from '../../src/adapters/local/kinesalite-stream.ts';
import { recordInput } from '../helpers/record-input.ts';

// The client takes the trace id of the OpenTelemetry span active where record() is called, through the API's own
// global registry, without depending on @opentelemetry/api (issue 16 item 1). Here the app's side is real: the API,
// the SDK's tracer and the async-hooks context manager the Node SDK registers; the events go through kinesalite.

let kinesis: LocalKinesis;
const contextManager = new AsyncLocalStorageContextManager();
const tracer = new BasicTracerProvider().getTracer('app');

beforeAll(async () => {
  kinesis = await startLocalKinesis('active-trace', 1);
  context.setGlobalContextManager(contextManager.enable());
});

afterAll(async () => {
  context.disable();
  await kinesis.stop();
});

async function streamEvents(): Promise<Record<string, unknown>[]> {
  const shard = await kinesis.client.send(
    new GetShardIteratorCommand({
      StreamName: kinesis.streamName,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const out = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: shard.ShardIterator }));
  return (out.Records ?? []).flatMap((r) =>
    gunzipSync(r.Data as Uint8Array)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

describe('client: the run of a request from the active OpenTelemetry trace', () => {
  it('records the active span’s trace id; keeps the app’s own; none outside a span, or when told not to', async () => {
    const ledger = createEmitter({ streamName: kinesis.streamName, kinesisClient: kinesis.client });
    const quiet = createEmitter({
      streamName: kinesis.streamName,
      kinesisClient: kinesis.client,
      traceIdFromOpenTelemetry: false,
    });
    let inSpan = '';
    let awaited = '';

    await tracer.startActiveSpan('agent run', async (span) => {
      inSpan = span.spanContext().traceId;
      ledger.record(recordInput({ feature: 'in-span' }));
      await new Promise((r) => setTimeout(r, 5)); // still the run after an await
      ledger.record(recordInput({ feature: 'after-await' }));
      ledger.record(recordInput({ feature: 'own-id', traceId: 'run-42-own' }));
      quiet.record(recordInput({ feature: 'quiet' }));
      span.end();
    });
    await tracer.startActiveSpan('another run', async (span) => {
      awaited = span.spanContext().traceId;
      await Promise.resolve();
      ledger.record(recordInput({ feature: 'second-run' }));
      span.end();
    });
    ledger.record(recordInput({ feature: 'outside' }));
    await ledger.shutdown();
    await quiet.shutdown();

    const byFeature = Object.fromEntries((await streamEvents()).map((e) => [e.feature, e.trace_id ?? null]));
    expect(inSpan).toMatch(/^[0-9a-f]{32}$/);
    expect(byFeature).toEqual({
      'in-span': inSpan,
      'after-await': inSpan,
      'own-id': 'run-42-own',
      quiet: null,
      'second-run': awaited,
      outside: null,
    });
    expect(awaited).not.toBe(inSpan);
  });

  it('finds nothing, and throws nothing, when the registry holds something else', () => {
    const key = Symbol.for('opentelemetry.js.api.1');
    const g = globalThis as Record<symbol, unknown>;
    const saved = g[key];
    try {
      for (const odd of [
        { context: { active: () => ({ getValue: () => ({ spanContext: () => ({ traceId: 'x' }) }) }) } },
        {
          context: {
            active: () => ({ getValue: () => ({ spanContext: () => ({ traceId: '0'.repeat(32) }) }) }),
          },
        },
        {
          context: {
            active: () => {
              throw new Error('broken context manager');
            },
          },
        },
        { context: null },
        42,
      ]) {
        g[key] = odd;
        expect(activeTraceId()).toBeUndefined();
      }
    } finally {
      g[key] = saved;
    }
  });
});
