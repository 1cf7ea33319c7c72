import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateEvent } from '@tokenledger/client/contract';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EARLIEST_DT,
  eventsTableColumns,
  eventsTableLocation,
  eventsTableParameters,
  eventsTablePartitionKeys,
} from '../../infra/constructs/events-table.ts';
import { EVENT_COLUMNS, PARTITION_COLUMN } from '../../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../../src/core/lake/events-parquet.ts';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import { wireEvent } from '../helpers/factories.ts';
import { glueTypeOf } from '../helpers/schema-guards.ts';
import { type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// The drift check: the Parquet files the ingest function writes and the Glue table Athena reads them
// through must agree column for column, in order. Both follow EVENT_COLUMNS; these tests hold each to it.

interface CfnColumn {
  Name: string;
  Type: string;
  Comment?: string;
}

let built: SynthesizedApp;
let tableInput: { StorageDescriptor: { Columns: CfnColumn[] }; PartitionKeys: CfnColumn[] };
beforeAll(() => {
  built = synthesizeApp({ skipBundling: true });
  const tables = Object.values(
    built.dataTemplate.findResources('AWS::Glue::Table', { Properties: { TableInput: { Name: 'events' } } }),
  );
  expect(tables).toHaveLength(1);
  tableInput = tables[0]?.Properties.TableInput;
});
afterAll(() => built.cleanup());

describe('events table vs EVENT_COLUMNS', () => {
  it('the synthesized table has exactly EVENT_COLUMNS as { Name, Type }, in the same order', () => {
    const columns = tableInput.StorageDescriptor.Columns.map(({ Name, Type }) => ({ Name, Type }));
    expect(columns).toEqual(EVENT_COLUMNS.map((column) => ({ Name: column.name, Type: column.glue })));
  });

  it('carries each column comment along', () => {
    expect(tableInput.StorageDescriptor.Columns.map((column) => column.Comment)).toEqual(
      EVENT_COLUMNS.map((column) => column.comment),
    );
  });

  it('is partitioned by dt string only, and dt is not also a data column', () => {
    expect(tableInput.PartitionKeys.map(({ Name, Type }) => ({ Name, Type }))).toEqual([
      { Name: 'dt', Type: 'string' },
    ]);
    expect(PARTITION_COLUMN).toMatchObject({ name: 'dt', glue: 'string' });
    expect(tableInput.StorageDescriptor.Columns.map((column) => column.Name)).not.toContain('dt');
  });

  it('eventsTableColumns() and eventsTablePartitionKeys() are derived from the shared definition', () => {
    expect(eventsTableColumns().map(({ name, type }) => ({ name, type }))).toEqual(
      EVENT_COLUMNS.map((column) => ({ name: column.name, type: column.glue })),
    );
    expect(eventsTablePartitionKeys()).toEqual([
      { name: PARTITION_COLUMN.name, type: PARTITION_COLUMN.glue, comment: PARTITION_COLUMN.comment },
    ]);
  });
});

describe('events table vs the Parquet the ingest function writes', () => {
  it('a file from eventsToParquet has the Glue columns, names, types and order', () => {
    const bytes = eventsToParquet([]);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const [, ...leaves] = parquetMetadata(buffer).schema;
    const fileColumns = leaves.map((element) => ({ Name: element.name, Type: glueTypeOf(element) }));
    expect(fileColumns).toEqual(
      tableInput.StorageDescriptor.Columns.map(({ Name, Type }) => ({ Name, Type })),
    );
  });
});

describe('eventsTableParameters', () => {
  it('projects dt by day from 2024-01-01 to tomorrow and templates the location per dt', () => {
    expect(eventsTableParameters('my-lake')).toEqual({
      classification: 'parquet',
      'parquet.compression': 'GZIP',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW+1DAYS',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's placeholder, filled per partition
      'storage.location.template': 's3://my-lake/events/dt=${dt}/',
    });
  });
});

describe('the dt projection range vs the event contract and queries/tables/events.hql', () => {
  it('starts on the day of the earliest ts the contract accepts: an event of the day before is refused', () => {
    expect(EARLIEST_DT).toBe('2024-01-01');
    const received = Date.parse('2026-11-03T12:00:00Z');
    const codes = (ts: string) => {
      const result = validateEvent(wireEvent({ ts }), received);
      return result.ok ? [] : result.rejections.map((r) => `${r.field}:${r.code}`);
    };
    expect(codes('2024-01-01T00:00:00Z')).toEqual([]);
    expect(codes('2023-12-31T23:59:59Z')).toEqual(['ts:ts_too_old']);
  });

  it('the hand-written DDL has the same location and table properties as the construct', () => {
    const hql = readFileSync(join(QUERIES_DIR, 'tables/events.hql'), 'utf8').replace(/--[^\n]*/g, '');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the DDL's placeholder for the bucket name
    const bucket = '${lake_bucket}';
    expect(/LOCATION '([^']*)'/.exec(hql)?.[1]).toBe(eventsTableLocation(bucket));
    const properties = /TBLPROPERTIES \(([\s\S]*)\)/.exec(hql)?.[1] ?? '';
    const declared = Object.fromEntries(
      [...properties.matchAll(/'([^']*)'\s*=\s*'([^']*)'/g)].map(([, key, value]) => [key, value]),
    );
    expect(declared).toEqual(eventsTableParameters(bucket));
  });
});
