import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { rejectionKey, userHash } from '@tokenledger/client/contract';
import { describe, expect, it } from 'vitest';
import { EventBatch } from '../../src/core/ingest/event-batch.ts';
import { type OtlpMapping, otlpMapping } from '../../src/core/ingest/otlp-mapping.ts';
import type { EventRow } from '../../src/core/lake/event-columns.ts';
import {
  DEFAULT_OTLP_SETTINGS,
  OtlpSettingsError,
  parseOtlpSettings,
} from '../../src/core/otlp/otlp-settings.ts';
import { MAPPED_ATTRIBUTES } from '../../src/core/otlp/span-event.ts';
import { makeSpans, otlpRequest, type SpanSpec, spanEventId } from '../helpers/otel-spans.ts';

// Issue 15 item 5: OTLP spans → events (docs/otel.md), column by column. Spans are made by the OpenTelemetry JS SDK
// and serialised by its own OTLP serializers; every expected value below is written from the span's inputs (its
// attributes, start, duration and SDK-given ids), never copied from the consumer's output. Each case runs in four
// shapes of the same request: protobuf, the JS serializer's JSON ("intValue":1200), the Go Collector's JSON
// ("intValue":"1200", times as strings), and JSON with upper-case hex ids.

const KEY = 'otlp-test-hmac-key';
const START = Date.parse('2026-11-02T10:00:00.123Z');
const ARRIVED = START + 5 * 60_000;
const mapping = otlpMapping(DEFAULT_OTLP_SETTINGS, KEY);

