import { EVENT_LIMITS as L, SERVICE_TIERS, type ServiceTier, STATUSES, type Status } from './limits.ts';
import { quote, type Rejection, type RejectionCode } from './rejection.ts';
import type { ReceivedEvent } from './request-event.ts';

/** `feature` and `cohort`: trimmed and lower-cased, then this pattern (docs/contracts.md §2). */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9._:/-]{0,63}$/;
/** 1 for each ASCII character a label may hold after its first: `[a-z0-9._:/-]`. */
const LABEL_CHARS = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789._:/-') LABEL_CHARS[c.charCodeAt(0)] = 1;
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** A `tool_calls` key: the tool's name as the provider bills it (`web_search`). */
export const TOOL_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** The earliest `ts` as a UTC day, for the refusal's message. */
const EARLIEST_DAY = new Date(L.earliestTs).toISOString().slice(0, 10);
/** ISO-8601 date-time with seconds and a zone: `Z` or `±HH:MM`. */
const TS_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

export type Validation = { ok: true; event: ReceivedEvent } | { ok: false; rejections: Rejection[] };

/**
 * Checks one decoded event against the contract (docs/contracts.md §2) and normalises it. `receivedAt` (epoch ms) is
 * when the pipeline received it; `ts` may not lie more than 24 h after it. Every broken rule is reported,
 * each with a code, the field and the value. Pure: the same input and `receivedAt` give the same answer,
 * so a retried batch validates alike. Unknown top-level fields are ignored.
 *
 * Written out by hand rather than with a schema library: it runs once per event in the consumer and in
 * every app that emits events, where it must be fast and small (test/helpers/reference-schema.ts holds the
 * same contract in zod, and a property test checks that both agree).
 */
export function validateEvent(input: unknown, receivedAt: number): Validation {
  const valid = validEventOrNull(input, receivedAt);
  if (valid !== null) return { ok: true, event: valid };
  return checkEvent(input, receivedAt);
}

/**
 * The common case, checked in one pass without building anything: the normalised event when `input` keeps every
 * rule and needs no normalising beyond defaults, else null. Null proves nothing: `checkEvent` then decides, with
 * its reasons. So this may only ever accept what `checkEvent` accepts, and must return what it returns.
 */
