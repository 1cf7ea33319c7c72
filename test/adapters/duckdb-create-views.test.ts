import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import { viewFiles, viewName } from '../../src/queries/query-files.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// LocalQueryEngine.open creates the views of queries/views through stand-in tables (src/adapters/duckdb/
// create-views.ts), so that each is bound one level deep. The views it leaves must be the ones running each file's
// CREATE VIEW in turn would leave: the same names, SQL, columns and rows, and nothing else in the catalog.

let lake: { dir: string; remove: () => Promise<void> };
let fast: LocalQueryEngine;
let oneByOne: LocalQueryEngine;

beforeAll(async () => {
  lake = await tempDir('tokenledger-create-views-');
  const fixture = new LakeFixture(lake.dir);
  const at = (day: number, hour: number) => `2026-11-${String(day).padStart(2, '0')}T${hour}:15:00Z`;
  await fixture.events([
    wireEvent({ ts: at(2, 10), feature: 'draft', cohort: 'pro', customer_id: 'cus_a' }),
    wireEvent({ ts: at(2, 11), feature: 'draft', cohort: 'pro', customer_id: 'cus_a', status: 'cancelled' }),
    wireEvent({ ts: at(3, 12), feature: 'search', cohort: 'free', customer_id: 'cus_b' }),
  ]);
  await fixture.costs([{}]);
  await fixture.revenue([{ customer_id: 'cus_a', cohort: 'pro', amount: 40 }]);
  // Rollups for one day, raw events for the other: both halves of the views are read.
  const rolling = await LocalQueryEngine.open(lake.dir);
  await rollUpLocalLake(rolling, { days: ['2026-11-02'] });
  rolling.close();

  fast = await LocalQueryEngine.open(lake.dir);
  oneByOne = await LocalQueryEngine.open(lake.dir, []);
  for (const view of viewFiles()) await oneByOne.run(view.sql);
});

afterAll(async () => {
  fast?.close();
  oneByOne?.close();
  await lake.remove();
});

const catalog = (engine: LocalQueryEngine) =>
  engine.run(
    `SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND view_name IN (${viewFiles()
      .map((v) => `'${viewName(v.sql)}'`)
      .join(', ')}) ORDER BY view_name`,
  );

describe('the views LocalQueryEngine.open creates', () => {
  it('are every view of queries/views, with the SQL text of its file, and no stand-in table is left', async () => {
    const views = await catalog(fast);
    expect(views.map((v) => v.view_name)).toEqual(
      viewFiles()
        .map((v) => viewName(v.sql))
        .sort(),
    );
    expect(views).toEqual(await catalog(oneByOne));
    expect(await fast.run('SELECT table_name FROM duckdb_tables()')).toEqual([]);
  });

  it('have the columns and types of the views created one after another, as the catalog records them', async () => {
    const columns = (engine: LocalQueryEngine) =>
      engine.run(
        `SELECT table_name, column_index, column_name, data_type FROM duckdb_columns()
         WHERE table_name IN (SELECT view_name FROM duckdb_views() WHERE NOT internal)
         ORDER BY table_name, column_index`,
      );
    const expected = await columns(oneByOne);
    expect(expected.length).toBeGreaterThan(viewFiles().length);
    expect(await columns(fast)).toEqual(expected);
  });

  it('give the same rows, through the views that read the most others', async () => {
    for (const name of ['margin_monthly', 'waste_daily', 'request_cost', 'customer_usage_hourly']) {
      const rows = async (engine: LocalQueryEngine) => engine.run(`SELECT * FROM ${name} ORDER BY ALL`);
      const expected = await rows(oneByOne);
      expect(expected.length, name).toBeGreaterThan(0);
      expect({ name, rows: await rows(fast) }).toEqual({ name, rows: expected });
    }
  });

  it('take any file CREATE VIEW takes: a column list, a WITH query, a final ; with a comment after it', async () => {
    const files = [
      {
        name: 'views/90_listed.sql',
        sql: 'CREATE VIEW listed (d, n) AS SELECT dt, count(*) FROM events_dedup GROUP BY dt',
      },
      {
        name: 'views/91_with.sql',
        sql: '-- a header\nCREATE OR REPLACE VIEW with_query AS\nWITH x AS (SELECT n FROM listed)\nSELECT sum(n) AS n FROM x;\n-- the end\n',
      },
    ];
    const engine = await LocalQueryEngine.open(lake.dir, [...viewFiles(), ...files]);
    try {
      const [{ n } = { n: 0 }] = await oneByOne.run('SELECT count(*) AS n FROM events_dedup');
      expect(n).toBeGreaterThan(0);
      expect(await engine.run('SELECT n FROM with_query')).toEqual([{ n }]);
      expect(await engine.run('SELECT d, n FROM listed ORDER BY d')).toEqual(
        await oneByOne.run('SELECT dt AS d, count(*) AS n FROM events_dedup GROUP BY dt ORDER BY dt'),
      );
    } finally {
      engine.close();
    }
  });

  it('name the file of a view that does not bind, as creating them one by one did', async () => {
    const broken = {
      name: 'views/99_broken.sql',
      sql: 'CREATE OR REPLACE VIEW broken AS SELECT no_such_column FROM events_dedup',
    };
    await expect(LocalQueryEngine.open(lake.dir, [...viewFiles(), broken])).rejects.toThrow(
      /^queries\/views\/99_broken\.sql: .*no_such_column/,
    );
    const notAView = { name: 'views/98_table.sql', sql: 'CREATE TABLE t AS SELECT 1 AS x' };
    await expect(LocalQueryEngine.open(lake.dir, [notAView])).rejects.toThrow(
      /^queries\/views\/98_table\.sql: not a CREATE VIEW statement/,
    );
  });
});
