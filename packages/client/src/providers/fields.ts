import { SERVICE_TIERS, type ServiceTier } from '../contract/limits.ts';

/**
 * The token fields of a `RecordInput` that a provider result gives: spread them into `record()`.
 * `inputTokens` counts ALL input (cache reads and writes included) and `outputTokens` all output (reasoning
 * included), whatever the provider's own convention, as docs/contracts.md §2 says.
 */
export interface TokenFields {
  provider: string;
  model: string;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Part of `cacheWriteTokens`: only when the result reports 1-hour cache writes. */
  cacheWrite1hTokens?: number;
  /** Only when the result reports server-side tool calls billed per call: `{ web_search: 2 }`. */
  toolCalls?: Record<string, number>;
  /** Only when the result names a tier we know. */
  serviceTier?: ServiceTier;
  /** Only when the result reports its own latency (Bedrock). */
  latencyMs?: number;
}

/** A field of a provider result: SDK types say `| null`, and apps may use `exactOptionalPropertyTypes`. */
export type Opt<T> = T | null | undefined;

/** A count: a number as it is (the emitter validates it later), anything else 0. */
export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** `v` when it is a plain object (not an array), else undefined: for reading fields of unknown shape. */
export const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The provider's tier name in ours ('default' is OpenAI's and Bedrock's standard); unknown ones are left out. */
export const tier = (v: unknown): { serviceTier?: ServiceTier } => {
  const t = v === 'default' ? 'standard' : v;
  return SERVICE_TIERS.includes(t as ServiceTier) ? { serviceTier: t as ServiceTier } : {};
};

/** 1-hour cache writes, left out when the result reports none (the wire event leaves 0 out too). */
export const oneHourWrites = (v: unknown): { cacheWrite1hTokens?: number } =>
  typeof v === 'number' && v !== 0 ? { cacheWrite1hTokens: v } : {};

/** Server-side tool calls by tool name; tools called 0 times (or with no count) are left out, and so is an empty map. */
export const toolCalls = (calls: Record<string, unknown>): { toolCalls?: Record<string, number> } => {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(calls)) if (typeof n === 'number' && n > 0) out[name] = n;
  return Object.keys(out).length > 0 ? { toolCalls: out } : {};
};

export const tokens = (
  input: unknown,
  cacheRead: unknown,
  cacheWrite: unknown,
  output: unknown,
  reasoning: unknown,
) => ({
  inputTokens: num(input),
  cacheReadTokens: num(cacheRead),
  cacheWriteTokens: num(cacheWrite),
  outputTokens: num(output),
  reasoningTokens: num(reasoning),
});

/** For providers whose input count leaves out cache reads and writes (Anthropic, Bedrock): add them back. */
export const tokensExcludingCache = (
  input: unknown,
  cacheRead: unknown,
  cacheWrite: unknown,
  output: unknown,
  reasoning: unknown = 0,
) => tokens(num(input) + num(cacheRead) + num(cacheWrite), cacheRead, cacheWrite, output, reasoning);

/**
 * Makes a builder that never throws: it runs in the app's request path, so on input it cannot read (a throwing
 * getter, say) it returns zero counts and an empty model, which the emitter reports through `onError`. A reader
 * that learns the provider from the result (the Vercel AI SDK's) returns it, and it wins over `provider`.
 */
export const builder =
  <A extends unknown[]>(
    provider: string,
    read: (...args: A) => Omit<TokenFields, 'provider'> & { provider?: string },
  ) =>
  (...args: A): TokenFields => {
    try {
      return { provider, ...read(...args) };
    } catch {
      return { provider, model: '', ...tokens(0, 0, 0, 0, 0) };
    }
  };
