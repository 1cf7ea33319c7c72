/**
 * The demo month's revenue CSV (docs/contracts.md §5: `month,customer_id,cohort,amount,currency`), as a billing system
 * would export it for the customers of the traffic:
 *
 * - enterprise customers pay well: about 5–8 × what their requests cost at list price;
 * - pro customers pay moderately: about 3.5–4.5 × their cost (every feature still earns its keep);
 * - free customers pay 0 (a row with 0.00), except a few (about one in twelve, at least three) who bought a
 *   small add-on worth 10–40 % of their cost — so the free cohort shows a margin that is negative, and
 *   also a negative margin %;
 * - three customers (one enterprise, two pro) pay but sent no request this month: a customer id that is
 *   not in the traffic, which the margin report puts under the feature `(no usage)`;
 * - the noisy customer (catalogue.ts `NOISY_CUSTOMER`) is on a flat pro plan priced like the other pro customers'
 *   (3.5–4.5 ×) on its usual usage — what its month would have cost without the jump — so, its requests about
 *   tenfold from the jump day on, it ends the month at a negative margin.
 *
 * The amounts are scaled to the generated usage, so the picture is the same for any number of events.
 * The same traffic and seed give the same file.
 */
import { NOISY_CUSTOMER } from './catalogue.ts';
import { type DemoCall, demoCalls, ListPrices } from './invoices.ts';
import { Random } from './random.ts';
import type { Traffic } from './traffic.ts';

export interface DemoRevenueOptions {
  /** `YYYY-MM`, the traffic's month. */
  month: string;
  seed?: number;
}

export interface DemoRevenue {
  fileName: string;
  text: string;
  /** Customer ids with revenue and no request in the traffic. */
  withoutUsage: string[];
}

/** Revenue ÷ list-price cost, per cohort: [min, max]. */
const MARKUP: Readonly<Record<string, readonly [number, number]>> = {
  enterprise: [5, 8],
  pro: [3.5, 4.5],
  free: [0, 0],
};

export function demoRevenue(traffic: Traffic, options: DemoRevenueOptions): DemoRevenue {
  const rnd = new Random((options.seed ?? 42) * 31 + 11);
  const prices = new ListPrices();
  const customers = new Map<string, { cohort: string; cost: number }>();
  for (const call of demoCalls(traffic)) addCall(customers, call, prices);

  const ids = [...customers.keys()].sort();
  const rows: { id: string; cohort: string; amount: number }[] = [];
  let freeSeen = 0;
  let freePaying = 0;
  const freeTotal = ids.filter((id) => customers.get(id)?.cohort === 'free').length;
  for (const id of ids) {
    const { cohort, cost } = customers.get(id) as { cohort: string; cost: number };
    let amount: number;
    if (cohort === 'free') {
      freeSeen++;
      // One in twelve, and at least three: those left when the count would fall short.
      const needed = Math.min(3, freeTotal) - freePaying;
      const pays = rnd.chance(1 / 12) || freeTotal - freeSeen < needed;
      amount = pays ? cost * (0.1 + rnd.next() * 0.3) : 0;
      if (pays) freePaying++;
    } else {
      const [min, max] = MARKUP[cohort] ?? [2, 3];
      amount =
        (id === NOISY_CUSTOMER.customerId ? cost / noisyGrowth(options.month) : cost) *
        (min + rnd.next() * (max - min));
    }
    rows.push({ id, cohort, amount });
  }

  // Customers who pay but sent nothing this month: each the average of its cohort.
  const withoutUsage: string[] = [];
  for (const cohort of ['enterprise', 'pro', 'pro']) {
    const paying = rows.filter((r) => r.cohort === cohort);
    const average = paying.reduce((s, r) => s + r.amount, 0) / Math.max(1, paying.length);
    const id = unusedId(cohort, customers, withoutUsage);
    withoutUsage.push(id);
    rows.push({ id, cohort, amount: average > 0 ? average : 10 });
  }

  const lines = rows.map(
    (r) => `${options.month},${r.id},${r.cohort},${(Math.round(r.amount * 100) / 100).toFixed(2)},USD`,
  );
  return {
    fileName: `revenue-${options.month}.csv`,
    text: `month,customer_id,cohort,amount,currency\n${lines.join('\n')}\n`,
    withoutUsage,
  };
}

/**
 * How many times its usual month the noisy customer's month is: the days before the jump at its usual volume, the
 * others at `factor` times it.
 */
function noisyGrowth(month: string): number {
  const start = new Date(`${month}-01T00:00:00Z`);
  const days = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate();
  const before = NOISY_CUSTOMER.jumpDay - 1;
  return (before + NOISY_CUSTOMER.factor * (days - before)) / days;
}

function addCall(
  customers: Map<string, { cohort: string; cost: number }>,
  call: DemoCall,
  prices: ListPrices,
): void {
  if (call.customerId === null) return;
  const customer = customers.get(call.customerId);
  const cost = prices.callCost(call);
  if (customer) customer.cost += cost;
  else customers.set(call.customerId, { cohort: call.cohort, cost });
}

/** A new customer id of the cohort's shape (`cus_ent_0015`) that the traffic does not have. */
function unusedId(cohort: string, customers: ReadonlyMap<string, unknown>, taken: readonly string[]): string {
  for (let n = 9000; ; n++) {
    const id = `cus_${cohort.slice(0, 3)}_${String(n).padStart(4, '0')}`;
    if (!customers.has(id) && !taken.includes(id)) return id;
  }
}