function validEventOrNull(input: unknown, receivedAt: number): ReceivedEvent | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  const e = input as Record<string, unknown>;
  if (e.v !== 1) return null;
  const eventId = e.event_id;
  if (typeof eventId !== 'string' || eventId.length < L.eventIdMin || eventId.length > L.eventIdMax)
    return null;
  if (!EVENT_ID_PATTERN.test(eventId)) return null;
  const tsText = e.ts;
  if (typeof tsText !== 'string') return null;
  const ts = parseTimestamp(tsText);
  if (ts === null || ts < L.earliestTs || ts > receivedAt + L.futureSkewMs) return null;
  // A label that already matches the pattern is its own normalisation (no spaces, no capitals).
  const feature = typeof e.feature === 'string' ? knownLabel(e.feature) : null;
  if (feature === null) return null;
  const cohort = typeof e.cohort === 'string' ? knownLabel(e.cohort) : null;
  if (cohort === null) return null;
  const customerId = optionalString(e.customer_id, L.customerIdMax);
  if (customerId === undefined) return null;
  const userHash = optionalString(e.user_hash, L.userHashMax);
  if (userHash === undefined) return null;
  const provider = e.provider;
  if (typeof provider !== 'string' || provider.length < 1 || provider.length > L.providerMax) return null;
  const model = e.model;
  if (typeof model !== 'string' || model.length < 1 || model.length > L.modelMax) return null;
  const operation = optionalString(e.operation, Number.POSITIVE_INFINITY);
  if (operation === undefined) return null;
  const serviceTier = e.service_tier;
  if (
    serviceTier !== undefined &&
    serviceTier !== null &&
    serviceTier !== 'standard' &&
    serviceTier !== 'batch' &&
    serviceTier !== 'flex' &&
    serviceTier !== 'priority'
  )
    return null;
  const promptId = optionalString(e.prompt_id, L.promptFieldMax);
  if (promptId === undefined) return null;
  const promptVersion = optionalString(e.prompt_version, L.promptFieldMax);
  if (promptVersion === undefined || (promptId !== null && promptVersion === null)) return null;
  const input_ = e.input_tokens;
  if (!isCount(input_)) return null;
  const cacheRead = optionalCount(e.cache_read_tokens);
  const cacheWrite = optionalCount(e.cache_write_tokens);
  const output = e.output_tokens;
  if (!isCount(output)) return null;
  const reasoning = optionalCount(e.reasoning_tokens);
  const delivered = optionalCount(e.delivered_output_tokens);
  const cacheWrite1h = optionalCount(e.cache_write_1h_tokens);
  if (
    cacheRead === undefined ||
    cacheWrite === undefined ||
    reasoning === undefined ||
    delivered === undefined ||
    cacheWrite1h === undefined
  )
    return null;
  const status = e.status;
  if (status !== 'ok' && status !== 'error' && status !== 'cancelled') return null;
  const latency = optionalDuration(e.latency_ms);
  const ttft = optionalDuration(e.ttft_ms);
  if (latency === undefined || ttft === undefined) return null;
  const tags = e.tags;
  if (tags !== undefined && tags !== null && !isValidTags(tags)) return null;
  const toolCalls = e.tool_calls;
  if (toolCalls !== undefined && toolCalls !== null && !isValidToolCalls(toolCalls)) return null;
  const traceId = e.trace_id;
  if (
    traceId !== undefined &&
    traceId !== null &&
    (typeof traceId !== 'string' ||
      traceId.length < L.traceIdMin ||
      traceId.length > L.traceIdMax ||
      !EVENT_ID_PATTERN.test(traceId))
  )
    return null;
  // The invariants between counts.
  if ((cacheRead ?? 0) + (cacheWrite ?? 0) > input_) return null;
  if (
    cacheWrite1h !== null &&
    (cacheWrite1h > (cacheWrite ?? 0) || (cacheWrite1h > 0 && cacheWrite === null))
  )
    return null;
  if (reasoning !== null && reasoning > output) return null;
  if (delivered !== null && delivered > output) return null;
  return {
    event_id: eventId,
    ts,
    feature,
    cohort,
    customer_id: customerId,
    user_hash: userHash,
    provider,
    model,
    operation: operation ?? 'chat',
    service_tier: (serviceTier as ServiceTier | null | undefined) ?? 'standard',
    prompt_id: promptId,
    prompt_version: promptVersion,
    input_tokens: input_,
    cache_read_tokens: cacheRead ?? 0,
    cache_write_tokens: cacheWrite ?? 0,
    output_tokens: output,
    reasoning_tokens: reasoning ?? 0,
    delivered_output_tokens: delivered,
    status,
    latency_ms: latency,
    ttft_ms: ttft,
    tags: (tags ?? null) as Record<string, string> | null,
    cache_write_1h_tokens: cacheWrite1h ?? 0,
    tool_calls: (toolCalls ?? null) as Record<string, number> | null,
    trace_id: (traceId ?? null) as string | null,
    received_at: receivedAt,
  };
}

/**
 * Whether `text` matches `LABEL_PATTERN`, read character by character: for a label of a few characters the loop
 * costs about half of a call to the regular expression, twice an event (docs/benchmarks.md, ingest).
 */
export function isLabel(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 64) return false;
  const first = text.charCodeAt(0);
  if (!((first >= 97 && first <= 122) || (first >= 48 && first <= 57))) return false;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || LABEL_CHARS[c] === 0) return false;
  }
  return true;
}

/**
 * Labels that passed `isLabel`, each in a slot picked by its length and last character. A feature or cohort is one
 * of a few values, so an event's is nearly always one seen before: comparing it with the slot's label (a native
 * comparison of two strings) costs a fraction of reading it character by character, as `isLabel` must (each
 * `charCodeAt` is a few instructions of its own: about 50 ns a label in the consumer; docs/benchmarks.md, ingest).
 */
const KNOWN_LABELS: string[] = new Array<string>(128).fill('');

/**
 * `text` when it is a label (`isLabel`), else null; answered from `KNOWN_LABELS` when `text` equals the label in its
 * slot (it passed, so it passes), and then that label is returned: the same characters, one string for all the
 * events that carry them, so that a consumer holding many events holds one copy, and compares them by reference.
 */
export function knownLabel(text: string): string | null {
  const n = text.length;
  if (n === 0 || n > 64) return null;
  const slot = (n * 31 + text.charCodeAt(n - 1)) & 127;
  const known = KNOWN_LABELS[slot] as string;
  if (known === text) return known;
  if (!isLabel(text)) return null;
  // Kept as a string of its own: a label cut from a larger text (a slice) would otherwise keep that text alive.
  KNOWN_LABELS[slot] = text.split('').join('');
  return text;
}

