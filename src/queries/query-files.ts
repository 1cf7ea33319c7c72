import { readdirSync, readFileSync } from 'node:fs';
import { QUERIES_DIR } from '../assets.ts';

export { QUERIES_DIR } from '../assets.ts';

export interface QueryFile {
  /** Path under queries/, e.g. `views/10_events_dedup.sql`. */
  name: string;
  sql: string;
}

/** The view a `CREATE [OR REPLACE] VIEW <name> …` file creates. */
export function viewName(sql: string): string {
  const m = /CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+([A-Za-z_][A-Za-z0-9_]*)/i.exec(sql);
  if (!m?.[1]) throw new Error(`not a CREATE VIEW statement: ${JSON.stringify(sql.trim().slice(0, 60))}`);
  return m[1];
}

/** The view definitions, in the order they must be created (their file names start with that order). */
export function viewFiles(dir: string = QUERIES_DIR): QueryFile[] {
  return sqlFiles(dir, 'views');
}

/** Every `.sql` file of a folder of queries/, sorted by name. */
export function sqlFiles(dir: string, folder: string): QueryFile[] {
  const base = `${dir.replace(/\/$/, '')}/${folder}`;
  return readdirSync(base)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: `${folder}/${f}`, sql: readFileSync(`${base}/${f}`, 'utf8') }));
}
