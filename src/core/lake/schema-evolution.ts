import type { TableColumn } from './table-column.ts';

/** A column as the files already in the lake have it. */
export type PublishedColumn = Pick<TableColumn, 'name' | 'parquet' | 'glue' | 'nullable'>;

/**
 * What a change of a table's columns would break for the files already in the lake, or [] when it breaks
 * nothing. Athena reads old files by column name with the table's current types, so a published column must
 * keep its name, types and position and may not become required; a new column must come after them and be
 * nullable (old files do not have it). Anything else needs a new table version and a backfill, not a deploy.
 */
export function schemaChanges(
  published: readonly PublishedColumn[],
  current: readonly PublishedColumn[],
): string[] {
  const problems: string[] = [];
  published.forEach((old, i) => {
    const now = current[i];
    if (now === undefined) {
      problems.push(`column ${i + 1} ${JSON.stringify(old.name)} was removed`);
    } else if (now.name !== old.name) {
      problems.push(`column ${i + 1} was ${JSON.stringify(old.name)}, is now ${JSON.stringify(now.name)}`);
    } else {
      if (now.parquet !== old.parquet || now.glue !== old.glue) {
        problems.push(
          `column ${JSON.stringify(old.name)} changed type from ${old.glue} (${old.parquet}) to ${now.glue} (${now.parquet})`,
        );
      }
      if (old.nullable && !now.nullable) {
        problems.push(
          `column ${JSON.stringify(old.name)} became required; files written before lack values for it`,
        );
      }
    }
  });
  for (const added of current.slice(published.length)) {
    if (!added.nullable) {
      problems.push(
        `new column ${JSON.stringify(added.name)} must be nullable: files written before do not have it`,
      );
    }
  }
  return problems;
}
