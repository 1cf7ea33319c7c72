// The request event contract, shared by the client that sends events and the consumer that stores them:
// its limits, validation with a reason per rule, ids, the user-id HMAC and the usage split. One home for
// both sides, published as `@tokenledger/client/contract`.

export type { ServiceTier, Status, ToolUsageType, UsageType } from './limits.ts';
export { EVENT_LIMITS, RECORD_LIMITS, SERVICE_TIERS, STATUSES, USAGE_TYPES } from './limits.ts';
export { quote, type Rejection, type RejectionCode, rejectionKey } from './rejection.ts';
export type { ReceivedEvent, RequestEvent } from './request-event.ts';
export { type TokenCounts, toolUsage, usageSplit } from './usage.ts';
export { UserHasher, userHash } from './user-hash.ts';
export { uuidv7 } from './uuidv7.ts';
export {
  EVENT_ID_PATTERN,
  LABEL_PATTERN,
  parseTimestamp,
  TOOL_NAME_PATTERN,
  type Validation,
  validateEvent,
} from './validate.ts';
