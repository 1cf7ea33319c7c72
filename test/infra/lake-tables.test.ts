import type { CfnElement } from 'aws-cdk-lib';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueColumns } from '../../infra/constructs/glue-columns.ts';
import { COST_COLUMNS } from '../../src/core/costs/cost-columns.ts';
import { writeParquet } from '../../src/core/lake/parquet-file.ts';
import type { TableColumn } from '../../src/core/lake/table-column.ts';
import { PRICE_COLUMNS } from '../../src/core/prices/price-book.ts';
import { REVENUE_COLUMNS } from '../../src/core/revenue/revenue.ts';
import { glueTypeOf } from '../helpers/schema-guards.ts';
import { type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// The drift check of the costs, prices and revenue tables, as events-table.test.ts does for events: the Glue
// table Athena reads and the Parquet files the imports write follow the same column list, column for column.

interface CfnColumn {
  Name: string;
  Type: string;
  Comment?: string;
}

interface TableInput {
  Name: string;
  TableType: string;
  Parameters: Record<string, string>;
  PartitionKeys?: CfnColumn[];
  StorageDescriptor: {
    Columns: CfnColumn[];
    Location: unknown;
    InputFormat: string;
    OutputFormat: string;
    SerdeInfo: { SerializationLibrary: string };
  };
}

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp({ skipBundling: true });
});
afterAll(() => built.cleanup());

function tableInput(name: string): TableInput {
  const tables = Object.values(
    built.dataTemplate.findResources('AWS::Glue::Table', { Properties: { TableInput: { Name: name } } }),
  );
  expect(tables).toHaveLength(1);
  return tables[0]?.Properties.TableInput as TableInput;
}

const TABLES: [string, string, readonly TableColumn[]][] = [
  ['costs', 'costs/', COST_COLUMNS],
  ['prices', 'prices/', PRICE_COLUMNS],
  ['revenue', 'revenue/', REVENUE_COLUMNS],
];

describe.each(TABLES)('the %s table', (name, prefix, columns) => {
  it('has exactly its column list as { Name, Type }, in the same order, comments carried along', () => {
    const table = tableInput(name);
    expect(table.StorageDescriptor.Columns.map(({ Name, Type }) => ({ Name, Type }))).toEqual(
      columns.map((column) => ({ Name: column.name, Type: column.glue })),
    );
    expect(table.StorageDescriptor.Columns.map((column) => column.Comment)).toEqual(
      columns.map((column) => column.comment),
    );
  });

  it(`is an external, unpartitioned Parquet table over s3://<lake>/${prefix}`, () => {
    const table = tableInput(name);
    const lake = built.data.resolve((built.data.lakeBucket.node.defaultChild as CfnElement).logicalId);
    expect(table.TableType).toBe('EXTERNAL_TABLE');
    expect(table.PartitionKeys ?? []).toEqual([]);
    expect(table.StorageDescriptor.Location).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: lake }, `/${prefix}`]],
    });
    expect(table.StorageDescriptor).toMatchObject({
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    });
    expect(table.Parameters).toEqual({ classification: 'parquet', 'parquet.compression': 'GZIP' });
  });

  it('matches, name, type and order, the Parquet file the import writes', () => {
    const bytes = writeParquet(columns, []);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const [, ...leaves] = parquetMetadata(buffer).schema;
    expect(leaves.map((element) => ({ Name: element.name, Type: glueTypeOf(element) }))).toEqual(
      tableInput(name).StorageDescriptor.Columns.map(({ Name, Type }) => ({ Name, Type })),
    );
  });
});

describe('Glue tables of the data stack', () => {
  it('are events, costs, prices, revenue and the rollups, all in the tokenledger database, none crawled', () => {
    const tables = Object.values(built.dataTemplate.findResources('AWS::Glue::Table'));
    expect(tables.map((t) => t.Properties.TableInput.Name).sort()).toEqual([
      'costs',
      'events',
      'prices',
      'revenue',
      'rollup_customer_features',
      'rollup_customer_usage',
      'rollup_prompt_latencies',
      'rollup_rolls',
      'rollup_run_usage',
      'rollup_tool_calls',
      'rollup_usage',
      'rollup_users',
    ]);
    for (const table of tables) {
      expect(table.Properties.DatabaseName).toBe('tokenledger');
      expect(table.DependsOn).toEqual([expect.stringMatching(/^LakeDatabase/)]);
    }
    built.dataTemplate.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  it('glueColumns() is the column list, nothing added or reordered', () => {
    expect(glueColumns(COST_COLUMNS)).toEqual(
      COST_COLUMNS.map((c) => ({ name: c.name, type: c.glue, comment: c.comment })),
    );
  });
});
