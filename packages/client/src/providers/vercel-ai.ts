import { type AnthropicUsageLike, anthropicUsage } from './anthropic.ts';
import { type BedrockUsageLike, bedrockUsage } from './bedrock.ts';
import { builder, type Opt, obj, oneHourWrites, str, type TokenFields, tier, toolCalls } from './fields.ts';
import { type GeminiUsageLike, geminiUsage } from './gemini.ts';
import { openAIChatUsage, openAIResponseUsage, webSearchCalls } from './openai.ts';

/** The parts of an AI SDK `LanguageModelUsage` that are read: v6/v7, v5 and v4 shapes. */
export interface VercelAIUsageLike {
  /** v5+: v6 and later count cache reads and writes in it for every provider; v5 left them out for some. */
  inputTokens?: Opt<number>;
  outputTokens?: Opt<number>;
  /** v6+. */
  inputTokenDetails?: Opt<{ cacheReadTokens?: Opt<number>; cacheWriteTokens?: Opt<number> }>;
  /** v6+. */
  outputTokenDetails?: Opt<{ reasoningTokens?: Opt<number> }>;
  /** v6+: the provider's own usage object, for one step. */
  raw?: unknown;
  /** v5. */
  reasoningTokens?: Opt<number>;
  /** v5. */
  cachedInputTokens?: Opt<number>;
  /** v4. */
  promptTokens?: Opt<number>;
  /** v4. */
  completionTokens?: Opt<number>;
}

/** One step (one LLM request) of an AI SDK call, as `generateText`/`streamText` report it. */
export interface VercelAIStepLike {
  usage?: Opt<VercelAIUsageLike>;
  /** Keyed by provider (`openai`, `anthropic`, `google`, `bedrock`, …); typed loosely, each has its own shape. */
  providerMetadata?: Opt<Record<string, unknown>>;
  /** `modelId` names the model; `body` is the provider's raw response (generateText only). */
  response?: Opt<{ modelId?: Opt<string>; body?: unknown }>;
  /** v7: the model that served the step. */
  model?: Opt<{ provider?: Opt<string>; modelId?: Opt<string> }>;
  /** The step's content: provider-executed tool calls are read when the raw response is not there. */
  content?: Opt<readonly unknown[]>;
}

/** A `generateText` result, a `streamText` `onFinish` event, or the awaited parts of a `streamText` result. */
export interface VercelAIResultLike extends VercelAIStepLike {
  /** Every step of a multi-step call: when there, the steps are read and added up. */
  steps?: Opt<readonly Opt<VercelAIStepLike>[]>;
}

/** Whose usage conventions a step follows (the provider name it is billed as is told apart: Vertex, Azure). */
type Dialect = 'anthropic' | 'bedrock' | 'google' | 'openai' | 'other';

/** Which provider served a step: from the v7 `model.provider` ('openai.responses', …), else from the metadata keys. */
function servedBy(
  step: VercelAIStepLike,
  meta: Record<string, unknown>,
): { dialect: Dialect; provider: string } {
  const p = str(step.model?.provider).toLowerCase();
  const has = (...keys: string[]) => keys.some((k) => k in meta);
  const vertex = p.includes('vertex') || (!p && has('vertex', 'googleVertex'));
  const dialect: Dialect =
    p.includes('bedrock') || (!p && has('bedrock', 'amazonBedrock'))
      ? 'bedrock'
      : p.includes('anthropic') || (!p && has('anthropic'))
        ? 'anthropic'
        : p.startsWith('google') || vertex || (!p && has('google'))
          ? 'google'
          : p.startsWith('openai') || p.startsWith('azure') || (!p && has('openai', 'azure'))
            ? 'openai'
            : 'other';
  const provider = vertex
    ? 'gcp.vertex_ai'
    : p.startsWith('azure') || (!p && has('azure'))
      ? 'azure.ai.openai'
      : {
          anthropic: 'anthropic',
          bedrock: 'aws.bedrock',
          google: 'gcp.gemini',
          openai: 'openai',
          other: p.split('.')[0] ?? '',
        }[dialect];
  return { dialect, provider };
}

/** The metadata keys each provider's AI SDK package writes under. */
const META_KEYS: Record<Dialect, string[]> = {
  anthropic: ['anthropic'],
  bedrock: ['bedrock', 'amazonBedrock'],
  google: ['google', 'vertex', 'googleVertex'],
  openai: ['openai', 'azure'],
  other: [],
};

/** The provider's own part of a step's `providerMetadata`. */
const metaOf = (dialect: Dialect, meta: Record<string, unknown>): Record<string, unknown> => {
  for (const key of META_KEYS[dialect]) {
    const m = obj(meta[key]);
    if (m) return m;
  }
  return {};
};

/** A v4/v5 count: AI SDK v4 reports an unknown count as NaN. */
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

type StepFields = Omit<TokenFields, 'provider' | 'model'>;

