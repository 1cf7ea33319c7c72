export {
  type AnthropicEventLike,
  type AnthropicMessageLike,
  type AnthropicUsageLike,
  anthropicEvents,
  fromAnthropicMessage,
} from './anthropic.ts';
export {
  type AnthropicBatchResultLike,
  type BatchResult,
  type BatchResultFields,
  fromAnthropicBatchResult,
  fromOpenAIBatchLine,
  type OpenAIBatchLineLike,
} from './batch-results.ts';
export {
  type BedrockConverseLike,
  type BedrockStreamEventLike,
  type BedrockUsageLike,
  bedrockConverseStream,
  fromBedrockConverse,
} from './bedrock.ts';
export type { TokenFields } from './fields.ts';
export {
  fromGemini,
  type GeminiResponseLike,
  type GeminiUsageLike,
  geminiChunks,
} from './gemini.ts';
export { estimateTokens, type MeterOptions, type MeterResult, meterStream } from './meter-stream.ts';
export {
  fromOpenAIChat,
  fromOpenAIResponses,
  type OpenAIChatChunkLike,
  type OpenAIChatLike,
  type OpenAIChatUsageLike,
  type OpenAIResponseEventLike,
  type OpenAIResponseLike,
  type OpenAIResponseUsageLike,
  openAIChatChunks,
  openAIResponseEvents,
} from './openai.ts';
export {
  fromVercelAI,
  fromVercelAISteps,
  type VercelAIResultLike,
  type VercelAIStepLike,
  type VercelAIUsageLike,
} from './vercel-ai.ts';
