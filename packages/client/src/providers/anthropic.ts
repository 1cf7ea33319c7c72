import { builder, num, type Opt, str, tier, tokensExcludingCache } from './fields.ts';

/** The parts of an Anthropic `usage` object that are read. */
export interface AnthropicUsageLike {
  input_tokens?: Opt<number>;
  output_tokens?: Opt<number>;
  cache_read_input_tokens?: Opt<number>;
  cache_creation_input_tokens?: Opt<number>;
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

/**
 * Token fields of a Messages API result. Anthropic's `input_tokens` leave out cache reads and writes, so
 * `inputTokens` adds them back. Thinking tokens are part of `output_tokens` and not reported apart
 * (`reasoningTokens` 0).
 */
export const fromAnthropicMessage = /* @__PURE__ */ builder('anthropic', (message: AnthropicMessageLike) => {
  const u = message?.usage;
  return {
    model: str(message?.model),
    ...tokensExcludingCache(
      u?.input_tokens,
      u?.cache_read_input_tokens,
      u?.cache_creation_input_tokens,
      u?.output_tokens,
    ),
    ...tier(u?.service_tier),
  };
});

/**
 * `meterStream` options for Messages API stream events: one delivered token per non-empty `text_delta`;
 * usage from `message_start` (model, input and cache counts) and `message_delta` (the cumulative output count;
 * its input and cache counts too when it carries all three).
 */
export const anthropicEvents = {
  deliveredTokens: (event: AnthropicEventLike): number =>
    event?.type === 'content_block_delta' && (event.delta as Opt<{ text?: unknown }>)?.text ? 1 : 0,
  usage: (event: AnthropicEventLike) => {
    if (event?.type === 'message_start') return fromAnthropicMessage(event.message ?? {});
    const u = event?.type === 'message_delta' ? event.usage : undefined;
    if (!u) return undefined;
    return typeof u.input_tokens === 'number' &&
      typeof u.cache_read_input_tokens === 'number' &&
      typeof u.cache_creation_input_tokens === 'number'
      ? tokensExcludingCache(
          u.input_tokens,
          u.cache_read_input_tokens,
          u.cache_creation_input_tokens,
          u.output_tokens,
        )
      : { outputTokens: num(u.output_tokens) };
  },
};
