import { gzipSync } from 'node:zlib';
import type { Attributes } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { build } from 'esbuild';
import { createEmitter } from '../packages/client/src/emitter.ts';
import type { PutRecordsInput, PutRecordsOutput } from '../packages/client/src/index.ts';
import type { RecordInput } from '../packages/client/src/record-input.ts';
import { type BenchResult, result } from './measure.ts';

const CALLS = 200_000;

/** The same request as a `record()` input and as the span attributes a team would otherwise set. */
function request(i: number): { input: RecordInput; attributes: Attributes } {
  const input: RecordInput = {
    feature: 'draft-email',
    cohort: i % 3 === 0 ? 'free' : 'pro',
    customerId: `cus_${i % 500}`,
    userId: `user-${i % 5000}`,
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    promptId: 'draft-email',
    promptVersion: 'v8',
    inputTokens: 1200 + (i % 700),
    cacheReadTokens: i % 2 ? 512 : 0,
    outputTokens: 300 + (i % 200),
    status: 'ok',
    latencyMs: 800 + (i % 300),
  };
  const attributes: Attributes = {
    'app.feature': input.feature,
    'app.cohort': input.cohort,
    'app.customer_id': input.customerId as string,
    'enduser.id': input.userId as string,
    'gen_ai.provider.name': input.provider,
    'gen_ai.response.model': input.model,
    'gen_ai.usage.input_tokens': input.inputTokens,
    'gen_ai.usage.cache_read.input_tokens': input.cacheReadTokens as number,
    'gen_ai.usage.output_tokens': input.outputTokens,
    'app.status': input.status,
  };
  return { input, attributes };
}

/** Calls between two turns of the event loop: an app records a few events per request it serves. */
const CALLS_PER_TURN = Number(process.env.CPT ?? 50);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Per-call nanoseconds of `fn(i)`, the timer's own cost subtracted; returns [p50, p99]. Calls come in small
 * groups with a turn of the event loop between them, as in a server, so that batches are sent (or spans
 * exported) while recording goes on, instead of piling up behind one long synchronous loop.
 */
async function perCall(fn: (i: number) => void): Promise<[number, number]> {
  const overhead: number[] = [];
  for (let i = 0; i < 50_000; i++) {
    const t0 = process.hrtime.bigint();
    overhead.push(Number(process.hrtime.bigint() - t0));
  }
  const timerNs = percentile(overhead, 0.5);
  const samples = new Float64Array(CALLS);
  for (let i = 0; i < CALLS; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0) - timerNs;
    if (i % CALLS_PER_TURN === CALLS_PER_TURN - 1) await nextTurn();
  }
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return [Math.max(0, percentile(sorted, 0.5, true)), Math.max(0, percentile(sorted, 0.99, true))];
}

function percentile(values: number[], p: number, sorted = false): number {
  const v = sorted ? values : [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(p * v.length))] as number;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** A Kinesis that takes every record at once: the client's own cost, with no network in it. */
function acceptingKinesis() {
  const events = 0;
  return {
    events: () => events,
    send: async (command: { input: PutRecordsInput }): Promise<PutRecordsOutput> => {
      const records = command.input.Records ?? [];
      return {
        FailedRecordCount: 0,
        Records: records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })),
      };
    },
  };
}

async function measureClient(): Promise<{ p50: number; p99: number; cpuPerEvent: number }> {
  const requests = Array.from({ length: CALLS }, (_, i) => request(i).input);
  // Warm up, then time record() per call while batches are sent as they fill.
  const warm = createEmitter({ streamName: 'bench', kinesisClient: acceptingKinesis(), hmacKey: 'k' });
  for (let i = 0; i < 20_000; i++) warm.record(requests[i] as RecordInput);
  await warm.shutdown();

  const sink = acceptingKinesis();
  const ledger = createEmitter({
    streamName: 'bench',
    kinesisClient: sink,
    hmacKey: 'k',
    maxQueueEvents: CALLS,
    maxQueueBytes: 2 ** 30, // the loop records far faster than any app: let the whole run queue, so every event is sent
  });
  const cpu0 = cpuMicros();
  const [p50, p99] = await perCall((i) => ledger.record(requests[i] as RecordInput));
  await ledger.shutdown();
  const cpu = cpuMicros() - cpu0;
  const stats = ledger.stats();
  if (stats.sent !== CALLS)
    throw new Error(`client bench: ${stats.sent} of ${CALLS} events sent (${JSON.stringify(stats)})`);
  return { p50, p99, cpuPerEvent: (cpu * 1000) / CALLS };
}

async function measureSpan(): Promise<{ p50: number; p99: number; cpuPerEvent: number }> {
  let exported = 0;
  const noop: SpanExporter = {
    export: (spans, done) => {
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(noop)],
  });
  const tracer = provider.getTracer('bench');
  const attrs = Array.from({ length: CALLS }, (_, i) => request(i).attributes);
  for (let i = 0; i < 20_000; i++)
    tracer.startSpan('llm.request', { attributes: attrs[i] as Attributes }).end();
  await provider.forceFlush();
  exported = 0;
  const cpu0 = cpuMicros();
  const [p50, p99] = await perCall((i) =>
    tracer.startSpan('llm.request', { attributes: attrs[i] as Attributes }).end(),
  );
  await provider.forceFlush();
  const cpu = cpuMicros() - cpu0;
  await provider.shutdown();
  return {
    p50,
    p99,
    cpuPerEvent: (cpu * 1000) / CALLS,
    ...(exported < CALLS ? { dropped: CALLS - exported } : {}),
  };
}

/** Minified + gzipped bytes of an entry point bundled for Node, with the given packages left out. */
async function bundleBytes(entry: string, external: string[]): Promise<number> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    write: false,
    logLevel: 'silent',
  });
  return gzipSync(out.outputFiles[0]?.contents ?? new Uint8Array(), { level: 9 }).length;
}

export async function clientBenchmarks(): Promise<{ results: BenchResult[]; notes: string[] }> {
  const span = await measureSpan();
  const client = await measureClient();
  const clientBytes = await bundleBytes('packages/client/src/index.ts', ['@aws-sdk/*']);
  const emitterBytes = await bundleBytes('bench/emitter-entry.ts', ['@aws-sdk/*']);
  const otelBytes = await bundleBytes('bench/otel-entry.ts', []);
  return {
    results: [
      result('client.record_ns', client.p50, 'ns p50', 'OpenTelemetry span p50', span.p50),
      result('client.record_ns_p99', client.p99, 'ns p99', 'OpenTelemetry span p99', span.p99),
      result(
        'client.cpu_ns_per_event',
        client.cpuPerEvent,
        'ns CPU/event',
        'OpenTelemetry span CPU/event',
        span.cpuPerEvent,
      ),
      result(
        'client.bundle_bytes',
        clientBytes,
        'bytes min+gz',
        'OpenTelemetry sdk-trace-base min+gz',
        otelBytes,
      ),
      result(
        'client.emitter_bundle_bytes',
        emitterBytes,
        'bytes min+gz',
        'OpenTelemetry sdk-trace-base min+gz',
        otelBytes,
      ),
    ],
    notes: [
      `client: ${CALLS.toLocaleString('en-US')} record() calls, all sent (ids, HMAC, validation, JSON, gzip, PutRecords to an in-process Kinesis that accepts everything); span: ${CALLS.toLocaleString('en-US')} spans with 10 attributes under a BatchSpanProcessor with a no-op exporter`,
    ],
  };
}
