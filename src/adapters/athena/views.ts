import { type QueryFile, viewName } from '../../queries/query-files.ts';

/** Runs SQL text on the query engine (Athena in AWS) and waits for it. */
export type RunSql = (name: string, sql: string) => Promise<void>;

/**
 * Creates (or replaces) every view of queries/views in file order — later views read earlier ones — from the
 * same SQL text the local engine runs. Stops at the first failure, naming the file.
 */
export async function createViews(run: RunSql, views: readonly QueryFile[]): Promise<string[]> {
  const created: string[] = [];
  for (const view of views) {
    await run(view.name, view.sql);
    created.push(viewName(view.sql));
  }
  return created;
}

/** Drops the views, the last created first (so nothing is dropped while another view still reads it). */
export async function dropViews(run: RunSql, views: readonly QueryFile[]): Promise<string[]> {
  const dropped: string[] = [];
  for (const view of [...views].reverse()) {
    const name = viewName(view.sql);
    await run(`drop ${name}`, `DROP VIEW IF EXISTS ${name}`);
    dropped.push(name);
  }
  return dropped;
}
