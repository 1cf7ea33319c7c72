import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AthenaQueryError,
  AthenaQueryRunner,
  type AthenaQueryRunnerOptions,
  pollWaits,
  sqlLiteral,
} from '../../../src/adapters/athena/athena-query-runner.ts';
import { LocalQueryEngine } from '../../../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../../src/adapters/duckdb/local-query-runner.ts';
import { FsLakeStore } from '../../../src/adapters/local/fs-lake-store.ts';
import { rollUpLocalLake } from '../../../src/jobs/local-rollup.ts';
import { queryDayWriter, rollUp } from '../../../src/jobs/rollup-job.ts';
import { QUERIES_DIR } from '../../../src/queries/query-files.ts';
import { marginReport } from '../../../src/reports/margin-report.ts';
import { parseMonth } from '../../../src/reports/month.ts';
import { type LocalAthena, startLocalAthena } from '../../helpers/athena-endpoint.ts';
import { wireEvent } from '../../helpers/factories.ts';
import { LakeFixture } from '../../helpers/lake-fixture.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let athena: LocalAthena | undefined;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await athena?.stop();
  athena = undefined;
  await tmp.remove();
});

/** A runner over the local endpoint whose query files are these SQL texts (fast polling for tests). */
function runnerFor(
  local: LocalAthena,
  files: Record<string, string>,
  options: Partial<AthenaQueryRunnerOptions> = {},
): AthenaQueryRunner {
  return new AthenaQueryRunner({
    athena: local.client,
    workGroup: 'tokenledger',
    database: 'tokenledger',
    pollIntervalMs: 5,
    readQuery: (file) => {
      const sql = files[file];
      if (sql === undefined) throw new Error(`no test query ${file}`);
      return sql;
    },
    ...options,
  });
}

const LABELS_SQL = `SELECT label, n
FROM (VALUES ('plain', 1), ('it''s', 2), ('x'' OR 1=1 --', 3)) AS t (label, n)
WHERE label = ? AND n >= CAST(? AS INTEGER)
ORDER BY n`;

describe('sqlLiteral', () => {
  it('quotes a string for Athena execution parameters, doubling the quotes inside', () => {
    expect(sqlLiteral('pro')).toBe("'pro'");
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral("' OR 1=1 --")).toBe("''' OR 1=1 --'");
    expect(sqlLiteral('')).toBe("''");
    expect(sqlLiteral('back\\slash')).toBe("'back\\slash'");
  });
});

