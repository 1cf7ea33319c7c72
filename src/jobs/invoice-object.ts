import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import { COST_COLUMNS } from '../core/costs/cost-columns.ts';
import { type CostLine, INVOICE_FORMATS, type InvoiceFormat } from '../core/costs/cost-line.ts';
import { normaliseInvoice } from '../core/costs/normalise/index.ts';
import { DataFileError } from '../core/data-file-error.ts';
import type { LakeStore } from '../ports/lake-store.ts';
import type { ObjectSource } from '../ports/object-source.ts';
import { importRows } from './import-table.ts';

/**
 * An invoice dropped into the lake (`invoices/<format>/<name>`) becomes cost lines under `costs/<format>/`, the
 * same way `tokenledger ingest invoice FILE --format <format>` does locally; a file that cannot be imported is
 * moved to `invoices/rejected/<format>/<name>` with an error report beside it. Pure wiring over two ports.
 */

/** Where provider exports are dropped, one folder per format (`invoices/openai-costs/…`). */
export const INVOICES_PREFIX = 'invoices/';
/** Where refused files are moved. Not a format folder, so nothing under it is ever imported. */
export const REJECTED_PREFIX = 'invoices/rejected/';

export interface InvoiceObjectDependencies {
  /** The lake the cost lines are written to (`costs/<format>/<hash>.parquet`). */
  store: LakeStore;
  /** The inbox the file is read from and, when refused, moved within. */
  objects: ObjectSource;
  /** @default Date.now */
  now?: () => number;
}

/** What is written beside a refused file (`<rejected key>.error.json`). */
export interface InvoiceErrorReport {
  /** The object key the file arrived under. */
  file: string;
  /** `line 12`, `page 2, data[3].results[1]`, `whole file`, `key`, … */
  position: string;
  field: string;
  /** Why, with the bad value quoted (without the file, position and field, which have their own fields). */
  message: string;
  /** When it was refused, ISO 8601 UTC. */
  at: string;
}

export type InvoiceObjectResult =
  | {
      /** `already imported`: the same file's cost lines were stored before; nothing was written again. */
      status: 'imported' | 'already imported';
      key: string;
      format: InvoiceFormat;
      costsKey: string;
      lines: number;
      /** Sum of the lines' billed cost (USD). */
      billed: number;
    }
  | { status: 'rejected'; key: string; rejectedKey: string; reportKey: string; error: InvoiceErrorReport }
  | {
      /** Not an invoice to import: outside `invoices/`, already under `invoices/rejected/`, a folder marker, or gone. */
      status: 'skipped';
      key: string;
      reason: string;
    };

/**
 * Imports the invoice at `key`, or moves it to `invoices/rejected/` with an error report. A refused file —
 * not in a format folder, not UTF-8, malformed (`DataFileError`), or not in USD — is handled, not an error:
 * it is copied to `invoices/rejected/<format>/<name>`, the report is written beside it, then the original is
 * deleted, and nothing is written under `costs/`. A storage failure rejects the promise; running again is
 * safe (the import is keyed by the file's content hash, and the move overwrites what a failed run left).
 */
export async function processInvoiceObject(
  key: string,
  deps: InvoiceObjectDependencies,
): Promise<InvoiceObjectResult> {
  const place = locate(key);
  if ('skip' in place) return { status: 'skipped', key, reason: place.skip };
  const bytes = await deps.objects.get(key);
  if (bytes === undefined) {
    return { status: 'skipped', key, reason: 'no object at this key (already moved or deleted)' };
  }
  const now = (deps.now ?? Date.now)();

  let format: InvoiceFormat;
  let lines: CostLine[];
  try {
    format = formatOf(key, place.folder);
    lines = readInvoice(key, format, bytes);
  } catch (err) {
    if (err instanceof DataFileError) return reject(key, place.rest, bytes, err, now, deps.objects);
    throw err;
  }

  const rows = lines.map((line) => ({ ...line, ingested_at: now }));
  const result = await importRows(deps.store, `costs/${format}`, bytes, COST_COLUMNS, rows);
  return {
    status: result.status === 'written' ? 'imported' : 'already imported',
    key,
    format,
    costsKey: result.key,
    lines: lines.length,
    billed: lines.reduce((sum, line) => sum + line.billed_cost, 0),
  };
}

/** An S3 event's object key as S3 knows it: the event has it URL-encoded, with `+` for a space. */
export function s3EventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

