import { quote } from '@tokenledger/client/contract';
import { parse } from 'csv-parse/sync';
import { DataFileError } from './data-file-error.ts';

/**
 * The most columns a CSV header may have. FOCUS exports have about 50 columns plus their `x_` extensions; a
 * header of a million columns would cost hundreds of MB for every row parsed, so it is refused at line 1.
 */
export const CSV_COLUMNS_MAX = 1000;

/**
 * CSV with a header, as objects with their 1-based line numbers (a row whose quoted field spans lines is
 * named by its first line); the header is checked first: a column named twice or a required column missing
 * refuses the file at line 1. Lines starting with `#` are comments (a `#` inside a value is kept).
 */
export function parseCsv(
  text: string,
  file: string,
  requiredColumns: readonly string[],
): { line: number; row: Record<string, string> }[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let header: string[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(body, {
      columns: (names: string[]) => {
        if (names.length > CSV_COLUMNS_MAX) {
          throw new DataFileError(
            file,
            'line 1',
            'csv',
            `the header has ${names.length} columns, more than ${CSV_COLUMNS_MAX} allowed`,
          );
        }
        header = names.map((name) => String(name).trim());
        return header;
      },
      bom: true,
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    checkHeader(file, header, []);
    const e = err as Error & {
      code?: string;
      lines?: number;
      column?: unknown;
      record?: unknown;
      bytes_records?: number;
    };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED' && typeof e.bytes_records === 'number') {
      throw new DataFileError(
        file,
        `line ${recordStartLine(body, e.bytes_records, header.length > 0, true)}`,
        typeof e.column === 'string' ? e.column : 'csv',
        'Quote Not Closed: a quoted field opens in this row and the file ends before it is closed',
      );
    }
    const end = e.lines ?? '?';
    const line =
      typeof end === 'number' && Array.isArray(e.record) ? end - newlines(e.record as unknown[]) : end;
    throw new DataFileError(
      file,
      `line ${line}`,
      String(e.column ?? 'csv'),
      e.message.replace(/^Invalid Record Length: /, ''),
    );
  }
  checkHeader(file, header, requiredColumns);
  if (records.length === 0) throw new DataFileError(file, 'line 1', 'csv', 'no rows');
  return records.map((r) => ({ line: r.info.lines - newlines(Object.values(r.record)), row: r.record }));
}

/** A column named twice (csv-parse would keep the last value silently) or a required one missing: line 1. */
function checkHeader(file: string, header: readonly string[], requiredColumns: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) {
      throw new DataFileError(
        file,
        'line 1',
        name,
        `column appears more than once in the header ${quote(name)}`,
      );
    }
    seen.add(name);
  }
  if (header.length === 0) return;
  for (const c of requiredColumns) {
    if (!seen.has(c))
      throw new DataFileError(file, 'line 1', c, `missing column (header: ${quote(header.join(','))})`);
  }
}

/** Line breaks inside a record's values: how many lines past its first one the record ends. */
function newlines(values: Iterable<unknown>): number {
  let n = 0;
  for (const v of values) if (typeof v === 'string') n += v.split('\n').length - 1;
  return n;
}

/**
 * The 1-based line where the record csv-parse could not finish (an unclosed quote) starts. csv-parse names
 * the line where it gave up (the end of the file); its `bytes_records` is the end, in UTF-8 bytes, of the
 * last complete data record (0 when there is none: then the header comes first). The record starts on the
 * first line after that which csv-parse does not skip (blank, or a `#` comment when `comments`).
 */
export function recordStartLine(
  text: string,
  bytesRecords: number,
  headerRead: boolean,
  comments: boolean,
): number {
  const before = Buffer.from(text, 'utf8').subarray(0, bytesRecords).toString('utf8');
  const lines = text.slice(before.length).split(/\r\n|\r|\n/);
  let line = before.split(/\r\n|\r|\n/).length;
  let headerPending = bytesRecords === 0 && headerRead;
  for (const l of lines) {
    const skipped = l.trim() === '' || (comments && l.startsWith('#'));
    if (!skipped) {
      if (!headerPending) return line;
      headerPending = false;
    }
    line++;
  }
  return line;
}

export function required(file: string, at: string, field: string, value: string | undefined): string {
  if (!value) throw new DataFileError(file, at, field, 'is empty');
  return value;
}

export function decimal(file: string, at: string, field: string, value: string | undefined): number {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) {
    throw new DataFileError(file, at, field, `${quote(value ?? '')} is not a decimal number`);
  }
  const n = Number(value);
  if (!Number.isFinite(n)) {
    throw new DataFileError(file, at, field, `${quote(value)} is too large (beyond the range of a double)`);
  }
  return n;
}

export function utcDate(file: string, at: string, field: string, value: string | undefined): number {
  const m = value ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new DataFileError(file, at, field, `${quote(value ?? '')} is not a date YYYY-MM-DD`);
  }
  return ms;
}
