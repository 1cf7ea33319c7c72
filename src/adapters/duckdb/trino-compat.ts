/**
 * DuckDB macros named like the Trino (Athena) functions our queries use where DuckDB's name differs,
 * so queries/ holds one SQL text for both engines. Only functions that queries/ uses are here, each held to
 * Trino's documented behaviour by test/adapters/duckdb-trino-compat.test.ts: a macro no query uses is
 * removed rather than left to differ from Trino unnoticed. Where no DuckDB function matches Trino exactly (a
 * percentile: Athena's approx_percentile is approximate), queries/ computes the value in plain SQL instead
 * (queries/reports/deploy_change.sql, a nearest-rank p95).
 */

/** Trino names a key with dots or dashes `$["a.b"]`; DuckDB's path for it is `$."a.b"`. */
const DUCKDB_PATH = `regexp_replace(p, '^\\$\\["(.*)"\\]$', '$."\\1"')`;

export const TRINO_COMPAT_MACROS: readonly string[] = [
  // Trino: approximate count(DISTINCT x), standard error 2.3 %; nulls are not counted, 0 when all are null.
  'CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)',
  // Trino: the scalar (string, number, boolean) at the path, as text; NULL for an object, an array, a JSON null,
  // a missing key or text that is not JSON. DuckDB's json_extract_string would return an object or array as its
  // JSON text and fail on text that is not JSON. (A non-integer number reads as DuckDB prints the double — 1.50
  // as 1.5, where Trino keeps the text: queries/ extracts integers and strings only.)
  `CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS CASE
    WHEN json_valid(j) AND json_type(j, ${DUCKDB_PATH}) IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN')
      THEN json_extract_string(j, ${DUCKDB_PATH})
  END`,
];
