import { describe, expect, it } from 'vitest';
import { parseRevenue } from '../../src/core/revenue/revenue.ts';
import { NOISY_CUSTOMER } from '../../src/demo/catalogue.ts';
import { demoCalls, ListPrices } from '../../src/demo/invoices.ts';
import { demoRevenue } from '../../src/demo/revenue.ts';
import { generateTraffic } from '../../src/demo/traffic.ts';

const MONTH = '2025-09';
const traffic = generateTraffic({ month: MONTH, requests: 4000, seed: 7 });

/** Each customer's cohort and list-price cost in the traffic. */
function customersOfTraffic(): Map<string, { cohort: string; cost: number }> {
  const prices = new ListPrices();
  const out = new Map<string, { cohort: string; cost: number }>();
  for (const call of demoCalls(traffic)) {
    const c = out.get(call.customerId as string) ?? { cohort: call.cohort, cost: 0 };
    c.cost += prices.callCost(call);
    out.set(call.customerId as string, c);
  }
  return out;
}

describe('demo revenue', () => {
  it('is a revenue CSV that `ingest revenue` accepts, one row per customer of the month', () => {
    // Act
    const revenue = demoRevenue(traffic, { month: MONTH, seed: 7 });
    const rows = parseRevenue(revenue.text, revenue.fileName, 0);

    // Assess
    expect(revenue.text.split('\n')[0]).toBe('month,customer_id,cohort,amount,currency');
    expect(new Set(rows.map((r) => r.month))).toEqual(new Set([MONTH]));
    expect(new Set(rows.map((r) => r.currency))).toEqual(new Set(['USD']));
    expect(new Set(rows.map((r) => r.customer_id)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.cohort))).toEqual(new Set(['enterprise', 'pro', 'free']));
    const customers = customersOfTraffic();
    for (const id of customers.keys()) expect(rows.some((r) => r.customer_id === id)).toBe(true);
  });

  it('has customers with revenue and no request in the traffic', () => {
    // Act
    const revenue = demoRevenue(traffic, { month: MONTH, seed: 7 });
    const rows = parseRevenue(revenue.text, revenue.fileName, 0);

    // Assess
    const customers = customersOfTraffic();
    const absent = rows.filter((r) => !customers.has(r.customer_id));
    expect(absent.map((r) => r.customer_id).sort()).toEqual([...revenue.withoutUsage].sort());
    expect(absent.length).toBeGreaterThanOrEqual(2);
    expect(absent.length).toBeLessThanOrEqual(3);
    for (const r of absent) expect(r.amount).toBeGreaterThan(0);
    expect(new Set(absent.map((r) => r.cohort))).toEqual(new Set(['enterprise', 'pro']));
  });

  it('enterprise pays well, pro moderately, free nothing but a few tiny amounts below their cost', () => {
    // Act
    const rows = parseRevenue(demoRevenue(traffic, { month: MONTH, seed: 7 }).text, 'revenue.csv', 0);

    // Assess
    const customers = customersOfTraffic();
    const cost = (cohort: string) =>
      [...customers.values()].filter((c) => c.cohort === cohort).reduce((s, c) => s + c.cost, 0);
    const paid = (cohort: string) =>
      rows
        .filter((r) => r.cohort === cohort && customers.has(r.customer_id))
        .reduce((s, r) => s + r.amount, 0);
    expect(paid('enterprise') / cost('enterprise')).toBeGreaterThan(5);
    expect(paid('pro') / cost('pro')).toBeGreaterThan(3);
    expect(paid('pro') / cost('pro')).toBeLessThan(paid('enterprise') / cost('enterprise'));
    const free = rows.filter((r) => r.cohort === 'free');
    const paying = free.filter((r) => r.amount > 0);
    expect(paying.length).toBeGreaterThanOrEqual(3);
    expect(paying.length).toBeLessThan(free.length / 4);
    for (const r of paying) {
      expect(r.amount).toBeLessThan(customers.get(r.customer_id)?.cost ?? 0);
    }
    expect(paid('free')).toBeLessThan(cost('free') / 10);
  });

  it('the noisy customer pays a pro plan priced on its usual usage: less than its month cost', () => {
    // Act
    const rows = parseRevenue(demoRevenue(traffic, { month: MONTH, seed: 7 }).text, 'revenue.csv', 0);

    // Assess
    const cost = customersOfTraffic().get(NOISY_CUSTOMER.customerId)?.cost ?? 0;
    const row = rows.find((r) => r.customer_id === NOISY_CUSTOMER.customerId);
    expect(cost).toBeGreaterThan(0);
    expect(row?.cohort).toBe('pro');
    // Its usual month, 3.5–4.5 ×, against a month about 4.9 × its usual one: a margin of about −30 % to −8 %.
    expect(row?.amount).toBeGreaterThan(0.6 * cost);
    expect(row?.amount).toBeLessThan(0.95 * cost);
  });

  it('is the same for the same seed', () => {
    // Act
    const a = demoRevenue(traffic, { month: MONTH, seed: 7 });
    const b = demoRevenue(traffic, { month: MONTH, seed: 7 });

    // Assess
    expect(b.text).toBe(a.text);
  });
});
