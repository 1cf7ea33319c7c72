export {
  type AnthropicEventLike,
  type AnthropicMessageLike,
  type AnthropicUsageLike,
  anthropicEvents,
  fromAnthropicMessage,
} from './anthropic.ts';
export {
  type BedrockConverseLike,
  type BedrockStreamEventLike,
  type BedrockUsageLike,
  bedrockConverseStream,
  fromBedrockConverse,
} from './bedrock.ts';
export type { TokenFields } from './fields.ts';
export { type MeterOptions, type MeterResult, meterStream } from './meter-stream.ts';
export {
  fromOpenAIChat,
  fromOpenAIResponses,
  type OpenAIChatChunkLike,
  type OpenAIChatLike,
  type OpenAIResponseLike,
  openAIChatChunks,
} from './openai.ts';
