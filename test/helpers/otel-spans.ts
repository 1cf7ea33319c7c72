import { deflateRawSync, deflateSync, gzipSync, constants as zlib } from 'node:zlib';
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * Real OTLP payloads: spans made by the OpenTelemetry JS SDK itself, serialised by `@opentelemetry/otlp-transformer`
 * (what the SDK's own OTLP exporters send), framed as the Collector's `awskinesis` exporter frames a record.
 */

export interface SpanSpec {
  name?: string;
  /** Span start, epoch ms. */
  start: number;
  /** Span duration, ms. */
  durationMs?: number;
  attributes?: Attributes;
  error?: boolean;
  /** The span's parent, to put it in that span's trace. */
  parent?: ReadableSpan;
}

/** Finished spans, one per spec, under a resource with these attributes. */
export function makeSpans(specs: readonly SpanSpec[], resource: Attributes = {}): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'chat-api', ...resource }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('tokenledger-test', '1.0.0');
  for (const s of specs) {
    const span = tracer.startSpan(s.name ?? 'chat', {
      kind: SpanKind.CLIENT,
      startTime: new Date(s.start),
      attributes: s.attributes ?? {},
    });
    if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    span.end(new Date(s.start + (s.durationMs ?? 1000)));
  }
  return exporter.getFinishedSpans();
}

export type OtlpEncoding = 'otlp_proto' | 'otlp_json';
export type OtlpCompression = 'none' | 'gzip' | 'zlib' | 'flate';

export const OTLP_ENCODINGS: readonly OtlpEncoding[] = ['otlp_proto', 'otlp_json'];
export const OTLP_COMPRESSIONS: readonly OtlpCompression[] = ['none', 'gzip', 'zlib', 'flate'];

/** The `ExportTraceServiceRequest` for these spans, in one encoding. */
export function otlpRequest(spans: ReadableSpan[], encoding: OtlpEncoding = 'otlp_proto'): Buffer {
  const bytes =
    encoding === 'otlp_proto'
      ? ProtobufTraceSerializer.serializeRequest(spans)
      : JsonTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the serializer returned nothing');
  return Buffer.from(bytes);
}

/**
 * A record as the awskinesis exporter writes it: the request compressed at BestSpeed (Go's `gzip`, `zlib` and
 * `flate` writers, flushed and closed), or as it is. `footerless` leaves the stream unfinished, as collectors before
 * mid-2024 did (a sync flush and no close).
 */
export function frameOtlp(request: Buffer, compression: OtlpCompression, footerless = false): Buffer {
  const options = { level: 1, ...(footerless ? { finishFlush: zlib.Z_SYNC_FLUSH } : {}) };
  switch (compression) {
    case 'none':
      return request;
    case 'gzip':
      return gzipSync(request, options);
    case 'zlib':
      return deflateSync(request, options);
    case 'flate':
      return deflateRawSync(request, options);
  }
}

/** A GenAI chat span's attributes, as an instrumentation following the semantic conventions sets them. */
export function genAiAttributes(overrides: Attributes = {}): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.usage.input_tokens': 1200,
    'gen_ai.usage.output_tokens': 345,
    'gen_ai.usage.cache_read.input_tokens': 1000,
    'tokenledger.feature': 'search.summary',
    'tokenledger.cohort': 'pro',
    ...overrides,
  };
}

/** The hex trace and span ids of a finished span, as the event_id the consumer gives it. */
export function spanEventId(span: ReadableSpan): string {
  const { traceId, spanId } = span.spanContext();
  return traceId + spanId;
}
