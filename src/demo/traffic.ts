import { userHash } from '../core/event/user-hash.ts';
import { uuidv7 } from '../core/event/uuidv7.ts';
import { COHORTS, FEATURES, type FeatureProfile } from './catalogue.ts';
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

export interface Traffic {
  /** JSONL lines in send order: valid events, their retried duplicates and malformed lines. */
  lines: string[];
  requests: number;
  duplicates: number;
  malformed: number;
}

interface Customer {
  id: string;
  cohort: string;
  userHashes: string[];
}

const DEMO_HMAC_KEY = 'tokenledger-demo-key';

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
  const random = (b: Uint8Array) => rnd.fill(b);

  const lines: string[] = [];
  const retries: { at: number; line: string }[] = [];
  let duplicates = 0;
  let malformed = 0;
  const dupShare = options.duplicateShare ?? 0.01;
  const badShare = options.malformedShare ?? 0.002;
  for (let i = 0; i < times.length; i++) {
    const ts = times[i] as number;
    const cohort = rnd.weighted(COHORTS.map((c) => [c.name, c.weight] as const));
    const customer = rnd.pick(byCohort.get(cohort) ?? customers);
    const feature = rnd.weighted(FEATURES.map((f) => [f, f.weight] as const));
    const line = JSON.stringify(makeEvent(rnd, feature, customer, ts, uuidv7(ts, random)));
    lines.push(line);
    if (rnd.chance(dupShare)) {
      duplicates++;
      // Most retries follow at once; some come much later, in another batch.
      retries.push({ at: i + (rnd.chance(0.7) ? rnd.int(1, 20) : rnd.int(500, 20_000)), line });
    }
    if (rnd.chance(badShare)) {
      malformed++;
      lines.push(makeMalformed(rnd, ts, uuidv7(ts, random)));
    }
    while (retries.length > 0 && (retries[0]?.at ?? Infinity) <= i)
      lines.push((retries.shift() as { line: string }).line);
    retries.sort((a, b) => a.at - b.at);
  }
  for (const r of retries) lines.push(r.line);
  return { lines, requests: times.length, duplicates, malformed };
}

function makeCustomers(rnd: Random): Customer[] {
  const out: Customer[] = [];
  for (const cohort of COHORTS) {
    for (let i = 0; i < cohort.customers; i++) {
      const id = `cus_${cohort.name.slice(0, 3)}_${String(i).padStart(4, '0')}`;
      const users = rnd.int(cohort.usersPerCustomer[0], cohort.usersPerCustomer[1]);
      const userHashes = Array.from({ length: users }, (_, u) => userHash(DEMO_HMAC_KEY, `${id}/user-${u}`));
      out.push({ id, cohort: cohort.name, userHashes });
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

function makeEvent(
  rnd: Random,
  f: FeatureProfile,
  c: Customer,
  ts: number,
  eventId: string,
): Record<string, unknown> {
  const [provider, model] = rnd.weighted(f.models.map(([p, m, w]) => [[p, m] as const, w] as const));
  const input = Math.max(20, Math.round(rnd.logNormal(f.inputMedian, 0.6)));
  const cacheRead = rnd.chance(f.cacheReadShare) ? Math.round(input * (0.5 + rnd.next() * 0.4)) : 0;
  const cacheWrite = cacheRead === 0 && rnd.chance(f.cacheWriteChance) ? Math.round(input * 0.6) : 0;
  const status = rnd.chance(f.cancelRate) ? 'cancelled' : rnd.chance(f.errorRate) ? 'error' : 'ok';
  const output = status === 'error' ? 0 : Math.max(1, Math.round(rnd.logNormal(f.outputMedian, 0.5)));
  const reasoning = Math.round(output * f.reasoningShare * rnd.next());
  const event: Record<string, unknown> = {
    v: 1,
    event_id: eventId,
    ts: new Date(ts).toISOString(),
    feature: f.name,
    cohort: c.cohort,
    customer_id: c.id,
    user_hash: rnd.pick(c.userHashes),
    provider,
    model,
    prompt_id: f.promptId,
    prompt_version: f.versions[Math.min(f.versions.length - 1, Math.floor(rnd.next() * f.versions.length))],
    input_tokens: input,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    output_tokens: output,
    reasoning_tokens: reasoning,
    status,
    latency_ms: Math.round(rnd.logNormal(300 + output * 12, 0.3)),
    ttft_ms: Math.round(rnd.logNormal(350, 0.4)),
  };
  if (status === 'cancelled') {
    event.delivered_output_tokens = Math.floor(output * f.deliveredAfterCancel * rnd.next());
  }
  return event;
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
