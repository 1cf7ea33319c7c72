import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsTableColumns } from '../../infra/constructs/events-table.ts';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { createIngestHandler } from '../../src/jobs/ingest-job.ts';
import { kinesisEvent, line, wireEvent } from '../helpers/factories.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/**
 * The Glue type Athena needs to read a Parquet column, from the file's physical and logical type. A drift
 * between what the consumer writes and what the Glue table declares fails here, before deploy, instead of as
 * a HIVE_BAD_DATA error in Athena.
 */
function glueTypeOf(c: { type: string; converted_type: string | null; logical_type: string | null }): string {
  if (c.type === 'BYTE_ARRAY' && (c.converted_type === 'UTF8' || c.logical_type?.includes('String')))
    return 'string';
  if (
    c.type === 'INT64' &&
    (c.converted_type?.startsWith('TIMESTAMP') || c.logical_type?.includes('Timestamp'))
  ) {
    return 'timestamp';
  }
  if (c.type === 'INT32' && (c.converted_type === null || c.converted_type === 'INT_32')) return 'int';
  if (c.type === 'INT64' && (c.converted_type === null || c.converted_type === 'INT_64')) return 'bigint';
  if (c.type === 'DOUBLE') return 'double';
  return `unmapped ${c.type}/${c.converted_type}/${c.logical_type}`;
}

describe('Parquet files and the Glue events table', () => {
  let lake: { dir: string; remove: () => Promise<void> };
  let engine: LocalQueryEngine;
  beforeAll(async () => {
    lake = await tempDir();
    const handler = createIngestHandler({ store: new FsLakeStore(lake.dir) });
    await handler(
      kinesisEvent([
        [
          line(wireEvent({ tags: { team: 'a' }, latency_ms: 1.5, delivered_output_tokens: 3 })),
          line(wireEvent()),
        ],
      ]),
    );
    engine = await LocalQueryEngine.open(lake.dir);
  });
  afterAll(async () => {
    engine.close();
    await lake.remove();
  });

  it('declares, in file order, exactly the columns and types the consumer writes', async () => {
    const schema = await engine.run(
      `SELECT name, type, converted_type, logical_type::VARCHAR AS logical_type
         FROM parquet_schema('${lake.dir}/events/**/*.parquet') WHERE num_children IS NULL`,
    );
    const written = schema.map((c) => ({ name: c.name, type: glueTypeOf(c as never) }));
    expect(written).toEqual(eventsTableColumns().map((c) => ({ name: c.name, type: c.type })));
  });

  it('writes timestamps adjusted to UTC, as Athena reads them', async () => {
    const [row] = await engine.run("SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S') AS ts FROM events LIMIT 1");
    expect(row?.ts).toBe('2026-11-02T10:00:00');
  });
});
