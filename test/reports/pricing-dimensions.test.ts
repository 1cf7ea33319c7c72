import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { COST_COLUMNS } from '../../src/core/costs/cost-columns.ts';
import { cellOf, EVENT_COLUMNS } from '../../src/core/lake/event-columns.ts';
import published from '../../src/core/lake/lake-columns.published.json' with { type: 'json' };
import { writeParquet } from '../../src/core/lake/parquet-file.ts';
import type { TableColumn } from '../../src/core/lake/table-column.ts';
import { PRICE_COLUMNS } from '../../src/core/prices/price-book.ts';
import { importRows } from '../../src/jobs/import-table.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture, NOV_2 } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Allocation by pricing key (docs/contracts.md §2 "Pricing key", §5, §6): service tier, context tier, 1-hour cache
// writes and per-call tool charges, each against numbers worked out by hand.

let tmp: { dir: string; remove: () => Promise<void> };
let lake: LakeFixture;
beforeEach(async () => {
  tmp = await tempDir();
  lake = new LakeFixture(tmp.dir);
});
afterEach(async () => {
  await tmp.remove();
});

async function rows(sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const engine = await openReportEngine(tmp.dir);
  try {
    return await engine.run(sql, params);
  } finally {
    engine.close();
  }
}

/** A request of model-a on 2026-11-02 with only the tokens given (the rest 0). */
const request = (over: Record<string, unknown>) =>
  wireEvent({
    model: 'model-a',
    input_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 0,
    ...over,
  });

const BUCKETS = `SELECT model, usage_type, service_tier, context_tier, billed, telemetry_quantity, unit_cost, allocated,
  unallocated FROM bucket_reconciliation ORDER BY usage_type, service_tier, context_tier, model`;

describe('service tiers', () => {
  it('a batch bucket and a standard bucket of one model and period each carry their own unit cost', async () => {
    await lake.events([
      request({ event_id: 'std_req_1', input_tokens: 600_000 }),
      request({ event_id: 'std_req_2', input_tokens: 400_000 }),
      request({ event_id: 'batch_req_1', input_tokens: 1_000_000, service_tier: 'batch' }),
    ]);
    await lake.costs([
      { sku: 'model-a, input', billed_cost: 10, consumed_quantity: 1_000_000 },
      { sku: 'model-a, batch input', service_tier: 'batch', billed_cost: 5, consumed_quantity: 1_000_000 },
    ]);

    const buckets = await rows(BUCKETS);
    expect(buckets).toEqual([
      expect.objectContaining({ service_tier: 'batch', billed: 5, telemetry_quantity: 1_000_000 }),
      expect.objectContaining({ service_tier: 'standard', billed: 10, telemetry_quantity: 1_000_000 }),
    ]);
    expect(buckets[0]?.unit_cost).toBeCloseTo(5e-6, 15);
    expect(buckets[1]?.unit_cost).toBeCloseTo(1e-5, 15);
    for (const b of buckets) expect(b.unallocated).toBeCloseTo(0, 9);

    const costs = await rows(
      "SELECT event_id, allocated_cost FROM request_cost WHERE usage_type = 'input' ORDER BY event_id",
    );
    expect(costs.map((c) => [c.event_id, Number((c.allocated_cost as number).toFixed(9))])).toEqual([
      ['batch_req_1', 5],
      ['std_req_1', 6],
      ['std_req_2', 4],
    ]);
  });

  it('a tier with no price row is priced at the standard row: estimates, and the quantity of a bucket', async () => {
    await lake.prices([{ usage_type: 'input', usd_per_million_tokens: 2 }]);
    await lake.events([request({ event_id: 'flex_req_1', input_tokens: 500_000, service_tier: 'flex' })]);

    // No invoice line: estimated at the standard price, 500,000 × $2/M = $1.
    const [estimate] = await rows(
      "SELECT estimated_cost, unpriced FROM request_cost WHERE event_id = 'flex_req_1' AND usage_type = 'input'",
    );
    expect(estimate?.estimated_cost).toBeCloseTo(1, 12);
    expect(estimate?.unpriced).toBe(false);

    // A flex line without a quantity: Q = $4 ÷ $2/M = 2,000,000 (standard fallback) > T, so c = $2/M.
    await lake.costs([{ service_tier: 'flex', billed_cost: 4, consumed_quantity: null }]);
    const [bucket] = await rows(BUCKETS);
    expect(bucket).toMatchObject({ service_tier: 'flex', telemetry_quantity: 500_000 });
    expect(bucket?.unit_cost).toBeCloseTo(2e-6, 15);
    expect(bucket?.allocated).toBeCloseTo(1, 9);
    expect(bucket?.unallocated).toBeCloseTo(3, 9);
  });

  it('a tier with its own price row is estimated at that price, not the standard one', async () => {
    await lake.prices([
      { usage_type: 'input', usd_per_million_tokens: 2 },
      { usage_type: 'input', service_tier: 'batch', usd_per_million_tokens: 1 },
    ]);
    await lake.events([request({ event_id: 'batch_req_1', input_tokens: 500_000, service_tier: 'batch' })]);
    const [estimate] = await rows("SELECT estimated_cost FROM request_cost WHERE usage_type = 'input'");
    expect(estimate?.estimated_cost).toBeCloseTo(0.5, 12);
  });
});