/** An optional string of at most `max` UTF-16 units: the string, null when absent, undefined when it breaks a rule. */
function optionalString(v: unknown, max: number): string | null | undefined {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

/** A whole number 0..intMax (`Number.isInteger` is false for NaN and ±Infinity). */
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= L.intMax;
}

/** An optional count: the number, null when absent, undefined when it breaks a rule. */
function optionalCount(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return null;
  return isCount(v) ? v : undefined;
}

/** An optional duration: the number, null when absent, undefined when it breaks a rule. */
function optionalDuration(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return null;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function isValidTags(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > L.tagEntriesMax) return false;
  for (const [key, value] of entries) {
    if (key.length > L.tagKeyMax || typeof value !== 'string' || value.length > L.tagValueMax) return false;
  }
  return true;
}

function isValidToolCalls(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > L.toolCallEntriesMax) return false;
  for (const [name, calls] of entries) {
    if (!TOOL_NAME_PATTERN.test(name)) return false;
    if (typeof calls !== 'number' || !Number.isInteger(calls) || calls < 0 || calls > L.toolCallsMax)
      return false;
  }
  return true;
}

/** Every rule, each broken one reported: the path for events the common case did not accept. */
function checkEvent(input: unknown, receivedAt: number): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      rejections: [{ code: 'not_object', message: `event must be a JSON object, got ${quote(input)}` }],
    };
  }
  const e = input as Record<string, unknown>;
  const out: Rejection[] = [];
  const c = new Checker(e, out);

  if (e.v !== 1) c.reject('v', e.v === undefined ? 'missing' : 'not_allowed', 'must be 1');
  const eventId = c.text('event_id', { min: L.eventIdMin, max: L.eventIdMax, pattern: EVENT_ID_PATTERN });
  const ts = c.timestamp('ts', receivedAt);
  const feature = c.label('feature');
  const cohort = c.label('cohort');
  const customerId = c.optionalText('customer_id', L.customerIdMax);
  const userHash = c.optionalText('user_hash', L.userHashMax);
  const provider = c.text('provider', { min: 1, max: L.providerMax });
  const model = c.text('model', { min: 1, max: L.modelMax });
  const operation = c.optionalText('operation', Number.POSITIVE_INFINITY);
  const serviceTier = c.oneOf('service_tier', SERVICE_TIERS, false);
  const promptId = c.optionalText('prompt_id', L.promptFieldMax);
  const promptVersion = c.optionalText('prompt_version', L.promptFieldMax);
  const input_ = c.count('input_tokens', true);
  const cacheRead = c.count('cache_read_tokens', false);
  const cacheWrite = c.count('cache_write_tokens', false);
  const output = c.count('output_tokens', true);
  const reasoning = c.count('reasoning_tokens', false);
  const delivered = c.count('delivered_output_tokens', false);
  const status = c.oneOf('status', STATUSES, true);
  const latency = c.duration('latency_ms');
  const ttft = c.duration('ttft_ms');
  const tags = c.tags('tags');
  const cacheWrite1h = c.count('cache_write_1h_tokens', false);
  const toolCalls = c.toolCalls('tool_calls');
  const traceId = c.optionalText('trace_id', L.traceIdMax, L.traceIdMin, EVENT_ID_PATTERN);

  if (input_ !== null && (cacheRead ?? 0) + (cacheWrite ?? 0) > input_) {
    c.reject(
      'input_tokens',
      'invariant',
      `${input_} is less than cache_read_tokens + cache_write_tokens (${cacheRead ?? 0} + ${cacheWrite ?? 0})`,
      false,
    );
  }
  if (cacheWrite1h !== null && cacheWrite !== null && cacheWrite1h > cacheWrite) {
    c.reject(
      'cache_write_1h_tokens',
      'invariant',
      `${cacheWrite1h} is more than cache_write_tokens (${cacheWrite})`,
      false,
    );
  } else if (cacheWrite1h !== null && cacheWrite1h > 0 && c.isAbsent('cache_write_tokens')) {
    c.reject(
      'cache_write_1h_tokens',
      'invariant',
      `${cacheWrite1h} is more than cache_write_tokens (absent: 0)`,
      false,
    );
  }
  if (output !== null && reasoning !== null && reasoning > output) {
    c.reject('reasoning_tokens', 'invariant', `${reasoning} is more than output_tokens (${output})`, false);
  }
  if (output !== null && delivered !== null && delivered > output) {
    c.reject(
      'delivered_output_tokens',
      'invariant',
      `${delivered} is more than output_tokens (${output})`,
      false,
    );
  }
  if (promptId !== null && promptVersion === null && c.isAbsent('prompt_version')) {
    c.reject(
      'prompt_version',
      'missing',
      `required when prompt_id is set (prompt_id ${quote(promptId)})`,
      false,
    );
  }
  if (out.length > 0) return { ok: false, rejections: out };

  return {
    ok: true,
    event: {
      event_id: eventId as string,
      ts: ts as number,
      feature: feature as string,
      cohort: cohort as string,
      customer_id: customerId,
      user_hash: userHash,
      provider: provider as string,
      model: model as string,
      operation: operation ?? 'chat',
      service_tier: (serviceTier as ServiceTier | null) ?? 'standard',
      prompt_id: promptId,
      prompt_version: promptVersion,
      input_tokens: input_ as number,
      cache_read_tokens: cacheRead ?? 0,
      cache_write_tokens: cacheWrite ?? 0,
      output_tokens: output as number,
      reasoning_tokens: reasoning ?? 0,
      delivered_output_tokens: delivered,
      status: status as Status,
      latency_ms: latency,
      ttft_ms: ttft,
      tags,
      cache_write_1h_tokens: cacheWrite1h ?? 0,
      tool_calls: toolCalls,
      trace_id: traceId,
      received_at: receivedAt,
    },
  };
}

