/** The demo company: its AI features, customers and the models behind them. */
import type { ServiceTier } from '@tokenledger/client/contract';

/** Some of a feature's requests on some models: `share` of them (a chance per request). */
interface ModelShare {
  /** `provider` alone: every model of it the feature uses; with `model`: that one only. */
  provider: string;
  model?: string;
  share: number;
}

export interface FeatureProfile {
  name: string;
  /** Share of traffic. */
  weight: number;
  models: readonly (readonly [provider: string, model: string, weight: number])[];
  inputMedian: number;
  outputMedian: number;
  /** Share of input served from the prompt cache. */
  cacheReadShare: number;
  /** Chance a request writes the cache. */
  cacheWriteChance: number;
  reasoningShare: number;
  cancelRate: number;
  errorRate: number;
  /** Share of output that reaches the client after a cancel: near 0 means the stream kept generating. */
  deliveredAfterCancel: number;
  /** The prompt it serves; which version serves a request is in prompt-deploys.ts (what is deployed then). */
  promptId: string;
  /** The tier its requests go through (`batch`: the providers' Batch APIs, half price). @default 'standard' */
  serviceTier?: ServiceTier;
  /**
   * Requests with a long context: on these models, this share of requests sends `inputMedian` tokens or so,
   * always more than `above` (the price book's long-context threshold: billed at the long-context prices).
   */
  longContext?: ModelShare & { inputMedian: number; above: number };
  /** Cache writes with a 1-hour TTL: on these providers, this share of the requests that write the cache. */
  cacheWrite1h?: ModelShare;
  /** Server-side web searches, billed per call: this share of the (not failed) requests, `calls` each. */
  webSearch?: readonly (ModelShare & { calls: readonly [min: number, max: number] })[];
  /**
   * The feature's requests come in runs: every request of a run carries the run's trace id, and all of them the
   * same customer, user and cohort, a few seconds apart. Without it, every request stands alone (no trace id).
   */
  runs?: AgentRuns | CascadeRuns;
}

/**
 * An agent: a run is a loop of calls on one model (picked per run from `models`), each sending the conversation so
 * far (its input grows by what the step before added, mostly read from the prompt cache). The last call streams the
 * answer to the user: the only one a user can cancel. A few runs never converge (runaways): many more calls, the
 * context growing to `inputCap`, so that each costs many times what a usual run does.
 */
export interface AgentRuns {
  kind: 'agent';
  calls: readonly [min: number, max: number];
  /** Median tokens a step adds to the context (a tool result), besides the step's output. */
  stepInputMedian: number;
  /** The context never grows beyond this (kept below every long-context threshold). */
  inputCap: number;
  /** One runaway per `per` requests of the feature in the month, at most `max`, each of `calls` calls. */
  runaways: { per: number; max: number; calls: readonly [min: number, max: number] };
}

/**
 * A cascade: a run first asks the cheap model (`models[0]`) — a second time, after a follow-up, in `followUp` of the
 * runs — and in `escalation` of the runs then has the dear model (`models[1]`) review the cheap model's answer
 * once: 1 to 3 calls. (`models`' weights are not used.) The ticket is cut to `inputCap` tokens and the answers to
 * their `max_tokens`, so that an escalated run costs a few times a plain one, never ten times.
 */
export interface CascadeRuns {
  kind: 'cascade';
  followUp: number;
  escalation: number;
  inputCap: number;
  /** The cheap model's `max_tokens`. */
  outputMax: number;
  /** The dear call's own instructions, on top of the ticket and the cheap model's answers. */
  dearInputMedian: number;
  dearOutputMedian: number;
  /** The dear model's `max_tokens`. */
  dearOutputMax: number;
}

/** Whether a request on `provider`/`model` is one the share speaks of. */
export function covers(s: ModelShare, provider: string, model: string): boolean {
  return s.provider === provider && (s.model === undefined || s.model === model);
}