describe('context tiers', () => {
  const LONG_PRICES = [
    { usage_type: 'input' as const, usd_per_million_tokens: 3 },
    { usage_type: 'output' as const, usd_per_million_tokens: 15 },
    {
      usage_type: 'input' as const,
      context_tier: 'long' as const,
      long_context_above: 200_000,
      usd_per_million_tokens: 6,
    },
    {
      usage_type: 'output' as const,
      context_tier: 'long' as const,
      long_context_above: 200_000,
      usd_per_million_tokens: 22.5,
    },
  ];

  it('a request just above the threshold is long for every usage type; one exactly at it is standard', async () => {
    await lake.prices(LONG_PRICES);
    await lake.events([
      request({ event_id: 'at_threshold', input_tokens: 200_000, output_tokens: 1000 }),
      request({ event_id: 'above_threshold', input_tokens: 200_001, output_tokens: 1000 }),
    ]);

    const tiers = await rows(
      "SELECT event_id, usage_type, context_tier, estimated_cost FROM request_cost WHERE usage_type IN ('input', 'output') ORDER BY event_id, usage_type",
    );
    expect(tiers.map((t) => [t.event_id, t.usage_type, t.context_tier])).toEqual([
      ['above_threshold', 'input', 'long'],
      ['above_threshold', 'output', 'long'],
      ['at_threshold', 'input', 'standard'],
      ['at_threshold', 'output', 'standard'],
    ]);
    // Estimated at the long prices: 200,001 × $6/M and 1,000 × $22.50/M; at the threshold, $3/M and $15/M.
    expect(tiers.map((t) => Number((t.estimated_cost as number).toFixed(9)))).toEqual([
      1.200006, 0.0225, 0.6, 0.015,
    ]);
  });

  it('long and standard invoice buckets allocate to their own requests only', async () => {
    await lake.prices(LONG_PRICES);
    await lake.events([
      request({ event_id: 'short_req_1', input_tokens: 100_000 }),
      request({ event_id: 'short_req_2', input_tokens: 100_000 }),
      request({ event_id: 'long_req_1', input_tokens: 300_000 }),
    ]);
    await lake.costs([
      { sku: 'input 0-200k', billed_cost: 0.6, consumed_quantity: 200_000 },
      { sku: 'input 200k-1M', context_tier: 'long', billed_cost: 1.8, consumed_quantity: 300_000 },
    ]);

    const buckets = await rows(BUCKETS);
    expect(buckets.map((b) => [b.context_tier, b.billed, b.telemetry_quantity])).toEqual([
      ['long', 1.8, 300_000],
      ['standard', 0.6, 200_000],
    ]);
    const costs = await rows(
      "SELECT event_id, allocated_cost FROM request_cost WHERE usage_type = 'input' ORDER BY event_id",
    );
    expect(costs.map((c) => [c.event_id, Number((c.allocated_cost as number).toFixed(9))])).toEqual([
      ['long_req_1', 1.8],
      ['short_req_1', 0.3],
      ['short_req_2', 0.3],
    ]);
  });

  it('a threshold stays in force while any long row does: a shorter-lived row of another usage type leaves no gap', async () => {
    const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
    await lake.prices([
      {
        usage_type: 'output',
        context_tier: 'long',
        long_context_above: 200_000,
        usd_per_million_tokens: 22.5,
      },
      {
        usage_type: 'input',
        context_tier: 'long',
        long_context_above: 300_000,
        usd_per_million_tokens: 6,
        effective_from: day('2026-10-01'),
        effective_to: day('2026-11-01'),
      },
    ]);
    await lake.events([
      request({ event_id: 'in_october', ts: '2026-10-15T10:00:00Z', input_tokens: 250_000 }),
      request({ event_id: 'in_november', ts: '2026-11-02T10:00:00Z', input_tokens: 250_000 }),
    ]);
    const thresholds = await rows(
      "SELECT long_context_above, valid_from, valid_to FROM long_context_thresholds WHERE model = 'model-a' ORDER BY valid_from",
    );
    // 2026-01-01 … 10-01: 200,000 alone; October: the lower of both; from November: 200,000 again, open.
    expect(thresholds.map((t) => t.long_context_above)).toEqual([200_000, 200_000, 200_000]);
    expect(thresholds[2]?.valid_to).toBeNull();
    const tiers = await rows(
      "SELECT event_id, context_tier FROM request_usage WHERE usage_type = 'input' ORDER BY event_id",
    );
    expect(tiers).toEqual([
      { event_id: 'in_november', context_tier: 'long' },
      { event_id: 'in_october', context_tier: 'long' },
    ]);
  });

  it('without a long-context row for the model, no request is long', async () => {
    await lake.events([request({ event_id: 'huge_req_1', input_tokens: 900_000 })]);
    const [row] = await rows("SELECT context_tier FROM request_usage WHERE usage_type = 'input'");
    expect(row?.context_tier).toBe('standard');
  });
});

