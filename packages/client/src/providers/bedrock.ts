import { builder, num, type Opt, oneHourWrites, str, tier, tokensExcludingCache } from './fields.ts';

/** The parts of a Bedrock `TokenUsage` that are read. */
export interface BedrockUsageLike {
  inputTokens?: Opt<number>;
  outputTokens?: Opt<number>;
  totalTokens?: Opt<number>;
  cacheReadInputTokens?: Opt<number>;
  cacheWriteInputTokens?: Opt<number>;
  /** The cache writes by TTL ('5m' or '1h'). */
  cacheDetails?: Opt<readonly Opt<{ ttl?: Opt<string>; inputTokens?: Opt<number> }>[]>;
}

/** The parts of a Bedrock Converse result that are read. */
export interface BedrockConverseLike {
  usage?: Opt<BedrockUsageLike>;
  metrics?: Opt<{ latencyMs?: Opt<number> }>;
  serviceTier?: Opt<{ type?: Opt<string> }>;
}

/** A ConverseStream event, as `bedrockConverseStream` reads it. */
export interface BedrockStreamEventLike {
  messageStop?: unknown;
  contentBlockDelta?: Opt<{ delta?: Opt<{ text?: Opt<string> }> }>;
  metadata?: Opt<{ usage?: Opt<BedrockUsageLike>; serviceTier?: Opt<{ type?: Opt<string> }> }>;
}

/** The cache writes of `cacheDetails` with this TTL, or all of them. */
const writes = (details: BedrockUsageLike['cacheDetails'], ttl?: string): number =>
  Array.isArray(details)
    ? details.reduce(
        (sum: number, d) => (ttl === undefined || d?.ttl === ttl ? sum + num(d?.inputTokens) : sum),
        0,
      )
    : 0;

// Bedrock's `inputTokens` leave out cache reads and writes: "When prompt caching is enabled, the inputTokens
// field represents only the non-cached input tokens ... total input tokens = inputTokens + cacheReadInputTokens
// + cacheWriteInputTokens" (AWS Bedrock user guide, prompt caching,
// https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html, as quoted in crmne/ruby_llm#832;
// the Vercel AI SDK's convertBedrockUsage and opencode#38427 add them back the same way). `cacheDetails` is
// "a detailed breakdown of cache writes by TTL" (Bedrock API reference, TokenUsage and CacheDetail).
/** Token fields of a Bedrock `TokenUsage` (also used for the Vercel AI SDK's raw Bedrock usage). */
export const bedrockUsage = (u: Opt<BedrockUsageLike>) => {
  const cacheWrite =
    typeof u?.cacheWriteInputTokens === 'number' ? u.cacheWriteInputTokens : writes(u?.cacheDetails);
  return {
    ...tokensExcludingCache(u?.inputTokens, u?.cacheReadInputTokens, cacheWrite, u?.outputTokens),
    ...oneHourWrites(writes(u?.cacheDetails, '1h')),
  };
};

/**
 * Token fields of a Converse result. The result does not name the model, so pass the `modelId` of the request.
 * `latencyMs` is Bedrock's own `metrics.latencyMs`; tier 'default' → 'standard', 'priority' and 'flex' as they
 * are ('reserved' is left out); 1-hour cache writes from `usage.cacheDetails`. Bedrock does not report
 * reasoning tokens apart (`reasoningTokens` 0), nor server-side tool calls in the Converse usage.
 */
export const fromBedrockConverse = /* @__PURE__ */ builder(
  'aws.bedrock',
  (response: BedrockConverseLike, modelId: string) => {
    const latencyMs = response?.metrics?.latencyMs;
    return {
      model: str(modelId),
      ...bedrockUsage(response?.usage),
      ...tier(response?.serviceTier?.type),
      ...(typeof latencyMs === 'number' ? { latencyMs } : {}),
    };
  },
);

/**
 * `meterStream` options for ConverseStream events: one delivered token per non-empty text delta, usage and
 * tier from the closing `metadata` event (a stream that ends before `messageStop` or `metadata` is 'cancelled').
 * The model is not in the stream: add it to the record yourself.
 */
export const bedrockConverseStream = {
  deliveredTokens: (event: BedrockStreamEventLike): number => (event?.contentBlockDelta?.delta?.text ? 1 : 0),
  usage: (event: BedrockStreamEventLike) =>
    event?.metadata
      ? {
          provider: 'aws.bedrock',
          ...bedrockUsage(event.metadata.usage),
          ...tier(event.metadata.serviceTier?.type),
        }
      : undefined,
  isFinal: (event: BedrockStreamEventLike): boolean => !!(event?.messageStop || event?.metadata),
};
