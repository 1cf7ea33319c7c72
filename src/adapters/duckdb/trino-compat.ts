/**
 * DuckDB macros named like the Trino (Athena) functions our queries use where DuckDB's name differs,
 * so queries/ holds one SQL text for both engines.
 */
export const TRINO_COMPAT_MACROS: readonly string[] = [
  'CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)',
  'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
  'CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t)',
  // approx_percentile: quantile_disc is its exact counterpart (nearest rank); Athena's is approximate.
  'CREATE OR REPLACE MACRO approx_percentile(x, p) AS quantile_disc(x, p)',
  // Trino names a key with dots or dashes `$["a.b"]`; DuckDB's path for it is `$."a.b"`.
  `CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS json_extract_string(j, regexp_replace(p, '^\\$\\["(.*)"\\]$', '$."\\1"'))`,
  "CREATE OR REPLACE MACRO date_format(t, f) AS strftime(t, replace(replace(replace(f, '%i', '%M'), '%s', '%S'), '%H:%i', '%H:%M'))",
];
