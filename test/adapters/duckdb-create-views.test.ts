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

  it('have the columns and types of the views created one after another', async () => {
    for (const view of viewFiles()) {
      const name = viewName(view.sql);
      const columns = (engine: LocalQueryEngine) =>
        engine.run(`SELECT column_name, column_type FROM (DESCRIBE ${name})`);
      expect({ name, columns: await columns(fast) }).toEqual({ name, columns: await columns(oneByOne) });
    }
  });

  it('give the same rows, through the views that read the most others', async () => {
    for (const name of ['margin_monthly', 'waste_daily', 'request_cost', 'customer_usage_hourly']) {
      const rows = async (engine: LocalQueryEngine) => engine.run(`SELECT * FROM ${name} ORDER BY ALL`);
      const expected = await rows(oneByOne);
      expect(expected.length, name).toBeGreaterThan(0);
      expect({ name, rows: await rows(fast) }).toEqual({ name, rows: expected });
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
  });
});
