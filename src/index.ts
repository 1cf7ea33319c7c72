// tokenledger's core, for tools that read or write its data: the event contract, the record framing and
// the usage split. The client that apps use is `tokenledger/client`.

export type { ServiceTier, Status, UsageType } from './core/event/limits.ts';
export { EVENT_LIMITS, RECORD_LIMITS, SERVICE_TIERS, STATUSES, USAGE_TYPES } from './core/event/limits.ts';
export { type Rejection, type RejectionCode, rejectionKey } from './core/event/rejection.ts';
export type { ReceivedEvent, RequestEvent } from './core/event/request-event.ts';
export { usageSplit } from './core/event/usage.ts';
export { userHash } from './core/event/user-hash.ts';
export { uuidv7 } from './core/event/uuidv7.ts';
export { parseTimestamp, type Validation, validateEvent } from './core/event/validate.ts';
export {
  decodeRecord,
  type EncodedRecord,
  encodeBatch,
  FramingError,
} from './core/framing/record-framing.ts';
export { parseEventLine } from './core/ingest/parse-event-line.ts';
