import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { marginReport } from '../../src/reports/margin-report.ts';
import { parseMonth } from '../../src/reports/month.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: LakeFixture;
beforeEach(async () => {
  tmp = await tempDir();
  lake = new LakeFixture(tmp.dir);
});
afterEach(async () => {
  await tmp.remove();
});

/** Requests of model-a on 2026-11-02 with these input tokens (no cache, no output). */
const inputRequests = (...tokens: number[]) =>
  tokens.map((t) =>
    wireEvent({
      model: 'model-a',
      input_tokens: t,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      output_tokens: 0,
    }),
  );

async function bucket(model = 'model-a', usage = 'input') {
  const engine = await openReportEngine(tmp.dir);
  try {
    const rows = await engine.run('SELECT * FROM bucket_reconciliation WHERE model = ? AND usage_type = ?', [
      model,
      usage,
    ]);
    expect(rows).toHaveLength(1);
    return rows[0] as Record<string, number>;
  } finally {
    engine.close();
  }
}

async function requestCosts(sql: string) {
  const engine = await openReportEngine(tmp.dir);
  try {
    return await engine.run(sql);
  } finally {
    engine.close();
  }
}

describe('allocation (docs/contracts.md §6), hand-computed', () => {
  it('invoice above telemetry: unit cost from the invoice quantity, the rest unallocated', async () => {
    await lake.events(inputRequests(600_000, 400_000));
    await lake.costs([{ billed_cost: 10, consumed_quantity: 2_000_000 }]);

    const b = await bucket();

    expect(b.telemetry_quantity).toBe(1_000_000);
    expect(b.unit_cost).toBeCloseTo(5e-6, 15);
    expect(b.allocated).toBeCloseTo(5, 9);
    expect(b.unallocated).toBeCloseTo(5, 9);
    const perRequest = await requestCosts(
      "SELECT tokens, allocated_cost FROM request_cost WHERE usage_type = 'input' ORDER BY tokens",
    );
    expect(perRequest.map((r) => r.allocated_cost)).toEqual([expect.closeTo(2, 9), expect.closeTo(3, 9)]);
  });

  it('invoice below telemetry: the billed cost is spread over all the tokens, nothing unallocated', async () => {
    await lake.events(inputRequests(600_000, 400_000));
    await lake.costs([{ billed_cost: 10, consumed_quantity: 500_000 }]);

    const b = await bucket();

    expect(b.unit_cost).toBeCloseTo(1e-5, 15);
    expect(b.allocated).toBeCloseTo(10, 9);
    expect(b.unallocated).toBeCloseTo(0, 9);
  });

  it('no quantity on the invoice: the quantity is billed ÷ list price at the period start', async () => {
    await lake.events(inputRequests(1_000_000));
    await lake.prices([{ usd_per_million_tokens: 2.5 }]);
    await lake.costs([{ billed_cost: 10, consumed_quantity: null }]);

    const b = await bucket();

    expect(b.quantity).toBeCloseTo(4_000_000, 3);
    expect(b.unit_cost).toBeCloseTo(2.5e-6, 15);
    expect(b.allocated).toBeCloseTo(2.5, 9);
    expect(b.unallocated).toBeCloseTo(7.5, 9);
  });

  it('no quantity and no price: the billed cost is spread over the telemetry', async () => {
    await lake.events(inputRequests(250_000, 750_000));
    await lake.costs([{ billed_cost: 10, consumed_quantity: null, model: 'model-unpriced' }]);
    await lake.events(inputRequests(250_000, 750_000).map((e) => ({ ...e, model: 'model-unpriced' })));

    const b = await bucket('model-unpriced');

    expect(b.quantity).toBeNull();
    expect(b.telemetry_quantity).toBe(1_000_000);
    expect(b.allocated).toBeCloseTo(10, 9);
    expect(b.unallocated).toBeCloseTo(0, 9);
  });

  it('lines of the same bucket (e.g. per project) are summed first', async () => {
    await lake.events(inputRequests(1_000_000));
    await lake.costs([
      { billed_cost: 4, consumed_quantity: 400_000, billing_account_id: 'proj_1' },
      { billed_cost: 6, consumed_quantity: 600_000, billing_account_id: 'proj_2' },
    ]);

    const b = await bucket();

    expect(b).toMatchObject({ invoice_lines: 2, billed: 10, invoice_quantity: 1_000_000 });
    expect(b.allocated).toBeCloseTo(10, 9);
  });

  it('tokens without an invoice line are estimated at the price book, or counted as unpriced', async () => {
    await lake.prices([{ model: 'model-b', usage_type: 'output', usd_per_million_tokens: 0.6 }]);
    await lake.events([
      wireEvent({ model: 'model-b', input_tokens: 0, output_tokens: 2_000_000, cache_read_tokens: 0 }),
      wireEvent({ model: 'model-nowhere', input_tokens: 500, output_tokens: 10, cache_read_tokens: 0 }),
    ]);

    const rows = await requestCosts(
      'SELECT model, sum(allocated_cost) AS allocated, sum(estimated_cost) AS estimated, bool_or(unpriced) AS unpriced FROM request_cost GROUP BY model ORDER BY model',
    );

    expect(rows).toEqual([
      { model: 'model-b', allocated: 0, estimated: expect.closeTo(1.2, 9), unpriced: false },
      { model: 'model-nowhere', allocated: 0, estimated: 0, unpriced: true },
    ]);
  });

  it('a later export of the same line replaces it; the same file twice counts once', async () => {
    await lake.events(inputRequests(1_000_000));
    await lake.costs([{ billed_cost: 3 }], Date.parse('2026-11-03T00:00:00Z'));
    await lake.costs([{ billed_cost: 10 }], Date.parse('2026-11-04T00:00:00Z'));
    await lake.costs([{ billed_cost: 10 }], Date.parse('2026-11-04T00:00:00Z'));

    expect((await bucket()).billed).toBe(10);
  });
});

