import { jsonErrorMessage, lineColumn } from '../../json-position.ts';
import type { CostLine } from '../cost-line.ts';
import { fail, fileBody, quote, type Where } from './values.ts';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Whether a text that is not JSON looks like CSV: its first line is not JSON's `{` or `[`, and holds a comma
 * (a FOCUS export's header, `BilledCost,BillingCurrency,…`).
 */
function looksLikeCsv(text: string): string | null {
  const first = text.trimStart().split(/\r?\n/, 1)[0] ?? '';
  if (first.startsWith('{') || first.startsWith('[') || !first.includes(',')) return null;
  return first.length > 60 ? `${first.slice(0, 60)}…` : first;
}

function parseJson(text: string, file: string, format: string | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const csv = looksLikeCsv(text);
    if (csv !== null) {
      return fail(
        { file, position: 'line 1' },
        '(JSON)',
        `this looks like CSV (${quote(csv)}), not the JSON of a cost API${format ? ` that --format ${format} reads` : ''}; a FOCUS CSV export is --format focus`,
      );
    }
    const message = jsonErrorMessage(error);
    // V8: "… in JSON at position 57" (Node ≥ 20), or "Unexpected end of JSON input" for a cut-off file.
    const at = /position (\d+)/.exec(message);
    const index = at ? Number(at[1]) : text.trimEnd().length;
    const reason = at
      ? message.replace(/ in JSON at position.*$/, '')
      : 'the file ends in the middle of a value';
    return fail({ file, position: lineColumn(text, index) }, '(JSON)', `not valid JSON: ${reason}`);
  }
}

/** How one format reads its buckets and results. */
export interface JsonPagesFormat<B> {
  /** The `--format` name, for the message when the file is not JSON. */
  name?: string;
  /** The value of `object` on a page / bucket / result, checked when the file carries it (OpenAI). */
  objects?: { page: string; bucket: string; result: string };
  bucket(bucket: JsonObject, where: Where): B;
  result(result: JsonObject, where: Where, bucket: B): CostLine;
}

function checkObject(obj: JsonObject, expected: string | undefined, where: Where): void {
  if (expected === undefined || obj.object === undefined) return;
  if (obj.object !== expected) fail(where, 'object', `expected ${quote(expected)}, got ${quote(obj.object)}`);
}

function array(obj: JsonObject, field: string, where: Where): unknown[] {
  const value = obj[field];
  if (value === undefined || value === null) fail(where, field, 'is missing');
  if (!Array.isArray(value)) fail(where, field, `expected an array, got ${kind(value)}`);
  return value;
}

/**
 * The pages of a paged API export — one page object, or an array of pages — walked in order: `data[]`
 * buckets, each with `results[]`. Positions are `page N` (1-based, counting the pages of the file) then
 * the JSON path inside the page (`data[i].results[j]`, 0-based). The first bad value throws.
 */
export function readJsonPages<B>(text: string, file: string, format: JsonPagesFormat<B>): CostLine[] {
  const doc = parseJson(fileBody(text, file), file, format.name);
  const pages = Array.isArray(doc) ? doc : [doc];
  if (pages.length === 0) fail({ file, position: 'line 1' }, '(pages)', 'the array holds no pages');
  const lines: CostLine[] = [];
  pages.forEach((page, p) => {
    const pageWhere = { file, position: `page ${p + 1}` };
    if (!isObject(page)) {
      fail(pageWhere, '(page)', `expected a page object {"data": [...]}, got ${kind(page)}`);
    }
    checkObject(page, format.objects?.page, pageWhere);
    array(page, 'data', pageWhere).forEach((bucket, i) => {
      const bucketWhere = { file, position: `page ${p + 1}, data[${i}]` };
      if (!isObject(bucket)) fail(bucketWhere, '(bucket)', `expected an object, got ${kind(bucket)}`);
      checkObject(bucket, format.objects?.bucket, bucketWhere);
      const context = format.bucket(bucket, bucketWhere);
      array(bucket, 'results', bucketWhere).forEach((result, j) => {
        const resultWhere = { file, position: `page ${p + 1}, data[${i}].results[${j}]` };
        if (!isObject(result)) fail(resultWhere, '(result)', `expected an object, got ${kind(result)}`);
        checkObject(result, format.objects?.result, resultWhere);
        lines.push(format.result(result, resultWhere, context));
      });
    });
  });
  return lines;
}
