import { readdirSync, readFileSync } from 'node:fs';
import { QUERIES_DIR } from '../assets.ts';

export { QUERIES_DIR } from '../assets.ts';

export interface QueryFile {
  /** Path under queries/, e.g. `views/10_events_dedup.sql`. */
  name: string;
  sql: string;
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
