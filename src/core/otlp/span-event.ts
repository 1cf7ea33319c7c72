import type { OtlpSettings } from './otlp-settings.ts';
import type { Attributes, AttributeValue, OtlpSpan } from './otlp-span.ts';

/**
 * An OTLP span → the wire event (docs/contracts.md §2) it stands for, per docs/otel.md: the OpenTelemetry GenAI
 * semantic conventions first, their deprecated names and OpenInference's `llm.*` as fallbacks. The result is
 * validated by the same contract as the client's events, so a span missing a feature is refused with the same
 * reasons as an event missing one. Values of the wrong type are passed on as they are, for that check to name.
 */

/** Each event field and the attributes it is read from, first found wins. */
const INPUT = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt'];
const OUTPUT = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion'];
const CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
];
const CACHE_WRITE = [
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'llm.token_count.prompt_details.cache_write',
];
const REASONING = ['gen_ai.usage.reasoning.output_tokens', 'llm.token_count.completion_details.reasoning'];
const PROVIDER = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system'];
const MODEL = ['gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name'];
const OPERATION = ['gen_ai.operation.name'];
const PROMPT_ID = ['gen_ai.prompt.name'];
const PROMPT_VERSION = ['gen_ai.prompt.version'];
const SERVICE_TIER = ['openai.response.service_tier', 'gen_ai.openai.response.service_tier'];
const RESPONSE_STATUS = ['gen_ai.response.status'];
const DELIVERED = ['tokenledger.delivered_output_tokens'];

/** The attributes the mapping reads, besides the deployment's own keys: what a quarantined span keeps. */
export const MAPPED_ATTRIBUTES: readonly string[] = [
  ...INPUT,
  ...OUTPUT,
  ...CACHE_READ,
  ...CACHE_WRITE,
  ...REASONING,
  ...PROVIDER,
  ...MODEL,
  ...OPERATION,
  ...PROMPT_ID,
  ...PROMPT_VERSION,
  ...SERVICE_TIER,
  ...RESPONSE_STATUS,
  ...DELIVERED,
];

/** Provider names of deprecated `gen_ai.system` values and OpenInference's `llm.provider`, in today's spelling. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  'az.ai.openai': 'azure.ai.openai',
  'az.ai.inference': 'azure.ai.inference',
  vertex_ai: 'gcp.vertex_ai',
  gemini: 'gcp.gemini',
  xai: 'x_ai',
  aws: 'aws.bedrock',
  azure: 'azure.ai.openai',
  google: 'gcp.gemini',
};

/** OpenAI's `service_tier` values → tokenledger's tiers; other values go on, for the contract to refuse. */
const SERVICE_TIERS: Readonly<Record<string, string>> = {
  default: 'standard',
  auto: 'standard',
  scale: 'standard',
  standard: 'standard',
  flex: 'flex',
  priority: 'priority',
  batch: 'batch',
};

function first(attributes: Attributes, keys: readonly string[]): AttributeValue | undefined {
  for (const key of keys) {
    const v = attributes.get(key);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** A value for a string field: a string as it is, an integer as its decimal text; anything else as it came. */
function text(v: AttributeValue | undefined): unknown {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return String(v);
  return wire(v);
}

/** A value as JSON can carry it (a `bigint` beyond 2^53 only ever breaks a range rule, so a double does). */
function wire(v: AttributeValue | undefined): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Whether the span reports token usage: only such spans become events. */
export function hasUsage(span: OtlpSpan): boolean {
  return first(span.attributes, INPUT) !== undefined || first(span.attributes, OUTPUT) !== undefined;
}

/**
 * The wire event for a span that reports usage (see {@link hasUsage}). `hashUser` turns a raw end-user id into
 * its `user_hash`; without it the id is left out.
 */
export function spanToWireEvent(
  span: OtlpSpan,
  resource: Attributes,
  settings: OtlpSettings,
  hashUser: ((id: string) => string) | null,
): Record<string, unknown> {
  const a = span.attributes;
  const label = (key: string) => a.get(key) ?? resource.get(key);
  const e: Record<string, unknown> = {
    v: 1,
    // Without both ids the span has no identity a retry would repeat: the contract refuses it (event_id missing).
    event_id:
      span.traceId.length === 32 && span.spanId.length === 16 ? span.traceId + span.spanId : undefined,
    feature: text(label(settings.featureAttribute)),
    cohort: text(label(settings.cohortAttribute)),
    provider: provider(a),
    model: text(first(a, MODEL)),
    input_tokens: wire(first(a, INPUT)) ?? 0,
    output_tokens: wire(first(a, OUTPUT)) ?? 0,
    status: status(span, first(a, RESPONSE_STATUS)),
  };
  // fixed64 nanoseconds reach the year 2554; a Date holds far more, so this never throws.
  if (span.startNs > 0n) e.ts = new Date(Number(span.startNs / 1_000_000n)).toISOString();
  if (span.startNs > 0n && span.endNs > 0n) e.latency_ms = Number(span.endNs - span.startNs) / 1e6;
  if (span.traceId.length === 32) e.trace_id = span.traceId;
  const customer = label(settings.customerAttribute);
  if (customer !== undefined) e.customer_id = text(customer);
  const user = userId(a, resource, settings.userAttributes);
  if (user !== undefined && hashUser) e.user_hash = hashUser(user);
  setIf(e, 'operation', text(first(a, OPERATION)));
  setIf(e, 'prompt_id', text(first(a, PROMPT_ID)));
  setIf(e, 'prompt_version', text(first(a, PROMPT_VERSION)));
  setIf(e, 'cache_read_tokens', wire(first(a, CACHE_READ)));
  setIf(e, 'cache_write_tokens', wire(first(a, CACHE_WRITE)));
  setIf(e, 'reasoning_tokens', wire(first(a, REASONING)));
  setIf(e, 'delivered_output_tokens', wire(first(a, DELIVERED)));
  const tier = first(a, SERVICE_TIER);
  if (tier !== undefined)
    e.service_tier = typeof tier === 'string' ? (SERVICE_TIERS[tier] ?? tier) : wire(tier);
  return e;
}

function setIf(e: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) e[key] = value;
}

/** `gen_ai.provider.name` as it is; the older names it replaced, in its spelling. */
function provider(a: Attributes): unknown {
  const current = a.get(PROVIDER[0] as string);
  if (current !== undefined) return text(current);
  const v = first(a, PROVIDER);
  return typeof v === 'string' ? (PROVIDER_NAMES[v] ?? v) : text(v);
}

/** `cancelled` when the instrumentation says the response was, `error` when the span failed, else `ok`. */
function status(span: OtlpSpan, responseStatus: AttributeValue | undefined): string {
  if (responseStatus === 'cancelled' || responseStatus === 'canceled') return 'cancelled';
  if (span.error || responseStatus === 'error') return 'error';
  return 'ok';
}

/** The raw end-user id, as text: the first configured attribute found on the span, else on its resource. */
export function userId(a: Attributes, resource: Attributes, keys: readonly string[]): string | undefined {
  for (const source of [a, resource]) {
    for (const key of keys) {
      const v = source.get(key);
      if (typeof v === 'string' && v !== '') return v;
      if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    }
  }
  return undefined;
}
