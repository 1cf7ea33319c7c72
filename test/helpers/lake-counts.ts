import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { LocalQueryEngine } from '../../src/adapters/duckdb/local-query-engine.ts';
import type { QuarantineEntry } from '../../src/core/ingest/quarantine-entry.ts';
import type { LakeStore } from '../../src/ports/lake-store.ts';

/** What a folder lake holds, counted by DuckDB over its files (the same engine and views the reports use). */
export interface LakeCounts {
  /** Rows of `events`: every stored copy of every event. */
  rows: number;
  /** `count(DISTINCT event_id)` over `events`. */
  distinct: number;
  /** Rows of `events_dedup`, the view every report reads. */
  dedup: number;
  /** Rows of each Parquet object, from the file's own footer, by lake key (`events/dt=…/….parquet`). */
  files: Record<string, number>;
  /** Stored copies per event_id in `events`. */
  copies: Map<string, number>;
  /** Rows per event_id in `events_dedup` (each should be 1). */
  dedupCopies: Map<string, number>;
}

export async function lakeCounts(lakeDir: string): Promise<LakeCounts> {
  const engine = await LocalQueryEngine.open(lakeDir);
  try {
    const [totals] = await engine.run(
      'SELECT count(*)::INT AS rows, count(DISTINCT event_id)::INT AS distinct_ids FROM events',
    );
    const [dedup] = await engine.run('SELECT count(*)::INT AS n FROM events_dedup');
    const copies = await engine.run('SELECT event_id, count(*)::INT AS n FROM events GROUP BY event_id');
    const dedupCopies = await engine.run(
      'SELECT event_id, count(*)::INT AS n FROM events_dedup GROUP BY event_id',
    );
    const files: Record<string, number> = {};
    if (Number(totals?.rows) > 0) {
      const footers = await engine.run(
        `SELECT file_name, num_rows::INT AS n FROM parquet_file_metadata('${join(lakeDir, 'events').replaceAll("'", "''")}/**/*.parquet')`,
      );
      for (const f of footers) {
        files[relative(lakeDir, String(f.file_name)).split(sep).join('/')] = Number(f.n);
      }
    }
    return {
      rows: Number(totals?.rows),
      distinct: Number(totals?.distinct_ids),
      dedup: Number(dedup?.n),
      files,
      copies: new Map(copies.map((r) => [String(r.event_id), Number(r.n)])),
      dedupCopies: new Map(dedupCopies.map((r) => [String(r.event_id), Number(r.n)])),
    };
  } finally {
    engine.close();
  }
}

/** Sum of the Parquet footers' row counts. */
export function fileRows(counts: LakeCounts): number {
  return Object.values(counts.files).reduce((s, n) => s + n, 0);
}

/** Every quarantined entry of the lake, object by object. */
export async function quarantined(store: LakeStore): Promise<{ key: string; entry: QuarantineEntry }[]> {
  const out: { key: string; entry: QuarantineEntry }[] = [];
  for (const key of await store.list('quarantine/')) {
    const text = Buffer.from(await store.get(key)).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim()) out.push({ key, entry: JSON.parse(line) as QuarantineEntry });
    }
  }
  return out;
}

/** Copies every object of a lake store into a folder, so that DuckDB can count an S3 lake as it counts a folder. */
export async function mirrorToFolder(store: LakeStore, dir: string): Promise<void> {
  for (const key of await store.list('')) {
    const path = join(dir, ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await store.get(key));
  }
}
