import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { financeQueries } from '../../infra/constructs/finance-queries.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { normaliseInvoice } from '../../src/core/costs/normalise/index.ts';
import { processInvoiceObject } from '../../src/jobs/invoice-object.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { type SynthesizedApp, synthesizeApp } from './synth-app.ts';

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp({ skipBundling: true });
});
afterAll(() => built.cleanup());

/** Execution parameters of each query for October 2026, in the order its `?` take them. */
const OCTOBER: Record<string, string[]> = {
  MarginByFeatureAndCohort: [
    ...['2026-10-01', '2026-11-01'],
    ...['2026-10-01', '2026-11-01'],
    ...['2026-10-01', '2026-11-01'],
    ...['2026-10-01', '2026-11-01'],
    '2026-10',
  ],
  TopCostFeatures: ['2026-10-01', '2026-11-01'],
  UnallocatedSpendByProvider: ['2026-10-01', '2026-11-01', '2026-10-01', '2026-11-01'],
};

describe('Athena named queries', () => {
  it('are the three finance questions, saved in the tokenledger workgroup and database', () => {
    const queries = built.dataTemplate.findResources('AWS::Athena::NamedQuery');
    expect(
      Object.values(queries)
        .map((q) => q.Properties.Name)
        .sort(),
    ).toEqual([
      'tokenledger: margin by feature and cohort for a month',
      'tokenledger: top cost features for a month',
      'tokenledger: unallocated spend by provider for a month',
    ]);
    for (const query of Object.values(queries)) {
      expect(query.Properties).toMatchObject({ Database: 'tokenledger', WorkGroup: 'tokenledger' });
      expect(query.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^QueryWorkgroupWorkGroup/),
          expect.stringMatching(/^LakeDatabase/),
        ]),
      );
    }
  });

  it('the margin query is queries/reports/margin.sql, the text the CLI runs', () => {
    built.dataTemplate.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: Match.stringLikeRegexp('margin by feature and cohort'),
      QueryString: readFileSync(`${QUERIES_DIR}reports/margin.sql`, 'utf8'),
    });
  });

  it.each(financeQueries().map((q) => [q.id, q] as const))(
    '%s reads the views, takes the month as execution parameters and has no date in its text',
    (id, query) => {
      expect(query.sql.match(/\?/g)?.length).toBe(OCTOBER[id]?.length);
      expect(query.sql).not.toMatch(/'\d{4}-\d{2}/);
      expect(query.sql).not.toMatch(/\bFROM (events|costs|prices|revenue)\b/);
      expect(query.name.length).toBeLessThanOrEqual(128);
      expect(query.description.length).toBeLessThanOrEqual(1024);
    },
  );

  it('read group_cost, bucket_reconciliation and cost_lines', () => {
    const text = financeQueries()
      .map((q) => q.sql)
      .join('\n');
    for (const view of ['group_cost', 'bucket_reconciliation', 'cost_lines'])
      expect(text).toContain(`FROM ${view}`);
  });
});

describe('the named queries on the local engine (same views, DuckDB)', () => {
  let lake: Awaited<ReturnType<typeof tempDir>>;
  let engine: LocalQueryEngine;
  const invoice = readFileSync(new URL('../fixtures/invoices/openai-costs-2026-10.json', import.meta.url));
  beforeAll(async () => {
    // An October OpenAI invoice in the lake, imported the way the invoice Lambda does, and no requests.
    lake = await tempDir();
    const store = new FsLakeStore(lake.dir);
    const key = 'invoices/openai-costs/openai-costs-2026-10.json';
    await processInvoiceObject(key, {
      store,
      objects: { get: async () => invoice, put: async () => {}, delete: async () => {} },
    });
    engine = await LocalQueryEngine.open(lake.dir);
  });
  afterAll(async () => {
    engine.close();
    await lake.remove();
  });

  it.each(financeQueries().map((q) => [q.id, q] as const))(
    '%s runs with its parameters',
    async (id, query) => {
      await expect(engine.query(query.sql, OCTOBER[id] ?? [])).resolves.toBeDefined();
    },
  );

  it('unallocated spend by provider: without requests, all of the OpenAI bill is unallocated', async () => {
    const query = financeQueries().find((q) => q.id === 'UnallocatedSpendByProvider');
    const { rows } = await engine.query(query?.sql ?? '', OCTOBER.UnallocatedSpendByProvider ?? []);
    const lines = normaliseInvoice(invoice.toString('utf8'), 'openai-costs', 'x');
    const billed = lines.reduce((s, l) => s + l.billed_cost, 0);
    // Lines that are no bucket: 'other', and token lines without a model. Tool lines (web search) are buckets.
    const notTokens = lines
      .filter((l) => l.usage_type === 'other' || (l.model === null && !l.usage_type.startsWith('tool:')))
      .reduce((s, l) => s + l.billed_cost, 0);
    expect(lines.some((l) => l.usage_type === 'tool:web_search')).toBe(true);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: 'openai', unallocated_share: 1 });
    expect(rows[0]?.billed).toBeCloseTo(billed, 9);
    expect(rows[0]?.unallocated).toBeCloseTo(billed, 9);
    expect((rows[0]?.not_tokens as number) + (rows[0]?.beyond_telemetry as number)).toBeCloseTo(billed, 9);
    expect(rows[0]?.not_tokens).toBeCloseTo(notTokens, 9);
    expect(rows[0]?.beyond_telemetry).toBeCloseTo(billed - notTokens, 9);
  });
});

