import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DELIVERY_LEASE_MS, type DeliveryClaim, type DeliveryLedger } from '../../ports/delivery-ledger.ts';

export interface DynamoDeliveryLedgerOptions {
  /** How long a claim holds before another run may take it over. @default DELIVERY_LEASE_MS */
  leaseMs?: number;
}

/** A delivery record as stored (DynamoDB item, or the JSON file of the local ledger). */
export interface DeliveryRecord {
  report_id: string;
  status: 'sending' | 'sent' | 'failed';
  /** When the current claim was taken (ISO 8601, UTC, milliseconds: comparable as text). */
  claimed_at: string;
  message_id?: string;
  sent_at?: string;
  last_error?: string;
}

/** How much of a release reason is kept. */
const LAST_ERROR_MAX = 1000;

/** Claims retried when the record changes between the conditional write and the read that explains it. */
const CLAIM_ROUNDS = 5;

/**
 * The delivery ledger as a DynamoDB table with partition key `report_id` (string); one item per report id,
 * kept for good as the record of what was sent. A claim is a conditional PutItem of `status = 'sending'`,
 * accepted when no item exists, the last attempt failed, or the claim is older than the lease; markSent and
 * release are UpdateItems conditional on `status = 'sending'`. Both are idempotent (an SDK retry of a write
 * that succeeded finds its own result and returns), and refuse any other state.
 */
export class DynamoDeliveryLedger implements DeliveryLedger {
  private readonly doc: DynamoDBDocumentClient;
  readonly leaseMs: number;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    options: DynamoDeliveryLedgerOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
    this.leaseMs = checkLease(options.leaseMs ?? DELIVERY_LEASE_MS);
  }

  async claim(reportId: string, now: Date): Promise<DeliveryClaim> {
    const claimedAt = now.toISOString();
    const staleBefore = new Date(now.getTime() - this.leaseMs).toISOString();
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { report_id: reportId, status: 'sending', claimed_at: claimedAt },
            ConditionExpression:
              'attribute_not_exists(report_id) OR #status = :failed OR (#status = :sending AND claimed_at < :staleBefore)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':failed': 'failed',
              ':sending': 'sending',
              ':staleBefore': staleBefore,
            },
          }),
        );
        return { status: 'claimed' };
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
      const decided = decideClaim(await this.get(reportId), now, this.leaseMs);
      if (decided) return decided;
      // Released or gone between the write and the read: try again.
    }
    throw new Error(`delivery of report ${reportId}: the record kept changing under ${CLAIM_ROUNDS} claims`);
  }

  async markSent(reportId: string, messageId: string, sentAt: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { report_id: reportId },
          UpdateExpression: 'SET #status = :sent, message_id = :messageId, sent_at = :sentAt',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'sent',
            ':sending': 'sending',
            ':messageId': messageId,
            ':sentAt': sentAt.toISOString(),
          },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      checkMarkSent(reportId, messageId, await this.get(reportId));
    }
  }

  async release(reportId: string, reason: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { report_id: reportId },
          UpdateExpression: 'SET #status = :failed, last_error = :error',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':sending': 'sending',
            ':error': truncateError(reason),
          },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      checkRelease(reportId, await this.get(reportId));
    }
  }

  /** The record of a report id (consistent read), or null. */
  async get(reportId: string): Promise<DeliveryRecord | null> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { report_id: reportId }, ConsistentRead: true }),
    );
    return (Item as DeliveryRecord | undefined) ?? null;
  }
}

/**
 * What a claim that could not be written means, given the record as it is now: `sent`, `in-progress`, or
 * null when the record would now accept the claim (absent, failed, or stale), so the caller tries again.
 */
function decideClaim(record: DeliveryRecord | null, now: Date, leaseMs: number): DeliveryClaim | null {
  if (record === null || record.status === 'failed') return null;
  if (record.status === 'sent') {
    return { status: 'sent', messageId: record.message_id ?? '', sentAt: record.sent_at ?? '' };
  }
  if (Date.parse(record.claimed_at) < now.getTime() - leaseMs) return null;
  return { status: 'in-progress', claimedAt: record.claimed_at };
}

/** After markSent's condition failed: fine if this very send is recorded (a retried write), else throws. */
function checkMarkSent(reportId: string, messageId: string, record: DeliveryRecord | null): void {
  if (record?.status === 'sent' && record.message_id === messageId) return;
  throw new Error(
    `cannot mark report ${reportId} sent as ${messageId}: ${describe(record)} (only a claim being sent can be)`,
  );
}

/** After release's condition failed: fine if the claim is already released (a retried write), else throws. */
function checkRelease(reportId: string, record: DeliveryRecord | null): void {
  if (record?.status === 'failed') return;
  throw new Error(`cannot release the delivery claim on report ${reportId}: ${describe(record)}`);
}

function truncateError(reason: string): string {
  return reason.length <= LAST_ERROR_MAX ? reason : `${reason.slice(0, LAST_ERROR_MAX - 1)}…`;
}

function checkLease(leaseMs: number): number {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new Error(`delivery lease must be a positive number of milliseconds, got ${leaseMs}`);
  }
  return leaseMs;
}

function describe(record: DeliveryRecord | null): string {
  if (record === null) return 'it has no delivery record';
  if (record.status === 'sent') return `it was sent as ${record.message_id} at ${record.sent_at}`;
  if (record.status === 'failed') return 'its claim was released';
  return `it is claimed since ${record.claimed_at}`;
}

function isConditionFailed(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}
