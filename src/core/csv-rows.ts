import { parse } from 'csv-parse/sync';
import { DataFileError } from './data-file-error.ts';

/** CSV with a header, as objects with their 1-based line numbers; required columns checked first. */
export function parseCsv(
  text: string,
  file: string,
  requiredColumns: readonly string[],
): { line: number; row: Record<string, string> }[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: true,
      bom: true,
      comment: '#',
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (err) {
    const e = err as Error & { lines?: number; column?: string };
    throw new DataFileError(
      file,
      `line ${e.lines ?? '?'}`,
      String(e.column ?? 'csv'),
      e.message.replace(/^Invalid Record Length: /, ''),
    );
  }
  if (records.length === 0) throw new DataFileError(file, 'line 1', 'csv', 'no rows');
  const header = Object.keys(records[0]?.record ?? {});
  for (const c of requiredColumns) {
    if (!header.includes(c))
      throw new DataFileError(file, 'line 1', c, `missing column (header: ${header.join(',')})`);
  }
  return records.map((r) => ({ line: r.info.lines, row: r.record }));
}

export function required(file: string, at: string, field: string, value: string | undefined): string {
  if (!value) throw new DataFileError(file, at, field, 'is empty');
  return value;
}

export function decimal(file: string, at: string, field: string, value: string | undefined): number {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) {
    throw new DataFileError(file, at, field, `${JSON.stringify(value ?? '')} is not a decimal number`);
  }
  return Number(value);
}

export function utcDate(file: string, at: string, field: string, value: string | undefined): number {
  const m = value ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new DataFileError(file, at, field, `${JSON.stringify(value ?? '')} is not a date YYYY-MM-DD`);
  }
  return ms;
}
