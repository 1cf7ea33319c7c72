import { describe, expect, it } from 'vitest';
import { COST_COLUMNS } from '../../src/core/costs/cost-columns.ts';
import { EVENT_COLUMNS } from '../../src/core/lake/event-columns.ts';
import published from '../../src/core/lake/lake-columns.published.json' with { type: 'json' };
import { type PublishedColumn, schemaChanges } from '../../src/core/lake/schema-evolution.ts';
import { PRICE_COLUMNS } from '../../src/core/prices/price-book.ts';
import { REVENUE_COLUMNS } from '../../src/core/revenue/revenue.ts';

const TABLES = [
  ['events', EVENT_COLUMNS],
  ['costs', COST_COLUMNS],
  ['prices', PRICE_COLUMNS],
  ['revenue', REVENUE_COLUMNS],
] as const;

describe('the lake tables as their files have them (lake-columns.published.json)', () => {
  it.each(TABLES)(
    '%s: the columns only append nullable ones to the published: old files stay readable',
    (table, columns) => {
      // A failure here means a change that breaks the files already written. Append a nullable column instead; if
      // the change is really meant, it needs a new table version and a backfill — then update the published file
      // in a change of its own, reviewed as a migration.
      expect(schemaChanges(published[table] as PublishedColumn[], columns)).toEqual([]);
    },
  );

  it('publishes exactly the lake tables', () => {
    expect(Object.keys(published).sort()).toEqual(TABLES.map(([t]) => t).sort());
  });
});

describe('schemaChanges', () => {
  const base: PublishedColumn[] = [
    { name: 'event_id', parquet: 'STRING', glue: 'string', nullable: false },
    { name: 'input_tokens', parquet: 'INT32', glue: 'int', nullable: false },
    { name: 'latency_ms', parquet: 'DOUBLE', glue: 'double', nullable: true },
  ];
  const at = (i: number, over: Partial<PublishedColumn>) =>
    base.map((c, j) => (j === i ? { ...c, ...over } : c));

  it('accepts the same columns, and a nullable column appended', () => {
    expect(schemaChanges(base, base)).toEqual([]);
    expect(
      schemaChanges(base, [...base, { name: 'region', parquet: 'STRING', glue: 'string', nullable: true }]),
    ).toEqual([]);
  });

  it('names a type change, a rename, a removal, a required column and a required new column', () => {
    expect(schemaChanges(base, at(1, { parquet: 'STRING', glue: 'string' }))).toEqual([
      'column "input_tokens" changed type from int (INT32) to string (STRING)',
    ]);
    expect(schemaChanges(base, at(2, { name: 'latency' }))).toEqual([
      'column 3 was "latency_ms", is now "latency"',
    ]);
    expect(schemaChanges(base, base.slice(0, 2))).toEqual(['column 3 "latency_ms" was removed']);
    expect(schemaChanges(base, at(2, { nullable: false }))).toEqual([
      'column "latency_ms" became required; files written before lack values for it',
    ]);
    expect(
      schemaChanges(base, [...base, { name: 'region', parquet: 'STRING', glue: 'string', nullable: false }]),
    ).toEqual(['new column "region" must be nullable: files written before do not have it']);
  });

  it('accepts a required column becoming nullable (old files all have it)', () => {
    expect(schemaChanges(base, at(0, { nullable: true }))).toEqual([]);
  });
});
