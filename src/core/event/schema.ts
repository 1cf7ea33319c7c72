import { z } from 'zod';
import { EVENT_LIMITS as L, SERVICE_TIERS, STATUSES } from './limits.ts';

/** `feature` and `cohort`: trimmed and lower-cased, then this pattern (DESIGN §2). */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9._:/-]{0,63}$/;
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

const label = () => z.string().trim().toLowerCase().regex(LABEL_PATTERN);
const count = () => z.number().int().min(0).max(L.intMax);
const optionalText = (max: number) => z.string().max(max).nullish();

/**
 * The request event v1, as the wire carries it. Unknown top-level fields are stripped (ignored);
 * rules that relate two fields or need the time of receipt are checked in `validate.ts`.
 */
export const wireEventSchema = z.object({
  v: z.literal(1),
  event_id: z.string().min(L.eventIdMin).max(L.eventIdMax).regex(EVENT_ID_PATTERN),
  ts: z.iso.datetime({ offset: true }),
  feature: label(),
  cohort: label(),
  customer_id: optionalText(L.customerIdMax),
  user_hash: optionalText(L.userHashMax),
  provider: z.string().min(1).max(L.providerMax),
  model: z.string().min(1).max(L.modelMax),
  operation: z.string().min(1).max(L.providerMax).nullish(),
  service_tier: z.enum(SERVICE_TIERS).nullish(),
  prompt_id: optionalText(L.promptFieldMax),
  prompt_version: optionalText(L.promptFieldMax),
  input_tokens: count(),
  cache_read_tokens: count().nullish(),
  cache_write_tokens: count().nullish(),
  output_tokens: count(),
  reasoning_tokens: count().nullish(),
  delivered_output_tokens: count().nullish(),
  status: z.enum(STATUSES),
  latency_ms: z.number().min(0).nullish(),
  ttft_ms: z.number().min(0).nullish(),
  tags: z.record(z.string().max(L.tagKeyMax), z.string().max(L.tagValueMax)).nullish(),
});

export type WireEvent = z.input<typeof wireEventSchema>;
export type ParsedWireEvent = z.output<typeof wireEventSchema>;
