import { builder, type Opt, str, tier, tokensExcludingCache } from './fields.ts';

/** The parts of a Bedrock `TokenUsage` that are read. */
export interface BedrockUsageLike {
  inputTokens?: Opt<number>;
  outputTokens?: Opt<number>;
  totalTokens?: Opt<number>;
  cacheReadInputTokens?: Opt<number>;
  cacheWriteInputTokens?: Opt<number>;
}

/** The parts of a Bedrock Converse result that are read. */
export interface BedrockConverseLike {
  usage?: Opt<BedrockUsageLike>;
  metrics?: Opt<{ latencyMs?: Opt<number> }>;
  serviceTier?: Opt<{ type?: Opt<string> }>;
}

/** A ConverseStream event, as `bedrockConverseStream` reads it. */
export interface BedrockStreamEventLike {
  contentBlockDelta?: Opt<{ delta?: Opt<{ text?: Opt<string> }> }>;
  metadata?: Opt<{ usage?: Opt<BedrockUsageLike> }>;
}

// Bedrock's `inputTokens` leave out cache reads and writes: "When prompt caching is enabled, the inputTokens
// field represents only the non-cached input tokens ... total input tokens = inputTokens + cacheReadInputTokens
// + cacheWriteInputTokens" (AWS Bedrock user guide, prompt caching,
// https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html, as quoted in crmne/ruby_llm#832;
// the Vercel AI SDK's convertBedrockUsage and opencode#38427 add them back the same way).
const bedrockTokens = (u: Opt<BedrockUsageLike>) =>
  tokensExcludingCache(u?.inputTokens, u?.cacheReadInputTokens, u?.cacheWriteInputTokens, u?.outputTokens);

/**
 * Token fields of a Converse result. The result does not name the model, so pass the `modelId` of the request.
 * `latencyMs` is Bedrock's own `metrics.latencyMs`; tier 'default' → 'standard' ('reserved' is left out).
 * Bedrock does not report reasoning tokens apart (`reasoningTokens` 0).
 */
export const fromBedrockConverse = /* @__PURE__ */ builder(
  'aws.bedrock',
  (response: BedrockConverseLike, modelId: string) => {
    const latencyMs = response?.metrics?.latencyMs;
    return {
      model: str(modelId),
      ...bedrockTokens(response?.usage),
      ...tier(response?.serviceTier?.type),
      ...(typeof latencyMs === 'number' ? { latencyMs } : {}),
    };
  },
);

/**
 * `meterStream` options for ConverseStream events: one delivered token per non-empty text delta, usage from
 * the closing `metadata` event. The model is not in the stream: add it to the record yourself.
 */
export const bedrockConverseStream = {
  deliveredTokens: (event: BedrockStreamEventLike): number => (event?.contentBlockDelta?.delta?.text ? 1 : 0),
  usage: (event: BedrockStreamEventLike) =>
    event?.metadata ? { provider: 'aws.bedrock', ...bedrockTokens(event.metadata.usage) } : undefined,
};
