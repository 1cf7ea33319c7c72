import { builder, type Opt, str, tier, tokens } from './fields.ts';

/** The parts of an OpenAI Chat Completions result (or stream chunk) that are read. */
export interface OpenAIChatLike {
  model?: Opt<string>;
  usage?: Opt<{
    prompt_tokens?: Opt<number>;
    completion_tokens?: Opt<number>;
    prompt_tokens_details?: Opt<{ cached_tokens?: Opt<number> }>;
    completion_tokens_details?: Opt<{ reasoning_tokens?: Opt<number> }>;
  }>;
  service_tier?: Opt<string>;
}

/** The parts of an OpenAI Responses API result that are read. */
export interface OpenAIResponseLike {
  model?: Opt<string>;
  usage?: Opt<{
    input_tokens?: Opt<number>;
    output_tokens?: Opt<number>;
    input_tokens_details?: Opt<{ cached_tokens?: Opt<number> }>;
    output_tokens_details?: Opt<{ reasoning_tokens?: Opt<number> }>;
  }>;
  service_tier?: Opt<string>;
}

/** A Chat Completions stream chunk, as `openAIChatChunks` reads it. */
export interface OpenAIChatChunkLike extends OpenAIChatLike {
  choices?: Opt<Opt<{ delta?: Opt<{ content?: Opt<string> }> }>[]>;
}

/**
 * Token fields of a Chat Completions result. OpenAI's `prompt_tokens` already include the cached ones, and
 * `completion_tokens` the reasoning ones. Tiers: 'default' → 'standard'; 'scale' and 'auto' are left out.
 */
export const fromOpenAIChat = /* @__PURE__ */ builder('openai', (response: OpenAIChatLike) => {
  const u = response?.usage;
  return {
    model: str(response?.model),
    ...tokens(
      u?.prompt_tokens,
      u?.prompt_tokens_details?.cached_tokens,
      0,
      u?.completion_tokens,
      u?.completion_tokens_details?.reasoning_tokens,
    ),
    ...tier(response?.service_tier),
  };
});

/** Token fields of a Responses API result: the same conventions as Chat Completions. */
export const fromOpenAIResponses = /* @__PURE__ */ builder('openai', (response: OpenAIResponseLike) => {
  const u = response?.usage;
  return {
    model: str(response?.model),
    ...tokens(
      u?.input_tokens,
      u?.input_tokens_details?.cached_tokens,
      0,
      u?.output_tokens,
      u?.output_tokens_details?.reasoning_tokens,
    ),
    ...tier(response?.service_tier),
  };
});

/**
 * `meterStream` options for Chat Completions chunks: one delivered token per non-empty content delta, and the
 * usage of the last chunk, which OpenAI sends only when the request sets `stream_options: { include_usage: true }`.
 */
export const openAIChatChunks = {
  deliveredTokens: (chunk: OpenAIChatChunkLike): number =>
    chunk?.choices?.filter((c) => c?.delta?.content).length ?? 0,
  usage: (chunk: OpenAIChatChunkLike) => (chunk?.usage ? fromOpenAIChat(chunk) : undefined),
};
