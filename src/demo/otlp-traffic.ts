import { gzipSync } from 'node:zlib';
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { RecordInput } from '@tokenledger/client';
import type { TrafficItem } from './traffic.ts';

/**
 * The demo's OpenTelemetry team: the `search-answer` feature is instrumented with the OpenTelemetry SDK and its
 * spans reach the stream through a Collector's `awskinesis` exporter (`otlp_proto`, gzip), not through the tiny
 * client. Its spans carry what that team's instrumentation sets: the GenAI semantic conventions, the feature on
 * the service's resource, the cohort and customer on each span, the raw end-user id (`enduser.id`, hashed by the
 * consumer), and `gen_ai.response.status` / `tokenledger.delivered_output_tokens` for cancelled streams.
 */
export const OTEL_FEATURE = 'search-answer';

/** Spans per OTLP request: a Collector's batch processor sends a few hundred at a time. */
const SPANS_PER_REQUEST = 200;

export interface OtlpTraffic {
  /** The stream records, in send order. */
  records: Buffer[];
  /** Distinct requests sent as spans. */
  requests: number;
  /** Spans sent again in a later record (a Collector retry). */
  resent: number;
}

export interface OtlpTrafficOptions {
  /** Whose calls are sent as spans; `null` for every feature's (the benchmark's). @default OTEL_FEATURE */
  feature?: string | null;
  /** @default 200 */
  spansPerRequest?: number;
}

/** The calls of `items` the OpenTelemetry team makes, as the Collector would put them into the stream. */
export function otlpRecords(items: readonly TrafficItem[], options: OtlpTrafficOptions = {}): OtlpTraffic {
  const feature = options.feature === undefined ? OTEL_FEATURE : options.feature;
  const perRequest = options.spansPerRequest ?? SPANS_PER_REQUEST;
  const ids = new QueuedIds();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'search-api',
      ...(feature === null ? {} : { 'tokenledger.feature': feature }),
    }),
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('search-api', '1.0.0');
  const spans = new Map<RecordInput, ReadableSpan>();
  const order: ReadableSpan[] = [];
  let resent = 0;
  for (const item of items) {
    if (item.kind !== 'call' || (feature !== null && item.input.feature !== feature)) continue;
    let span = spans.get(item.input);
    if (span) resent++;
    else {
      span = toSpan(tracer, ids, exporter, item.input, feature === null);
      spans.set(item.input, span);
    }
    order.push(span);
  }
  const records: Buffer[] = [];
  for (let i = 0; i < order.length; i += perRequest) {
    // A retried call's span goes again where the retry falls, in the same request or a later one.
    const request = ProtobufTraceSerializer.serializeRequest(order.slice(i, i + perRequest));
    if (request) records.push(gzipSync(request, { level: 1 }));
  }
  return { records, requests: spans.size, resent };
}

type Tracer = ReturnType<BasicTracerProvider['getTracer']>;

function toSpan(
  tracer: Tracer,
  ids: QueuedIds,
  exporter: InMemorySpanExporter,
  c: RecordInput,
  featureOnSpan: boolean,
): ReadableSpan {
  // The trace and span ids come from the call's event id, so that the demo is the same for the same seed.
  const hex = (c.eventId ?? '').replaceAll('-', '').padEnd(32, '0');
  ids.next(hex.slice(0, 32), hex.slice(16, 32));
  const start = typeof c.startedAt === 'number' ? c.startedAt : Number(c.startedAt);
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': c.provider,
    'gen_ai.request.model': c.model,
    'gen_ai.response.model': c.model,
    'gen_ai.usage.input_tokens': c.inputTokens,
    'gen_ai.usage.output_tokens': c.outputTokens,
    'tokenledger.cohort': c.cohort,
  };
  // One feature's spans take it from their resource; the benchmark's, of every feature, carry their own.
  if (featureOnSpan) attributes['tokenledger.feature'] = c.feature;
  if (c.customerId !== undefined) attributes['tokenledger.customer_id'] = c.customerId;
  if (c.userId !== undefined) attributes['enduser.id'] = c.userId;
  if (c.promptId !== undefined) attributes['gen_ai.prompt.name'] = c.promptId;
  if (c.promptVersion !== undefined) attributes['gen_ai.prompt.version'] = c.promptVersion;
  if (c.cacheReadTokens) attributes['gen_ai.usage.cache_read.input_tokens'] = c.cacheReadTokens;
  if (c.cacheWriteTokens) attributes['gen_ai.usage.cache_creation.input_tokens'] = c.cacheWriteTokens;
  if (c.reasoningTokens) attributes['gen_ai.usage.reasoning.output_tokens'] = c.reasoningTokens;
  if (c.status === 'cancelled') {
    attributes['gen_ai.response.status'] = 'cancelled';
    if (c.deliveredOutputTokens !== undefined)
      attributes['tokenledger.delivered_output_tokens'] = c.deliveredOutputTokens;
  }
  const span = tracer.startSpan(`chat ${c.model}`, {
    kind: SpanKind.CLIENT,
    startTime: new Date(start),
    attributes,
  });
  if (c.status === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: 'provider error' });
  span.end(new Date(start + (c.latencyMs ?? 0)));
  const finished = exporter.getFinishedSpans();
  exporter.reset();
  return finished[0] as ReadableSpan;
}

/** Hands the SDK the ids set for the next span. */
class QueuedIds implements IdGenerator {
  private traceId = '';
  private spanId = '';
  next(traceId: string, spanId: string): void {
    this.traceId = traceId;
    this.spanId = spanId;
  }
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}
