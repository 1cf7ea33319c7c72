import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AthenaQueryRunner, sqlLiteral } from '../../src/adapters/athena/athena-query-runner.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import { QUERIES_DIR, sqlFiles } from '../../src/queries/query-files.ts';
import { countOf, runCli, snapshot } from '../cli/run-cli.ts';
import { type LocalAthena, parseSqlLiteral, startLocalAthena } from '../helpers/athena-endpoint.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Issue 6, case 8: report parameters carrying SQL are bound as parameters (DuckDB) or travel as execution
// parameters that are single string literals (Athena), the CLI refuses them as bad usage, and `query` is
// read-only on the lake. test/cli/query.test.ts covers CREATE TABLE, DROP VIEW, `SELECT 1; SELECT 2`,
// INSTALL, ATTACH and COPY outside the lake, and EXPLAIN ANALYZE COPY; here: what writes INTO the lake, a
// write hidden behind a SELECT, statement types it does not try, and unknown tables.

const PAYLOADS = [
  "' OR 1=1 --",
  "x'; DROP TABLE events; --",
  "2026-11-01' OR '1'='1",
  "'); DROP VIEW events_dedup; --",
];
/** Days with events: before the fixtures' arrival time (2026-11-02T10:00Z), as the 24 h rule wants. */
const DAYS = ['2026-10-30', '2026-10-31', '2026-11-01'];
const FROM = '2026-10-30';
const TO = '2026-11-02';
const readQuery = (file: string) => readFileSync(join(QUERIES_DIR, file), 'utf8');
/**
 * The payload with every character but digits, letters and `-` (the ones that could end a literal or a
 * statement: `'`, `;`, `(`, `)`, `=`, space) replaced by a harmless one that sorts the same against digits,
 * letters and `-`: `!` below `0`, `:` between `9` and `A`, `_` between `Z` and `a`, `~` above `z`. Bound, both
 * strings select the same rows.
 */
function quoteFree(payload: string): string {
  return payload.replace(/[^0-9A-Za-z-]/g, (c) => (c < '0' ? '!' : c < 'A' ? ':' : c < 'a' ? '_' : '~'));
}
/** How many `?` a query file binds (comments aside). */
const placeholders = (sql: string) => (sql.replace(/--[^\n]*/g, '').match(/\?/g) ?? []).length;

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
let lakeBefore: string[];
let treeBefore: string[];

/** Every path under a folder, folders included (snapshot() lists files only), sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((d) => `${join(d.parentPath, d.name).slice(dir.length + 1)}${d.isDirectory() ? '/' : ''}`)
    .sort();
}

/** The lake is as it was: the same files with the same bytes, and no new folder. */
function expectLakeUnchanged(): void {
  expect(snapshot(lake)).toEqual(lakeBefore);
  expect(tree(lake)).toEqual(treeBefore);
}

beforeAll(async () => {
  tmp = await tempDir('tokenledger-sql-injection-');
  lake = join(tmp.dir, 'lake');
  const fixture = new LakeFixture(lake);
  await fixture.events(
    DAYS.flatMap((day, i) => [
      wireEvent({ ts: `${day}T10:00:00.000Z`, output_tokens: 300, status: 'ok' }),
      wireEvent({
        ts: `${day}T11:00:00.000Z`,
        output_tokens: 300,
        status: 'cancelled',
        delivered_output_tokens: 20 * (i + 1),
        prompt_id: 'draft',
        prompt_version: 'v1',
      }),
    ]),
  );
  await fixture.revenue([{ month: '2026-11', customer_id: 'cus_1', cohort: 'pro', amount: 50 }]);
  // The reports read the daily rollups: roll the lake up first, so the lake stays as it is from here on.
  await rollUpLocalLake(lake);
  lakeBefore = snapshot(lake);
  treeBefore = tree(lake);
});
afterAll(async () => {
  await tmp.remove();
});