describe('the margin report (docs/contracts.md §7)', () => {
  it('splits revenue by request share, keeps revenue without requests, and totals reconcile', async () => {
    // cus_a: 3 requests of draft-email and 1 of summarize; cus_b: revenue, no requests.
    const ev = (feature: string, customer: string) =>
      wireEvent({
        feature,
        customer_id: customer,
        model: 'model-a',
        input_tokens: 1000,
        cache_read_tokens: 0,
        output_tokens: 0,
      });
    await lake.events([
      ev('draft-email', 'cus_a'),
      ev('draft-email', 'cus_a'),
      ev('draft-email', 'cus_a'),
      ev('summarize', 'cus_a'),
    ]);
    await lake.revenue([
      { customer_id: 'cus_a', cohort: 'pro', amount: 100 },
      { customer_id: 'cus_b', cohort: 'enterprise', amount: 50 },
    ]);
    await lake.costs([
      { billed_cost: 8, consumed_quantity: 4000 },
      { usage_type: 'other', model: null, billed_cost: 2, sku: 'web search' },
    ]);
    const engine = await openReportEngine(tmp.dir);

    const report = await marginReport(new LocalQueryRunner(engine), parseMonth('2026-11') as never);
    engine.close();

    const byKey = Object.fromEntries(report.rows.map((r) => [`${r.cohort}/${r.feature}`, r]));
    expect(Object.keys(byKey).sort()).toEqual(['enterprise/(no usage)', 'pro/draft-email', 'pro/summarize']);
    expect(byKey['pro/draft-email']).toMatchObject({ requests: 3, revenue: 75, cost: 6, margin: 69 });
    expect(byKey['pro/summarize']).toMatchObject({ requests: 1, revenue: 25, cost: 2 });
    expect(byKey['enterprise/(no usage)']).toMatchObject({
      requests: 0,
      revenue: 50,
      cost: 0,
      cost_per_request: null,
    });
    expect(byKey['pro/draft-email']?.margin_pct).toBeCloseTo(0.92, 9);
    expect(report.totals).toEqual({
      billed: 10,
      allocated: 8,
      unallocated: 2,
      estimated: 0,
      coverage: 0.8,
      revenue: 150,
      cost: 8,
      margin: 142,
      margin_after_all_spend: 140, // 150 − 10 billed − 0 estimated: the unallocated 2 charged too
    });
  });
});

