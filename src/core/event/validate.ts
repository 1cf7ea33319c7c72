import type * as z from 'zod/mini';
import { EVENT_LIMITS as L } from './limits.ts';
import { quote, type Rejection, type RejectionCode } from './rejection.ts';
import type { ReceivedEvent } from './request-event.ts';
import { type ParsedWireEvent, wireEventSchema } from './schema.ts';

export type Validation = { ok: true; event: ReceivedEvent } | { ok: false; rejections: Rejection[] };

/**
 * Checks one decoded event against the contract (DESIGN §2) and normalises it.
 * `receivedAt` (epoch ms) is when the pipeline received it; `ts` may not lie more than 24 h after it.
 * Pure: the same input and `receivedAt` always give the same answer, so a retried batch validates alike.
 */
export function validateEvent(input: unknown, receivedAt: number): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return reject({ code: 'not_object', message: `event must be a JSON object, got ${quote(input)}` });
  }
  const parsed = wireEventSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, rejections: parsed.error.issues.map((i) => fromIssue(i, input)) };
  }
  const e = parsed.data;
  const rejections = checkRules(e, receivedAt);
  if (rejections.length > 0) return { ok: false, rejections };
  return { ok: true, event: normalise(e, receivedAt) };
}

function checkRules(e: ParsedWireEvent, receivedAt: number): Rejection[] {
  const out: Rejection[] = [];
  const ts = Date.parse(e.ts);
  if (Number.isNaN(ts)) {
    out.push({ code: 'bad_format', field: 'ts', message: `ts: ${quote(e.ts)} is not a valid date-time` });
  } else if (ts < L.earliestTs) {
    out.push({ code: 'ts_too_old', field: 'ts', message: `ts: ${quote(e.ts)} is before 2000-01-01` });
  } else if (ts > receivedAt + L.futureSkewMs) {
    out.push({
      code: 'ts_future',
      field: 'ts',
      message: `ts: ${quote(e.ts)} is more than 24 h after it was received (${new Date(receivedAt).toISOString()})`,
    });
  }
  const cacheRead = e.cache_read_tokens ?? 0;
  const cacheWrite = e.cache_write_tokens ?? 0;
  if (cacheRead + cacheWrite > e.input_tokens) {
    out.push({
      code: 'invariant',
      field: 'input_tokens',
      message: `input_tokens: ${e.input_tokens} is less than cache_read_tokens + cache_write_tokens (${cacheRead} + ${cacheWrite})`,
    });
  }
  if ((e.reasoning_tokens ?? 0) > e.output_tokens) {
    out.push({
      code: 'invariant',
      field: 'reasoning_tokens',
      message: `reasoning_tokens: ${e.reasoning_tokens} is more than output_tokens (${e.output_tokens})`,
    });
  }
  if (e.delivered_output_tokens != null && e.delivered_output_tokens > e.output_tokens) {
    out.push({
      code: 'invariant',
      field: 'delivered_output_tokens',
      message: `delivered_output_tokens: ${e.delivered_output_tokens} is more than output_tokens (${e.output_tokens})`,
    });
  }
  if (e.prompt_id != null && e.prompt_version == null) {
    out.push({
      code: 'missing',
      field: 'prompt_version',
      message: `prompt_version: required when prompt_id is set (prompt_id ${quote(e.prompt_id)})`,
    });
  }
  if (e.tags != null && Object.keys(e.tags).length > L.tagEntriesMax) {
    out.push({
      code: 'too_many',
      field: 'tags',
      message: `tags: ${Object.keys(e.tags).length} entries, at most ${L.tagEntriesMax} allowed`,
    });
  }
  return out;
}

function normalise(e: ParsedWireEvent, receivedAt: number): ReceivedEvent {
  return {
    event_id: e.event_id,
    ts: Date.parse(e.ts),
    feature: e.feature,
    cohort: e.cohort,
    customer_id: e.customer_id ?? null,
    user_hash: e.user_hash ?? null,
    provider: e.provider,
    model: e.model,
    operation: e.operation ?? 'chat',
    service_tier: e.service_tier ?? 'standard',
    prompt_id: e.prompt_id ?? null,
    prompt_version: e.prompt_version ?? null,
    input_tokens: e.input_tokens,
    cache_read_tokens: e.cache_read_tokens ?? 0,
    cache_write_tokens: e.cache_write_tokens ?? 0,
    output_tokens: e.output_tokens,
    reasoning_tokens: e.reasoning_tokens ?? 0,
    delivered_output_tokens: e.delivered_output_tokens ?? null,
    status: e.status,
    latency_ms: e.latency_ms ?? null,
    ttft_ms: e.ttft_ms ?? null,
    tags: e.tags ?? null,
    received_at: receivedAt,
  };
}

function reject(r: Rejection): Validation {
  return { ok: false, rejections: [r] };
}

/** Maps a zod issue onto our reason codes, naming the top-level field and the value it got. */
function fromIssue(issue: z.core.$ZodIssue, input: object): Rejection {
  const field = issue.path.length > 0 ? String(issue.path[0]) : undefined;
  const value = field === undefined ? input : (input as Record<string, unknown>)[field];
  const code = codeOf(issue, value);
  const where = issue.path.map(String).join('.') || 'event';
  return {
    code,
    ...(field ? { field } : {}),
    message: `${where}: ${describe(code, issue)}, got ${quote(value)}`,
  };
}

function codeOf(issue: z.core.$ZodIssue, value: unknown): RejectionCode {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? 'missing' : 'wrong_type';
    case 'too_big':
      return issue.origin === 'string' ? 'too_long' : 'out_of_range';
    case 'too_small':
      return issue.origin === 'string' ? 'too_short' : 'out_of_range';
    case 'invalid_format':
      return 'bad_format';
    case 'invalid_value':
      return 'not_allowed';
    case 'invalid_key':
      return 'too_long';
    default:
      return 'wrong_type';
  }
}

/** Our own wording from the issue's data: zod/mini carries no message catalogue. */
function describe(code: RejectionCode, issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return code === 'missing' ? 'required' : `must be ${article(issue.expected)}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `longer than ${issue.maximum} characters`
        : `more than ${issue.maximum}${issue.origin === 'record' ? ' entries' : ''}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `shorter than ${issue.minimum} characters`
        : `less than ${issue.minimum}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `does not match ${issue.pattern}` : `is not a valid ${issue.format}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => quote(v)).join(', ')}`;
    case 'invalid_key':
      return `has a key longer than ${L.tagKeyMax} characters`;
    default:
      return 'is not valid';
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