describe('fault: SQL in report parameters — DuckDB (LocalQueryRunner) binds them', () => {
  let engine: LocalQueryEngine;
  let runner: LocalQueryRunner;
  beforeAll(async () => {
    engine = await LocalQueryEngine.open(lake);
    runner = new LocalQueryRunner(engine);
  });
  afterAll(() => engine.close());

  it('a payload is compared as the string it is: no extra rows, and the rows a plain string bound would give', async () => {
    const all = await runner.run('reports/waste.sql', [FROM, TO]);
    expect(all.reduce((n, r) => n + Number(r.requests), 0)).toBe(6);
    for (const payload of PAYLOADS) {
      // compared as text: `'` sorts before the digits and `x` after them, so a payload selects all days or none
      const asTo = await runner.run('reports/waste.sql', [FROM, payload]);
      const asFrom = await runner.run('reports/waste.sql', [payload, TO]);
      const days = (from: string, to: string) => DAYS.filter((d) => d >= from && d < to);
      const requests = (rows: Record<string, unknown>[]) => rows.reduce((n, r) => n + Number(r.requests), 0);
      expect(requests(asTo)).toBe(2 * days(FROM, payload).length);
      expect(requests(asFrom)).toBe(2 * days(payload, TO).length);
    }
    expect(Number((await engine.run('SELECT count(*) AS n FROM events_dedup'))[0]?.n)).toBe(6);
  });

  it('every report and rollup query, every parameter a payload: each runs with the payloads bound as text, views and lake unchanged', async () => {
    const reports = [...sqlFiles(QUERIES_DIR, 'reports'), ...sqlFiles(QUERIES_DIR, 'rollups')];
    expect(reports.length).toBeGreaterThanOrEqual(11);
    for (const { name, sql } of reports) {
      const n = placeholders(sql);
      expect(n, name).toBeGreaterThan(0);
      for (const payload of PAYLOADS) {
        // Every parameter is compared with text (a day, a month, an id) or cast. Bound, the payload is just a
        // string: it gives exactly the rows (or the error) of a quote-free string that sorts the same against
        // every day, month and id; spliced, it would have changed the statement — `' OR 1=1 --` keeping the row
        // count but not the rows.
        const outcome = async (value: string) => {
          try {
            return { rows: await runner.run(name, Array(n).fill(value)) };
          } catch (err) {
            return { error: (err as Error).message.split(value).join('<value>') };
          }
        };
        expect(await outcome(payload), `${name} ${payload}`).toEqual(await outcome(quoteFree(payload)));
      }
    }
    const views = await engine.run('SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1');
    expect(views.map((v) => v.view_name)).toContain('events_dedup');
    expect(Number((await engine.run('SELECT count(*) AS n FROM events'))[0]?.n)).toBe(6);
    expectLakeUnchanged();
  });
});

