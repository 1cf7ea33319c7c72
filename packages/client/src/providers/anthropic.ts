import {
  builder,
  num,
  type Opt,
  oneHourWrites,
  str,
  tier,
  tokensExcludingCache,
  toolCalls,
} from './fields.ts';

/** The parts of an Anthropic `usage` object that are read. */
export interface AnthropicUsageLike {
  input_tokens?: Opt<number>;
  output_tokens?: Opt<number>;
  cache_read_input_tokens?: Opt<number>;
  /** All cache writes: the 5-minute and the 1-hour ones. */
  cache_creation_input_tokens?: Opt<number>;
  /** The cache writes by TTL. */
  cache_creation?: Opt<{
    ephemeral_5m_input_tokens?: Opt<number>;
    ephemeral_1h_input_tokens?: Opt<number>;
  }>;
  /** Server tools Anthropic bills per request. */
  server_tool_use?: Opt<{ web_search_requests?: Opt<number>; web_fetch_requests?: Opt<number> }>;
  /** The thinking part of `output_tokens`. */
  output_tokens_details?: Opt<{ thinking_tokens?: Opt<number> }>;
  service_tier?: Opt<string>;
}

/** The parts of an Anthropic Messages API result that are read. */
export interface AnthropicMessageLike {
  model?: Opt<string>;
  usage?: Opt<AnthropicUsageLike>;
}

/** A Messages API stream event, as `anthropicEvents` reads it. */
export interface AnthropicEventLike {
  type?: Opt<string>;
  message?: Opt<AnthropicMessageLike>;
  /** Read as `{ text }`; typed loosely because each event type has its own delta shape. */
  delta?: unknown;
  usage?: Opt<AnthropicUsageLike>;
}

/** What a `usage` says besides the token counts: thinking, server tool calls. */
const usageDetails = (u: Opt<AnthropicUsageLike>) => ({
  ...(typeof u?.output_tokens_details?.thinking_tokens === 'number'
    ? { reasoningTokens: u.output_tokens_details.thinking_tokens }
    : {}),
  ...toolCalls({
    web_search: u?.server_tool_use?.web_search_requests,
    web_fetch: u?.server_tool_use?.web_fetch_requests,
  }),
});

// Per the Messages API `Usage` (anthropic-sdk-typescript, src/resources/messages/messages.ts): `cache_creation` is
// the "breakdown of cached tokens by TTL" (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`) of
// `cache_creation_input_tokens`; `server_tool_use` counts `web_search_requests` and `web_fetch_requests`;
// `output_tokens_details.thinking_tokens` is "always ≤ output_tokens", which "remains the inclusive, authoritative
// total used for billing". A stream's `message_delta` usage carries the cumulative counts and `server_tool_use`,
// not `cache_creation` nor `service_tier` (those come with `message_start`).
/**
 * The token fields of an Anthropic `usage` object (also used for the Vercel AI SDK's raw Anthropic usage).
 * `cache_creation_input_tokens` is all cache writes, 5-minute and 1-hour; when only the `cache_creation`
 * breakdown is there, its sum is.
 */
export const anthropicUsage = (u: Opt<AnthropicUsageLike>) => {
  const byTtl = u?.cache_creation;
  const cacheWrite =
    typeof u?.cache_creation_input_tokens === 'number'
      ? u.cache_creation_input_tokens
      : num(byTtl?.ephemeral_5m_input_tokens) + num(byTtl?.ephemeral_1h_input_tokens);
  return {
    ...tokensExcludingCache(u?.input_tokens, u?.cache_read_input_tokens, cacheWrite, u?.output_tokens),
    ...oneHourWrites(byTtl?.ephemeral_1h_input_tokens),
    ...usageDetails(u),
    ...tier(u?.service_tier),
  };
};

/**
 * Token fields of a Messages API result. Anthropic's `input_tokens` leave out cache reads and writes, so
 * `inputTokens` adds them back. `cacheWrite1hTokens` from `usage.cache_creation`, thinking tokens (a part of
 * `output_tokens`) from `usage.output_tokens_details` when reported, and `usage.server_tool_use` as
 * `toolCalls` (`web_search`, `web_fetch`).
 */
export const fromAnthropicMessage = /* @__PURE__ */ builder('anthropic', (message: AnthropicMessageLike) => ({
  model: str(message?.model),
  ...anthropicUsage(message?.usage),
}));

/**
 * `meterStream` options for Messages API stream events: one delivered token per non-empty `text_delta`;
 * usage from `message_start` (model, input and cache counts, 1-hour writes, tier) and `message_delta` (the
 * cumulative output count, thinking tokens and server tool calls; its input and cache counts too when it carries
 * all three). The request is finished at `message_delta` (its stop reason) or `message_stop`: a stream that ends
 * before is 'cancelled'.
 */
export const anthropicEvents = {
  deliveredTokens: (event: AnthropicEventLike): number =>
    event?.type === 'content_block_delta' && (event.delta as Opt<{ text?: unknown }>)?.text ? 1 : 0,
  usage: (event: AnthropicEventLike) => {
    if (event?.type === 'message_start') return fromAnthropicMessage(event.message ?? {});
    const u = event?.type === 'message_delta' ? event.usage : undefined;
    if (!u) return undefined;
    const counts =
      typeof u.input_tokens === 'number' &&
      typeof u.cache_read_input_tokens === 'number' &&
      typeof u.cache_creation_input_tokens === 'number'
        ? tokensExcludingCache(
            u.input_tokens,
            u.cache_read_input_tokens,
            u.cache_creation_input_tokens,
            u.output_tokens,
          )
        : { outputTokens: num(u.output_tokens) };
    return { ...counts, ...usageDetails(u) };
  },
  isFinal: (event: AnthropicEventLike): boolean =>
    event?.type === 'message_delta' || event?.type === 'message_stop',
};
