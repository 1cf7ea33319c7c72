import { describe, expect, it } from 'vitest';
import { DELIVERY_LEASE_MS, type DeliveryLedger } from '../../src/ports/delivery-ledger.ts';

/** A ledger on fresh storage (a new table or folder), with the lease given or the default one. */
export type FreshLedger = (options?: { leaseMs?: number }) => Promise<DeliveryLedger>;

const T0 = new Date('2026-11-27T06:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const REPORT = 'governance-2026-11-26_2026-11-27';

/**
 * The behaviour every DeliveryLedger shares (DynamoDB and local lake alike): call inside the adapter's
 * describe, after the hooks that make `fresh` work.
 */
export function deliveryLedgerBehaviour(fresh: FreshLedger): void {
  describe('DeliveryLedger behaviour', () => {
    it('claims a new report id once; a second claim sees it in progress since the first claim', async () => {
      const ledger = await fresh();
      expect(await ledger.claim(REPORT, T0)).toEqual({ status: 'claimed' });
      expect(await ledger.claim(REPORT, at(1000))).toEqual({
        status: 'in-progress',
        claimedAt: T0.toISOString(),
      });
    });

    it('after markSent, every later claim answers sent with the message id and time, even past the lease', async () => {
      const ledger = await fresh({ leaseMs: 1000 });
      await ledger.claim(REPORT, T0);
      await ledger.markSent(REPORT, 'msg-1', at(200));
      const sent = { status: 'sent', messageId: 'msg-1', sentAt: at(200).toISOString() };
      expect(await ledger.claim(REPORT, at(300))).toEqual(sent);
      expect(await ledger.claim(REPORT, at(86_400_000))).toEqual(sent);
    });

    it('after release, the next claim takes the report again (a retry sends)', async () => {
      const ledger = await fresh();
      await ledger.claim(REPORT, T0);
      await ledger.release(REPORT, 'SES did not send the email: MessageRejected');
      expect(await ledger.claim(REPORT, at(1))).toEqual({ status: 'claimed' });
      expect(await ledger.claim(REPORT, at(2))).toEqual({
        status: 'in-progress',
        claimedAt: at(1).toISOString(),
      });
      await ledger.markSent(REPORT, 'msg-2', at(3));
      expect(await ledger.claim(REPORT, at(4))).toMatchObject({ status: 'sent', messageId: 'msg-2' });
    });

    it('a claim older than the lease is taken over; a fresh one is not', async () => {
      const ledger = await fresh({ leaseMs: 1000 });
      await ledger.claim(REPORT, T0);
      expect(await ledger.claim(REPORT, at(1000))).toEqual({
        status: 'in-progress',
        claimedAt: T0.toISOString(),
      });
      expect(await ledger.claim(REPORT, at(1001))).toEqual({ status: 'claimed' });
      expect(await ledger.claim(REPORT, at(1500))).toEqual({
        status: 'in-progress',
        claimedAt: at(1001).toISOString(),
      });
      await ledger.markSent(REPORT, 'msg-3', at(1600));
      expect(await ledger.claim(REPORT, at(5000))).toMatchObject({ status: 'sent', messageId: 'msg-3' });
    });

    it('holds a claim for DELIVERY_LEASE_MS by default', async () => {
      const ledger = await fresh();
      await ledger.claim(REPORT, T0);
      expect(await ledger.claim(REPORT, at(DELIVERY_LEASE_MS))).toMatchObject({ status: 'in-progress' });
      expect(await ledger.claim(REPORT, at(DELIVERY_LEASE_MS + 1))).toEqual({ status: 'claimed' });
    });

    it('of concurrent claims on a new report id, exactly one claims', async () => {
      const ledger = await fresh();
      const claims = await Promise.all(Array.from({ length: 8 }, () => ledger.claim(REPORT, T0)));
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.status === 'in-progress')).toHaveLength(7);
    });

    it('of concurrent takeovers of a stale claim, exactly one claims', async () => {
      const ledger = await fresh({ leaseMs: 1000 });
      await ledger.claim(REPORT, T0);
      const claims = await Promise.all(Array.from({ length: 8 }, () => ledger.claim(REPORT, at(5000))));
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.status === 'in-progress')).toEqual(
        Array(7).fill({ status: 'in-progress', claimedAt: at(5000).toISOString() }),
      );
    });

    it('of concurrent claims after a release, exactly one claims', async () => {
      const ledger = await fresh();
      await ledger.claim(REPORT, T0);
      await ledger.release(REPORT, 'timeout');
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => ledger.claim(REPORT, at(10 + i))));
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
    });

    it('keeps report ids apart', async () => {
      const ledger = await fresh();
      await ledger.claim(REPORT, T0);
      await ledger.markSent(REPORT, 'msg-g', at(1));
      expect(await ledger.claim('margin-2026-10', at(2))).toEqual({ status: 'claimed' });
      expect(await ledger.claim('governance-2026-11-27_2026-11-28', at(3))).toEqual({ status: 'claimed' });
    });

    it('markSent and release are idempotent (a retried write that had succeeded)', async () => {
      const ledger = await fresh();
      await ledger.claim(REPORT, T0);
      await ledger.release(REPORT, 'first');
      await ledger.release(REPORT, 'first');
      await ledger.claim(REPORT, at(1));
      await ledger.markSent(REPORT, 'msg-4', at(2));
      await ledger.markSent(REPORT, 'msg-4', at(2));
      expect(await ledger.claim(REPORT, at(3))).toEqual({
        status: 'sent',
        messageId: 'msg-4',
        sentAt: at(2).toISOString(),
      });
    });

    it('refuses markSent and release without a claim, and never reopens a sent report', async () => {
      const ledger = await fresh();
      await expect(ledger.markSent(REPORT, 'msg-x', T0)).rejects.toThrow(REPORT);
      await expect(ledger.release(REPORT, 'nope')).rejects.toThrow(REPORT);
      await ledger.claim(REPORT, T0);
      await ledger.markSent(REPORT, 'msg-5', at(1));
      await expect(ledger.markSent(REPORT, 'msg-6', at(2))).rejects.toThrow(/msg-6.*sent as msg-5/);
      await expect(ledger.release(REPORT, 'late failure')).rejects.toThrow(/sent as msg-5/);
      expect(await ledger.claim(REPORT, at(3))).toMatchObject({ status: 'sent', messageId: 'msg-5' });
    });

    it('refuses markSent after the claim was released', async () => {
      const ledger = await fresh();
      await ledger.claim(REPORT, T0);
      await ledger.release(REPORT, 'failed');
      await expect(ledger.markSent(REPORT, 'msg-7', at(1))).rejects.toThrow(/released/);
    });
  });
}
