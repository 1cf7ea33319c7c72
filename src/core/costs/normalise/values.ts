import { quote } from '@tokenledger/client/contract';
import { InvoiceError } from '../cost-line.ts';

/** Where in which file a value was read: what an `InvoiceError` names. */
export interface Where {
  file: string;
  /** `line 12`, `page 2, data[3].results[1]`, … */
  position: string;
}

export function fail(where: Where, field: string, message: string): never {
  throw new InvoiceError(where.file, where.position, field, message);
}

export { quote };

/** The text without a UTF-8 byte order mark; an empty (or blank) file is refused. */
export function fileBody(text: string, file: string): string {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') fail({ file, position: 'line 1' }, '(file)', 'the file is empty');
  return body;
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A decimal text times 10^shift, as the double nearest to the exact decimal: the digits are moved, not
 * multiplied, so "1234.56" cents shifted by -2 is exactly what `Number("12.3456")` is. Null when the text
 * is not a plain decimal (`12,34`, `NaN`, `0x10`, `1_000`, empty) or overflows.
 */
export function decimalText(text: string, shift = 0): number | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  const [, sign = '', int = '', frac = '', exp = '0'] = m;
  if (int === '' && frac === '') return null;
  const value = Number(`${sign}${int}${frac}e${Number(exp) - frac.length + shift}`);
  return Number.isFinite(value) ? value + 0 : null; // + 0 turns -0 into 0
}

/**
 * A money amount: a JSON number or a decimal string (× 10^shift). Missing, empty, non-numeric or a
 * non-finite value is refused with the value quoted.
 */
export function amount(value: unknown, where: Where, field: string, shift = 0): number {
  if (value === undefined || value === null) fail(where, field, 'is missing');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(where, field, `not a finite number: ${quote(value)}`);
    if (shift === 0) return value;
    // String(n) of a finite number is a decimal or an exponent form, both of which `decimalText` reads.
    const shifted = decimalText(String(value), shift);
    if (shifted === null) fail(where, field, `not a number: ${quote(value)}`);
    return shifted;
  }
  if (typeof value !== 'string') fail(where, field, `expected a number, got ${quote(value)}`);
  if (value.trim() === '') fail(where, field, 'is empty');
  const parsed = decimalText(value, shift);
  if (parsed === null) fail(where, field, `not a number: ${quote(value)}`);
  return parsed;
}

/** How a file is read, beyond its format. */
export interface NormaliseOptions {
  /** Refuse a line in another currency than USD (reports are in USD), naming its position and field. */
  usdOnly?: boolean;
}

/** An ISO 4217 code: three letters, upper-cased; with `usdOnly`, USD only. */
export function currency(value: unknown, where: Where, field: string, usdOnly = false): string {
  if (value === undefined || value === null) fail(where, field, 'is missing');
  if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value.trim())) {
    fail(where, field, `not a 3-letter currency code: ${quote(value)}`);
  }
  const code = value.trim().toUpperCase();
  if (usdOnly && code !== 'USD')
    fail(where, field, `${quote(code)}: only USD is supported (reports are in USD)`);
  return code;
}

/** A string field that may be absent or null; an empty string is read as null. */
export function optionalString(value: unknown, where: Where, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(where, field, `expected a string or null, got ${quote(value)}`);
  return value === '' ? null : value;
}

/** Unix seconds before 10000-01-01: rejects millisecond timestamps passed off as seconds. */
const MAX_UNIX_SECONDS = 253_402_300_800;

/** Unix seconds (a JSON number, or a numeric string) to epoch ms. */
export function unixSeconds(value: unknown, where: Where, field: string): number {
  const seconds = amount(value, where, field);
  if (seconds < 0 || seconds >= MAX_UNIX_SECONDS) {
    fail(where, field, `not a Unix time in seconds: ${quote(value)}`);
  }
  return Math.round(seconds * 1000);
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0);
}

/**
 * An ISO 8601 / RFC 3339 date-time WITH a zone (`Z`, `+02:00`, `+0200`, `+02`) to epoch ms UTC. A value
 * without a zone is refused: an invoice period must not depend on the machine's time zone. Digits past
 * milliseconds are truncated.
 */
export function isoInstant(value: unknown, where: Where, field: string): number {
  if (value === undefined || value === null) fail(where, field, 'is missing');
  if (typeof value !== 'string') fail(where, field, `expected an ISO 8601 date-time, got ${quote(value)}`);
  const text = value.trim();
  if (text === '') fail(where, field, 'is empty');
  const m = ISO_INSTANT.exec(text);
  if (!m && ISO_DATE.test(text)) {
    fail(where, field, `has no time or time zone: ${quote(value)} (expected e.g. "2026-10-01T00:00:00Z")`);
  }
  if (!m) fail(where, field, `not an ISO 8601 date-time: ${quote(value)}`);
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m;
  if (zone === undefined) {
    fail(where, field, `has no time zone: ${quote(value)} (expected e.g. "2026-10-01T00:00:00Z")`);
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) fail(where, field, `not a valid time zone offset: ${quote(value)}`);
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    fail(where, field, `not a valid date-time: ${quote(value)}`);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0–99 to 1900–1999
  date.setUTCHours(hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  return date.getTime() - offsetMinutes * 60_000;
}

/**
 * A charge period bound must be a whole UTC hour: requests are matched to a period by the hour they started in (the
 * daily rollups keep hours, docs/rollups.md), and every provider's export has periods of whole hours or days, so a
 * bound within an hour is a broken or hand-edited file, refused rather than allocated by the hour.
 */
export function wholeHour(instant: number, raw: unknown, where: Where, field: string): number {
  if (instant % 3_600_000 !== 0) {
    fail(
      where,
      field,
      `is not on a whole UTC hour: ${quote(raw)} (${new Date(instant).toISOString()}); charge periods start and end on hours`,
    );
  }
  return instant;
}

/** A charge period must move forward: its end is exclusive, so it is after its start. */
export function periodEnd(start: number, end: number, rawEnd: unknown, where: Where, field: string): number {
  if (end <= start) {
    fail(where, field, `is not after the period start: ${quote(rawEnd)} (${new Date(start).toISOString()})`);
  }
  return end;
}
