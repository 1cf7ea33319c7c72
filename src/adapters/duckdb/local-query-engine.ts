import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  DuckDBTypeId,
  type DuckDBValue,
  StatementType,
} from '@duckdb/node-api';
import { COST_COLUMNS } from '../../core/costs/cost-columns.ts';
import { EVENT_COLUMNS, PARTITION_COLUMN } from '../../core/lake/event-columns.ts';
import { emptyRelation, type TableColumn } from '../../core/lake/table-column.ts';
import { PRICE_COLUMNS } from '../../core/prices/price-book.ts';
import { REVENUE_COLUMNS } from '../../core/revenue/revenue.ts';
import { ROLLUP_TABLES } from '../../core/rollups/rollup-columns.ts';
import { type QueryFile, viewFiles } from '../../queries/query-files.ts';
import { defaultPriceBook } from '../local/default-price-book.ts';
import { createViews } from './create-views.ts';
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
    /** The lake directory the engine reads. */
    readonly lakeDir: string,
  ) {}

  static async open(lakeDir: string, views: readonly QueryFile[] = viewFiles()): Promise<LocalQueryEngine> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const connection = await instance.connect();
    const engine = new LocalQueryEngine(instance, connection, lakeDir);
    // Timestamps are UTC instants; without this, DuckDB would cast and truncate them in the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
    await sandbox(connection, lakeDir);
    await engine.reloadTables();
    await createViews(connection, views);
    return engine;
  }

  /**
   * (Re)creates the views over the lake's table folders. The file list and columns are read now: after writing
   * files into a folder that had none (the first rollup), call this so the views see them; the views of
   * queries/views, bound when queried, follow.
   */
  async reloadTables(): Promise<void> {
    const { connection, lakeDir } = this;
    const source = (folder: string, columns: readonly TableColumn[], partitioned = false) =>
      tableSource(connection, lakeDir, folder, columns, partitioned);
    await connection.run(`CREATE OR REPLACE VIEW events AS ${await source('events', EVENT_COLUMNS, true)}`);
    await connection.run(`CREATE OR REPLACE VIEW costs AS ${await source('costs', COST_COLUMNS)}`);
    await connection.run(`CREATE OR REPLACE VIEW revenue AS ${await source('revenue', REVENUE_COLUMNS)}`);
    await connection.run(
      `CREATE OR REPLACE VIEW prices AS ${defaultPrices()} UNION ALL ${await source('prices', PRICE_COLUMNS)}`,
    );
    for (const rollup of ROLLUP_TABLES) {
      await connection.run(
        `CREATE OR REPLACE VIEW ${rollup.table} AS ${await source(rollup.folder, rollup.columns, true)}`,
      );
    }
  }

  /** Runs any statement (setup, tests). Parameters bind to `?` in order. */
  async run(sql: string, params: readonly DuckDBValue[] = []): Promise<Row[]> {
    return jsonRows(await this.connection.runAndReadAll(sql, [...params]));
  }

  /**
   * Runs one read-only statement (SELECT, or EXPLAIN of a SELECT); anything else, `EXPLAIN ANALYZE` included
   * (it executes its statement), is refused before it runs. Numbers come back as JSON numbers.
   */
  async query(sql: string, params: readonly DuckDBValue[] = []): Promise<{ columns: string[]; rows: Row[] }> {
    await this.refuseBeforePreparing(sql);
    const prepared = await this.prepareOne(sql);
    const explained = /^\s*EXPLAIN\b/i.exec(sql);
    if (prepared.statementType === StatementType.EXPLAIN && explained) {
      const inner = sql.slice(explained[0].length);
      if (/^\s*ANALY[SZ]E\b/i.test(inner)) throw refused('EXPLAIN ANALYZE', sql);
      const innerType = (await this.prepareOne(inner)).statementType;
      if (innerType !== StatementType.SELECT) throw refused(`EXPLAIN ${StatementType[innerType]}`, sql);
    } else if (prepared.statementType !== StatementType.SELECT) {
      throw refused(String(StatementType[prepared.statementType]), sql);
    }
    if (params.length > 0) prepared.bind([...params]);
    const reader = await prepared.runAndReadAll();
    return { columns: reader.columnNames(), rows: jsonRows(reader) };
  }

  /**
   * Preparing a statement can already act (EXPORT DATABASE makes its folder, CREATE SECRET loads extensions), so
   * the statement is first only parsed: DuckDB's json_serialize_sql takes SELECTs alone. Anything else but an
   * EXPLAIN (checked again after preparing) is refused here, named by its first keyword; a syntax error is left
   * for prepare to report.
   */
  private async refuseBeforePreparing(sql: string): Promise<void> {
    const [row] = await this.run('SELECT json_serialize_sql(?::VARCHAR) AS parsed', [sql]);
    const parsed = JSON.parse(String(row?.parsed)) as {
      error: boolean;
      error_type?: string;
      statements?: unknown[];
    };
    if (!parsed.error) {
      const count = parsed.statements?.length ?? 0;
      if (count !== 1) throw new ReadOnlyQueryError(`query takes exactly one statement, got ${count}`);
      return;
    }
    if (parsed.error_type === 'parser') return;
    const explained = /^\s*EXPLAIN\b/i.exec(sql);
    if (explained) {
      const inner = sql.slice(explained[0].length);
      if (/^\s*ANALY[SZ]E\b/i.test(inner)) throw refused('EXPLAIN ANALYZE', sql);
      return this.refuseBeforePreparing(inner);
    }
    const keyword =
      /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'non-SELECT';
    throw refused(keyword, sql);
  }

  private async prepareOne(sql: string) {
    const statements = await this.connection.extractStatements(sql);
    if (statements.count !== 1) {
      throw new ReadOnlyQueryError(`query takes exactly one statement, got ${statements.count}`);
    }
    return statements.prepare(0);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Confines DuckDB to the lake: it may read files under the lake directory and nothing else — no other local file
 * (`read_csv('/etc/passwd')`, `glob('/home/*')`), no URL (`https://`, `s3://`), no extension installed or loaded on
 * demand — and the settings are locked, so a query cannot undo any of it (`SET enable_external_access = true`
 * fails). Every engine is opened this way: the CLI's `query`, the reports and the demo.
 */
const LAKE_TABLE_FOLDERS = ['events', 'costs', 'prices', 'revenue', 'quarantine', 'rollups'] as const;

async function sandbox(connection: DuckDBConnection, lakeDir: string): Promise<void> {
  const absolute = resolve(lakeDir);
  const real = (path: string) => (existsSync(path) ? realpathSync(path) : path);
  // The lake, and where its table folders really are (a folder may be a link to another disk).
  const folders = LAKE_TABLE_FOLDERS.map((f) => real(join(absolute, f)));
  const dirs = [...new Set([absolute, real(absolute), ...folders])].map((d) =>
    sqlString(d.endsWith(sep) ? d : `${d}${sep}`),
  );
  await connection.run(`SET allowed_directories = [${dirs.join(', ')}]`);
  await connection.run('SET autoinstall_known_extensions = false');
  await connection.run('SET autoload_known_extensions = false');
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

function refused(kind: string, sql: string): ReadOnlyQueryError {
  return new ReadOnlyQueryError(
    `query is read-only: ${kind} statements are refused (${JSON.stringify(sql.trim().slice(0, 60))})`,
  );
}

const WIDE_NUMBERS = new Set<number>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
]);

