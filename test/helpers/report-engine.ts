import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';

/**
 * A local engine over `lakeDir` whose days are rolled up first, as the CLI's reports have it: the report queries
 * read the daily rollups (docs/rollups.md). After writing more events, call `rollUpLocalLake(engine)` again.
 */
export async function openReportEngine(lakeDir: string): Promise<LocalQueryEngine> {
  const engine = await LocalQueryEngine.open(lakeDir);
  try {
    await rollUpLocalLake(engine);
  } catch (err) {
    engine.close();
    throw err;
  }
  return engine;
}