describe('1-hour cache writes', () => {
  it('are a usage type of their own; 5-minute writes are the rest of cache_write_tokens', async () => {
    await lake.events([
      request({
        event_id: 'cache_req_1',
        input_tokens: 400_000,
        cache_write_tokens: 300_000,
        cache_write_1h_tokens: 100_000,
      }),
    ]);
    await lake.costs([
      { usage_type: 'cache_write', billed_cost: 0.75, consumed_quantity: 200_000 },
      { usage_type: 'cache_write_1h', billed_cost: 0.6, consumed_quantity: 100_000 },
      { usage_type: 'input', billed_cost: 0.3, consumed_quantity: 100_000 },
    ]);

    const usage = await rows(
      "SELECT usage_type, tokens, allocated_cost FROM request_cost WHERE event_id = 'cache_req_1' AND tokens > 0 ORDER BY usage_type",
    );
    expect(
      usage.map((u) => [u.usage_type, u.tokens, Number((u.allocated_cost as number).toFixed(9))]),
    ).toEqual([
      ['cache_write', 200_000, 0.75],
      ['cache_write_1h', 100_000, 0.6],
      ['input', 100_000, 0.3],
    ]);
    for (const b of await rows(BUCKETS)) expect(b.unallocated).toBeCloseTo(0, 9);
  });
});