describe('the named queries on a lake with requests (their results, not only that they run)', () => {
  let lake: Awaited<ReturnType<typeof tempDir>>;
  let engine: LocalQueryEngine;
  beforeAll(async () => {
    // October: three draft-email requests and one summarize request of a model the October invoice bills, the
    // invoice itself, and revenue for the customer.
    lake = await tempDir();
    const fixture = new LakeFixture(lake.dir);
    const invoice = readFileSync(
      new URL('../fixtures/invoices/openai-costs-2026-10.json', import.meta.url),
      'utf8',
    );
    const lines = normaliseInvoice(invoice, 'openai-costs', 'october.json');
    const model = lines.find((l) => l.usage_type === 'input' && l.model !== null)?.model as string;
    const day = new Date(lines[0]?.charge_period_start ?? 0).toISOString().slice(0, 10);
    const request = (feature: string, i: number) =>
      wireEvent({
        feature,
        model,
        ts: `${day}T1${i}:00:00.000Z`,
        input_tokens: 1000 * (i + 1),
        output_tokens: 100,
      });
    await fixture.events([
      request('draft-email', 0),
      request('draft-email', 1),
      request('draft-email', 2),
      request('summarize', 3),
    ]);
    await fixture.costs(lines.map((l) => ({ ...l, source_format: 'openai-costs' as const })));
    await fixture.revenue([{ month: '2026-10', customer_id: 'cus_1', cohort: 'pro', amount: 100 }]);
    engine = await openReportEngine(lake.dir);
  });
  afterAll(async () => {
    engine.close();
    await lake.remove();
  });
  const run = async (id: string) => {
    const query = financeQueries().find((q) => q.id === id);
    return (await engine.query(query?.sql ?? '', OCTOBER[id] ?? [])).rows;
  };

  it('top cost features: each feature once, its requests, and exactly the cost request_cost gives it, dearest first', async () => {
    const rows = await run('TopCostFeatures');
    const expected = await engine.run(
      "SELECT feature, count(DISTINCT event_id) AS requests, sum(allocated_cost + estimated_cost) AS cost FROM request_cost WHERE dt >= '2026-10-01' AND dt < '2026-11-01' GROUP BY feature ORDER BY cost DESC",
    );
    expect(rows.map((r) => [r.feature, r.requests])).toEqual(expected.map((r) => [r.feature, r.requests]));
    expect(rows.map((r) => r.feature).sort()).toEqual(['draft-email', 'summarize']);
    for (const [i, r] of rows.entries()) expect(r.cost).toBeCloseTo(expected[i]?.cost as number, 12);
    expect(rows[0]?.cost as number).toBeGreaterThan(0);
  });

  it('margin by feature and cohort: the requests of each feature, and revenue split by their share', async () => {
    const rows = await run('MarginByFeatureAndCohort');
    expect(rows.map((r) => [r.cohort, r.feature, r.requests])).toEqual([
      ['pro', 'draft-email', 3],
      ['pro', 'summarize', 1],
    ]);
    expect(rows.map((r) => r.revenue)).toEqual([75, 25]);
  });

  it('unallocated spend by provider: billed − what the requests were allocated, to the cent of the views', async () => {
    const [row] = await run('UnallocatedSpendByProvider');
    const [allocated] = await engine.run(
      "SELECT sum(allocated_cost) AS a FROM request_cost WHERE dt >= '2026-10-01' AND dt < '2026-11-01'",
    );
    expect(row?.provider).toBe('openai');
    expect(allocated?.a as number).toBeGreaterThan(0);
    expect(row?.unallocated as number).toBeCloseTo((row?.billed as number) - (allocated?.a as number), 9);
  });
});
