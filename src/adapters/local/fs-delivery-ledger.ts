import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DELIVERY_LEASE_MS, type DeliveryClaim, type DeliveryLedger } from '../../ports/delivery-ledger.ts';

export interface FsDeliveryLedgerOptions {
  /** How long a claim holds before another run may take it over. @default DELIVERY_LEASE_MS */
  leaseMs?: number;
}

/** A delivery record as stored in `<lake>/outbox/deliveries/<reportId>.json`. */
export interface FsDeliveryRecord {
  report_id: string;
  status: 'sending' | 'sent' | 'failed';
  /** 1 for the first claim, one more for each takeover (of a failed or stale claim). */
  attempt: number;
  /** When the current claim was taken (ISO 8601, UTC). */
  claimed_at: string;
  message_id?: string;
  sent_at?: string;
  last_error?: string;
}

/** Report ids the local outbox accepts as file names. */
const SAFE_REPORT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;
/** How much of a release reason is kept. */
const LAST_ERROR_MAX = 1000;
/** Claims retried when the record changes between a failed exclusive create and the read that explains it. */
const CLAIM_ROUNDS = 5;

/**
 * Throws unless `reportId` can name a file in the local outbox: letters, digits, `_`, `.` and `-`, starting with
 * a letter or digit, at most 200 characters.
 */
export function assertSafeReportId(reportId: string): void {
  if (!SAFE_REPORT_ID.test(reportId)) {
    throw new Error(
      `report id ${JSON.stringify(reportId)} cannot name a file in the local outbox: use only [A-Za-z0-9_.-], ` +
        'starting with a letter or digit, at most 200 characters',
    );
  }
}

/**
 * The delivery ledger in the local lake: one JSON record per report id at
 * `<lake>/outbox/deliveries/<reportId>.json`, kept for good, with the semantics of the DynamoDB ledger.
 *
 * Every write is a whole file put in place atomically. The first claim creates the record exclusively (a
 * temporary file hard-linked to the record's name, which fails if it exists), so of two runs exactly one
 * claims. Taking over a failed or stale claim has to replace the record, which a rename does unconditionally;
 * so the taker of attempt n + 1 first creates `deliveries/attempts/<reportId>.<n + 1>.json` exclusively (the
 * conditional write: one run wins each attempt number), then renames its record into place. A run that dies
 * between the two leaves the attempt file as the newer record, which the next claim reads (and takes over once
 * its lease is stale). markSent and release check the record, then replace it (a claim's holder is its only
 * writer until the lease runs out).
 */
export class FsDeliveryLedger implements DeliveryLedger {
  readonly dir: string;
  readonly leaseMs: number;

  constructor(lakeDir: string, options: FsDeliveryLedgerOptions = {}) {
    this.dir = join(lakeDir, 'outbox', 'deliveries');
    const leaseMs = options.leaseMs ?? DELIVERY_LEASE_MS;
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
      throw new Error(`delivery lease must be a positive number of milliseconds, got ${leaseMs}`);
    }
    this.leaseMs = leaseMs;
  }

  /** The record file of a report id. */
  pathOf(reportId: string): string {
    assertSafeReportId(reportId);
    return join(this.dir, `${reportId}.json`);
  }

  async claim(reportId: string, now: Date): Promise<DeliveryClaim> {
    const path = this.pathOf(reportId);
    await mkdir(join(this.dir, 'attempts'), { recursive: true });
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const current = await this.get(reportId);
      const claim = (attempt: number): FsDeliveryRecord => ({
        report_id: reportId,
        status: 'sending',
        attempt,
        claimed_at: now.toISOString(),
      });
      if (current === null) {
        if (await createExclusive(path, claim(1))) return { status: 'claimed' };
        continue;
      }
      const decided = decideClaim(current, now, this.leaseMs);
      if (decided) return decided;
      const next = claim(current.attempt + 1);
      if (await createExclusive(this.attemptPath(reportId, next.attempt), next)) {
        await replace(path, next);
        return { status: 'claimed' };
      }
      // Another run took this attempt first: read again to see its claim.
    }
    throw new Error(`delivery of report ${reportId}: the record kept changing under ${CLAIM_ROUNDS} claims`);
  }

  async markSent(reportId: string, messageId: string, sentAt: Date): Promise<void> {
    const current = await this.get(reportId);
    if (current?.status === 'sent' && current.message_id === messageId) return;
    if (current?.status !== 'sending') {
      throw new Error(
        `cannot mark report ${reportId} sent as ${messageId}: ${describe(current)} (only a claim being sent can be)`,
      );
    }
    await replace(this.pathOf(reportId), {
      ...current,
      status: 'sent',
      message_id: messageId,
      sent_at: sentAt.toISOString(),
    });
  }

  async release(reportId: string, reason: string): Promise<void> {
    const current = await this.get(reportId);
    if (current?.status === 'failed') return;
    if (current?.status !== 'sending') {
      throw new Error(`cannot release the delivery claim on report ${reportId}: ${describe(current)}`);
    }
    await replace(this.pathOf(reportId), { ...current, status: 'failed', last_error: truncateError(reason) });
  }

  /**
   * The current record of a report id, or null: the record file, unless a takeover's attempt file is newer
   * (its run died before renaming it into place, or is about to).
   */
  async get(reportId: string): Promise<FsDeliveryRecord | null> {
    let record = await readRecord(this.pathOf(reportId));
    while (record !== null && record.status !== 'sent') {
      const newer = await readRecord(this.attemptPath(reportId, record.attempt + 1));
      if (newer === null) break;
      record = newer;
    }
    return record;
  }

  private attemptPath(reportId: string, attempt: number): string {
    return join(this.dir, 'attempts', `${reportId}.${attempt}.json`);
  }
}

function decideClaim(record: FsDeliveryRecord, now: Date, leaseMs: number): DeliveryClaim | null {
  if (record.status === 'failed') return null;
  if (record.status === 'sent') {
    return { status: 'sent', messageId: record.message_id ?? '', sentAt: record.sent_at ?? '' };
  }
  if (Date.parse(record.claimed_at) < now.getTime() - leaseMs) return null;
  return { status: 'in-progress', claimedAt: record.claimed_at };
}

function describe(record: FsDeliveryRecord | null): string {
  if (record === null) return 'it has no delivery record';
  if (record.status === 'sent') return `it was sent as ${record.message_id} at ${record.sent_at}`;
  if (record.status === 'failed') return 'its claim was released';
  return `it is claimed since ${record.claimed_at}`;
}

function truncateError(reason: string): string {
  return reason.length <= LAST_ERROR_MAX ? reason : `${reason.slice(0, LAST_ERROR_MAX - 1)}…`;
}

async function readRecord(path: string): Promise<FsDeliveryRecord | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let record: FsDeliveryRecord;
  try {
    record = JSON.parse(text) as FsDeliveryRecord;
  } catch (err) {
    throw new Error(`delivery record ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return { ...record, attempt: Number.isInteger(record.attempt) ? record.attempt : 1 };
}

function encode(record: FsDeliveryRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Writes the record to `path` unless a file is there (then returns false); readers never see half of it. */
async function createExclusive(path: string, record: FsDeliveryRecord): Promise<boolean> {
  const temp = tempBeside(path);
  await writeFile(temp, encode(record));
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Replaces the file at `path` with the record in one step (temporary file, then rename). */
async function replace(path: string, record: FsDeliveryRecord): Promise<void> {
  const temp = tempBeside(path);
  try {
    await writeFile(temp, encode(record));
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

function tempBeside(path: string): string {
  return join(dirname(path), `.tmp-${randomUUID()}`);
}
