import { builder, type Opt, str, tier, tokens, toolCalls } from './fields.ts';

/** The parts of a Chat Completions `usage` object that are read. */
export interface OpenAIChatUsageLike {
  prompt_tokens?: Opt<number>;
  completion_tokens?: Opt<number>;
  prompt_tokens_details?: Opt<{ cached_tokens?: Opt<number>; cache_write_tokens?: Opt<number> }>;
  completion_tokens_details?: Opt<{ reasoning_tokens?: Opt<number> }>;
}

/** The parts of a Responses API `usage` object that are read. */
export interface OpenAIResponseUsageLike {
  input_tokens?: Opt<number>;
  output_tokens?: Opt<number>;
  input_tokens_details?: Opt<{ cached_tokens?: Opt<number>; cache_write_tokens?: Opt<number> }>;
  output_tokens_details?: Opt<{ reasoning_tokens?: Opt<number> }>;
}

/** The parts of an OpenAI Chat Completions result (or stream chunk) that are read. */
export interface OpenAIChatLike {
  model?: Opt<string>;
  usage?: Opt<OpenAIChatUsageLike>;
  service_tier?: Opt<string>;
}

/** The parts of an OpenAI Responses API result that are read. */
export interface OpenAIResponseLike {
  model?: Opt<string>;
  usage?: Opt<OpenAIResponseUsageLike>;
  service_tier?: Opt<string>;
  /**
   * The output items: `web_search_call` items whose `action.type` is 'search' are web searches billed per call.
   * Typed loosely: each item type has its own shape.
   */
  output?: Opt<readonly unknown[]>;
}

/** A Chat Completions stream chunk, as `openAIChatChunks` reads it. */
export interface OpenAIChatChunkLike extends OpenAIChatLike {
  choices?: Opt<Opt<{ delta?: Opt<{ content?: Opt<string> }>; finish_reason?: Opt<string> }>[]>;
}

/** A Responses API stream event, as `openAIResponseEvents` reads it. */
export interface OpenAIResponseEventLike {
  type?: Opt<string>;
  /** The text of a `response.output_text.delta` event. */
  delta?: unknown;
  /** The response, in `response.created`, `response.completed`, `response.incomplete` and `response.failed`. */
  response?: Opt<OpenAIResponseLike>;
}

// OpenAI counts cache reads (`cached_tokens`) and cache writes (`cache_write_tokens`) inside prompt_tokens /
// input_tokens, as our contract does: they are passed on as parts of the input, not added to it. Cache writes
// are billed (1.25× input) from the GPT-5.6 family on and reported there; OpenAI's prompt caching guide, as
// quoted in mindroom-ai/mindroom#2134 and aplisay/llm-agent#345; the Vercel AI SDK reads them the same way.

/** Token fields of a Chat Completions `usage` object. */
export const openAIChatUsage = (u: Opt<OpenAIChatUsageLike>) =>
  tokens(
    u?.prompt_tokens,
    u?.prompt_tokens_details?.cached_tokens,
    u?.prompt_tokens_details?.cache_write_tokens,
    u?.completion_tokens,
    u?.completion_tokens_details?.reasoning_tokens,
  );

/** Token fields of a Responses API `usage` object. */
export const openAIResponseUsage = (u: Opt<OpenAIResponseUsageLike>) =>
  tokens(
    u?.input_tokens,
    u?.input_tokens_details?.cached_tokens,
    u?.input_tokens_details?.cache_write_tokens,
    u?.output_tokens,
    u?.output_tokens_details?.reasoning_tokens,
  );

