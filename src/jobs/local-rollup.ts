import { LocalQueryEngine } from '../adapters/duckdb/local-query-engine.ts';
import { LocalQueryRunner } from '../adapters/duckdb/local-query-runner.ts';
import { openLocalLake } from '../adapters/local/local-lake.ts';
import { queryDayWriter, type RollupOptions, type RollupResult, rollUp } from './rollup-job.ts';

/**
 * The rollup job over a local lake: DuckDB computes each day from the raw events and the rolls are written as
 * Parquet under `<lake>/rollups/`. The reports run it first (a late event reaches the next report), and so does
 * `tokenledger rollup`. With an engine, the job runs on it and then reloads its tables, so its next queries see
 * the new rolls; without one, it opens its own.
 */
export async function rollUpLocalLake(
  lake: string | LocalQueryEngine,
  options: RollupOptions = {},
  now: () => Date = () => new Date(),
): Promise<RollupResult> {
  const engine = typeof lake === 'string' ? await LocalQueryEngine.open(lake) : lake;
  try {
    const queries = new LocalQueryRunner(engine);
    const store = openLocalLake(engine.lakeDir);
    const result = await rollUp(
      { lake: store, queries, writeDays: queryDayWriter(store, queries), now },
      options,
    );
    if (typeof lake !== 'string' && result.rolled.length > 0) await engine.reloadTables();
    return result;
  } finally {
    if (typeof lake === 'string') engine.close();
  }
}
