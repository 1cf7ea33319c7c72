import type { RecordInput } from '@tokenledger/client';
import { wireEncoder } from '@tokenledger/client';
import { uuidv7 } from '@tokenledger/client/contract';
import { COHORTS, covers, FEATURES, type FeatureProfile } from './catalogue.ts';
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

/** A realistic month of LLM request events for the demo and the benchmarks, the same for the same seed. */
export function generateTraffic(options: TrafficOptions): Traffic {
  const rnd = new Random(options.seed ?? 42);
  const customers = makeCustomers(rnd);
  const byCohort = new Map<string, Customer[]>();
  for (const c of customers) byCohort.set(c.cohort, [...(byCohort.get(c.cohort) ?? []), c]);
  const start = Date.parse(`${options.month}-01T00:00:00Z`);
  if (Number.isNaN(start)) throw new Error(`month: ${JSON.stringify(options.month)} is not YYYY-MM`);
  const end = nextMonth(start);
  const times = spreadOverMonth(rnd, start, end, options.requests);
  const serve = promptServing(options.month);
  const random = (b: Uint8Array) => rnd.fill(b);

  const items: TrafficItem[] = [];
  const retries: { at: number; item: TrafficItem }[] = [];
  let duplicates = 0;
  let malformed = 0;
  const dupShare = options.duplicateShare ?? 0.01;
  const badShare = options.malformedShare ?? 0.002;
  for (let i = 0; i < times.length; i++) {
    const ts = times[i] as number;
    const cohort = rnd.weighted(COHORTS.map((c) => [c.name, c.weight] as const));
    const customer = rnd.pick(byCohort.get(cohort) ?? customers);
    const feature = rnd.weighted(FEATURES.map((f) => [f, f.weight] as const));
    const item: TrafficItem = {
      kind: 'call',
      input: makeCall(rnd, feature, customer, ts, uuidv7(ts, random), serve),
    };
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
  return { items, requests: times.length, duplicates, malformed };
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
