import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { TRINO_COMPAT_MACROS } from '../../src/adapters/duckdb/trino-compat.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The DuckDB macros that carry Trino's names (src/adapters/duckdb/trino-compat.ts) against what Trino documents
// (trino.io/docs/current/functions/json.html, aggregate.html), on the edge cases where DuckDB's own function
// differs. Athena engine v3 is Trino.

const macroNames = TRINO_COMPAT_MACROS.map((sql) => /MACRO\s+(\w+)\s*\(/.exec(sql)?.[1]);

/** Every .sql file under queries/, comments removed. */
function querySources(): string[] {
  return readdirSync(QUERIES_DIR, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => readFileSync(join(QUERIES_DIR, f), 'utf8').replace(/--[^\n]*/g, ' '));
}

let lake: { dir: string; remove: () => Promise<void> };
let engine: LocalQueryEngine;
beforeAll(async () => {
  lake = await tempDir();
  engine = await LocalQueryEngine.open(lake.dir);
});
afterAll(async () => {
  engine.close();
  await lake.remove();
});

describe('Trino-compat macros', () => {
  it('are exactly the Trino functions queries/ uses that DuckDB names differently', () => {
    const sources = querySources();
    expect(macroNames).toEqual(['approx_distinct', 'json_extract_scalar']);
    for (const name of macroNames) {
      expect(
        sources.some((sql) => new RegExp(`\\b${name}\\s*\\(`, 'i').test(sql)),
        String(name),
      ).toBe(true);
    }
    // Removed: no query uses them, and DuckDB's counterparts differ from Trino's (approx_percentile exact vs
    // approximate; date_format's, from_iso8601_timestamp's and to_unixtime's edge cases were never checked).
    for (const gone of ['approx_percentile', 'date_format', 'from_iso8601_timestamp', 'to_unixtime']) {
      expect(
        sources.some((sql) => new RegExp(`\\b${gone}\\s*\\(`, 'i').test(sql)),
        gone,
      ).toBe(false);
    }
  });

  describe('json_extract_scalar: the scalar at the path as varchar, else NULL', () => {
    const extract = async (json: string | null, path: string) => {
      const [row] = await engine.run('SELECT json_extract_scalar(?::VARCHAR, ?::VARCHAR) AS v', [json, path]);
      return row?.v;
    };

    it.each([
      // A string reads unquoted and unescaped.
      ['{"a":"estimated"}', '$.a', 'estimated'],
      ['{"a":"x\\"y\\u00e9"}', '$.a', 'x"yé'],
      ['{"a":""}', '$.a', ''],
      // A number or boolean reads as its text.
      ['{"a":3}', '$.a', '3'],
      ['{"a":-1000000}', '$.a', '-1000000'],
      ['{"a":1.5}', '$.a', '1.5'],
      ['{"a":true}', '$.a', 'true'],
      ['{"a":false}', '$.a', 'false'],
      // Keys with dots or dashes, in Trino's bracket notation (queries/views/34_billed_tools.sql builds them).
      ['{"web.search":2,"web":{"search":9}}', '$["web.search"]', '2'],
      ['{"code-interpreter":4}', '$["code-interpreter"]', '4'],
      ['{"web_search":5}', '$["web_search"]', '5'],
      // Nested keys and array elements.
      ['{"a":{"b":"c"}}', '$.a.b', 'c'],
      ['{"a":[10,20,30]}', '$.a[2]', '30'],
    ])('%s at %s is %j', async (json, path, expected) => {
      expect(await extract(json, path)).toBe(expected);
    });

    it.each([
      // "The value referenced by json_path must be a scalar (boolean, number or string)": objects and arrays are NULL.
      ['{"a":{"b":1}}', '$.a'],
      ['{"a":[1,2]}', '$.a'],
      ['{"a":{}}', '$["a"]'],
      // A JSON null, a missing key, a NULL document, a document that is not JSON.
      ['{"a":null}', '$.a'],
      ['{"a":1}', '$.b'],
      ['{"a":1}', '$["b.c"]'],
      [null, '$.a'],
      ['{"a":', '$.a'],
      ['not json', '$.a'],
    ])('%s at %s is NULL', async (json, path) => {
      expect(await extract(json, path)).toBeNull();
    });

    it('casts to INTEGER as queries/views/40_request_usage.sql does', async () => {
      const rows = await engine.run(
        `SELECT CAST(json_extract_scalar(j, '$["web_search"]') AS INTEGER) AS calls
         FROM (VALUES ('{"web_search":7}'), ('{"other":1}'), ('{"web_search":{"n":1}}')) AS t (j)`,
      );
      expect(rows).toEqual([{ calls: 7 }, { calls: null }, { calls: null }]);
    });
  });

  describe('approx_distinct: approximate count(DISTINCT x), a bigint, 0 when every value is null', () => {
    it('ignores nulls and is 0 (not NULL) for no values or only nulls', async () => {
      const rows = await engine.run(
        `SELECT
           approx_distinct(x) AS distinct_values,
           typeof(approx_distinct(x)) AS type,
           approx_distinct(CASE WHEN false THEN x END) AS only_nulls,
           (SELECT approx_distinct(y) FROM (VALUES (1)) AS e (y) WHERE y > 1) AS no_rows
         FROM (VALUES ('a'), ('b'), (NULL), ('a'), (NULL)) AS t (x)`,
      );
      expect(rows).toEqual([{ distinct_values: 2, type: 'BIGINT', only_nulls: 0, no_rows: 0 }]);
    });

    it('is within Trino’s documented standard error (2.3 %) times 3 on 10,000 distinct values', async () => {
      const [row] = await engine.run(
        'SELECT approx_distinct(CAST(i % 10000 AS VARCHAR)) AS n FROM range(50000) AS t (i)',
      );
      expect(Math.abs(Number(row?.n) - 10_000)).toBeLessThanOrEqual(10_000 * 0.023 * 3);
    });
  });
});
