import type { RecordInput } from '@tokenledger/client';
import { wireEncoder } from '@tokenledger/client';
import { uuidv7 } from '@tokenledger/client/contract';
import {
  type AgentRuns,
  type CascadeRuns,
  COHORTS,
  covers,
  FEATURES,
  type FeatureProfile,
  NOISY_CUSTOMER,
  noisyJumpAt,
} from './catalogue.ts';
import { promptServing, type ServedVersion } from './prompt-deploys.ts';
import { Random } from './random.ts';

export interface TrafficOptions {
  /** `YYYY-MM`, UTC. */
  month: string;
  /** Valid, distinct requests to generate. */
  requests: number;
  seed?: number;
  /** Share of requests sent twice (a client retry). @default 0.01 */
  duplicateShare?: number;
  /** Share of extra malformed lines. @default 0.002 */
  malformedShare?: number;
}

/** What the demo app does, in order: a `record()` call, or a malformed line a buggy client sent. */
export type TrafficItem = { kind: 'call'; input: RecordInput } | { kind: 'line'; line: string };

export interface Traffic {
  /** In send order: the requests, their retried duplicates (the same input again) and malformed lines. */
  items: TrafficItem[];
  requests: number;
  duplicates: number;
  malformed: number;
}

interface Customer {
  id: string;
  cohort: string;
  userIds: string[];
}

/** The demo app's HMAC key for user ids. */
export const DEMO_HMAC_KEY = 'tokenledger-demo-key';

/** The day whose midnight (00:00 UTC) one agent run spans: it starts on the day before and ends on this one. */
const MIDNIGHT_DAY = 12;

/**
 * A realistic month of LLM request events for the demo and the benchmarks, the same for the same seed: exactly
 * `requests` distinct requests. Most stand alone; those of the run features (catalogue.ts `runs`) come in runs that
 * share a trace id. One customer goes noisy mid-month (catalogue.ts `NOISY_CUSTOMER`).
 */
export function generateTraffic(options: TrafficOptions): Traffic {
  const rnd = new Random(options.seed ?? 42);
  const customers = makeCustomers(rnd);
  const noisy = customers.find((c) => c.id === NOISY_CUSTOMER.customerId);
  const byCohort = new Map<string, Customer[]>();
  for (const c of customers) {
    // The noisy customer gets only its own share of the requests.
    if (c !== noisy) byCohort.set(c.cohort, [...(byCohort.get(c.cohort) ?? []), c]);
  }
  const start = Date.parse(`${options.month}-01T00:00:00Z`);
  if (Number.isNaN(start)) throw new Error(`month: ${JSON.stringify(options.month)} is not YYYY-MM`);
  const end = nextMonth(start);
  const jumpAt = noisyJumpAt(start);
  // Runs are never the noisy customer's (it does not use the run features).
  const pickCustomer = (ts: number, run = false): Customer => {
    const share = NOISY_CUSTOMER.share * (ts >= jumpAt ? NOISY_CUSTOMER.factor : 1);
    if (noisy && !run && rnd.chance(share)) return noisy;
    const cohort = rnd.weighted(COHORTS.map((c) => [c.name, c.weight] as const));
    return rnd.pick(byCohort.get(cohort) ?? customers);
  };
  const month = {
    start,
    end,
    midnight: Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), MIDNIGHT_DAY),
  };
  const serve = promptServing(options.month);
  const random = (b: Uint8Array) => rnd.fill(b);

  // The run features' share of the requests (by weight), in whole runs; the rest are single requests.
  const totalWeight = FEATURES.reduce((s, f) => s + f.weight, 0);
  const singleFeatures = FEATURES.filter((f) => f.runs === undefined);
  const noisyFeatures = singleFeatures.filter((f) =>
    (NOISY_CUSTOMER.features as readonly string[]).includes(f.name),
  );
  const plans = FEATURES.filter((f) => f.runs !== undefined).map((f) =>
    planRuns(rnd, f, Math.floor((options.requests * f.weight) / totalWeight)),
  );
  const inRuns = plans.reduce((n, p) => n + p.runs.reduce((m, r) => m + r.size, 0), 0);
  const calls: RecordInput[] = [];
  for (const ts of spreadOverMonth(rnd, start, end, options.requests - inRuns)) {
    const customer = pickCustomer(ts);
    const features = customer === noisy ? noisyFeatures : singleFeatures;
    const feature = rnd.weighted(features.map((f) => [f, f.weight] as const));
    calls.push(makeCall(rnd, feature, customer, ts, uuidv7(ts, random), serve));
  }
  // One push a call: spreading a plan's calls into push() overflows the stack past ~100,000 (a 3-million-request month).
  for (const plan of plans)
    for (const call of makeRuns(rnd, plan, month, pickCustomer, serve, random)) calls.push(call);
  // In time order (a stable sort: the calls of a run stay in their order).
  calls.sort((a, b) => (a.startedAt as number) - (b.startedAt as number));

  const items: TrafficItem[] = [];
  const retries: { at: number; item: TrafficItem }[] = [];
  let duplicates = 0;
  let malformed = 0;
  const dupShare = options.duplicateShare ?? 0.01;
  const badShare = options.malformedShare ?? 0.002;
  for (let i = 0; i < calls.length; i++) {
    const input = calls[i] as RecordInput;
    const ts = input.startedAt as number;
    const item: TrafficItem = { kind: 'call', input };
    items.push(item);
    if (rnd.chance(dupShare)) {
      duplicates++;
      // Most retries follow at once; some come much later, in another batch.
      retries.push({ at: i + (rnd.chance(0.7) ? rnd.int(1, 20) : rnd.int(500, 20_000)), item });
      retries.sort((a, b) => a.at - b.at);
    }
    if (rnd.chance(badShare)) {
      malformed++;
      items.push({ kind: 'line', line: makeMalformed(rnd, ts, uuidv7(ts, random)) });
    }
    while (retries.length > 0 && (retries[0]?.at ?? Number.POSITIVE_INFINITY) <= i) {
      items.push((retries.shift() as { item: TrafficItem }).item);
    }
  }
  for (const r of retries) items.push(r.item);
  return { items, requests: calls.length, duplicates, malformed };
}

