import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nodeSqlParser from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { EVENT_COLUMNS, PARTITION_COLUMN } from '../../src/core/lake/event-columns.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { kinesisEvent, line, wireEvent } from '../helpers/factories.ts';
import { ddlColumns } from '../helpers/schema-guards.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const parser = new nodeSqlParser.Parser();

function allSqlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

const CLAUSES = new Set([
  'select',
  'from',
  'where',
  'group',
  'having',
  'order',
  'on',
  'join',
  'limit',
  'union',
  'values',
  'with',
]);

/**
 * The clause each `?` of a query stands in: the last clause keyword before it at the same depth of
 * parentheses (a subquery's clauses end with its closing parenthesis). Comments (line and block), string literals
 * and quoted identifiers are skipped.
 */
function placeholderClauses(sql: string): string[] {
  const text = sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
  const clauses: string[] = [];
  const stack: string[] = [''];
  for (const [token] of text.matchAll(/[A-Za-z_]+|[()?]/g)) {
    if (token === '(') stack.push(stack.at(-1) as string);
    else if (token === ')') stack.pop();
    else if (token === '?') clauses.push(stack.at(-1) as string);
    else if (CLAUSES.has(token.toLowerCase())) stack[stack.length - 1] = token.toLowerCase();
  }
  return clauses;
}

describe('queries/', () => {
  const files = allSqlFiles(QUERIES_DIR);

  it('finds the clause of each placeholder', () => {
    expect(
      placeholderClauses("SELECT ? FROM t WHERE a = ? AND b IN (SELECT c FROM u) AND d = '?' AND e = ?"),
    ).toEqual(['select', 'where', 'where']);
    expect(placeholderClauses('SELECT CASE WHEN ts < CAST(? AS TIMESTAMP) THEN 1 END -- ?\nFROM t')).toEqual([
      'select',
    ]);
    expect(placeholderClauses('SELECT /* WHERE ? */ "where?" FROM t WHERE a = ? GROUP BY ?')).toEqual([
      'where',
      'group',
    ]);
  });

  it.each(files)('%s has parameters only in WHERE clauses, as Athena requires', (file) => {
    const sql = readFileSync(join(QUERIES_DIR, file), 'utf8');
    expect(placeholderClauses(sql).filter((clause) => clause !== 'where')).toEqual([]);
  });

  it('has SQL files to check', () => {
    expect(files).toContain('views/10_events_dedup.sql');
  });

  it.each(files)('%s parses as Trino SQL', (file) => {
    const sql = readFileSync(join(QUERIES_DIR, file), 'utf8');
    expect(() => parser.astify(sql, { database: 'trino' })).not.toThrow();
  });

  describe('on DuckDB over a lake', () => {
    let lake: { dir: string; remove: () => Promise<void> };
    let engine: LocalQueryEngine;
    beforeAll(async () => {
      lake = await tempDir();
      const handler = createIngestHandler({ store: new FsLakeStore(lake.dir) });
      const a = wireEvent({ status: 'cancelled', delivered_output_tokens: 10 });
      const b = wireEvent({ cohort: 'free', ts: '2026-11-01T08:00:00Z' });
      await handler(kinesisEvent([[line(a), line(b)]], 1));
      await handler(kinesisEvent([[line(a)]], 50)); // the same event again, in another batch
      engine = await LocalQueryEngine.open(lake.dir);
    });
    afterAll(async () => {
      engine.close();
      await lake.remove();
    });

    it.each(files)('%s runs', async (file) => {
      const sql = readFileSync(join(QUERIES_DIR, file), 'utf8');
      // Report queries take positional parameters (dates and months): bind a date to each.
      const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => '2026-11-01');
      await expect(engine.run(sql, params)).resolves.toBeDefined();
    });

    it('events_dedup has every column of the table, in order, and one row per event_id', async () => {
      const { columns } = await engine.query('SELECT * FROM events_dedup');
      expect(columns).toEqual([...EVENT_COLUMNS.map((c) => c.name), PARTITION_COLUMN.name]);
      expect(await engine.run('SELECT count(*)::INT AS copies FROM events')).toEqual([{ copies: 3 }]);
      expect(await engine.run('SELECT count(*)::INT AS events FROM events_dedup')).toEqual([{ events: 2 }]);
    });

    it('feature_usage_daily counts requests, users and cancellations from the deduplicated events', async () => {
      const rows = await engine.run(
        'SELECT dt, cohort, requests::INT AS requests, approx_users::INT AS users, cancelled_requests::INT AS cancelled FROM feature_usage_daily ORDER BY dt',
      );
      expect(rows).toEqual([
        { dt: '2026-11-01', cohort: 'free', requests: 1, users: 1, cancelled: 0 },
        { dt: '2026-11-02', cohort: 'pro', requests: 1, users: 1, cancelled: 1 },
      ]);
    });

    it('the Parquet files have the column types the table declares', async () => {
      const rows = await engine.run(
        "SELECT column_name, column_type AS data_type FROM (DESCRIBE SELECT * FROM events) WHERE column_name <> 'dt'",
      );
      expect(rows).toEqual(EVENT_COLUMNS.map((c) => ({ column_name: c.name, data_type: c.duckdb })));
    });
  });

  it('an empty lake still has every table and view', async () => {
    const empty = await tempDir();
    const engine = await LocalQueryEngine.open(empty.dir);
    try {
      expect(await engine.run('SELECT count(*)::INT AS n FROM feature_usage_daily')).toEqual([{ n: 0 }]);
      const rows = await engine.run(
        'SELECT column_name, column_type AS data_type FROM (DESCRIBE SELECT * FROM events)',
      );
      expect(rows).toEqual(
        [...EVENT_COLUMNS, PARTITION_COLUMN].map((c) => ({ column_name: c.name, data_type: c.duckdb })),
      );
    } finally {
      engine.close();
      await empty.remove();
    }
  });
});

describe('queries/tables/events.hql (Athena DDL)', () => {
  const ddl = readFileSync(join(QUERIES_DIR, 'tables/events.hql'), 'utf8');

  it('declares the columns of the Parquet schema, in order, with their Glue types', () => {
    const declared = ddlColumns(ddl);
    expect(declared).toEqual(EVENT_COLUMNS.map((c) => ({ name: c.name, glue: c.glue })));
    expect(ddl).toMatch(/PARTITIONED BY \(dt string/);
  });

  it('uses partition projection on dt instead of a crawler or MSCK', () => {
    expect(ddl).toContain("'projection.enabled' = 'true'");
    expect(ddl).toContain("'projection.dt.type' = 'date'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's projection template, not a JS template
    expect(ddl).toContain("'storage.location.template' = 's3://${lake_bucket}/events/dt=${dt}/'");
    expect(ddl.replace(/^--.*$/gm, '')).not.toMatch(/MSCK/i);
  });
});
