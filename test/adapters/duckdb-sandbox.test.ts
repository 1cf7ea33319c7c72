import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { writeParquet } from '../../src/core/lake/parquet-file.ts';
import { STRING } from '../../src/core/lake/table-column.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// `tokenledger query` (and every report) runs SQL on DuckDB over the lake. The engine may read the lake's files
// and nothing else: no other local file, no URL, no extension fetched on demand, and no setting a query can change
// to undo that. Each probe below worked before the sandbox.

let lake: { dir: string; remove: () => Promise<void> };
let outside: { dir: string; remove: () => Promise<void> };
let engine: LocalQueryEngine;
let secretFile: string;
let outsideParquet: string;
let siblingParquet: string;

beforeAll(async () => {
  lake = await tempDir('tokenledger-sandbox-lake-');
  outside = await tempDir('tokenledger-sandbox-outside-');
  await new LakeFixture(lake.dir).events([wireEvent()]);
  secretFile = join(outside.dir, 'secret.csv');
  writeFileSync(secretFile, 'user,password\nroot,hunter2\n');
  writeFileSync(join(outside.dir, 'secret.json'), '{"password":"hunter2"}');
  const parquet = writeParquet(
    [{ name: 'password', ...STRING, nullable: false, comment: '' }],
    [{ password: 'x' }],
  );
  outsideParquet = join(outside.dir, 'secret.parquet');
  writeFileSync(outsideParquet, parquet);
  // A folder whose name starts with the lake's: a prefix check without the separator would let it through.
  mkdirSync(`${lake.dir}-sibling`, { recursive: true });
  siblingParquet = join(`${lake.dir}-sibling`, 'secret.parquet');
  writeFileSync(siblingParquet, parquet);
  engine = await LocalQueryEngine.open(lake.dir);
});

afterAll(async () => {
  engine.close();
  await lake.remove();
  await outside.remove();
  await tempDirRemove(`${lake.dir}-sibling`);
});

async function tempDirRemove(dir: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(dir, { recursive: true, force: true });
}

describe('the query sandbox', () => {
  const probes: [string, () => string][] = [
    ['read_csv of a file outside the lake', () => `SELECT * FROM read_csv('${secretFile}')`],
    ['read_csv_auto', () => `SELECT * FROM read_csv_auto('${secretFile}')`],
    ['read_text', () => `SELECT content FROM read_text('${secretFile}')`],
    ['read_blob', () => `SELECT content FROM read_blob('${secretFile}')`],
    ['read_json_auto', () => `SELECT * FROM read_json_auto('${join(outside.dir, 'secret.json')}')`],
    ['read_parquet outside the lake', () => `SELECT * FROM read_parquet('${outsideParquet}')`],
    [
      'read_parquet in a sibling folder named like the lake',
      () => `SELECT * FROM read_parquet('${siblingParquet}')`,
    ],
    ['glob of another folder', () => `SELECT * FROM glob('${outside.dir}/*')`],
    ['a file path as a table', () => `SELECT * FROM '${secretFile}'`],
    ['/etc/passwd', () => "SELECT * FROM read_csv('/etc/passwd')"],
    [
      'an https URL (would fetch the httpfs extension)',
      () => "SELECT * FROM read_parquet('https://example.test/x.parquet')",
    ],
    ['an s3 URL', () => "SELECT * FROM read_parquet('s3://bucket/x.parquet')"],
  ];

  it.each(probes)('refuses %s', async (_name, sql) => {
    await expect(engine.query(sql())).rejects.toThrow(
      /Permission Error|disabled|not allowed|external access/i,
    );
  });

  it.each([
    ['SET enable_external_access = true'],
    ["SET allowed_directories = ['/']"],
    ['SET autoload_known_extensions = true'],
    ['RESET lock_configuration'],
  ])('cannot be undone: %s is refused (read-only) and, run as a statement, locked', async (sql) => {
    await expect(engine.query(sql)).rejects.toThrow(/read-only/);
    await expect(engine.run(sql)).rejects.toThrow(/lock|Cannot change/i);
  });

  it('still reads the lake: its tables and views, and its files by path', async () => {
    const { rows } = await engine.query('SELECT count(*) AS n FROM events_dedup');
    expect(rows).toEqual([{ n: 1 }]);
    const files = await engine.query(
      `SELECT count(*) AS n FROM read_parquet('${lake.dir}/events/**/*.parquet')`,
    );
    expect(files.rows).toEqual([{ n: 1 }]);
  });

  it('reads a lake whose table folder is a link to another disk, and still nothing else there', async () => {
    const { symlinkSync } = await import('node:fs');
    const linked = await tempDir('tokenledger-sandbox-linked-');
    const elsewhere = await tempDir('tokenledger-sandbox-elsewhere-');
    try {
      await new LakeFixture(elsewhere.dir).events([wireEvent()]);
      symlinkSync(join(elsewhere.dir, 'events'), join(linked.dir, 'events'), 'dir');
      writeFileSync(join(elsewhere.dir, 'beside.csv'), 'a\n1\n');
      const other = await LocalQueryEngine.open(linked.dir);
      try {
        expect((await other.query('SELECT count(*) AS n FROM events_dedup')).rows).toEqual([{ n: 1 }]);
        await expect(
          other.query(`SELECT * FROM read_csv('${join(elsewhere.dir, 'beside.csv')}')`),
        ).rejects.toThrow(/Permission Error|disabled|not allowed|external access/i);
      } finally {
        other.close();
      }
    } finally {
      await linked.remove();
      await elsewhere.remove();
    }
  });
});
