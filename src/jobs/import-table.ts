import { createHash } from 'node:crypto';
import { writeParquet } from '../core/lake/parquet-file.ts';
import type { TableColumn } from '../core/lake/table-column.ts';
import type { LakeStore } from '../ports/lake-store.ts';

export interface ImportResult {
  key: string;
  /** `exists`: this very file was imported before, and nothing was written again. */
  status: 'written' | 'exists';
  rows: number;
}

/**
 * Stores a file's parsed rows as one Parquet object named by the hash of the file's content: importing the
 * same file again finds its object and writes nothing, so it never counts twice. The object is written whole
 * or not at all (the stores never expose half an object), so a refused file leaves nothing behind.
 */
export async function importRows<R>(
  store: LakeStore,
  folder: string,
  content: string | Uint8Array,
  columns: readonly TableColumn[],
  rows: readonly R[],
): Promise<ImportResult> {
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 32);
  const key = `${folder}/${digest}.parquet`;
  const status = await store.putNew(key, writeParquet(columns, rows), 'application/vnd.apache.parquet');
  return { key, status, rows: rows.length };
}