describe('tool calls billed per call', () => {
  it('web-search spend is allocated to the requests that searched, across models', async () => {
    await lake.events([
      request({ event_id: 'search_a_1', model: 'model-a', tool_calls: { web_search: 3 } }),
      request({ event_id: 'search_b_1', model: 'model-b', tool_calls: { web_search: 1, code_execution: 2 } }),
      request({ event_id: 'no_search_1', model: 'model-a' }),
    ]);
    // Providers bill web search without a model; 5 calls billed, 4 in telemetry: c = $0.05 ÷ 5 = $0.01.
    await lake.costs([
      {
        usage_type: 'tool:web_search',
        model: null,
        sku: 'web search tool calls',
        billed_cost: 0.05,
        consumed_quantity: 5,
      },
    ]);

    const [bucket] = await rows(BUCKETS);
    expect(bucket).toMatchObject({ model: '*', usage_type: 'tool:web_search', telemetry_quantity: 4 });
    expect(bucket?.unit_cost).toBeCloseTo(0.01, 12);
    expect(bucket?.allocated).toBeCloseTo(0.04, 12);
    expect(bucket?.unallocated).toBeCloseTo(0.01, 12);

    const costs = await rows(
      "SELECT event_id, model, tokens, allocated_cost FROM request_cost WHERE usage_type LIKE 'tool:%' ORDER BY event_id",
    );
    // code_execution is named by neither an invoice nor the price book, so it is not costed at all.
    expect(
      costs.map((c) => [c.event_id, c.model, c.tokens, Number((c.allocated_cost as number).toFixed(9))]),
    ).toEqual([
      ['search_a_1', 'model-a', 3, 0.03],
      ['search_b_1', 'model-b', 1, 0.01],
    ]);
  });

  it('without an invoice line, tool calls are estimated at the price book (per million calls, model *)', async () => {
    await lake.prices([{ model: '*', usage_type: 'tool:web_search', usd_per_million_tokens: 10_000 }]);
    await lake.events([request({ event_id: 'search_a_1', tool_calls: { web_search: 2 } })]);
    const [cost] = await rows("SELECT estimated_cost FROM request_cost WHERE usage_type = 'tool:web_search'");
    expect(cost?.estimated_cost).toBeCloseTo(0.02, 12);
  });

  it('a tool line of another provider allocates nothing to these requests', async () => {
    await lake.events([request({ event_id: 'search_a_1', tool_calls: { web_search: 2 } })]);
    await lake.costs([
      {
        provider: 'anthropic',
        usage_type: 'tool:web_search',
        model: null,
        billed_cost: 0.02,
        consumed_quantity: null,
      },
    ]);
    const [bucket] = await rows(BUCKETS);
    expect(bucket).toMatchObject({ telemetry_quantity: 0, allocated: 0, unallocated: 0.02 });
  });
});

describe('the totals identity over every dimension at once', () => {
  it('billed = allocated + unallocated per bucket and in total; reconciliation lists tiers', async () => {
    await lake.prices([
      { usage_type: 'input', usd_per_million_tokens: 2.5 },
      { usage_type: 'input', context_tier: 'long', long_context_above: 200_000, usd_per_million_tokens: 6 },
    ]);
    await lake.events([
      request({ event_id: 'std_req_1', input_tokens: 100_000, output_tokens: 2000 }),
      request({ event_id: 'batch_req_1', input_tokens: 50_000, output_tokens: 1000, service_tier: 'batch' }),
      request({ event_id: 'long_req_1', input_tokens: 250_000 }),
      request({
        event_id: 'cache_req_1',
        input_tokens: 30_000,
        cache_write_tokens: 20_000,
        cache_write_1h_tokens: 5000,
        tool_calls: { web_search: 2 },
      }),
    ]);
    await lake.costs([
      { billed_cost: 0.5, consumed_quantity: null },
      { usage_type: 'output', billed_cost: 0.03, consumed_quantity: 2000 },
      { service_tier: 'batch', billed_cost: 0.1, consumed_quantity: 50_000 },
      { service_tier: 'batch', usage_type: 'output', billed_cost: 0.01, consumed_quantity: 1000 },
      { context_tier: 'long', billed_cost: 1.5, consumed_quantity: 250_000 },
      { usage_type: 'cache_write', billed_cost: 0.05, consumed_quantity: 15_000 },
      { usage_type: 'cache_write_1h', billed_cost: 0.02, consumed_quantity: 5000 },
      { usage_type: 'tool:web_search', model: null, billed_cost: 0.03, consumed_quantity: 3 },
      { usage_type: 'other', model: null, sku: 'tax', billed_cost: 0.2, consumed_quantity: null },
    ]);

    for (const b of await rows(BUCKETS)) {
      expect((b.allocated as number) + (b.unallocated as number)).toBeCloseTo(b.billed as number, 12);
    }
    const [total] = await rows(
      "SELECT (SELECT sum(billed_cost) FROM cost_lines) AS billed, (SELECT sum(allocated_cost) FROM request_cost) AS allocated, (SELECT sum(unallocated) FROM bucket_reconciliation) AS bucket_unallocated, (SELECT sum(billed_cost) FROM cost_lines WHERE usage_type = 'other') AS other",
    );
    const billed = total?.billed as number;
    const allocated = total?.allocated as number;
    expect(billed).toBeCloseTo(2.44, 12);
    expect(allocated + (total?.bucket_unallocated as number) + (total?.other as number)).toBeCloseTo(
      billed,
      12,
    );
    // Standard input: Q = $0.50 ÷ $2.50/M = 200,000 > T = 110,000 (std_req_1's 100,000 and cache_req_1's
    // 30,000 − 20,000 written; long_req_1 is long): $0.275 allocated. Every other bucket's quantity equals its
    // telemetry but web search's (3 billed, 2 called).
    expect(allocated).toBeCloseTo(0.275 + 0.03 + 0.1 + 0.01 + 1.5 + 0.05 + 0.02 + 0.02, 9);

    const recon = await rows(
      "SELECT service_tier, context_tier, usage_type FROM bucket_reconciliation WHERE service_tier <> 'standard' OR context_tier <> 'standard' ORDER BY 1, 2, 3",
    );
    expect(recon).toEqual([
      { service_tier: 'batch', context_tier: 'standard', usage_type: 'input' },
      { service_tier: 'batch', context_tier: 'standard', usage_type: 'output' },
      { service_tier: 'standard', context_tier: 'long', usage_type: 'input' },
    ]);
  });
});