/** The provider's own usage object, read as the provider's helper reads it. */
function fromRaw(dialect: Dialect, raw: Record<string, unknown>): StepFields | undefined {
  switch (dialect) {
    case 'anthropic':
      return anthropicUsage(raw as AnthropicUsageLike);
    case 'bedrock':
      return bedrockUsage(raw as BedrockUsageLike);
    case 'google':
      return geminiUsage(raw as GeminiUsageLike);
    case 'openai':
      return 'input_tokens' in raw ? openAIResponseUsage(raw) : openAIChatUsage(raw);
    default:
      return undefined;
  }
}

// What the AI SDK's provider packages put in `usage` (vercel/ai, read at the tags ai@4.3.19, ai@5.0.244,
// ai@6.0.0 and ai@7.0.77): from v6 on, every convert…Usage gives `inputTokens` as the total (Anthropic and Bedrock
// add cache reads and writes to it) with `inputTokenDetails`, `outputTokens` with the reasoning (Google adds
// thoughtsTokenCount) and the provider's own object as `raw`. In v5, `inputTokens` was the provider's own field:
// Anthropic's input_tokens and Bedrock's inputTokens without the cache (`cachedInputTokens` the reads, the writes
// only in providerMetadata: anthropic.cacheCreationInputTokens, bedrock.usage.cacheWriteInputTokens), OpenAI's
// with it; Google's `outputTokens` was candidatesTokenCount, thoughts apart in `reasoningTokens`. v4 named them
// promptTokens/completionTokens (NaN when unknown), the cache in the metadata (openai.cachedPromptTokens,
// anthropic.cacheReadInputTokens). A v5 result's `usage` is its last step's, a v7 result's all steps' (`raw`
// dropped in the sum): reading the steps gives the same answer in both.
/** The AI SDK's own counts: v6+ as they are; v5 and v4 completed with the provider metadata, by provider. */
function fromNormalised(dialect: Dialect, u: VercelAIUsageLike, m: Record<string, unknown>): StepFields {
  const details = obj(u.inputTokenDetails);
  if (details) {
    return {
      inputTokens: count(u.inputTokens),
      cacheReadTokens: count(details.cacheReadTokens),
      cacheWriteTokens: count(details.cacheWriteTokens),
      outputTokens: count(u.outputTokens),
      reasoningTokens: count(obj(u.outputTokenDetails)?.reasoningTokens),
    };
  }
  const v4 = !('inputTokens' in u) && ('promptTokens' in u || 'completionTokens' in u);
  let input = count(v4 ? u.promptTokens : u.inputTokens);
  let output = count(v4 ? u.completionTokens : u.outputTokens);
  let cacheRead = count(v4 ? m.cachedPromptTokens : u.cachedInputTokens);
  let cacheWrite = 0;
  const reasoning = count(v4 ? m.reasoningTokens : u.reasoningTokens);
  if (dialect === 'anthropic') {
    // v4 and v5: input_tokens without the cache; the writes (and in v4 the reads) only in the metadata.
    if (v4) cacheRead = count(m.cacheReadInputTokens);
    cacheWrite = count(m.cacheCreationInputTokens);
    input += cacheRead + cacheWrite;
  } else if (dialect === 'bedrock') {
    const usage = obj(m.usage);
    if (v4) cacheRead = count(usage?.cacheReadInputTokens);
    cacheWrite = count(usage?.cacheWriteInputTokens);
    input += cacheRead + cacheWrite;
  } else if (dialect === 'google') {
    output += reasoning; // v5: outputTokens is candidatesTokenCount, thoughts not included
  } else {
    cacheWrite = count(obj(m.usage)?.cacheWriteTokens); // part of the input already
  }
  return {
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: output,
    reasoningTokens: reasoning,
  };
}

/**
 * OpenAI web searches: from the raw Responses body (generateText), else from the provider-executed results of
 * the tool registered as `web_search` (or `web_search_preview`), whose output names the action.
 */
function openAIWebSearches(step: VercelAIStepLike): number {
  const output = obj(step.response?.body)?.output;
  if (Array.isArray(output)) return webSearchCalls(output);
  if (!Array.isArray(step.content)) return 0;
  return step.content.filter((part) => {
    const p = obj(part);
    const action = obj(obj(p?.output ?? p?.result)?.action);
    return (
      p?.type === 'tool-result' &&
      p.providerExecuted === true &&
      (p.toolName === 'web_search' || p.toolName === 'web_search_preview') &&
      (action?.type ?? 'search') === 'search'
    );
  }).length;
}

