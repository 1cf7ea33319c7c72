import * as z from 'zod/mini';
import { EVENT_LIMITS as L, SERVICE_TIERS, STATUSES } from '../../packages/client/src/contract/limits.ts';
import {
  EVENT_ID_PATTERN,
  LABEL_PATTERN,
  TOOL_NAME_PATTERN,
} from '../../packages/client/src/contract/validate.ts';

const label = () => z.string().check(z.trim(), z.toLowerCase(), z.regex(LABEL_PATTERN));
const count = () => z.int().check(z.minimum(0), z.maximum(L.intMax));
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const optionalText = (max: number) => z.nullish(z.string().check(z.maxLength(max)));

/**
 * The request event v1 in zod: the reference the hand-written validator (packages/client/src/contract/validate.ts) is
 * checked against by a property test. Rules that relate two fields or need the time of receipt are not here.
 */
export const wireEventSchema = z.object({
  v: z.literal(1),
  event_id: z.string().check(z.minLength(L.eventIdMin), z.maxLength(L.eventIdMax), z.regex(EVENT_ID_PATTERN)),
  ts: z.iso.datetime({ offset: true }),
  feature: label(),
  cohort: label(),
  customer_id: optionalText(L.customerIdMax),
  user_hash: optionalText(L.userHashMax),
  provider: text(1, L.providerMax),
  model: text(1, L.modelMax),
  operation: z.nullish(z.string()),
  service_tier: z.nullish(z.enum(SERVICE_TIERS)),
  prompt_id: optionalText(L.promptFieldMax),
  prompt_version: optionalText(L.promptFieldMax),
  input_tokens: count(),
  cache_read_tokens: z.nullish(count()),
  cache_write_tokens: z.nullish(count()),
  output_tokens: count(),
  reasoning_tokens: z.nullish(count()),
  delivered_output_tokens: z.nullish(count()),
  status: z.enum(STATUSES),
  latency_ms: z.nullish(z.number().check(z.minimum(0))),
  ttft_ms: z.nullish(z.number().check(z.minimum(0))),
  tags: z.nullish(
    z.record(z.string().check(z.maxLength(L.tagKeyMax)), z.string().check(z.maxLength(L.tagValueMax))),
  ),
  cache_write_1h_tokens: z.nullish(count()),
  tool_calls: z.nullish(
    z.record(
      z.string().check(z.regex(TOOL_NAME_PATTERN)),
      z.int().check(z.minimum(0), z.maximum(L.toolCallsMax)),
    ),
  ),
  trace_id: z.nullish(
    z.string().check(z.minLength(L.traceIdMin), z.maxLength(L.traceIdMax), z.regex(EVENT_ID_PATTERN)),
  ),
});

export type WireEvent = z.input<typeof wireEventSchema>;
export type ParsedWireEvent = z.output<typeof wireEventSchema>;
