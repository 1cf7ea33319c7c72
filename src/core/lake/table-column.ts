/**
 * A column of a lake table: ONE definition that the Parquet writer, the Glue table (CDK), the Athena DDL and
 * the local DuckDB view all follow. Tests check each against it.
 */
export interface TableColumn {
  name: string;
  /** hyparquet-writer basic type. */
  parquet: 'STRING' | 'TIMESTAMP' | 'INT32' | 'INT64' | 'DOUBLE';
  /** Glue / Athena (Hive) type. */
  glue: 'string' | 'timestamp' | 'int' | 'bigint' | 'double';
  /** DuckDB type the local engine sees. */
  duckdb: 'VARCHAR' | 'TIMESTAMP' | 'INTEGER' | 'BIGINT' | 'DOUBLE';
  nullable: boolean;
  comment: string;
}

export const STRING = { parquet: 'STRING', glue: 'string', duckdb: 'VARCHAR' } as const;
export const INT = { parquet: 'INT32', glue: 'int', duckdb: 'INTEGER' } as const;
/** A 64-bit integer: sums of tokens (a group's can pass 2^31). Written from a number or a bigint. */
export const BIGINT = { parquet: 'INT64', glue: 'bigint', duckdb: 'BIGINT' } as const;
export const DOUBLE = { parquet: 'DOUBLE', glue: 'double', duckdb: 'DOUBLE' } as const;
export const TIMESTAMP = { parquet: 'TIMESTAMP', glue: 'timestamp', duckdb: 'TIMESTAMP' } as const;

/** An empty relation with the table's columns (DuckDB SQL), for a table that has no files yet. */
export function emptyRelation(columns: readonly Pick<TableColumn, 'name' | 'duckdb'>[]): string {
  return `SELECT ${columns.map((c) => `CAST(NULL AS ${c.duckdb}) AS ${c.name}`).join(', ')} WHERE false`;
}