/** Field checks that record a rejection and return null when the value breaks a rule (or is absent). */
class Checker {
  constructor(
    private readonly e: Record<string, unknown>,
    private readonly out: Rejection[],
  ) {}

  isAbsent(field: string): boolean {
    const v = this.e[field];
    return v === undefined || v === null;
  }

  reject(field: string, code: RejectionCode, rule: string, withValue = true): null {
    const value = this.e[field];
    const got = withValue && value !== undefined ? `, got ${quote(value)}` : '';
    this.out.push({ code, field, message: `${field}: ${rule}${got}` });
    return null;
  }

  text(field: string, o: { min: number; max: number; pattern?: RegExp }): string | null {
    const v = this.e[field];
    if (v === undefined || v === null) return this.reject(field, 'missing', 'required', false);
    return this.checkText(field, v, o);
  }

  optionalText(field: string, max: number, min = 0, pattern?: RegExp): string | null {
    const v = this.e[field];
    if (v === undefined || v === null) return null;
    return this.checkText(field, v, pattern ? { min, max, pattern } : { min, max });
  }

  label(field: string): string | null {
    const v = this.e[field];
    if (v === undefined || v === null) return this.reject(field, 'missing', 'required', false);
    if (typeof v !== 'string') return this.reject(field, 'wrong_type', 'must be a string');
    const normalised = v.trim().toLowerCase();
    if (!isLabel(normalised)) return this.reject(field, 'bad_format', `does not match ${LABEL_PATTERN}`);
    return normalised;
  }

  count(field: string, required: boolean): number | null {
    const v = this.e[field];
    if (v === undefined || v === null)
      return required ? this.reject(field, 'missing', 'required', false) : null;
    if (typeof v !== 'number' || !Number.isFinite(v))
      return this.reject(field, 'wrong_type', 'must be a number');
    if (!Number.isInteger(v)) return this.reject(field, 'wrong_type', 'must be a whole number');
    if (v < 0) return this.reject(field, 'out_of_range', 'less than 0');
    if (v > L.intMax) return this.reject(field, 'out_of_range', `more than ${L.intMax}`);
    return v;
  }