export const FEATURES: readonly FeatureProfile[] = [
  {
    name: 'draft-email',
    weight: 30,
    models: [
      ['openai', 'gpt-4o-mini-2024-07-18', 7],
      ['openai', 'gpt-4o-2024-08-06', 3],
    ],
    inputMedian: 1_400,
    outputMedian: 380,
    cacheReadShare: 0.35,
    cacheWriteChance: 0,
    reasoningShare: 0,
    cancelRate: 0.03,
    errorRate: 0.01,
    deliveredAfterCancel: 0.9,
    promptId: 'draft-email',
    // The assistant looks facts up on the web for some gpt-4o drafts.
    webSearch: [{ provider: 'openai', model: 'gpt-4o-2024-08-06', share: 0.05, calls: [1, 2] }],
  },
  {
    name: 'summarize-thread',
    weight: 25,
    models: [
      ['anthropic', 'claude-3-5-haiku-20241022', 6],
      ['anthropic', 'claude-sonnet-4-20250514', 4],
    ],
    inputMedian: 6_500,
    outputMedian: 420,
    cacheReadShare: 0.55,
    cacheWriteChance: 0.08,
    reasoningShare: 0,
    cancelRate: 0.02,
    errorRate: 0.005,
    deliveredAfterCancel: 0.85,
    promptId: 'summarize-thread',
    cacheWrite1h: { provider: 'anthropic', share: 0.4 },
  },
  {
    name: 'rewrite-tone',
    weight: 15,
    models: [['openai', 'gpt-4o-2024-08-06', 1]],
    inputMedian: 900,
    outputMedian: 650,
    cacheReadShare: 0.1,
    cacheWriteChance: 0,
    reasoningShare: 0,
    cancelRate: 0.18,
    errorRate: 0.01,
    // The app keeps upstream streams running after the user stops: `report waste` shows it as not propagated.
    deliveredAfterCancel: 0.08,
    promptId: 'rewrite-tone',
  },
  {
    name: 'support-agent',
    weight: 20,
    models: [
      ['anthropic', 'claude-sonnet-4-20250514', 6],
      ['aws.bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 4],
    ],
    inputMedian: 9_000,
    outputMedian: 900,
    cacheReadShare: 0.7,
    cacheWriteChance: 0.12,
    reasoningShare: 0.3,
    cancelRate: 0.05,
    errorRate: 0.02,
    deliveredAfterCancel: 0.6,
    promptId: 'support-agent',
    // A few conversations carry a whole contract or log dump: above Sonnet 4's 200k-token threshold.
    longContext: {
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      share: 0.02,
      inputMedian: 230_000,
      above: 200_000,
    },
    // Only Anthropic's API has 1-hour cache writes here (Bedrock's price list has no 1-hour write).
    cacheWrite1h: { provider: 'anthropic', share: 0.4 },
    webSearch: [{ provider: 'anthropic', share: 0.15, calls: [1, 3] }],
  },
  {
    name: 'search-answer',
    weight: 10,
    models: [
      ['aws.bedrock', 'amazon.nova-lite-v1:0', 7],
      ['openai', 'o4-mini-2025-04-16', 3],
    ],
    inputMedian: 3_000,
    outputMedian: 250,
    cacheReadShare: 0,
    cacheWriteChance: 0,
    reasoningShare: 0.4,
    cancelRate: 0.04,
    errorRate: 0.01,
    deliveredAfterCancel: 0.7,
    promptId: 'search-answer',
  },
  {
    // Each night's digest of the day's threads, sent through the providers' Batch APIs: half price, and no
    // user waits on it, so nothing is ever cancelled.
    name: 'nightly-digest',
    weight: 8,
    models: [
      ['openai', 'gpt-4o-mini-2024-07-18', 5],
      ['anthropic', 'claude-3-5-haiku-20241022', 5],
    ],
    inputMedian: 12_000,
    outputMedian: 700,
    cacheReadShare: 0.3,
    cacheWriteChance: 0,
    reasoningShare: 0,
    cancelRate: 0,
    errorRate: 0.003,
    deliveredAfterCancel: 1,
    promptId: 'nightly-digest',
    serviceTier: 'batch',
  },
  {
    // An agent that researches a question: 3–15 calls a run (a trace id each), a few runaways that loop for
    // 60–120 calls, and one run each month that starts before midnight UTC and ends after it (traffic.ts).
    name: 'research-agent',
    weight: 6,
    models: [
      ['anthropic', 'claude-sonnet-4-20250514', 8],
      ['openai', 'gpt-4o-2024-08-06', 2],
    ],
    // The first step's input (system prompt, tools, the question); later steps add the step before.
    inputMedian: 3_500,
    outputMedian: 350,
    // The first step finds the system prompt and tools cached this share of the time (later steps: the whole
    // conversation so far, nearly always).
    cacheReadShare: 0.6,
    // Anthropic only (OpenAI caches by itself): a step writes what it added to the cache.
    cacheWriteChance: 1,
    reasoningShare: 0.2,
    // Only the last call of a run (the answer, streamed to the user) is ever cancelled.
    cancelRate: 0.03,
    errorRate: 0.01,
    deliveredAfterCancel: 0.7,
    promptId: 'research-agent',
    webSearch: [{ provider: 'anthropic', share: 0.3, calls: [1, 2] }],
    runs: {
      kind: 'agent',
      calls: [3, 15],
      stepInputMedian: 1_200,
      inputCap: 120_000,
      runaways: { per: 1_000, max: 6, calls: [60, 120] },
    },
  },
  {
    // A support ticket is answered by the cheap model; in about one run in five the dear one reviews the answer.
    name: 'support-triage',
    weight: 5,
    models: [
      ['anthropic', 'claude-3-5-haiku-20241022', 1],
      ['anthropic', 'claude-sonnet-4-20250514', 1],
    ],
    inputMedian: 2_400,
    outputMedian: 400,
    cacheReadShare: 0,
    cacheWriteChance: 0,
    reasoningShare: 0,
    // Only the last call of a run is ever cancelled.
    cancelRate: 0.01,
    errorRate: 0.005,
    deliveredAfterCancel: 0.85,
    promptId: 'support-triage',
    runs: {
      kind: 'cascade',
      followUp: 0.15,
      escalation: 0.2,
      inputCap: 3_600,
      outputMax: 600,
      dearInputMedian: 300,
      dearOutputMedian: 150,
      dearOutputMax: 250,
    },
  },
];

/**
 * A customer that goes noisy mid-month: a large pro account (on a flat plan, revenue.ts) that sends `share` of all
 * requests until the start (00:00 UTC) of `jumpDay`, then `factor` times as many — its daily requests and cost jump
 * about tenfold overnight, and it ends the month at a negative margin. It gets no other traffic, and uses only
 * `features` (none with long-context requests or runs, so that its days before the jump have no spike).
 */
export const NOISY_CUSTOMER = {
  customerId: 'cus_pro_0007',
  cohort: 'pro',
  share: 0.016,
  jumpDay: 18,
  factor: 10,
  features: ['draft-email', 'summarize-thread', 'rewrite-tone', 'search-answer', 'nightly-digest'],
} as const;

/** The start of the noisy customer's jump day in a month (epoch ms of `monthStart`'s month). */
export function noisyJumpAt(monthStart: number): number {
  const d = new Date(monthStart);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), NOISY_CUSTOMER.jumpDay);
}

export interface CohortProfile {
  name: string;
  customers: number;
  usersPerCustomer: readonly [min: number, max: number];
  /** Share of traffic. */
  weight: number;
}

export const COHORTS: readonly CohortProfile[] = [
  { name: 'free', customers: 400, usersPerCustomer: [1, 2], weight: 35 },
  { name: 'pro', customers: 120, usersPerCustomer: [3, 12], weight: 38 },
  { name: 'enterprise', customers: 15, usersPerCustomer: [25, 200], weight: 27 },
];