describe('AthenaQueryRunner over the SDK client against a local Athena endpoint', () => {
  it('sends the SQL text unchanged with the parameters as execution parameters, and a quote stays data', async () => {
    // Prepare
    athena = await startLocalAthena({ lakeDir: tmp.dir });
    const runner = runnerFor(athena, { 'test/labels.sql': LABELS_SQL });

    // Act
    const injected = await runner.run('test/labels.sql', ["x' OR 1=1 --", '0']);
    const quoted = await runner.run('test/labels.sql', ["it's", '0']);
    const bare = await runner.run('test/labels.sql', ["' OR 1=1 --", '0']);

    // Assess: the quote-carrying value matched exactly its own row, and widened nothing.
    expect(injected).toEqual([{ label: "x' OR 1=1 --", n: 3 }]);
    expect(quoted).toEqual([{ label: "it's", n: 2 }]);
    expect(bare).toEqual([]);
    const [start] = athena.requestsOf('StartQueryExecution');
    expect(start?.body).toMatchObject({
      QueryString: LABELS_SQL,
      ExecutionParameters: ["'x'' OR 1=1 --'", "'0'"],
      QueryExecutionContext: { Database: 'tokenledger', Catalog: 'AwsDataCatalog' },
      WorkGroup: 'tokenledger',
    });
  });

  it('leaves ExecutionParameters out for a query without parameters', async () => {
    // Prepare
    athena = await startLocalAthena({ lakeDir: tmp.dir });
    const runner = runnerFor(athena, { 'test/one.sql': 'SELECT 1 AS one' });

    // Act
    const rows = await runner.run('test/one.sql', []);

    // Assess
    expect(rows).toEqual([{ one: 1 }]);
    expect(athena.requestsOf('StartQueryExecution')[0]?.body).not.toHaveProperty('ExecutionParameters');
  });

  it('polls through QUEUED and RUNNING, pages through 2,500 rows with NextToken, and types every value', async () => {
    // Prepare
    athena = await startLocalAthena({ lakeDir: tmp.dir });
    const sql = `SELECT
  i AS n,
  CAST(i AS INTEGER) AS small,
  CAST(i AS DOUBLE) / 4 AS ratio,
  CAST(i AS DECIMAL(18, 6)) / 8 AS amount,
  'row ' || CAST(i AS VARCHAR) AS label,
  i % 2 = 0 AS even,
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'v' END AS maybe,
  TIMESTAMP '2026-11-02 00:00:00' + to_seconds(i) AS at,
  DATE '2026-11-01' AS day
FROM range(3000) AS r (i)
WHERE i < CAST(? AS BIGINT)
ORDER BY i`;
    const runner = runnerFor(athena, { 'test/many.sql': sql });

    // Act
    const rows = await runner.run('test/many.sql', ['2500']);

    // Assess
    expect(rows).toHaveLength(2500);
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(rows[0]).toEqual({
      n: 0,
      small: 0,
      ratio: 0,
      amount: 0,
      label: 'row 0',
      even: true,
      maybe: null,
      at: '2026-11-02 00:00:00.000',
      day: '2026-11-01',
    });
    expect(rows[2499]).toEqual({
      n: 2499,
      small: 2499,
      ratio: 624.75,
      amount: 312.375,
      label: 'row 2499',
      even: false,
      maybe: 'v',
      at: '2026-11-02 00:41:39.000',
      day: '2026-11-01',
    });
    const pages = athena.requestsOf('GetQueryResults');
    expect(pages).toHaveLength(3);
    expect(pages[0]?.body).not.toHaveProperty('NextToken');
    expect(pages[1]?.body.NextToken).toEqual(expect.any(String));
    expect(pages[2]?.body.NextToken).toEqual(expect.any(String));
    const states = athena
      .requestsOf('GetQueryExecution')
      .map(
        (r) => (r.response as { QueryExecution: { Status: { State: string } } }).QueryExecution.Status.State,
      );
    expect(states.slice(0, 2)).toEqual(['QUEUED', 'RUNNING']);
    expect(states.at(-1)).toBe('SUCCEEDED');
  });

  it('a FAILED query throws an error naming the query file and carrying Athena’s reason', async () => {
    // Prepare
    athena = await startLocalAthena({ lakeDir: tmp.dir });
    const runner = runnerFor(athena, {
      'reports/broken.sql': 'SELECT no_such_column FROM costs WHERE provider = ?',
    });

    // Act
    const error = await runner.run('reports/broken.sql', ['openai']).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AthenaQueryError);
    const failed = error as AthenaQueryError;
    expect(failed.message).toContain('queries/reports/broken.sql');
    expect(failed.message).toContain('FAILED');
    expect(failed.message).toContain('no_such_column');
    expect(failed.state).toBe('FAILED');
    expect(failed.queryFile).toBe('reports/broken.sql');
    expect(failed.reason).toContain('no_such_column');
    expect(athena.requestsOf('GetQueryResults')).toHaveLength(0);
  });

  it('a query still running at the timeout is stopped, and the run fails', async () => {
    // Prepare
    athena = await startLocalAthena({ lakeDir: tmp.dir, stall: (sql) => sql.includes('slow') });
    const runner = runnerFor(athena, { 'reports/slow.sql': 'SELECT 1 AS slow' }, { timeoutMs: 80 });

    // Act
    const error = await runner.run('reports/slow.sql', []).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as AthenaQueryError).message).toMatch(/queries\/reports\/slow\.sql.*after 80 ms.*stopped/);
    expect((error as AthenaQueryError).state).toBe('TIMEOUT');
    const id = (error as AthenaQueryError).queryExecutionId;
    expect(athena.requestsOf('StopQueryExecution').map((r) => r.body.QueryExecutionId)).toEqual([id]);
    const after = await athena.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    expect(after.QueryExecution?.Status?.State).toBe('CANCELLED');
  });

  it('polls a running query at 50 ms, then at doubling waits: a fresh query is not left waiting the cap', async () => {
    // Prepare: a query that does not end until it is stopped, once it has been polled 5 times; a cap of 2 s
    athena = await startLocalAthena({ lakeDir: tmp.dir, stall: (sql) => sql.includes('slow') });
    const runner = runnerFor(athena, { 'reports/slow.sql': 'SELECT 1 AS slow' }, { pollIntervalMs: 2000 });
    const local = athena;
    const stopper = setInterval(() => {
      const started = local.requestsOf('StartQueryExecution')[0]?.response as { QueryExecutionId?: string };
      if (local.requestsOf('GetQueryExecution').length < 5 || !started?.QueryExecutionId) return;
      clearInterval(stopper);
      void local.client.send(new StopQueryExecutionCommand({ QueryExecutionId: started.QueryExecutionId }));
    }, 5);

    // Act
    const error = await runner.run('reports/slow.sql', []).catch((e: unknown) => e);
    clearInterval(stopper);

    // Assess: polled at about 0, 50, 150, 350, 750 ms, then (stopped meanwhile) at 1550 ms. A timer never fires early
    // (1 ms of rounding aside), so each gap is at least its wait, however loaded the machine; and the first gap is far
    // below the 2 s a runner polling at the cap would leave.
    expect((error as AthenaQueryError).state).toBe('CANCELLED');
    const at = local.requestsOf('GetQueryExecution').map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(50 * 2 ** i - 1);
    expect(gaps[0]).toBeLessThan(1000);
  });

  it('waits 50 ms, doubling up to pollIntervalMs; a pollIntervalMs under 50 ms is every wait', () => {
    const first = (max: number, n: number) => {
      const waits = pollWaits(max);
      return Array.from({ length: n }, () => waits.next().value);
    };
    expect(first(500, 7)).toEqual([50, 100, 200, 400, 500, 500, 500]);
    expect(first(300, 5)).toEqual([50, 100, 200, 300, 300]);
    expect(first(5, 3)).toEqual([5, 5, 5]);
  });

  it('reads query files from queries/ by default', async () => {
    // Prepare
    athena = await startLocalAthena({ lakeDir: tmp.dir });
    const runner = new AthenaQueryRunner({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 5,
    });
    const month = parseMonth('2026-11');
    if (!month) throw new Error('bad month');

    // Act
    await runner.run('reports/margin_totals.sql', [
      month.from,
      month.to,
      month.from,
      month.to,
      month.from,
      month.to,
      month.month,
    ]);

    // Assess
    expect(athena.requestsOf('StartQueryExecution')[0]?.body.QueryString).toBe(
      readFileSync(join(QUERIES_DIR, 'reports/margin_totals.sql'), 'utf8'),
    );
  });
});