  duration(field: string): number | null {
    const v = this.e[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v))
      return this.reject(field, 'wrong_type', 'must be a number');
    if (v < 0) return this.reject(field, 'out_of_range', 'less than 0');
    return v;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], required: boolean): T | null {
    const v = this.e[field];
    if (v === undefined || v === null)
      return required ? this.reject(field, 'missing', 'required', false) : null;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      return this.reject(field, 'not_allowed', `must be one of ${allowed.map((a) => quote(a)).join(', ')}`);
    }
    return v as T;
  }

  timestamp(field: string, receivedAt: number): number | null {
    const v = this.e[field];
    if (v === undefined || v === null) return this.reject(field, 'missing', 'required', false);
    if (typeof v !== 'string') return this.reject(field, 'wrong_type', 'must be a string');
    const ms = parseTimestamp(v);
    if (ms === null)
      return this.reject(field, 'bad_format', 'is not an ISO-8601 date-time with seconds and Z or ±HH:MM');
    if (ms < L.earliestTs)
      return this.reject(field, 'ts_too_old', `is before ${EARLIEST_DAY}, the first day the lake keeps`);
    if (ms > receivedAt + L.futureSkewMs) {
      return this.reject(
        field,
        'ts_future',
        `is more than 24 h after it was received (${new Date(receivedAt).toISOString()})`,
      );
    }
    return ms;
  }

  tags(field: string): Record<string, string> | null {
    const v = this.e[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v))
      return this.reject(field, 'wrong_type', 'must be an object');
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length > L.tagEntriesMax) {
      return this.reject(
        field,
        'too_many',
        `${entries.length} entries, at most ${L.tagEntriesMax} allowed`,
        false,
      );
    }
    for (const [key, value] of entries) {
      if (key.length > L.tagKeyMax)
        return this.reject(field, 'too_long', `has a key longer than ${L.tagKeyMax} characters`);
      if (typeof value !== 'string')
        return this.reject(field, 'wrong_type', `${quote(key)} must be a string`);
      if (value.length > L.tagValueMax) {
        return this.reject(field, 'too_long', `${quote(key)} is longer than ${L.tagValueMax} characters`);
      }
    }
    return v as Record<string, string>;
  }

  /** Tool name → calls: at most 16 entries, names like `web_search`, whole numbers 0..10^6. */
  toolCalls(field: string): Record<string, number> | null {
    const v = this.e[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v))
      return this.reject(field, 'wrong_type', 'must be an object');
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length > L.toolCallEntriesMax) {
      return this.reject(
        field,
        'too_many',
        `${entries.length} entries, at most ${L.toolCallEntriesMax} allowed`,
        false,
      );
    }
    for (const [name, calls] of entries) {
      if (!TOOL_NAME_PATTERN.test(name)) {
        return this.reject(
          field,
          'bad_format',
          `key ${quote(name)} does not match ${TOOL_NAME_PATTERN}`,
          false,
        );
      }
      if (typeof calls !== 'number' || !Number.isInteger(calls)) {
        return this.reject(
          field,
          'wrong_type',
          `${quote(name)} must be a whole number, got ${quote(calls)}`,
          false,
        );
      }
      if (calls < 0 || calls > L.toolCallsMax) {
        return this.reject(
          field,
          'out_of_range',
          `${quote(name)} must be 0..${L.toolCallsMax}, got ${quote(calls)}`,
          false,
        );
      }
    }
    return v as Record<string, number>;
  }

  private checkText(
    field: string,
    v: unknown,
    o: { min: number; max: number; pattern?: RegExp },
  ): string | null {
    if (typeof v !== 'string') return this.reject(field, 'wrong_type', 'must be a string');
    if (v.length < o.min) return this.reject(field, 'too_short', `shorter than ${o.min} characters`);
    if (v.length > o.max) return this.reject(field, 'too_long', `longer than ${o.max} characters`);
    if (o.pattern && !o.pattern.test(v))
      return this.reject(field, 'bad_format', `does not match ${o.pattern}`);
    return v;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms of a strict ISO-8601 date-time with a zone, or null (impossible dates such as Feb 30 included). */
export function parseTimestamp(text: string): number | null {
  const fast = parseUtcMillisTimestamp(text);
  if (fast !== null) return fast;
  const m = TS_PATTERN.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59)
    return null;
  if (m[8] !== 'Z' && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

const ZERO = 48;
const MS_PER_DAY = 86_400_000;

/** The value of `text[at]` and `text[at + 1]` as two decimal digits, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO;
  const b = text.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The form clients send, `YYYY-MM-DDTHH:MM:SS.sssZ` (what `toISOString` writes) or without the milliseconds,
 * read without a regular expression or `Date.parse`: its epoch ms, or null for any other text, which
 * `parseTimestamp` then reads the general way. Years before 1970 take the general way too.
 */
function parseUtcMillisTimestamp(text: string): number | null {
  const n = text.length;
  if (n !== 24 && n !== 20) return null;
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(n - 1) !== 90 // Z
  )
    return null;
  let ms = 0;
  if (n === 24) {
    if (text.charCodeAt(19) !== 46) return null; // .
    const a = text.charCodeAt(20) - ZERO;
    const b = twoDigits(text, 21);
    if (a < 0 || a > 9 || b < 0) return null;
    ms = a * 100 + b;
  }
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (century < 19 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return null;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  const year = century * 100 + yy;
  if (year < 1970) return null;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > days) return null;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