/** The traffic as the JSONL lines the client would send (user ids hashed under the demo key). */
export function trafficLines(traffic: Traffic): string[] {
  const encode = wireEncoder(DEMO_HMAC_KEY);
  return traffic.items.map((item) => (item.kind === 'line' ? item.line : JSON.stringify(encode(item.input))));
}

function makeCustomers(rnd: Random): Customer[] {
  const out: Customer[] = [];
  for (const cohort of COHORTS) {
    for (let i = 0; i < cohort.customers; i++) {
      const id = `cus_${cohort.name.slice(0, 3)}_${String(i).padStart(4, '0')}`;
      const users = rnd.int(cohort.usersPerCustomer[0], cohort.usersPerCustomer[1]);
      const userIds = Array.from({ length: users }, (_, u) => `${id}/user-${u}`);
      out.push({ id, cohort: cohort.name, userIds });
    }
  }
  return out;
}

/** Request start times over the month, busier in European and American working hours, sorted. */
function spreadOverMonth(rnd: Random, start: number, end: number, n: number): number[] {
  const times: number[] = [];
  while (times.length < n) {
    const t = start + Math.floor(rnd.next() * (end - start));
    const hour = new Date(t).getUTCHours();
    const busy = hour >= 7 && hour <= 22 ? 1 : 0.35;
    if (rnd.next() < busy) times.push(t);
  }
  return times.sort((a, b) => a - b);
}

/** Which version of a prompt serves a request (prompt-deploys.ts), given a uniform draw `u`. */
type Serve = (promptId: string, ts: number, cohort: string, u: number) => ServedVersion;

