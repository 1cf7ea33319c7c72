/**
 * The comparisons the schema guards make, in one place: test/infra/events-table.test.ts, test/infra/lake-tables.test.ts
 * and test/queries/sql-files.test.ts use them on the real definitions, and test/faults/schema-change.test.ts on a
 * mutated copy, so the fault test checks exactly what the guards check (copies of them had drifted apart).
 */

/** The Glue/Hive type Athena needs for a Parquet column the writer produced (its physical and converted type). */
export function glueTypeOf(element: { type?: string; converted_type?: string }): string {
  const key = `${element.type}/${element.converted_type ?? ''}`;
  const glue = GLUE_TYPES[key];
  if (!glue) throw new Error(`no Glue type known for Parquet ${key}`);
  return glue;
}

const GLUE_TYPES: Readonly<Record<string, string>> = {
  'BYTE_ARRAY/UTF8': 'string',
  'INT32/': 'int',
  'DOUBLE/': 'double',
  'INT64/TIMESTAMP_MILLIS': 'timestamp',
  'INT64/TIMESTAMP_MICROS': 'timestamp',
};

/** The columns an Athena DDL (queries/tables/events.hql) declares before PARTITIONED BY: name and Glue type, in order. */
export function ddlColumns(ddl: string): { name: string | undefined; glue: string | undefined }[] {
  const body = ddl.slice(ddl.indexOf('(') + 1, ddl.indexOf('PARTITIONED BY'));
  return [...body.matchAll(/^\s+(\w+) (\w+) COMMENT/gm)].map((m) => ({ name: m[1], glue: m[2] }));
}