/** Rows as JSON values, with the numbers DuckDB hands over as text (64/128-bit integers, decimals) as numbers. */
function jsonRows(reader: DuckDBResultReader): Row[] {
  const rows = reader.getRowObjectsJson() as Row[];
  const names = reader.columnNames();
  const wide = reader
    .columnTypes()
    .flatMap((t, i) => (WIDE_NUMBERS.has(t.typeId) ? [names[i] as string] : []));
  if (wide.length === 0) return rows;
  for (const row of rows) {
    for (const name of wide) {
      const v = row[name];
      if (typeof v === 'string') row[name] = Number(v);
    }
  }
  return rows;
}

/**
 * A table's files under `<lake>/<folder>/` (`dt` from the path when partitioned), or an empty relation of the
 * table's columns. A table column that no file has yet (appended to the table after the files were written)
 * reads as null, as Athena reads it through the Glue table.
 */
async function tableSource(
  connection: DuckDBConnection,
  lakeDir: string,
  folder: string,
  columns: readonly TableColumn[],
  partitioned: boolean,
): Promise<string> {
  const dir = join(lakeDir, folder);
  const files = parquetFiles(dir);
  const all = partitioned ? [...columns, PARTITION_COLUMN] : columns;
  if (files.length === 0) return emptyRelation(all);
  // A glob when the path is plain; the file list when the lake's path itself holds glob characters.
  const list = /[*?[\]{}]/.test(dir)
    ? `[${files.map(sqlString).join(', ')}]`
    : sqlString(`${dir}/**/*.parquet`);
  const options = partitioned
    ? "hive_partitioning = true, hive_types = {'dt': VARCHAR}, union_by_name = true"
    : 'union_by_name = true';
  const from = `read_parquet(${list}, ${options})`;
  const present = new Set(
    (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`))
      .getRowObjectsJson()
      .map((r) => String(r.column_name)),
  );
  const missing = all.filter((c) => !present.has(c.name));
  const nulls = (c: TableColumn | typeof PARTITION_COLUMN) => `CAST(NULL AS ${c.duckdb}) AS ${c.name}`;
  // The events view shows every column its files have (a newer writer's extra ones too); the other tables list
  // theirs in order, as `prices` is a UNION with the default price book by position.
  if (partitioned) return `SELECT *${missing.map((c) => `, ${nulls(c)}`).join('')} FROM ${from}`;
  return `SELECT ${all.map((c) => (present.has(c.name) ? c.name : nulls(c))).join(', ')} FROM ${from}`;
}

/** The default price book shipped with tokenledger, as rows of the prices table (source 'default'). */
function defaultPrices(): string {
  const text = (v: string | null) => (v === null ? 'CAST(NULL AS VARCHAR)' : sqlString(v));
  const rows = defaultPriceBook().map(
    (p) =>
      `(${[
        sqlString(p.provider),
        sqlString(p.model),
        sqlString(p.usage_type),
        `CAST(${p.usd_per_million_tokens} AS DOUBLE)`,
        `epoch_ms(${p.effective_from})`,
        p.effective_to === null ? 'CAST(NULL AS TIMESTAMP)' : `epoch_ms(${p.effective_to})`,
        "'default'",
        'epoch_ms(0)',
        text(p.service_tier),
        text(p.context_tier),
        `CAST(${p.long_context_above ?? 'NULL'} AS INTEGER)`,
        text(p.alias_of),
      ].join(', ')})`,
  );
  return `SELECT * FROM (VALUES ${rows.join(', ')}) AS d (${PRICE_COLUMNS.map((c) => c.name).join(', ')})`;
}

function parquetFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => join(dir, f));
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