/** One step: its provider, model and token fields. */
function readStep(step: VercelAIStepLike): Omit<TokenFields, 'serviceTier'> & { serviceTier?: unknown } {
  const meta = obj(step.providerMetadata) ?? {};
  const { dialect, provider } = servedBy(step, meta);
  const usage: VercelAIUsageLike = obj(step.usage) ?? {};
  const providerMeta = metaOf(dialect, meta);
  // The provider's own usage: v6+ has it in usage.raw (per step); v5 in the Anthropic and Google metadata.
  const raw =
    obj(usage.raw) ??
    (obj(usage.inputTokenDetails)
      ? undefined
      : dialect === 'anthropic'
        ? obj(providerMeta.usage)
        : dialect === 'google'
          ? obj(providerMeta.usageMetadata)
          : undefined);
  const fields = (raw && fromRaw(dialect, raw)) || fromNormalised(dialect, usage, providerMeta);
  const extra =
    dialect === 'openai'
      ? { ...toolCalls({ web_search: openAIWebSearches(step) }), ...tier(providerMeta.serviceTier) }
      : dialect === 'bedrock'
        ? {
            ...oneHourWrites(bedrockUsage(obj(providerMeta.usage) as BedrockUsageLike).cacheWrite1hTokens),
            ...tier(obj(providerMeta.serviceTier)?.type),
          }
        : dialect === 'google'
          ? tier(providerMeta.serviceTier)
          : {};
  return {
    provider,
    model: str(step.response?.modelId) || str(step.model?.modelId),
    ...extra,
    ...fields,
  };
}

/** Adds up the steps of a multi-step call: one event for the whole call. */
function sum(steps: ReturnType<typeof readStep>[]): Omit<TokenFields, 'provider'> & { provider?: string } {
  const last = steps[steps.length - 1];
  const add = (
    k: 'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens' | 'reasoningTokens',
  ) => steps.reduce((n, s) => n + s[k], 0);
  const calls: Record<string, number> = {};
  let oneHour = 0;
  for (const s of steps) {
    oneHour += s.cacheWrite1hTokens ?? 0;
    for (const [name, n] of Object.entries(s.toolCalls ?? {})) calls[name] = (calls[name] ?? 0) + n;
  }
  return {
    provider: last?.provider ?? '',
    model: last?.model ?? '',
    inputTokens: add('inputTokens'),
    cacheReadTokens: add('cacheReadTokens'),
    cacheWriteTokens: add('cacheWriteTokens'),
    outputTokens: add('outputTokens'),
    reasoningTokens: add('reasoningTokens'),
    ...oneHourWrites(oneHour),
    ...toolCalls(calls),
    ...tier(last?.serviceTier),
  };
}

/**
 * Token fields of a Vercel AI SDK (`ai`) call: a `generateText` result, a `streamText` `onFinish` event, one
 * step (`onStepFinish`), or `{ usage, providerMetadata, response }` awaited from a `streamText` result. With
 * `steps`, every step is read and they are added up: one event for the whole call. A multi-step call is several
 * LLM requests, each billed on its own (a long-context price applies per request), so prefer
 * `fromVercelAISteps`, one event per step.
 *
 * The provider comes from the step's model (v7) or its `providerMetadata` keys: `openai`, `azure.ai.openai`,
 * `anthropic`, `gcp.gemini`, `gcp.vertex_ai`, `aws.bedrock`; another provider's name is its AI SDK prefix (put
 * your own `provider` after the spread). The counts follow our conventions whatever the SDK version: v6 and
 * later count cache reads and writes in `inputTokens`; v5 and v4 left them out for Anthropic and Bedrock (added
 * back from the metadata) and left Gemini's thinking out of `outputTokens` (added back). When a step carries the
 * provider's own usage object (v6+ `usage.raw`, v5 Anthropic and Google metadata), it is read exactly as
 * `fromAnthropicMessage`, `fromOpenAIChat`/`fromOpenAIResponses`, `fromGemini` or `fromBedrockConverse` would,
 * with 1-hour cache writes, server tool calls and the tier.
 */
export const fromVercelAI = /* @__PURE__ */ builder('', (result: VercelAIResultLike) => {
  const steps = Array.isArray(result?.steps) ? result.steps.map((s) => obj(s) ?? {}) : [];
  return sum((steps.length > 0 ? steps : [result ?? {}]).map(readStep));
});

/**
 * One set of token fields per LLM request of a Vercel AI SDK call: one per entry of `steps` (a `generateText`
 * result, a `streamText` `onFinish` event), or one for a result or step without `steps`. Record each:
 * `for (const step of fromVercelAISteps(result)) ledger.record({ ...who, ...step, status: 'ok' })`.
 * Never throws; input it cannot read gives one empty set (provider and model '', counts 0).
 */
export function fromVercelAISteps(result: VercelAIResultLike): TokenFields[] {
  try {
    const steps = Array.isArray(result?.steps) ? result.steps : [];
    if (steps.length === 0) return [fromVercelAI(result)];
    return steps.map((step) => fromVercelAI((obj(step) ?? {}) as VercelAIResultLike));
  } catch {
    return [fromVercelAI(undefined as unknown as VercelAIResultLike)];
  }
}
