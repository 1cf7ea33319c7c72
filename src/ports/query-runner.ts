/**
 * Runs a query file of queries/ with positional parameters: DuckDB over the local lake, Athena in AWS (where
 * parameters travel as execution parameters, never spliced into the SQL text).
 */
export interface QueryRunner {
  run(queryFile: string, params: readonly string[]): Promise<Record<string, unknown>[]>;
}