function makeCall(
  rnd: Random,
  f: FeatureProfile,
  c: Customer,
  ts: number,
  eventId: string,
  serve: Serve,
): RecordInput {
  const [provider, model] = rnd.weighted(f.models.map(([p, m, w]) => [[p, m] as const, w] as const));
  // The draws for the pricing dimensions (long context, 1-hour cache writes, web searches) are made only for
  // the requests they can apply to, so the other requests draw as they always did.
  const long = f.longContext;
  const input =
    long && covers(long, provider, model) && rnd.chance(long.share)
      ? Math.max(long.above + 1, Math.round(rnd.logNormal(long.inputMedian, 0.1)))
      : Math.max(20, Math.round(rnd.logNormal(f.inputMedian, 0.6)));
  const cacheRead = rnd.chance(f.cacheReadShare) ? Math.round(input * (0.5 + rnd.next() * 0.4)) : 0;
  const cacheWrite = cacheRead === 0 && rnd.chance(f.cacheWriteChance) ? Math.round(input * 0.6) : 0;
  const oneHour = f.cacheWrite1h;
  // The whole write with a 1-hour TTL (the system prompt and tools, kept warm across a user's session).
  const cacheWrite1h =
    cacheWrite > 0 && oneHour && covers(oneHour, provider, model) && rnd.chance(oneHour.share)
      ? cacheWrite
      : 0;
  const status = rnd.chance(f.cancelRate) ? 'cancelled' : rnd.chance(f.errorRate) ? 'error' : 'ok';
  const search = f.webSearch?.find((s) => covers(s, provider, model));
  const searches =
    search && status !== 'error' && rnd.chance(search.share) ? rnd.int(search.calls[0], search.calls[1]) : 0;
  const rawOutput = status === 'error' ? 0 : rnd.logNormal(f.outputMedian, 0.5);
  const userId = rnd.pick(c.userIds);
  // The version deployed at `ts` (the draw decides stale pods and canaries); it may lengthen the output.
  const served = serve(f.promptId, ts, c.cohort, rnd.next());
  const output = status === 'error' ? 0 : Math.max(1, Math.round(rawOutput * served.output));
  const call: RecordInput = {
    eventId,
    startedAt: ts,
    feature: f.name,
    cohort: c.cohort,
    customerId: c.id,
    userId,
    provider,
    model,
    promptId: f.promptId,
    promptVersion: served.version,
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: output,
    reasoningTokens: Math.round(output * f.reasoningShare * rnd.next()),
    status,
    latencyMs: Math.round(rnd.logNormal(300 + output * 12, 0.3) * served.latency),
    ttftMs: Math.round(rnd.logNormal(350, 0.4)),
  };
  if (f.serviceTier !== undefined && f.serviceTier !== 'standard') call.serviceTier = f.serviceTier;
  if (cacheWrite1h > 0) call.cacheWrite1hTokens = cacheWrite1h;
  if (searches > 0) call.toolCalls = { web_search: searches };
  if (status === 'cancelled')
    call.deliveredOutputTokens = Math.floor(output * f.deliveredAfterCancel * rnd.next());
  return call;
}

/** A run to make: its number of calls, and whether it is a runaway (agent) or escalates (cascade). */
interface PlannedRun {
  size: number;
  runaway: boolean;
  escalated: boolean;
}

interface RunPlan {
  feature: FeatureProfile;
  runs: PlannedRun[];
}

/** A run feature's runs, `budget` calls in all or up to 2 fewer (those become single requests of other features). */
function planRuns(rnd: Random, feature: FeatureProfile, budget: number): RunPlan {
  const spec = feature.runs as AgentRuns | CascadeRuns;
  const runs: PlannedRun[] = [];
  let left = budget;
  if (spec.kind === 'agent') {
    const runaways: number[] = [];
    const count = Math.min(spec.runaways.max, Math.floor(budget / spec.runaways.per));
    for (let i = 0; i < count; i++) {
      const size = rnd.int(spec.runaways.calls[0], spec.runaways.calls[1]);
      if (size > left) break;
      runaways.push(size);
      left -= size;
    }
    while (left >= spec.calls[0]) {
      const size = Math.min(left, rnd.int(spec.calls[0], spec.calls[1]));
      runs.push({ size, runaway: false, escalated: false });
      left -= size;
    }
    // The runaways among the usual runs, anywhere in the month.
    for (const size of runaways) {
      runs.splice(rnd.int(0, runs.length), 0, { size, runaway: true, escalated: false });
    }
  } else {
    while (left >= 1) {
      const cheap = left >= 2 && rnd.chance(spec.followUp) ? 2 : 1;
      const escalated = left > cheap && rnd.chance(spec.escalation);
      const size = cheap + (escalated ? 1 : 0);
      runs.push({ size, runaway: false, escalated });
      left -= size;
    }
  }
  return { feature, runs };
}

/** A call of a run, before its start time and event id are set: `offset` ms after the run's first call. */
interface RunCall {
  offset: number;
  call: RecordInput;
}

/**
 * The calls of a feature's runs over the month, in run order. Each run starts at a time spread over the month like
 * single requests (the first agent runaway, or the first agent run without one, spans midnight before
 * `MIDNIGHT_DAY`), keeps the prompt version served at its start and ends within the month.
 */