type Shape = 'proto' | 'json (JS SDK)' | 'json (Collector)' | 'json (upper-case ids)';
const SHAPES: readonly Shape[] = ['proto', 'json (JS SDK)', 'json (Collector)', 'json (upper-case ids)'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every object of a JSON tree, depth first. */
function* objects(v: Json): Generator<{ [k: string]: Json }> {
  if (Array.isArray(v)) for (const x of v) yield* objects(x);
  else if (v !== null && typeof v === 'object') {
    yield v;
    for (const x of Object.values(v)) yield* objects(x);
  }
}

/** The JS SDK's OTLP JSON rewritten as the Go Collector writes it: 64-bit integers and times as decimal strings. */
function collectorJson(request: Buffer): Buffer {
  const tree = JSON.parse(request.toString('utf8')) as Json;
  for (const o of objects(tree)) {
    if (typeof o.intValue === 'number') o.intValue = String(o.intValue);
    for (const k of ['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano']) {
      if (o[k] !== undefined) o[k] = String(o[k]);
    }
  }
  return Buffer.from(JSON.stringify(tree));
}

function upperCaseIds(request: Buffer): Buffer {
  const tree = JSON.parse(request.toString('utf8')) as Json;
  for (const o of objects(tree)) {
    for (const k of ['traceId', 'spanId', 'parentSpanId']) {
      if (typeof o[k] === 'string') o[k] = (o[k] as string).toUpperCase();
    }
  }
  return Buffer.from(JSON.stringify(tree));
}

function encode(spans: ReadableSpan[], shape: Shape): Buffer {
  switch (shape) {
    case 'proto':
      return otlpRequest(spans, 'otlp_proto');
    case 'json (JS SDK)':
      return otlpRequest(spans, 'otlp_json');
    case 'json (Collector)':
      return collectorJson(otlpRequest(spans, 'otlp_json'));
    case 'json (upper-case ids)':
      return upperCaseIds(otlpRequest(spans, 'otlp_json'));
  }
}

function ingest(data: Buffer, m: OtlpMapping = mapping): EventBatch {
  const batch = new EventBatch(m);
  batch.add({
    stream: 'llm-events',
    shardId: 'shardId-000000000000',
    sequenceNumber: '49630000000000000000000000000000000000000000000000000001',
    arrivedAt: ARRIVED,
    data,
  });
  return batch;
}

type Required = Pick<
  EventRow,
  'feature' | 'cohort' | 'provider' | 'model' | 'input_tokens' | 'output_tokens'
>;

/** The row a span's event must be stored as: the span's ids and times, the given fields, the contract's defaults. */
function expectedRow(span: ReadableSpan, spec: SpanSpec, fields: Required & Partial<EventRow>): EventRow {
  const { traceId } = span.spanContext();
  return {
    event_id: spanEventId(span),
    ts: spec.start,
    customer_id: null,
    user_hash: null,
    operation: 'chat',
    service_tier: 'standard',
    prompt_id: null,
    prompt_version: null,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    delivered_output_tokens: null,
    status: 'ok',
    latency_ms: spec.durationMs ?? 1000,
    ttft_ms: null,
    tags: null,
    cache_write_1h_tokens: 0,
    tool_calls: null,
    trace_id: traceId,
    received_at: ARRIVED,
    ...fields,
  };
}

const rowsOf = (batch: EventBatch) => batch.rows;
const reasonsOf = (batch: EventBatch) =>
  batch.quarantined.map((q) => ({ index: q.index, reasons: q.reasons.map(rejectionKey).sort() }));

describe('the shapes are what they claim (so the cases below test what they say)', () => {
  const make = () => makeSpans([{ start: START, attributes: { 'gen_ai.usage.input_tokens': 1200 } }]);
  // The upper-case case needs a trace id with a letter in it; the SDK's random one has none once in 3 million.
  let spans = make();
  while (!/[a-f]/.test((spans[0] as ReadableSpan).spanContext().traceId)) spans = make();
  it('the JS serializer writes int64 as numbers, the Collector rewrite as strings, times as strings in both', () => {
    const js = encode(spans, 'json (JS SDK)').toString();
    const go = encode(spans, 'json (Collector)').toString();
    expect(js).toContain('"intValue":1200');
    expect(go).toContain('"intValue":"1200"');
    expect(go).not.toContain('"intValue":1200');
    expect(go).toMatch(/"startTimeUnixNano":"\d+"/);
  });
  it('the upper-case rewrite has upper-case ids', () => {
    const { traceId } = (spans[0] as ReadableSpan).spanContext();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(encode(spans, 'json (upper-case ids)').toString()).toContain(
      `"traceId":"${traceId.toUpperCase()}"`,
    );
  });
});

describe.each(SHAPES)('OTLP span → event, %s', (shape) => {
  it('every column of a span that sets every mapped attribute; an error span; a non-LLM span skipped', () => {
    const full: SpanSpec = {
      name: 'chat claude',
      start: START,
      durationMs: 1234,
      attributes: {
        'gen_ai.operation.name': 'text_completion',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet',
        'gen_ai.response.model': 'claude-sonnet-2026-01-01',
        'gen_ai.usage.input_tokens': 5000,
        'gen_ai.usage.output_tokens': 700,
        'gen_ai.usage.cache_read.input_tokens': 3000,
        'gen_ai.usage.cache_creation.input_tokens': 1200,
        'gen_ai.usage.reasoning.output_tokens': 250,
        'gen_ai.prompt.name': 'summarise',
        'gen_ai.prompt.version': 'v7',
        'openai.response.service_tier': 'flex',
        'tokenledger.delivered_output_tokens': 650,
        'tokenledger.feature': 'search.summary',
        'tokenledger.cohort': 'enterprise',
        'tokenledger.customer_id': 'cus_42',
        'enduser.id': 'alice@example.com',
        'gen_ai.input.messages': '[{"role":"user","content":"secret"}]',
      },
    };
    const failed: SpanSpec = {
      start: START + 2000,
      durationMs: 17,
      error: true,
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 0,
        'tokenledger.feature': 'chat',
        'tokenledger.cohort': 'free',
      },
    };
    const http: SpanSpec = { name: 'GET /v1/x', start: START + 3000, attributes: { 'http.method': 'GET' } };
    const spans = makeSpans([full, failed, http]);

    const batch = ingest(encode(spans, shape));

    const a = full.attributes as Attributes;
    expect(rowsOf(batch)).toEqual([
      expectedRow(spans[0] as ReadableSpan, full, {
        feature: a['tokenledger.feature'] as string,
        cohort: a['tokenledger.cohort'] as string,
        customer_id: a['tokenledger.customer_id'] as string,
        user_hash: userHash(KEY, a['enduser.id'] as string),
        provider: a['gen_ai.provider.name'] as string,
        model: a['gen_ai.response.model'] as string,
        operation: a['gen_ai.operation.name'] as string,
        service_tier: 'flex',
        prompt_id: a['gen_ai.prompt.name'] as string,
        prompt_version: a['gen_ai.prompt.version'] as string,
        input_tokens: a['gen_ai.usage.input_tokens'] as number,
        output_tokens: a['gen_ai.usage.output_tokens'] as number,
        cache_read_tokens: a['gen_ai.usage.cache_read.input_tokens'] as number,
        cache_write_tokens: a['gen_ai.usage.cache_creation.input_tokens'] as number,
        reasoning_tokens: a['gen_ai.usage.reasoning.output_tokens'] as number,
        delivered_output_tokens: a['tokenledger.delivered_output_tokens'] as number,
      }),
      expectedRow(spans[1] as ReadableSpan, failed, {
        feature: 'chat',
        cohort: 'free',
        provider: 'openai',
        model: 'gpt-4o',
        input_tokens: 12,
        output_tokens: 0,
        status: 'error',
      }),
    ]);
    expect(batch.quarantined).toEqual([]);
    expect(batch.stats()).toMatchObject({
      records: 1,
      spans: 3,
      skippedSpans: 1,
      events: 2,
      accepted: 2,
      quarantined: 0,
    });
  });

  const BASE = { 'tokenledger.feature': 'f.base', 'tokenledger.cohort': 'free' };
  const LABELS = { feature: 'f.base', cohort: 'free' };
  const fallbacks: { what: string; attributes: Attributes; error?: boolean; fields: Partial<EventRow> }[] = [
    {
      what: 'deprecated gen_ai.system, prompt_tokens, completion_tokens, request.model',
      attributes: {
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.prompt_tokens': 900,
        'gen_ai.usage.completion_tokens': 80,
      },
      fields: { provider: 'openai', model: 'gpt-4o', input_tokens: 900, output_tokens: 80 },
    },
    {
      what: 'OpenInference llm.* names',
      attributes: {
        'llm.provider': 'anthropic',
        'llm.model_name': 'claude-haiku',
        'llm.token_count.prompt': 400,
        'llm.token_count.completion': 40,
        'llm.token_count.prompt_details.cache_read': 100,
        'llm.token_count.prompt_details.cache_write': 50,
      },
      fields: {
        provider: 'anthropic',
        model: 'claude-haiku',
        input_tokens: 400,
        output_tokens: 40,
        cache_read_tokens: 100,
        cache_write_tokens: 50,
      },
    },
    {
      what: 'the current names win over the deprecated and OpenInference ones',
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.system': 'anthropic',
        'llm.provider': 'cohere',
        'gen_ai.response.model': 'model-response',
        'gen_ai.request.model': 'model-request',
        'llm.model_name': 'model-llm',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.prompt_tokens': 20,
        'llm.token_count.prompt': 30,
        'gen_ai.usage.output_tokens': 1,
        'gen_ai.usage.completion_tokens': 2,
        'llm.token_count.completion': 3,
        'gen_ai.usage.cache_read.input_tokens': 4,
        'gen_ai.usage.cache_read_input_tokens': 5,
        'llm.token_count.prompt_details.cache_read': 6,
      },
      fields: {
        provider: 'openai',
        model: 'model-response',
        input_tokens: 10,
        output_tokens: 1,
        cache_read_tokens: 4,
      },
    },
    {
      what: 'gen_ai.system over llm.provider; request.model over llm.model_name',
      attributes: {
        'gen_ai.system': 'cohere',
        'llm.provider': 'openai',
        'gen_ai.request.model': 'command-r',
        'llm.model_name': 'other',
        'llm.token_count.prompt': 7,
        'llm.token_count.completion': 3,
      },
      fields: { provider: 'cohere', model: 'command-r', input_tokens: 7, output_tokens: 3 },
    },
    {
      what: 'cache reads from gen_ai.usage.cache_read_input_tokens',
      attributes: {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 9,
        'gen_ai.usage.cache_read_input_tokens': 60,
      },
      fields: {
        provider: 'anthropic',
        model: 'm',
        input_tokens: 100,
        output_tokens: 9,
        cache_read_tokens: 60,
      },
    },
    ...(
      [
        ['az.ai.openai', 'azure.ai.openai'],
        ['vertex_ai', 'gcp.vertex_ai'],
        ['gemini', 'gcp.gemini'],
        ['xai', 'x_ai'],
        ['mistral_ai', 'mistral_ai'],
      ] as const
    ).map(([from, to]) => ({
      what: `gen_ai.system ${from} → provider ${to}`,
      attributes: {
        'gen_ai.system': from,
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 1,
        'gen_ai.usage.output_tokens': 1,
      },
      fields: { provider: to, model: 'm', input_tokens: 1, output_tokens: 1 },
    })),
    ...(
      [
        ['default', 'standard'],
        ['auto', 'standard'],
        ['scale', 'standard'],
        ['flex', 'flex'],
        ['priority', 'priority'],
      ] as const
    ).map(([from, to]) => ({
      what: `openai.response.service_tier ${from} → ${to}`,
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 1,
        'gen_ai.usage.output_tokens': 1,
        'openai.response.service_tier': from,
      },
      fields: { provider: 'openai', model: 'm', input_tokens: 1, output_tokens: 1, service_tier: to },
    })),
    {
      what: 'gen_ai.response.status cancelled → cancelled, even on an ERROR span',
      error: true,
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 50,
        'gen_ai.usage.output_tokens': 3,
        'gen_ai.response.status': 'cancelled',
      },
      fields: { provider: 'openai', model: 'm', input_tokens: 50, output_tokens: 3, status: 'cancelled' },
    },
    {
      what: 'only output tokens: a span with usage, input 0',
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.output_tokens': 12,
      },
      fields: { provider: 'openai', model: 'm', input_tokens: 0, output_tokens: 12 },
    },
    {
      what: 'only input tokens: a span with usage, output 0',
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 12,
      },
      fields: { provider: 'openai', model: 'm', input_tokens: 12, output_tokens: 0 },
    },
    {
      what: 'integer attributes for string fields become their decimal text',
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 4,
        'gen_ai.usage.input_tokens': 5,
        'gen_ai.usage.output_tokens': 6,
        'tokenledger.feature': 2026,
        'tokenledger.cohort': 3,
        'tokenledger.customer_id': 4242,
        'gen_ai.prompt.name': 77,
        'gen_ai.prompt.version': 3,
      },
      fields: {
        feature: '2026',
        cohort: '3',
        customer_id: '4242',
        provider: 'openai',
        model: '4',
        input_tokens: 5,
        output_tokens: 6,
        prompt_id: '77',
        prompt_version: '3',
      },
    },
    {
      what: 'an integer end-user id is hashed as its decimal text',
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 5,
        'gen_ai.usage.output_tokens': 6,
        'enduser.id': 123456789,
      },
      fields: {
        provider: 'openai',
        model: 'm',
        input_tokens: 5,
        output_tokens: 6,
        user_hash: userHash(KEY, '123456789'),
      },
    },
  ];

  it.each(fallbacks)('$what', ({ attributes, error, fields }) => {
    const spec: SpanSpec = {
      start: START,
      durationMs: 321,
      attributes: { ...BASE, ...attributes },
      ...(error ? { error } : {}),
    };
    const spans = makeSpans([spec]);
    const batch = ingest(encode(spans, shape));
    expect(reasonsOf(batch)).toEqual([]);
    expect(rowsOf(batch)).toEqual([
      expectedRow(spans[0] as ReadableSpan, spec, { ...LABELS, ...(fields as Required) }),
    ]);
  });

  it('the ERROR status gives error; no status gives ok', () => {
    const attributes = {
      ...BASE,
      'gen_ai.request.model': 'm',
      'gen_ai.system': 'openai',
      'gen_ai.usage.input_tokens': 1,
    };
    const specs: SpanSpec[] = [
      { start: START, attributes, error: true },
      { start: START, attributes },
    ];
    const batch = ingest(encode(makeSpans(specs), shape));
    expect(rowsOf(batch).map((r) => r.status)).toEqual(['error', 'ok']);
  });

  it('feature, cohort and customer: the span’s attribute, else its resource’s; the end user likewise', () => {
    const resource = {
      'tokenledger.feature': 'res.feature',
      'tokenledger.cohort': 'res-cohort',
      'tokenledger.customer_id': 'cus_res',
      'enduser.id': 'resource-user',
    };
    const usage = { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': 3 };
    const specs: SpanSpec[] = [
      { start: START, attributes: { ...usage } },
      { start: START + 1, attributes: { ...usage, 'tokenledger.feature': 'span.feature' } },
      {
        start: START + 2,
        attributes: {
          ...usage,
          'tokenledger.feature': 'span.feature',
          'tokenledger.cohort': 'span-cohort',
          'tokenledger.customer_id': 'cus_span',
          'enduser.id': 'span-user',
        },
      },
    ];
    const spans = makeSpans(specs, resource);
    const batch = ingest(encode(spans, shape));
    const common = { provider: 'openai', model: 'm', input_tokens: 3, output_tokens: 0 };
    expect(rowsOf(batch)).toEqual([
      expectedRow(spans[0] as ReadableSpan, specs[0] as SpanSpec, {
        ...common,
        feature: 'res.feature',
        cohort: 'res-cohort',
        customer_id: 'cus_res',
        user_hash: userHash(KEY, 'resource-user'),
      }),
      expectedRow(spans[1] as ReadableSpan, specs[1] as SpanSpec, {
        ...common,
        feature: 'span.feature',
        cohort: 'res-cohort',
        customer_id: 'cus_res',
        user_hash: userHash(KEY, 'resource-user'),
      }),
      expectedRow(spans[2] as ReadableSpan, specs[2] as SpanSpec, {
        ...common,
        feature: 'span.feature',
        cohort: 'span-cohort',
        customer_id: 'cus_span',
        user_hash: userHash(KEY, 'span-user'),
      }),
    ]);
  });

  it('custom attribute keys (parseOtlpSettings, from the environment): only those are read', () => {
    const settings = parseOtlpSettings(
      {
        OTLP_FEATURE_ATTRIBUTE: 'app.feature',
        OTLP_COHORT_ATTRIBUTE: 'app.plan',
        OTLP_CUSTOMER_ATTRIBUTE: 'app.tenant',
        OTLP_USER_ATTRIBUTES: ' app.user , user.email ',
      },
      'env',
    );
    expect(settings).toEqual({
      featureAttribute: 'app.feature',
      cohortAttribute: 'app.plan',
      customerAttribute: 'app.tenant',
      userAttributes: ['app.user', 'user.email'],
    });
    const usage = { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'm', 'gen_ai.usage.output_tokens': 9 };
    const defaults = {
      'tokenledger.feature': 'default.feature',
      'tokenledger.cohort': 'default-cohort',
      'tokenledger.customer_id': 'cus_default',
      'enduser.id': 'default-user',
    };
    const specs: SpanSpec[] = [
      {
        start: START,
        attributes: {
          ...usage,
          ...defaults,
          'app.feature': 'app.search',
          'app.plan': 'gold',
          'app.tenant': 'tenant-1',
          'app.user': 'u-1',
          'user.email': 'u1@example.com',
        },
      },
      {
        start: START + 1,
        attributes: { ...usage, ...defaults, 'app.feature': 'app.search', 'user.email': 'u2@example.com' },
      },
      { start: START + 2, attributes: { ...usage, ...defaults } },
    ];
    const spans = makeSpans(specs, { 'app.plan': 'silver' });

    const batch = ingest(encode(spans, shape), otlpMapping(settings, KEY));

    const common = { provider: 'openai', model: 'm', input_tokens: 0, output_tokens: 9 };
    expect(rowsOf(batch)).toEqual([
      expectedRow(spans[0] as ReadableSpan, specs[0] as SpanSpec, {
        ...common,
        feature: 'app.search',
        cohort: 'gold',
        customer_id: 'tenant-1',
        user_hash: userHash(KEY, 'u-1'),
      }),
      expectedRow(spans[1] as ReadableSpan, specs[1] as SpanSpec, {
        ...common,
        feature: 'app.search',
        cohort: 'silver',
        user_hash: userHash(KEY, 'u2@example.com'),
      }),
    ]);
    // the third span has only the default keys: no feature under the configured key
    expect(reasonsOf(batch)).toEqual([{ index: 2, reasons: ['feature:missing'] }]);
    // and the default end-user key is never read (so never hashed) under these settings
    expect(JSON.stringify(batch.quarantined)).not.toContain(userHash(KEY, 'default-user'));
  });

  it('without an HMAC key the end user is left out', () => {
    const spec: SpanSpec = {
      start: START,
      attributes: {
        ...BASE,
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'm',
        'gen_ai.usage.input_tokens': 1,
        'enduser.id': 'x',
      },
    };
    const batch = ingest(encode(makeSpans([spec]), shape), otlpMapping());
    expect(rowsOf(batch).map((r) => r.user_hash)).toEqual([null]);
  });

  it('spans without token usage are skipped and counted, neither events nor quarantined', () => {
    const usage = { ...BASE, 'gen_ai.system': 'openai', 'gen_ai.request.model': 'm' };
    const specs: SpanSpec[] = [
      { start: START, attributes: { 'http.method': 'POST' } },
      { start: START, attributes: { ...usage, 'gen_ai.usage.input_tokens': 10 } },
      { start: START, attributes: { ...usage, 'gen_ai.operation.name': 'embeddings' } },
      { start: START, attributes: { 'db.system': 'postgresql', 'tokenledger.feature': 'x' } },
      { start: START, attributes: { ...usage, 'llm.token_count.completion': 4 } },
      { start: START, attributes: {} },
    ];
    const spans = makeSpans(specs);
    const batch = ingest(encode(spans, shape));
    expect(batch.stats()).toMatchObject({
      records: 1,
      spans: 6,
      skippedSpans: 4,
      events: 2,
      accepted: 2,
      quarantined: 0,
    });
    expect(rowsOf(batch).map((r) => r.event_id)).toEqual([
      spanEventId(spans[1] as ReadableSpan),
      spanEventId(spans[4] as ReadableSpan),
    ]);
  });

  it('spans that break the event contract are quarantined with its reasons; the spans around them are stored', () => {
    const good = {
      ...BASE,
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'm',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 10,
    };
    const secrets = { 'enduser.id': 'carol@example.com', 'gen_ai.input.messages': 'PROMPT-SECRET-TEXT' };
    const { 'tokenledger.feature': _f, ...noFeature } = good;
    const bad: [Attributes, string[]][] = [
      [noFeature, ['feature:missing']],
      [{ ...good, 'gen_ai.usage.input_tokens': '1200' }, ['input_tokens:wrong_type']],
      [{ ...good, 'gen_ai.usage.output_tokens': 12.5 }, ['output_tokens:wrong_type']],
      [{ ...good, 'gen_ai.usage.output_tokens': -3 }, ['output_tokens:out_of_range']],
      [{ ...good, 'tokenledger.feature': ['a', 'b'] }, ['feature:wrong_type']],
      [{ ...good, 'gen_ai.request.model': true }, ['model:wrong_type']],
      [{ ...good, 'openai.response.service_tier': 'turbo' }, ['service_tier:not_allowed']],
      [{ ...good, 'gen_ai.prompt.name': 'p' }, ['prompt_version:missing']],
      [{ ...good, 'gen_ai.usage.cache_read.input_tokens': 500 }, ['input_tokens:invariant']],
      [{ ...good, 'tokenledger.cohort': 'Not A Label!' }, ['cohort:bad_format']],
    ];
    const specs: SpanSpec[] = [
      { start: START, attributes: { ...good, ...secrets } },
      ...bad.map(([a]) => ({ start: START, attributes: { ...a, ...secrets } })),
      { start: START, attributes: { ...good, ...secrets } },
    ];
    const spans = makeSpans(specs);

    const batch = ingest(encode(spans, shape));

    const first = spans[0] as ReadableSpan;
    const last = spans.at(-1) as ReadableSpan;
    expect(rowsOf(batch).map((r) => r.event_id)).toEqual([spanEventId(first), spanEventId(last)]);
    expect(reasonsOf(batch)).toEqual(bad.map(([, reasons], i) => ({ index: i + 1, reasons })));
    expect(batch.stats()).toMatchObject({ spans: specs.length, accepted: 2, quarantined: bad.length });
    const counted: Record<string, number> = {};
    for (const [, reasons] of bad) for (const r of reasons) counted[r] = (counted[r] ?? 0) + 1;
    expect(batch.stats().reasons).toEqual(counted);

    // What a refused span keeps: its mapped event, ids, name and the mapped attributes — never the prompt or the
    // raw end-user id (only its hash, in the event).
    const keys = new Set([
      ...MAPPED_ATTRIBUTES,
      'tokenledger.feature',
      'tokenledger.cohort',
      'tokenledger.customer_id',
    ]);
    batch.quarantined.forEach((q, i) => {
      const span = spans[i + 1] as ReadableSpan;
      expect(q.raw_encoding).toBe('utf8');
      expect(q.raw).not.toContain('carol@example.com');
      expect(q.raw).not.toContain('PROMPT-SECRET-TEXT');
      const kept = JSON.parse(q.raw) as {
        event: Record<string, unknown>;
        span: {
          trace_id: string;
          span_id: string;
          name: string;
          attributes: Record<string, unknown>;
          resource: Record<string, unknown>;
        };
      };
      expect(kept.event.event_id).toBe(spanEventId(span));
      expect(kept.event.user_hash).toBe(userHash(KEY, 'carol@example.com'));
      expect(kept.span.trace_id + kept.span.span_id).toBe(spanEventId(span));
      expect(kept.span.name).toBe(span.name);
      const expectedKept = Object.fromEntries(
        Object.entries(span.attributes)
          .filter(([k]) => keys.has(k))
          .map(([k, v]) => [k, Array.isArray(v) ? { otlpType: 'array' } : v]),
      );
      expect(kept.span.attributes).toEqual(expectedKept);
      for (const k of Object.keys(kept.span.resource)) expect(keys.has(k)).toBe(true);
    });
  });
});