describe('the same query files through Athena and through DuckDB', () => {
  it('reports/margin_totals.sql (and the margin report) give the same numbers on the same lake', async () => {
    // Prepare: requests of two features (one model invoiced, one only priced), revenue, and an 'other' line.
    const lake = new LakeFixture(tmp.dir);
    const ev = (feature: string, customer: string, model = 'model-a') =>
      wireEvent({
        feature,
        customer_id: customer,
        model,
        input_tokens: model === 'model-a' ? 1000 : 0,
        cache_read_tokens: 0,
        output_tokens: model === 'model-a' ? 0 : 2_000_000,
      });
    await lake.events([
      ev('draft-email', 'cus_a'),
      ev('draft-email', 'cus_a'),
      ev('draft-email', 'cus_a'),
      ev('summarize', 'cus_a'),
      ev('summarize', 'cus_a', 'model-b'),
    ]);
    await lake.prices([{ model: 'model-b', usage_type: 'output', usd_per_million_tokens: 0.6 }]);
    await lake.revenue([
      { customer_id: 'cus_a', cohort: 'pro', amount: 100 },
      { customer_id: 'cus_b', cohort: 'enterprise', amount: 50 },
    ]);
    await lake.costs([
      { billed_cost: 8, consumed_quantity: 4000 },
      { usage_type: 'other', model: null, billed_cost: 2, sku: 'web search' },
    ]);
    const month = parseMonth('2026-11');
    if (!month) throw new Error('bad month');
    const params = [month.from, month.to, month.from, month.to, month.from, month.to, month.month];
    athena = await startLocalAthena({ lakeDir: tmp.dir });
    const viaAthena = new AthenaQueryRunner({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 5,
    });
    // The days are rolled up as the report job does in AWS: Athena computes them, the job writes them.
    const store = new FsLakeStore(tmp.dir);
    const rolled = await rollUp({
      lake: store,
      queries: viaAthena,
      writeDays: queryDayWriter(store, viaAthena),
      now: () => new Date(),
    });
    expect(rolled.rolled.map((r) => r.reason)).toEqual(['new']);
    const engine = await LocalQueryEngine.open(tmp.dir);
    const viaDuckDb = new LocalQueryRunner(engine);

    try {
      // Act
      const athenaTotals = await viaAthena.run('reports/margin_totals.sql', params);
      const localTotals = await viaDuckDb.run('reports/margin_totals.sql', params);
      const athenaReport = await marginReport(viaAthena, month);
      const localReport = await marginReport(viaDuckDb, month);

      // Assess
      expect(localTotals).toEqual([
        {
          billed: 10,
          allocated: 8,
          unallocated: 2,
          estimated: expect.closeTo(1.2, 9),
          coverage: 0.8,
          revenue: 150,
          cost: expect.closeTo(9.2, 9),
          margin: expect.closeTo(140.8, 9),
          // revenue − billed − estimated: the 'other' line's $2 counts against it too
          margin_after_all_spend: expect.closeTo(138.8, 9),
          unpriced_requests: 0,
          invoice_lines: 2,
        },
      ]);
      expect(athenaTotals).toEqual(localTotals);
      expect(athenaReport).toEqual(localReport);
      const totalsText = readFileSync(join(QUERIES_DIR, 'reports/margin_totals.sql'), 'utf8');
      const totalsStart = athena
        .requestsOf('StartQueryExecution')
        .find((r) => r.body.QueryString === totalsText);
      expect(totalsStart?.body.ExecutionParameters).toEqual(params.map(sqlLiteral));
    } finally {
      engine.close();
    }
  });

  it('reports/reconciliation.sql gives the same buckets by tier, context and tool through both', async () => {
    // Prepare: a standard and a batch bucket of one model, a long-context bucket, 1-hour cache writes and web search.
    const lake = new LakeFixture(tmp.dir);
    const request = (over: Record<string, unknown>) =>
      wireEvent({ model: 'model-a', cache_read_tokens: 0, output_tokens: 0, ...over });
    await lake.prices([
      { usage_type: 'input', usd_per_million_tokens: 2 },
      { usage_type: 'input', context_tier: 'long', long_context_above: 200_000, usd_per_million_tokens: 4 },
    ]);
    await lake.events([
      request({ input_tokens: 1000 }),
      request({ input_tokens: 3000, service_tier: 'batch' }),
      request({ input_tokens: 250_000 }),
      request({
        input_tokens: 5000,
        cache_write_tokens: 4000,
        cache_write_1h_tokens: 1000,
        tool_calls: { web_search: 2 },
      }),
    ]);
    await lake.costs([
      { billed_cost: 0.004, consumed_quantity: null },
      { service_tier: 'batch', billed_cost: 0.003, consumed_quantity: 3000 },
      { context_tier: 'long', billed_cost: 1, consumed_quantity: 250_000 },
      { usage_type: 'cache_write_1h', billed_cost: 0.004, consumed_quantity: 1000 },
      { usage_type: 'tool:web_search', model: null, billed_cost: 0.03, consumed_quantity: 3 },
    ]);
    const month = parseMonth('2026-11');
    if (!month) throw new Error('bad month');
    const params = [month.from, month.to, month.from, month.to];
    await rollUpLocalLake(tmp.dir);
    athena = await startLocalAthena({ lakeDir: tmp.dir });
    const viaAthena = new AthenaQueryRunner({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 5,
    });
    const engine = await LocalQueryEngine.open(tmp.dir);
    try {
      // Act
      const viaAthenaRows = await viaAthena.run('reports/reconciliation.sql', params);
      const localRows = await new LocalQueryRunner(engine).run('reports/reconciliation.sql', params);

      // Assess
      // Athena writes timestamps with milliseconds ('… 00:00:00.000'), DuckDB without: the same instants.
      const instant = (rows: Record<string, unknown>[]) =>
        rows.map((r) => ({
          ...r,
          charge_period_start: Date.parse(`${r.charge_period_start}Z`),
          charge_period_end: Date.parse(`${r.charge_period_end}Z`),
        }));
      expect(instant(viaAthenaRows)).toEqual(instant(localRows));
      expect(
        localRows.map((r) => [r.model, r.usage_type, r.service_tier, r.context_tier, r.telemetry_quantity]),
      ).toEqual([
        ['*', 'tool:web_search', 'standard', 'standard', 2],
        ['model-a', 'cache_write_1h', 'standard', 'standard', 1000],
        ['model-a', 'input', 'batch', 'standard', 3000],
        ['model-a', 'input', 'standard', 'long', 250_000],
        ['model-a', 'input', 'standard', 'standard', 2000],
      ]);
      for (const r of localRows) {
        expect((r.allocated as number) + (r.unallocated as number)).toBeCloseTo(r.billed as number, 12);
      }
    } finally {
      engine.close();
    }
  });
});