function makeRuns(
  rnd: Random,
  plan: RunPlan,
  month: { start: number; end: number; midnight: number },
  pickCustomer: (ts: number, run: boolean) => Customer,
  serve: Serve,
  random: (b: Uint8Array) => void,
): RecordInput[] {
  const f = plan.feature;
  const spec = f.runs as AgentRuns | CascadeRuns;
  const starts = spreadOverMonth(rnd, month.start, month.end, plan.runs.length);
  const runaway = plan.runs.findIndex((r) => r.runaway);
  const spanning = spec.kind === 'agent' ? Math.max(0, runaway) : -1;
  const out: RecordInput[] = [];
  for (const [i, run] of plan.runs.entries()) {
    const nominal = i === spanning ? month.midnight : (starts[i] as number);
    const customer = pickCustomer(nominal, true);
    const who = { customer, userId: rnd.pick(customer.userIds), traceId: traceId(rnd) };
    const served = serve(f.promptId, nominal, customer.cohort, rnd.next());
    const calls =
      spec.kind === 'agent'
        ? agentCalls(rnd, f, spec, run, who, served)
        : cascadeCalls(rnd, f, spec, run, who, served);
    const duration = (calls[calls.length - 1] as RunCall).offset;
    let first = i === spanning ? nominal - Math.floor(duration / 2) : nominal;
    if (first + duration >= month.end) first = month.end - 1 - duration;
    first = Math.max(month.start, first);
    for (const { offset, call } of calls) {
      const ts = first + offset;
      call.startedAt = ts;
      call.eventId = uuidv7(ts, random);
      out.push(call);
    }
  }
  return out;
}

interface RunOwner {
  customer: Customer;
  userId: string;
  traceId: string;
}

/** 32 lower-case hex digits, as an OpenTelemetry trace id. */
function traceId(rnd: Random): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += Math.floor(rnd.next() * 16).toString(16);
  return id;
}

/** The status of a run's call: only the last one (streamed to the user) can be cancelled. */
function runStatus(rnd: Random, f: FeatureProfile, last: boolean): RecordInput['status'] {
  if (last && rnd.chance(f.cancelRate)) return 'cancelled';
  return rnd.chance(f.errorRate) ? 'error' : 'ok';
}

/** One call of a run on `provider`/`model`, tokens given; start time and event id set later (makeRuns). */
function runCall(
  rnd: Random,
  f: FeatureProfile,
  who: RunOwner,
  served: ServedVersion,
  c: {
    provider: string;
    model: string;
    input: number;
    cacheRead: number;
    cacheWrite: number;
    outputMedian: number;
    /** The model's `max_tokens`. @default no limit */
    outputMax?: number;
    status: RecordInput['status'];
  },
): RecordInput {
  const drawn = Math.max(1, Math.round(rnd.logNormal(c.outputMedian, 0.5) * served.output));
  const output = c.status === 'error' ? 0 : Math.min(c.outputMax ?? Number.POSITIVE_INFINITY, drawn);
  const search = f.webSearch?.find((s) => covers(s, c.provider, c.model));
  const searches =
    search && c.status !== 'error' && rnd.chance(search.share)
      ? rnd.int(search.calls[0], search.calls[1])
      : 0;
  const call: RecordInput = {
    eventId: '',
    startedAt: 0,
    feature: f.name,
    cohort: who.customer.cohort,
    customerId: who.customer.id,
    userId: who.userId,
    provider: c.provider,
    model: c.model,
    promptId: f.promptId,
    promptVersion: served.version,
    traceId: who.traceId,
    inputTokens: c.input,
    cacheReadTokens: c.cacheRead,
    cacheWriteTokens: c.cacheWrite,
    outputTokens: output,
    reasoningTokens: Math.round(output * f.reasoningShare * rnd.next()),
    status: c.status,
    latencyMs: Math.round(rnd.logNormal(300 + output * 12, 0.3) * served.latency),
    ttftMs: Math.round(rnd.logNormal(350, 0.4)),
  };
  if (searches > 0) call.toolCalls = { web_search: searches };
  if (c.status === 'cancelled')
    call.deliveredOutputTokens = Math.floor(output * f.deliveredAfterCancel * rnd.next());
  return call;
}

/**
 * An agent run: `run.size` calls on one model, each sending the conversation so far — the first step's input,
 * then each step's output and tool result added (up to the cap) — read from the prompt cache but for what the step
 * before added (written to it, on Anthropic). The next call starts when the call and its tool are done.
 */