describe('OTLP settings', () => {
  it('the same settings from CLI flags; a bad key is an error naming the flag', () => {
    expect(
      parseOtlpSettings({ 'feature-attribute': 'app.feature', 'user-attributes': 'a,b' }, 'flag'),
    ).toEqual({
      ...DEFAULT_OTLP_SETTINGS,
      featureAttribute: 'app.feature',
      userAttributes: ['a', 'b'],
    });
    expect(() => parseOtlpSettings({ 'cohort-attribute': 'has space' }, 'flag')).toThrow(OtlpSettingsError);
    expect(() => parseOtlpSettings({ 'cohort-attribute': 'has space' }, 'flag')).toThrow(
      /--cohort-attribute/,
    );
  });
});

describe('span ids', () => {
  it('a span without a 16-byte trace id and an 8-byte span id is refused (event_id missing): a retry could not be told', () => {
    const spans = makeSpans([
      { start: START, attributes: { ...GOOD_ATTRIBUTES } },
      { start: START, attributes: { ...GOOD_ATTRIBUTES } },
      { start: START, attributes: { ...GOOD_ATTRIBUTES } },
    ]);
    const tree = JSON.parse(otlpRequest(spans, 'otlp_json').toString('utf8')) as {
      resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[];
    };
    const jsonSpans = tree.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    (jsonSpans[0] as { traceId: string }).traceId = 'not-hex';
    (jsonSpans[1] as { spanId: string }).spanId = 'abcd';

    const batch = ingest(Buffer.from(JSON.stringify(tree)));

    expect(reasonsOf(batch)).toEqual([
      { index: 0, reasons: ['event_id:missing'] },
      { index: 1, reasons: ['event_id:missing'] },
    ]);
    expect(rowsOf(batch).map((r) => r.event_id)).toEqual([spanEventId(spans[2] as ReadableSpan)]);
  });
});