// A `web_search_call` output item is one action of the web search tool: `search` (a query), `open_page` or
// `find_in_page`. Only the searches are counted: OpenAI prices the tool per call ($10 / 1k calls, its pricing
// page), and users comparing with OpenAI's usage dashboard found it counts the query searches, not the page
// opens; Bedrock's OpenAI-compatible Responses API, which reports its billable count, reports one search for a
// search plus a page open (BerriAI/litellm#39610). Items without an action (older responses) count as searches.
/** The web searches among a Responses API result's output items. */
export const webSearchCalls = (output: unknown): number =>
  Array.isArray(output)
    ? output.filter((item) => {
        const i = item as Opt<{ type?: unknown; action?: Opt<{ type?: unknown }> }>;
        return i?.type === 'web_search_call' && (i.action?.type ?? 'search') === 'search';
      }).length
    : 0;

/**
 * Token fields of a Chat Completions result. OpenAI's `prompt_tokens` already include the cached ones (and
 * the cache writes), and `completion_tokens` the reasoning ones. Tiers: 'default' → 'standard'; 'flex',
 * 'priority' and 'batch' as they are; 'auto' and others ('scale', …) are left out.
 */
export const fromOpenAIChat = /* @__PURE__ */ builder('openai', (response: OpenAIChatLike) => ({
  model: str(response?.model),
  ...openAIChatUsage(response?.usage),
  ...tier(response?.service_tier),
}));

/**
 * Token fields of a Responses API result: the same conventions as Chat Completions, and the searches among its
 * `web_search_call` output items (not the page opens) counted as `toolCalls: { web_search }`.
 */
export const fromOpenAIResponses = /* @__PURE__ */ builder('openai', (response: OpenAIResponseLike) => ({
  model: str(response?.model),
  ...openAIResponseUsage(response?.usage),
  ...toolCalls({ web_search: webSearchCalls(response?.output) }),
  ...tier(response?.service_tier),
}));

/**
 * `meterStream` options for Chat Completions chunks: one delivered token per non-empty content delta; the served
 * model (`gpt-4o-mini-2024-07-18`, not the alias the request named) from the first chunk, which every chunk
 * carries; and the usage of the last chunk, which OpenAI sends only when the request sets
 * `stream_options: { include_usage: true }`. The request is finished at a `finish_reason` or the usage chunk: a
 * stream that ends before either (openai-node's ends quietly after `stream.controller.abort()`) is 'cancelled'.
 *
 * OpenAI states the input tokens only in that last chunk: a stream cancelled before it has none (0). Pass
 * `inputTokens` — your own count, or `estimateTokens(messages)` — and the event carries it, tagged
 * `input_tokens: 'estimated'`.
 */
export const openAIChatChunks = {
  deliveredTokens: (chunk: OpenAIChatChunkLike): number =>
    Array.isArray(chunk?.choices) ? chunk.choices.filter((c) => c?.delta?.content).length : 0,
  usage: (chunk: OpenAIChatChunkLike) =>
    chunk?.usage
      ? fromOpenAIChat(chunk)
      : typeof chunk?.model === 'string' && chunk.model
        ? { provider: 'openai', model: chunk.model }
        : undefined,
  isFinal: (chunk: OpenAIChatChunkLike): boolean =>
    !!chunk?.usage || (Array.isArray(chunk?.choices) && chunk.choices.some((c) => !!c?.finish_reason)),
};

/**
 * `meterStream` options for Responses API stream events: one delivered token per non-empty
 * `response.output_text.delta`; the model from `response.created`, and the usage, tier and web search calls
 * from the response that ends the stream (`response.completed`, `response.incomplete` or `response.failed`); a
 * stream that ends before one is 'cancelled'.
 */
export const openAIResponseEvents = {
  deliveredTokens: (event: OpenAIResponseEventLike): number =>
    event?.type === 'response.output_text.delta' && event.delta ? 1 : 0,
  usage: (event: OpenAIResponseEventLike) => {
    switch (event?.type) {
      case 'response.created':
        return { provider: 'openai', model: str(event.response?.model) };
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        return fromOpenAIResponses(event.response ?? {});
      default:
        return undefined;
    }
  },
  isFinal: (event: OpenAIResponseEventLike): boolean => RESPONSE_ENDS.includes(event?.type as string),
};

const RESPONSE_ENDS = ['response.completed', 'response.incomplete', 'response.failed'];