describe('invoices imported again after the upgrade', () => {
  it('a line an older version mapped to other is replaced by its re-export, not billed twice', async () => {
    await lake.events([request({ event_id: 'batch_req_1', input_tokens: 1_000_000, service_tier: 'batch' })]);
    const line = { sku: 'model-a, batch input', billed_cost: 5, consumed_quantity: null };
    // What the older normaliser stored for OpenAI's 'batch input', then the same day exported again.
    await lake.costs([{ ...line, usage_type: 'other' }], Date.parse('2026-11-03T00:00:00Z'));
    await lake.costs(
      [{ ...line, usage_type: 'input', service_tier: 'batch' }],
      Date.parse('2026-11-04T00:00:00Z'),
    );

    const lines = await rows('SELECT usage_type, service_tier, billed_cost FROM cost_lines');
    expect(lines).toEqual([{ usage_type: 'input', service_tier: 'batch', billed_cost: 5 }]);
  });
});

describe('the period a bucket covers', () => {
  it('requests outside the charge period do not count toward its telemetry', async () => {
    await lake.events([
      request({ event_id: 'in_period_1', input_tokens: 1000, service_tier: 'batch' }),
      request({
        event_id: 'next_day_1',
        input_tokens: 1000,
        service_tier: 'batch',
        ts: '2026-11-03T01:00:00Z',
      }),
    ]);
    await lake.costs([
      { service_tier: 'batch', billed_cost: 1, consumed_quantity: 1000, charge_period_start: NOV_2 },
    ]);
    const [bucket] = await rows(BUCKETS);
    expect(bucket?.telemetry_quantity).toBe(1000);
  });
});

