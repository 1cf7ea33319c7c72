import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue, StatementType } from '@duckdb/node-api';
import { EVENT_COLUMNS, PARTITION_COLUMN } from '../../core/lake/event-columns.ts';
import { type QueryFile, viewFiles } from '../../queries/query-files.ts';
import { TRINO_COMPAT_MACROS } from './trino-compat.ts';

export type Row = Record<string, unknown>;

/** Thrown for a statement the read-only `query` refuses (anything but SELECT / EXPLAIN). */
export class ReadOnlyQueryError extends Error {
  override readonly name = 'ReadOnlyQueryError';
}

/**
 * DuckDB over a local lake directory, with the same tables and views finance has in Athena: `events` is a view
 * over the Parquet files (partition `dt` from the path), then every view of queries/views is created from the
 * same SQL text Athena runs.
 */
export class LocalQueryEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(lakeDir: string, views: readonly QueryFile[] = viewFiles()): Promise<LocalQueryEngine> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const connection = await instance.connect();
    const engine = new LocalQueryEngine(instance, connection);
    for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
    await connection.run(`CREATE OR REPLACE VIEW events AS ${eventsSource(lakeDir)}`);
    for (const view of views) {
      try {
        await connection.run(view.sql);
      } catch (err) {
        throw new Error(`queries/${view.name}: ${(err as Error).message}`);
      }
    }
    return engine;
  }

  /** Runs any statement (setup, tests). Parameters bind to `?` in order. */
  async run(sql: string, params: readonly DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, [...params]);
    return reader.getRowObjectsJson() as Row[];
  }

  /** Runs one read-only statement (SELECT or EXPLAIN); anything else is refused before it runs. */
  async query(sql: string, params: readonly DuckDBValue[] = []): Promise<{ columns: string[]; rows: Row[] }> {
    const statements = await this.connection.extractStatements(sql);
    if (statements.count !== 1) {
      throw new ReadOnlyQueryError(`query takes exactly one statement, got ${statements.count}`);
    }
    const prepared = await statements.prepare(0);
    if (prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN) {
      throw new ReadOnlyQueryError(
        `query is read-only: ${StatementType[prepared.statementType]} statements are refused (${JSON.stringify(sql.trim().slice(0, 60))})`,
      );
    }
    if (params.length > 0) prepared.bind([...params]);
    const reader = await prepared.runAndReadAll();
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Row[] };
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** The events table's source: the lake's Parquet files, or, before any exist, an empty relation of the same columns. */
function eventsSource(lakeDir: string): string {
  const dir = join(lakeDir, 'events');
  if (hasParquet(dir)) {
    const glob = `${dir}/**/*.parquet`.replaceAll("'", "''");
    return `SELECT * FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {'dt': VARCHAR}, union_by_name = true)`;
  }
  const columns = [...EVENT_COLUMNS, PARTITION_COLUMN].map((c) => `CAST(NULL AS ${c.duckdb}) AS ${c.name}`);
  return `SELECT ${columns.join(', ')} WHERE false`;
}

function hasParquet(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.parquet'));
}
