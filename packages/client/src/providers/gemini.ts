import { builder, num, type Opt, str, tier, tokens } from './fields.ts';

/** The parts of a Gemini `usageMetadata` (`GenerateContentResponseUsageMetadata`) that are read. */
export interface GeminiUsageLike {
  /** All prompt tokens, the cached ones included. */
  promptTokenCount?: Opt<number>;
  cachedContentTokenCount?: Opt<number>;
  /** The answer's tokens, thoughts NOT included. */
  candidatesTokenCount?: Opt<number>;
  /** Thinking tokens, billed as output. */
  thoughtsTokenCount?: Opt<number>;
  /** Tool results fed back to the model, billed as input and not part of `promptTokenCount`. */
  toolUsePromptTokenCount?: Opt<number>;
  totalTokenCount?: Opt<number>;
  /** Gemini API: 'standard', 'flex' or 'priority'. */
  serviceTier?: Opt<string>;
  /** Vertex AI: 'ON_DEMAND', 'ON_DEMAND_PRIORITY', 'ON_DEMAND_FLEX' or 'PROVISIONED_THROUGHPUT'. */
  trafficType?: Opt<string>;
}

/** The parts of a `generateContent` result (or `generateContentStream` chunk) of `@google/genai` that are read. */
export interface GeminiResponseLike {
  modelVersion?: Opt<string>;
  usageMetadata?: Opt<GeminiUsageLike>;
  candidates?: Opt<
    readonly Opt<{
      content?: Opt<{ parts?: Opt<readonly Opt<{ text?: Opt<string>; thought?: Opt<boolean> }>[]> }>;
      finishReason?: Opt<string>;
    }>[]
  >;
}

const TRAFFIC_TIERS: Record<string, string> = {
  ON_DEMAND: 'standard',
  ON_DEMAND_PRIORITY: 'priority',
  ON_DEMAND_FLEX: 'flex',
};

// Per @google/genai's GenerateContentResponseUsageMetadata: "totalTokenCount ... is the sum of
// prompt_token_count, candidates_token_count, tool_use_prompt_token_count, and thoughts_token_count", and
// promptTokenCount "also includes the number of tokens in the cached content". So input = prompt + tool-use
// prompt (cached content a part of it), output = candidates + thoughts (the Vercel AI SDK's convertGoogleUsage
// adds thoughts to the output the same way). The tier: the Gemini API reports `usageMetadata.serviceTier`,
// Vertex AI `usageMetadata.trafficType` (the Vercel AI SDK reads them there, vercel/ai#15488).
/** Token fields and tier of a Gemini `usageMetadata` (also used for the Vercel AI SDK's raw Google usage). */
export const geminiUsage = (u: Opt<GeminiUsageLike>) => ({
  ...tokens(
    num(u?.promptTokenCount) + num(u?.toolUsePromptTokenCount),
    u?.cachedContentTokenCount,
    0,
    num(u?.candidatesTokenCount) + num(u?.thoughtsTokenCount),
    u?.thoughtsTokenCount,
  ),
  ...tier(u?.serviceTier ?? TRAFFIC_TIERS[str(u?.trafficType)]),
});

/**
 * Token fields of a Gemini `generateContent` result (`@google/genai`). `candidatesTokenCount` leaves out the
 * thinking tokens, which are billed as output: `outputTokens` adds `thoughtsTokenCount` back (and
 * `reasoningTokens` is it); `inputTokens` is `promptTokenCount` (cached content included) plus
 * `toolUsePromptTokenCount`. The model is `modelVersion`. The provider is `gcp.gemini` (the Gemini API); for
 * Vertex AI, put `provider: 'gcp.vertex_ai'` after the spread.
 */
export const fromGemini = /* @__PURE__ */ builder('gcp.gemini', (response: GeminiResponseLike) => ({
  model: str(response?.modelVersion),
  ...geminiUsage(response?.usageMetadata),
}));

/** Whether a candidate of a chunk carries answer text (thought summaries are not counted as delivered). */
const hasText = (candidate: unknown): boolean => {
  const parts = (candidate as Opt<{ content?: Opt<{ parts?: unknown }> }>)?.content?.parts;
  return (
    Array.isArray(parts) &&
    parts.some((p: Opt<{ text?: unknown; thought?: unknown }>) => p?.text && p.thought !== true)
  );
};

/**
 * `meterStream` options for `generateContentStream` chunks: one delivered token per candidate whose chunk carries
 * answer text, and the usage of the latest chunk that has `usageMetadata` (its counts are cumulative, so the
 * last one is the request's); the model from the first chunk that names it. The request is finished at a
 * candidate's `finishReason`: a stream that ends before is 'cancelled'.
 */
export const geminiChunks = {
  deliveredTokens: (chunk: GeminiResponseLike): number =>
    Array.isArray(chunk?.candidates) ? chunk.candidates.filter(hasText).length : 0,
  usage: (chunk: GeminiResponseLike) =>
    chunk?.usageMetadata
      ? fromGemini(chunk)
      : typeof chunk?.modelVersion === 'string' && chunk.modelVersion
        ? { provider: 'gcp.gemini', model: chunk.modelVersion }
        : undefined,
  isFinal: (chunk: GeminiResponseLike): boolean =>
    Array.isArray(chunk?.candidates) && chunk.candidates.some((c) => !!c?.finishReason),
};