describe('fault: SQL in report parameters — Athena (AthenaQueryRunner) sends them as execution parameters', () => {
  let athena: LocalAthena;
  beforeAll(async () => {
    athena = await startLocalAthena({ lakeDir: lake });
  });
  afterAll(async () => {
    await athena?.stop();
  });

  it('the query text goes unchanged, each payload as ONE quoted string literal, bound as that string', async () => {
    const runner = new AthenaQueryRunner({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 2,
    });
    for (const payload of PAYLOADS) {
      const before = athena.requestsOf('StartQueryExecution').length;
      const rows = await runner.run('reports/waste.sql', [FROM, payload]);
      const [start, ...more] = athena.requestsOf('StartQueryExecution').slice(before);
      expect(more).toEqual([]);
      expect(start?.body.QueryString).toBe(readQuery('reports/waste.sql'));
      // written out here, not with sqlLiteral: quotes doubled, the whole value in one pair of quotes
      expect(start?.body.ExecutionParameters).toEqual([`'${FROM}'`, `'${payload.split("'").join("''")}'`]);
      expect(rows.reduce((n, r) => n + Number(r.requests), 0)).toBe(
        2 * DAYS.filter((d) => d >= FROM && d < payload).length,
      );
    }
    expectLakeUnchanged();
  });

  it('sqlLiteral makes any string one Trino string literal that reads back as that string', () => {
    const anyText = fc.string({
      unit: fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.constantFrom("'", "''", '\\', '--', '/*', ';', '\n', '?', 'U&', '\u0000'),
      ),
    });
    fc.assert(
      fc.property(anyText, (value) => {
        const literal = sqlLiteral(value);
        // one literal and nothing after it: every quote inside is doubled
        expect(literal).toMatch(/^'(?:[^']|'')*'$/s);
        expect(parseSqlLiteral(literal)).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fault: SQL in report parameters — the CLI refuses them as bad usage', () => {
  it.each([
    ['report', 'waste', '--from', "2026-10-30' OR 1=1 --", '--to', TO],
    ['report', 'waste', '--from', FROM, '--to', "x'; DROP TABLE events; --"],
    ['report', 'governance', '--from', "'); DROP VIEW events_dedup; --", '--to', TO],
    ['report', 'margin', '--month', "2026-11' OR '1'='1"],
    ['report', 'reconciliation', '--month', "2026-11'; DROP TABLE costs; --"],
  ])('%s %s with SQL in an option exits 2 quoting the value, writes nothing', async (...argv) => {
    const value = argv.find((a) => a.includes("'"));
    const run = await runCli(...argv, '--lake', lake);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(JSON.stringify(value));
    expectLakeUnchanged();
  });
});

describe('fault: query is read-only on the lake', () => {
  const inLake = (...parts: string[]) => join(lake, ...parts);

  it.each([
    { name: 'a write after a SELECT', sql: () => 'SELECT 1; DROP VIEW events_dedup' },
    { name: 'a write before a SELECT', sql: () => 'DROP VIEW events_dedup; SELECT 1' },
    { name: 'COPY a view to a file', sql: () => `COPY events_dedup TO '${join(tmp.dir, 'x')}'` },
    {
      name: 'COPY into the lake (a forged partition)',
      sql: () =>
        `COPY events_dedup TO '${inLake('events', 'dt=2026-11-01', 'forged.parquet')}' (FORMAT parquet)`,
    },
    {
      name: 'COPY into the lake, partitioned (makes folders)',
      sql: () =>
        `COPY (SELECT *, 'x' AS p FROM events) TO '${inLake('events', 'more')}' (FORMAT parquet, PARTITION_BY (p))`,
    },
    {
      name: 'COPY, lower case behind a comment',
      sql: () => `/* report */ copy events_dedup to '${inLake('events', 'dt=2026-11-02', 'c.parquet')}'`,
    },
    {
      name: 'ATTACH a database file inside the lake',
      sql: () => `ATTACH '${inLake('events', 'x.duckdb')}' AS x`,
    },
    { name: 'CREATE VIEW', sql: () => 'CREATE VIEW events_dedup2 AS SELECT 1' },
    { name: 'SET', sql: () => "SET temp_directory = '/tmp'" },
    { name: 'PRAGMA', sql: () => 'PRAGMA enable_profiling' },
    { name: 'CALL', sql: () => 'CALL pragma_version()' },
    { name: 'LOAD', sql: () => 'LOAD json' },
    { name: 'DETACH', sql: () => 'DETACH memory' },
    { name: 'EXPLAIN of a COPY', sql: () => `EXPLAIN COPY events_dedup TO '${inLake('e.csv')}'` },
    { name: 'INSERT', sql: () => 'INSERT INTO events_dedup SELECT * FROM events_dedup' },
    { name: 'UPDATE', sql: () => "UPDATE events SET feature = 'x'" },
  ])('refuses $name with exit 2, and the lake is byte-identical', async ({ sql }) => {
    const run = await runCli('query', sql(), '--lake', lake);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tokenledger: query (is read-only|takes exactly one statement)/);
    expectLakeUnchanged();
    expect(existsSync(join(tmp.dir, 'x'))).toBe(false);
  });

  it.each([
    { sql: "SELECT * FROM query('DROP VIEW events_dedup')", error: 'Expected a single SELECT statement' },
  ])('$sql is refused by DuckDB while it is prepared (exit 1), nothing run', async ({ sql, error }) => {
    const run = await runCli('query', sql, '--lake', lake);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(error);
    expectLakeUnchanged();
    expect(await countOf(lake, 'events_dedup')).toBe(6);
  });

  // Preparing EXPORT DATABASE would already make its folder: the statement must be refused before it is prepared.
  it('refuses EXPORT DATABASE without creating its folder in the lake', async () => {
    const target = inLake('events', 'dt=2099-01-01');
    try {
      const run = await runCli('query', `EXPORT DATABASE '${target}'`, '--lake', lake);
      expect(run.code).toBe(2);
      expectLakeUnchanged();
    } finally {
      rmSync(target, { recursive: true, force: true }); // so the tests after this one see the lake as it was
    }
  });

  it('a query naming an unknown table exits 1 naming it, with no output', async () => {
    for (const [sql, name] of [
      ['SELECT * FROM no_such_table', 'no_such_table'],
      ['SELECT * FROM "events; DROP VIEW events_dedup"', 'events; DROP VIEW events_dedup'],
    ] as const) {
      const run = await runCli('query', sql, '--lake', lake);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^tokenledger: query: Catalog Error: Table with name .* does not exist/);
      expect(run.stderr).toContain(name);
    }
    expect(await countOf(lake, 'events_dedup')).toBe(6);
    expectLakeUnchanged();
  });
});
