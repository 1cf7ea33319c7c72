/**
 * Runs a query file of queries/ with positional parameters: DuckDB over the local lake, Athena in AWS (where
 * parameters travel as execution parameters, never spliced into the SQL text).
 */
/**
 * A timestamp as both engines give it — `YYYY-MM-DD HH:MM:SS[.fff]`, UTC (the local engine's session is UTC, Athena
 * prints UTC) — or any ISO-8601 text with a zone, as epoch ms.
 */
export function engineInstant(value: unknown): number {
  const text = String(value);
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

export interface QueryRunner {
  run(queryFile: string, params: readonly string[]): Promise<Record<string, unknown>[]>;
}