const GOOD_ATTRIBUTES: Attributes = {
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.usage.input_tokens': 10,
  'gen_ai.usage.output_tokens': 2,
  'tokenledger.feature': 'f',
  'tokenledger.cohort': 'c',
};

describe('settings that would store the raw end-user id', () => {
  it('a user attribute that is also the feature, cohort or customer attribute is refused, naming the setting', () => {
    expect(() => parseOtlpSettings({ customerAttribute: 'enduser.id' })).toThrow(OtlpSettingsError);
    expect(() =>
      parseOtlpSettings({ OTLP_COHORT_ATTRIBUTE: 'app.user', OTLP_USER_ATTRIBUTES: 'app.user' }, 'env'),
    ).toThrow(/^OTLP_USER_ATTRIBUTES: "app.user" is also the feature, cohort or customer attribute/);
    expect(() => parseOtlpSettings({ 'feature-attribute': 'u', 'user-attributes': 'x,u' }, 'flag')).toThrow(
      /^--user-attributes: "u"/,
    );
  });
});

describe('provider names', () => {
  it('gen_ai.provider.name is taken as it is; only the older attributes are renamed', () => {
    const spans = makeSpans([
      { start: START, attributes: { ...GOOD_ATTRIBUTES, 'gen_ai.provider.name': 'gemini' } },
      {
        start: START,
        attributes: {
          ...GOOD_ATTRIBUTES,
          'gen_ai.provider.name': undefined as never,
          'gen_ai.system': 'gemini',
        },
      },
    ]);

    const batch = ingest(otlpRequest(spans, 'otlp_proto'));

    expect(rowsOf(batch).map((r) => r.provider)).toEqual(['gemini', 'gcp.gemini']);
  });
});
