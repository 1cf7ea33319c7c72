import { EVENT_LIMITS as L, SERVICE_TIERS, type ServiceTier, STATUSES, type Status } from './limits.ts';
import { quote, type Rejection, type RejectionCode } from './rejection.ts';
import type { ReceivedEvent } from './request-event.ts';

/** `feature` and `cohort`: trimmed and lower-cased, then this pattern (docs/contracts.md §2). */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9._:/-]{0,63}$/;
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** A `tool_calls` key: the tool's name as the provider bills it (`web_search`). */
export const TOOL_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
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
    if (!LABEL_PATTERN.test(normalised))
      return this.reject(field, 'bad_format', `does not match ${LABEL_PATTERN}`);
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
    if (ms < L.earliestTs) return this.reject(field, 'ts_too_old', 'is before 2000-01-01');
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
