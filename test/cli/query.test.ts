import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { countOf, PAST_TS, runCli, snapshot } from './run-cli.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let lake: string;
let lakeBefore: string[];
beforeAll(async () => {
  tmp = await tempDir('tokenledger-cli-query-');
  lake = join(tmp.dir, 'lake');
  const file = join(tmp.dir, 'events.jsonl');
  const events = [
    wireEvent({ ts: PAST_TS, feature: 'draft-email' }),
    wireEvent({ ts: PAST_TS, feature: 'draft-email' }),
    wireEvent({ ts: PAST_TS, feature: 'search-answer', cohort: 'free' }),
  ];
  await writeFile(file, `${events.map(line).join('\n')}\n`);
  const ingest = await runCli('ingest', 'events', file, '--lake', lake);
  if (ingest.code !== 0) throw new Error(`setup ingest failed: ${ingest.stderr}`);
  lakeBefore = snapshot(lake);
});
afterAll(async () => {
  await tmp.remove();
});

describe('query is read-only', () => {
  it.each([
    { name: 'CREATE TABLE', sql: () => 'CREATE TABLE x AS SELECT 1' },
    { name: 'DROP VIEW', sql: () => 'DROP VIEW events_dedup' },
    { name: 'two statements', sql: () => 'SELECT 1; SELECT 2' },
    { name: 'INSTALL', sql: () => 'INSTALL httpfs' },
    { name: 'ATTACH', sql: () => `ATTACH '${join(tmp.dir, 'other.duckdb')}' AS other` },
  ])('refuses $name with exit 2 and changes nothing', async ({ sql }) => {
    // Prepare
    const filesBefore = snapshot(tmp.dir);

    // Act
    const run = await runCli('query', sql(), '--lake', lake);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(snapshot(lake)).toEqual(lakeBefore);
    expect(snapshot(tmp.dir)).toEqual(filesBefore);
    expect(await countOf(lake, 'events_dedup')).toBe(3);
  });

  it('refuses COPY ... TO with exit 2 and writes no file', async () => {
    // Prepare
    const target = join(tmp.dir, 'copy-out.csv');

    // Act
    const run = await runCli('query', `COPY (SELECT 1) TO '${target}'`, '--lake', lake);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('COPY');
    expect(existsSync(target)).toBe(false);
    expect(snapshot(lake)).toEqual(lakeBefore);
  });

  // EXPLAIN is let through as read-only, but EXPLAIN ANALYZE runs the statement it explains.
  it('refuses EXPLAIN ANALYZE COPY ... TO, which would write a file', async () => {
    // Prepare
    const target = join(tmp.dir, 'explain-analyze-out.csv');

    // Act
    const run = await runCli('query', `EXPLAIN ANALYZE COPY (SELECT 1 AS a) TO '${target}'`, '--lake', lake);

    // Assess
    expect(existsSync(target)).toBe(false);
    expect(run.code).toBe(2);
  });
});

describe('query output', () => {
  it('prints CSV: a header line, then one line per row, quoting values that hold a comma', async () => {
    // Act
    const run = await runCli(
      'query',
      "SELECT feature, count(*) AS n, 'a,b' AS note FROM events_dedup GROUP BY feature ORDER BY feature",
      '--format',
      'csv',
      '--lake',
      lake,
    );

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('feature,n,note\ndraft-email,2,"a,b"\nsearch-answer,1,"a,b"\n');
  });

  it('prints an aligned table with a header, a rule, the rows and the row count', async () => {
    // Act
    const run = await runCli(
      'query',
      'SELECT feature, cohort FROM events_dedup ORDER BY feature, cohort',
      '--format',
      'table',
      '--lake',
      lake,
    );

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'feature        cohort',
      '-------------  ------',
      'draft-email    pro',
      'draft-email    pro',
      'search-answer  free',
      '(3 rows)',
      '',
    ]);
  });

  it('prints JSON rows with strings, integers, doubles and nulls as JSON values', async () => {
    // Act
    const run = await runCli(
      'query',
      "SELECT 'x' AS s, 42 AS i, 1.5::DOUBLE AS d, NULL AS z",
      '--format',
      'json',
      '--lake',
      lake,
    );

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([{ s: 'x', i: 42, d: 1.5, z: null }]);
  });

  it('exits 1 with the DuckDB message for an unknown column', async () => {
    // Act
    const run = await runCli('query', 'SELECT no_such_column FROM events_dedup', '--lake', lake);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Binder Error');
    expect(run.stderr).toContain('no_such_column');
  });

  it('exits 2 quoting the folder when --lake does not exist', async () => {
    // Prepare
    const missing = join(tmp.dir, 'no-such-lake');

    // Act
    const run = await runCli('query', 'SELECT 1', '--lake', missing);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(JSON.stringify(missing));
    expect(existsSync(missing)).toBe(false);
  });
});
