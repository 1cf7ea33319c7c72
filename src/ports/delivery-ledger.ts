/**
 * What a report job may do about a report's email, decided by a conditional write on the report id:
 * - `claimed`: this run sends it (no one has, or an earlier claim failed or went stale);
 * - `sent`: an earlier run sent it — do nothing;
 * - `in-progress`: another run claimed it moments ago and is sending — do nothing.
 */
export type DeliveryClaim =
  | { status: 'claimed' }
  | { status: 'sent'; messageId: string; sentAt: string }
  | { status: 'in-progress'; claimedAt: string };

/**
 * One email per report id (DynamoDB in AWS, files in the lake locally). A claim is taken with a conditional
 * write; it is released when the send fails (so a retry sends) and becomes stale after `leaseMs` (a run that
 * died between claim and send does not block the report for ever).
 */
export interface DeliveryLedger {
  claim(reportId: string, now: Date): Promise<DeliveryClaim>;
  /** Records the send; only the holder of the claim calls it. */
  markSent(reportId: string, messageId: string, sentAt: Date): Promise<void>;
  /** Gives the claim back after a failed send, with the reason for whoever looks. */
  release(reportId: string, reason: string): Promise<void>;
}

/** How long a claim holds before another run may take it: longer than a report job may run. */
export const DELIVERY_LEASE_MS = 15 * 60_000;