describe('a lake written before the pricing dimensions existed', () => {
  it('reads its events, costs and prices as standard tiers with no 1-hour writes or tool calls', async () => {
    // Files with only the columns published before (lake-columns.published.json lists them): what an
    // older tokenledger wrote. The tables' new columns read as null, so as standard / 0 / none.
    const publishedPart = (table: keyof typeof published, columns: readonly TableColumn[]) => {
      const names = new Set(published[table].map((c) => c.name));
      return columns.filter((c) => names.has(c.name));
    };
    const old = publishedPart('events', EVENT_COLUMNS);
    expect(old.length).toBeLessThan(EVENT_COLUMNS.length);
    const received = Date.parse('2026-11-02T10:00:05Z');
    const validated = validateEvent(request({ event_id: 'old_event_1', input_tokens: 1000 }), received);
    if (!validated.ok) throw new Error('the fixture event is invalid');
    const event = validated.event;
    const store = new FsLakeStore(tmp.dir);
    await store.putNew(
      'events/dt=2026-11-02/old.parquet',
      writeParquet(old, [event], { cellOf }),
      'application/vnd.apache.parquet',
    );
    const line = {
      provider: 'openai',
      billing_account_id: null,
      invoice_id: null,
      charge_period_start: NOV_2,
      charge_period_end: NOV_2 + 86_400_000,
      model: 'model-a',
      usage_type: 'input',
      consumed_quantity: null,
      billed_cost: 0.01,
      list_cost: null,
      currency: 'USD',
      sku: 'model-a, input',
      source_format: 'openai-costs',
      source_file: 'old.json',
      ingested_at: NOV_2,
    };
    await importRows(store, 'costs/openai-costs', 'old', publishedPart('costs', COST_COLUMNS), [line]);
    const price = {
      provider: 'openai',
      model: 'model-a',
      usage_type: 'input',
      usd_per_million_tokens: 5,
      effective_from: Date.parse('2026-01-01T00:00:00Z'),
      effective_to: null,
      source: 'old.csv',
      ingested_at: NOV_2,
    };
    await importRows(store, 'prices', 'old', publishedPart('prices', PRICE_COLUMNS), [price]);

    const [usage] = await rows(
      "SELECT service_tier, context_tier, tokens, allocated_cost FROM request_cost WHERE usage_type = 'input'",
    );
    expect(usage).toMatchObject({ service_tier: 'standard', context_tier: 'standard', tokens: 1000 });
    // Q = $0.01 ÷ $5/M = 2,000 > T = 1,000: half allocated.
    expect(usage?.allocated_cost).toBeCloseTo(0.005, 12);
    const [written] = await rows("SELECT tokens FROM request_usage WHERE usage_type = 'cache_write_1h'");
    expect(written?.tokens).toBe(0);
    expect(await rows("SELECT * FROM request_usage WHERE usage_type LIKE 'tool:%'")).toEqual([]);
  });
});

describe('model aliases', () => {
  it('a request recorded under an alias is priced, allocated and reported as the snapshot in force at its ts', async () => {
    await lake.prices([
      { model: 'model-a-2026-01-01', usage_type: 'output', usd_per_million_tokens: 10 },
      {
        model: 'model-a',
        usage_type: 'alias',
        alias_of: 'model-a-2026-01-01',
        usd_per_million_tokens: 0,
      },
    ]);
    await lake.events([
      request({ event_id: 'completed_1', model: 'model-a-2026-01-01', output_tokens: 1000 }),
      request({
        event_id: 'cancelled_1',
        model: 'model-a',
        output_tokens: 1000,
        status: 'cancelled',
        delivered_output_tokens: 100,
      }),
    ]);
    await lake.costs([
      { model: 'model-a-2026-01-01', usage_type: 'output', billed_cost: 0.02, consumed_quantity: 2000 },
    ]);

    const costs = await rows(
      "SELECT event_id, model, allocated_cost, unpriced FROM request_cost WHERE usage_type = 'output' ORDER BY event_id",
    );
    expect(
      costs.map((c) => [c.event_id, c.model, Number((c.allocated_cost as number).toFixed(9)), c.unpriced]),
    ).toEqual([
      ['cancelled_1', 'model-a-2026-01-01', 0.01, false],
      ['completed_1', 'model-a-2026-01-01', 0.01, false],
    ]);
    const [bucket] = await rows(BUCKETS);
    expect(bucket).toMatchObject({ telemetry_quantity: 2000, unallocated: 0 });
  });

  it('an alias means nothing outside its dates: before it, the request keeps its own model', async () => {
    await lake.prices([
      {
        model: 'model-a',
        usage_type: 'alias',
        alias_of: 'model-a-2026-12-01',
        usd_per_million_tokens: 0,
        effective_from: Date.parse('2026-12-01T00:00:00Z'),
      },
    ]);
    await lake.events([request({ event_id: 'november_1', model: 'model-a', output_tokens: 10 })]);
    const [row] = await rows("SELECT model FROM request_usage WHERE usage_type = 'output'");
    expect(row?.model).toBe('model-a');
  });
});