function agentCalls(
  rnd: Random,
  f: FeatureProfile,
  spec: AgentRuns,
  run: PlannedRun,
  who: RunOwner,
  served: ServedVersion,
): RunCall[] {
  const [provider, model] = rnd.weighted(f.models.map(([p, m, w]) => [[p, m] as const, w] as const));
  const base = Math.max(200, Math.round(rnd.logNormal(f.inputMedian, 0.3)));
  const out: RunCall[] = [];
  let context = base;
  let previous = 0;
  let offset = 0;
  for (let step = 0; step < run.size; step++) {
    const input = Math.min(spec.inputCap, context);
    const cacheRead =
      step === 0
        ? rnd.chance(f.cacheReadShare)
          ? Math.round(base * 0.8)
          : 0
        : Math.round(Math.min(previous, input) * 0.95);
    const cacheWrite =
      provider === 'anthropic' && rnd.chance(f.cacheWriteChance) ? Math.round((input - cacheRead) * 0.9) : 0;
    const status = runStatus(rnd, f, step === run.size - 1);
    const call = runCall(rnd, f, who, served, {
      provider,
      model,
      input,
      cacheRead,
      cacheWrite,
      outputMedian: f.outputMedian,
      status,
    });
    out.push({ offset, call });
    offset += (call.latencyMs ?? 0) + rnd.int(500, 6_000);
    context += call.outputTokens + Math.round(rnd.logNormal(spec.stepInputMedian, 0.8));
    previous = input;
  }
  return out;
}

/**
 * A cascade run: the cheap model once or twice (a follow-up question), then, when escalated, the dear model once:
 * its input the ticket, the cheap model's answers and its own instructions (nothing from the cache: the cache is
 * another model's), its answer cut at its `max_tokens`.
 */
function cascadeCalls(
  rnd: Random,
  f: FeatureProfile,
  spec: CascadeRuns,
  run: PlannedRun,
  who: RunOwner,
  served: ServedVersion,
): RunCall[] {
  const [cheapProvider, cheapModel] = f.models[0] as readonly [string, string, number];
  const [dearProvider, dearModel] = f.models[1] as readonly [string, string, number];
  const ticket = Math.min(spec.inputCap, Math.max(50, Math.round(rnd.logNormal(f.inputMedian, 0.3))));
  const out: RunCall[] = [];
  let offset = 0;
  let context = ticket;
  const cheapCalls = run.size - (run.escalated ? 1 : 0);
  for (let i = 0; i < run.size; i++) {
    const dear = i >= cheapCalls;
    const input = dear ? context + Math.round(rnd.logNormal(spec.dearInputMedian, 0.3)) : context;
    const call = runCall(rnd, f, who, served, {
      provider: dear ? dearProvider : cheapProvider,
      model: dear ? dearModel : cheapModel,
      input,
      cacheRead: 0,
      cacheWrite: 0,
      outputMedian: dear ? spec.dearOutputMedian : f.outputMedian,
      outputMax: dear ? spec.dearOutputMax : spec.outputMax,
      status: runStatus(rnd, f, i === run.size - 1),
    });
    out.push({ offset, call });
    offset += (call.latencyMs ?? 0) + rnd.int(200, 1_500);
    // A follow-up adds the cheap model's answer and the user's question.
    context += call.outputTokens + (dear ? 0 : Math.round(rnd.logNormal(80, 0.5)));
  }
  return out;
}

/** The mistakes real clients make: each line breaks one rule of the contract. */
function makeMalformed(rnd: Random, ts: number, eventId: string): string {
  const base = {
    v: 1,
    event_id: eventId,
    ts: new Date(ts).toISOString(),
    feature: 'draft-email',
    cohort: 'pro',
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    input_tokens: 100,
    output_tokens: 20,
    status: 'ok',
  };
  switch (rnd.int(0, 5)) {
    case 0:
      return JSON.stringify({ ...base, feature: 'Draft Email!' });
    case 1:
      return JSON.stringify({ ...base, input_tokens: -5 });
    case 2:
      return JSON.stringify({ ...base, model: undefined });
    case 3:
      return JSON.stringify({ ...base, cache_read_tokens: 500 });
    case 4:
      return JSON.stringify({ ...base, ts: '2099-01-01T00:00:00Z' });
    default:
      return JSON.stringify(base).slice(0, 60);
  }
}

function nextMonth(start: number): number {
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