describe('reconciliation on generated data', () => {
  it('every bucket has allocated + unallocated = billed, and its requests carry exactly its allocated cost', async () => {
    // Prepare: a few hundred requests over 3 days and 3 models, and invoice lines per day, model and usage
    // type: some with quantities above telemetry, some below, some without (priced or not).
    const { Random } = await import('../../src/demo/random.ts');
    const rnd = new Random(7);
    const models = ['model-a', 'model-b', 'model-c'];
    const days = ['2026-11-02', '2026-11-03', '2026-11-04'];
    const events = Array.from({ length: 300 }, () => {
      const input = rnd.int(100, 50_000);
      const cacheRead = rnd.chance(0.4) ? rnd.int(0, input) : 0;
      return wireEvent({
        model: rnd.pick(models),
        ts: `${rnd.pick(days)}T${String(rnd.int(0, 23)).padStart(2, '0')}:${String(rnd.int(10, 59))}:00Z`,
        input_tokens: input,
        cache_read_tokens: cacheRead,
        cache_write_tokens: 0,
        output_tokens: rnd.int(0, 5000),
      });
    });
    for (let i = 0; i < events.length; i += 100) await lake.events(events.slice(i, i + 100));
    await lake.prices([{ model: 'model-a', usage_type: 'output', usd_per_million_tokens: 8 }]);
    const lines = [];
    for (const day of days) {
      for (const model of models) {
        for (const usage of ['input', 'cache_read', 'output'] as const) {
          const start = Date.parse(`${day}T00:00:00Z`);
          lines.push({
            model,
            usage_type: usage,
            charge_period_start: start,
            charge_period_end: start + 86_400_000,
            billed_cost: Math.round(rnd.next() * 100_000) / 100,
            consumed_quantity: rnd.chance(0.6) ? rnd.int(1, 2_000_000) : null,
            sku: `${model}, ${usage}`,
          });
        }
      }
    }
    await lake.costs(lines);

    // Act
    const engine = await openReportEngine(tmp.dir);
    const buckets = await engine.run('SELECT * FROM bucket_reconciliation');
    const perBucket = await engine.run(`
      SELECT r.model, r.usage_type, r.charge_period_start, sum(c.allocated_cost) AS allocated
      FROM request_cost c JOIN bucket_reconciliation r
        ON r.model = c.model AND r.usage_type = c.usage_type AND c.ts >= r.charge_period_start AND c.ts < r.charge_period_end
      GROUP BY 1, 2, 3`);
    engine.close();

    // Assess
    expect(buckets).toHaveLength(lines.length);
    for (const b of buckets as { allocated: number; unallocated: number; billed: number }[]) {
      expect(Math.abs(b.allocated + b.unallocated - b.billed)).toBeLessThanOrEqual(
        1e-9 * Math.max(1, b.billed),
      );
      expect(b.unallocated).toBeGreaterThanOrEqual(-1e-9);
    }
    const allocatedOf = new Map(
      buckets.map((b) => [`${b.model}/${b.usage_type}/${b.charge_period_start}`, b.allocated as number]),
    );
    for (const p of perBucket) {
      const expected = allocatedOf.get(`${p.model}/${p.usage_type}/${p.charge_period_start}`) as number;
      expect(Math.abs((p.allocated as number) - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
    }
  });
});

describe('price book and edge rules', () => {
  /** The prices of a key in force at `at` (the standard tiers unless named). */
  async function priceAt(model: string, usage: string, at: string, tier = 'standard') {
    const engine = await openReportEngine(tmp.dir);
    try {
      const rows = await engine.run(
        "SELECT usd_per_million_tokens AS price FROM price_book WHERE provider = ? AND model = ? AND usage_type = ? AND service_tier = ? AND context_tier = 'standard' AND valid_from <= CAST(? AS TIMESTAMP) AND (valid_to IS NULL OR CAST(? AS TIMESTAMP) < valid_to)",
        ['openai', model, usage, tier, at, at],
      );
      return rows.map((r) => r.price);
    } finally {
      engine.close();
    }
  }

  it('uses the shipped price book where nothing was imported', async () => {
    expect(await priceAt('gpt-4o-2024-08-06', 'input', '2026-11-02')).toEqual([2.5]);
    expect(await priceAt('gpt-4o-2024-08-06', 'input', '2026-11-02', 'batch')).toEqual([1.25]);
  });

  it('lets an imported price replace the shipped one for its key, even when dated before it', async () => {
    await lake.prices([
      {
        model: 'gpt-4o-2024-08-06',
        usage_type: 'cache_read',
        usd_per_million_tokens: 2,
        effective_from: Date.parse('2024-01-01T00:00:00Z'),
      },
    ]);
    expect(await priceAt('gpt-4o-2024-08-06', 'cache_read', '2026-11-02')).toEqual([2]);
    // Other keys keep the shipped prices, the same usage type's batch tier included.
    expect(await priceAt('gpt-4o-2024-08-06', 'input', '2026-11-02')).toEqual([2.5]);
    expect(await priceAt('gpt-4o-2024-08-06', 'input', '2026-11-02', 'batch')).toEqual([1.25]);
  });

  it('ends a price where the next one of its key begins, and at its own effective_to', async () => {
    await lake.prices([
      {
        model: 'model-p',
        usd_per_million_tokens: 1,
        effective_from: Date.parse('2026-01-01T00:00:00Z'),
        effective_to: Date.parse('2026-06-01T00:00:00Z'),
      },
      { model: 'model-p', usd_per_million_tokens: 2, effective_from: Date.parse('2026-07-01T00:00:00Z') },
      { model: 'model-p', usd_per_million_tokens: 3, effective_from: Date.parse('2026-09-01T00:00:00Z') },
    ]);
    expect(await priceAt('model-p', 'input', '2026-05-31T23:59:59')).toEqual([1]);
    expect(await priceAt('model-p', 'input', '2026-06-15')).toEqual([]);
    expect(await priceAt('model-p', 'input', '2026-08-31T23:59:59')).toEqual([2]);
    expect(await priceAt('model-p', 'input', '2026-09-01')).toEqual([3]);
  });

  it('a credit bucket (negative billed) allocates nothing: its amount stays unallocated', async () => {
    await lake.events(inputRequests(1500));
    await lake.costs([{ billed_cost: -0.01, consumed_quantity: 5000 }]);

    const b = await bucket();

    expect(b.unit_cost).toBeNull();
    expect(b.allocated).toBe(0);
    expect(b.unallocated).toBeCloseTo(-0.01, 12);
  });

  it("puts a customer's revenue under the revenue row's cohort, whatever cohort its requests carried", async () => {
    const ev = (feature: string, cohort: string) =>
      wireEvent({
        feature,
        cohort,
        customer_id: 'cus_a',
        model: 'model-a',
        input_tokens: 10,
        cache_read_tokens: 0,
        output_tokens: 0,
      });
    await lake.events([ev('search', 'free'), ev('search', 'free'), ev('chat', 'pro')]);
    await lake.revenue([{ customer_id: 'cus_a', cohort: 'enterprise', amount: 90 }]);
    const engine = await openReportEngine(tmp.dir);

    const report = await marginReport(new LocalQueryRunner(engine), parseMonth('2026-11') as never);
    engine.close();

    const byKey = Object.fromEntries(report.rows.map((r) => [`${r.cohort}/${r.feature}`, r]));
    expect(byKey['enterprise/search']).toMatchObject({ requests: 0, revenue: 60 });
    expect(byKey['enterprise/chat']).toMatchObject({ requests: 0, revenue: 30 });
    expect(byKey['free/search']).toMatchObject({ requests: 2, revenue: 0, margin_pct: null });
    expect(byKey['pro/chat']).toMatchObject({ requests: 1, revenue: 0 });
  });
});
