import type { DuckDBConnection } from '@duckdb/node-api';
import { type QueryFile, viewName } from '../../queries/query-files.ts';

/**
 * Creates the views of queries/views, in file order (later views read earlier ones), each from its file's SQL text
 * unchanged, the result the same as running the files one after another, about four times faster.
 *
 * DuckDB binds a view's query when the view is created, expanding every view it reads, and the views it reads, down
 * to the lake's tables: the deeper views re-bound most of the others, and creating all of them took about a second
 * per engine. So each view is first created while the views before it are empty tables of their columns (bound one
 * level deep), and is itself turned into such a table (`CREATE TABLE … AS SELECT * FROM <view> LIMIT 0`); then the
 * tables are swapped back for the views, the last first, so that each is again bound against tables. A view is
 * stored as its query and bound again, against whatever its names then are, each time it is queried (DuckDB keeps
 * no dependency between views), so the views end up reading the views, exactly as if created one after another.
 * (One difference no query sees: a column that is a bare NULL is an INTEGER column of the stand-in table, so a view
 * reading it records that type in the catalog, where a view over the view records NULL.)
 */
export async function createViews(connection: DuckDBConnection, views: readonly QueryFile[]): Promise<void> {
  const created: { file: string; sql: string; name: string }[] = [];
  for (const view of views) {
    await named(view.name, async () => {
      const name = viewName(view.sql);
      await connection.run(view.sql);
      await connection.run(`CREATE TABLE ${STAND_IN} AS SELECT * FROM ${name} LIMIT 0`);
      await connection.run(`DROP VIEW ${name}`);
      await connection.run(`ALTER TABLE ${STAND_IN} RENAME TO ${name}`);
      created.push({ file: view.name, sql: view.sql, name });
    });
  }
  for (const view of created.reverse()) {
    await connection.run(`DROP TABLE ${view.name}`);
    await named(view.file, () => connection.run(view.sql));
  }
}

/** The name a view's stand-in table is made under, before it takes the view's name. */
const STAND_IN = 'tokenledger_view_stand_in';

/** A view's failure, named by its file under queries/. */
async function named(file: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    throw new Error(`queries/${file}: ${(err as Error).message}`);
  }
}