export interface InvoiceHandlerDependencies extends InvoiceObjectDependencies {
  /** The lake bucket; a record of another bucket is skipped (the stores are bound to this one). */
  bucket: string;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** Thrown when an object could not be read or written, so that Lambda retries the event. */
export class InvoiceStorageError extends Error {
  override readonly name = 'InvoiceStorageError';
}

/**
 * The invoice Lambda: each `ObjectCreated` record of an S3 event → `processInvoiceObject`. A refused file is
 * handled (logged as a warning); a storage failure of any record fails the invocation after the other records
 * are done, so that Lambda retries the event (which repeats nothing that already succeeded).
 */
export function createInvoiceHandler(deps: InvoiceHandlerDependencies) {
  return async (event: S3Event): Promise<InvoiceObjectResult[]> => {
    const results: InvoiceObjectResult[] = [];
    const failed: string[] = [];
    for (const record of event.Records ?? []) {
      const key = s3EventKey(record.s3.object.key);
      if (!record.eventName.startsWith('ObjectCreated:')) {
        results.push({ status: 'skipped', key, reason: `event ${record.eventName}` });
        continue;
      }
      if (record.s3.bucket.name !== deps.bucket) {
        results.push({ status: 'skipped', key, reason: `bucket ${record.s3.bucket.name} is not the lake` });
        continue;
      }
      try {
        const result = await processInvoiceObject(key, deps);
        results.push(result);
        if (result.status === 'rejected') deps.logger?.warn('invoice rejected', { ...result });
        else deps.logger?.info(`invoice ${result.status}`, { ...result });
      } catch (err) {
        failed.push(`${key}: ${(err as Error).message}`);
        deps.logger?.error('invoice could not be processed; Lambda retries the event', { key, error: err });
      }
    }
    if (failed.length > 0) throw new InvoiceStorageError(`lake storage failed: ${failed.join('; ')}`);
    return results;
  };
}

type Place = { skip: string } | { folder: string | null; rest: string };

/** Which part of the key names the format folder, or why the key is not an invoice to import at all. */
function locate(key: string): Place {
  if (!key.startsWith(INVOICES_PREFIX)) return { skip: `not under ${INVOICES_PREFIX}` };
  if (key.startsWith(REJECTED_PREFIX)) return { skip: `already under ${REJECTED_PREFIX}` };
  if (key.endsWith('/')) return { skip: 'a folder marker, not a file' };
  const rest = key.slice(INVOICES_PREFIX.length);
  const slash = rest.indexOf('/');
  return { folder: slash > 0 ? rest.slice(0, slash) : null, rest };
}

function formatOf(key: string, folder: string | null): InvoiceFormat {
  const expected = `expected ${INVOICES_PREFIX}<format>/<name> with format one of ${INVOICE_FORMATS.join(', ')}`;
  if (folder === null) throw new DataFileError(key, 'key', 'format', `no format folder; ${expected}`);
  const format = INVOICE_FORMATS.find((f) => f === folder);
  if (!format) {
    throw new DataFileError(
      key,
      'key',
      'format',
      `unknown format folder ${JSON.stringify(folder)}; ${expected}`,
    );
  }
  return format;
}

/** The file's cost lines, as the CLI reads them: UTF-8, normalised, USD only. Throws a `DataFileError`. */
function readInvoice(key: string, format: InvoiceFormat, bytes: Uint8Array): CostLine[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataFileError(key, 'whole file', 'encoding', 'not UTF-8 text');
  }
  return normaliseInvoice(text, format, key, { usdOnly: true });
}

/** Copies the file to `invoices/rejected/…`, writes the report beside it, then deletes the original. */
async function reject(
  key: string,
  rest: string,
  bytes: Uint8Array,
  err: DataFileError,
  now: number,
  objects: ObjectSource,
): Promise<InvoiceObjectResult> {
  const rejectedKey = `${REJECTED_PREFIX}${rest}`;
  const reportKey = `${rejectedKey}.error.json`;
  const prefix = `${err.file}: ${err.position}: ${err.field}: `;
  const error: InvoiceErrorReport = {
    file: key,
    position: err.position,
    field: err.field,
    message: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message,
    at: new Date(now).toISOString(),
  };
  await objects.put(rejectedKey, bytes, 'application/octet-stream');
  await objects.put(
    reportKey,
    new TextEncoder().encode(`${JSON.stringify(error, null, 2)}\n`),
    'application/json',
  );
  await objects.delete(key);
  return { status: 'rejected', key, rejectedKey, reportKey, error };
}
