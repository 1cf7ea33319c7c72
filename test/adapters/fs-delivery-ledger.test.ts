import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsDeliveryLedger } from '../../src/adapters/local/fs-delivery-ledger.ts';
import { DELIVERY_LEASE_MS } from '../../src/ports/delivery-ledger.ts';
import { deliveryLedgerBehaviour } from '../helpers/delivery-ledger-behaviour.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dirs: { remove: () => Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => d.remove()));
});

async function lake(): Promise<string> {
  const tmp = await tempDir('delivery-ledger-');
  dirs.push(tmp);
  return tmp.dir;
}

async function record(lakeDir: string, reportId: string): Promise<unknown> {
  return JSON.parse(await readFile(join(lakeDir, 'outbox', 'deliveries', `${reportId}.json`), 'utf8'));
}

const T0 = new Date('2026-11-27T06:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const REPORT = 'governance-2026-11-26_2026-11-27';

describe('FsDeliveryLedger (local lake)', () => {
  deliveryLedgerBehaviour(async (options) => new FsDeliveryLedger(await lake(), options));

  it('keeps one JSON record per report id at outbox/deliveries/<reportId>.json', async () => {
    const dir = await lake();
    const ledger = new FsDeliveryLedger(dir);
    expect(ledger.pathOf('margin-2026-10')).toBe(join(dir, 'outbox', 'deliveries', 'margin-2026-10.json'));
    await ledger.claim('margin-2026-10', T0);
    expect(await record(dir, 'margin-2026-10')).toEqual({
      report_id: 'margin-2026-10',
      status: 'sending',
      attempt: 1,
      claimed_at: '2026-11-27T06:00:00.000Z',
    });
    await ledger.release('margin-2026-10', `boom ${'x'.repeat(5000)}`);
    const failed = (await record(dir, 'margin-2026-10')) as { status: string; last_error: string };
    expect(failed.status).toBe('failed');
    expect(failed.last_error.length).toBeLessThanOrEqual(1000);
    expect(failed.last_error.startsWith('boom xxx')).toBe(true);
    await ledger.claim('margin-2026-10', at(60_000));
    await ledger.markSent('margin-2026-10', 'msg-1@example.com', at(61_000));
    expect(await record(dir, 'margin-2026-10')).toEqual({
      report_id: 'margin-2026-10',
      status: 'sent',
      attempt: 2,
      claimed_at: '2026-11-27T06:01:00.000Z',
      message_id: 'msg-1@example.com',
      sent_at: '2026-11-27T06:01:01.000Z',
    });
    const files = await readdir(join(dir, 'outbox', 'deliveries'), { recursive: true });
    expect(files.sort()).toEqual(['attempts', 'attempts/margin-2026-10.2.json', 'margin-2026-10.json']);
  });

  it('a takeover whose run died before putting its record in place still holds for its lease', async () => {
    const dir = await lake();
    const ledger = new FsDeliveryLedger(dir, { leaseMs: 1000 });
    await ledger.claim(REPORT, T0);
    // A run took attempt 2 over at +2s and died before renaming its record into place.
    const orphan = { report_id: REPORT, status: 'sending', attempt: 2, claimed_at: at(2000).toISOString() };
    await writeFile(
      join(dir, 'outbox', 'deliveries', 'attempts', `${REPORT}.2.json`),
      JSON.stringify(orphan),
    );
    expect(await ledger.claim(REPORT, at(2500))).toEqual({
      status: 'in-progress',
      claimedAt: at(2000).toISOString(),
    });
    expect(await ledger.claim(REPORT, at(3001))).toEqual({ status: 'claimed' });
    expect(await record(dir, REPORT)).toMatchObject({ attempt: 3, claimed_at: at(3001).toISOString() });
    await ledger.markSent(REPORT, 'msg-3', at(3100));
    expect(await ledger.claim(REPORT, at(9000))).toMatchObject({ status: 'sent', messageId: 'msg-3' });
  });

  it('rejects a report id that cannot be a file name, naming it', async () => {
    const dir = await lake();
    const ledger = new FsDeliveryLedger(dir);
    for (const bad of [
      '../escape',
      'a/b',
      '',
      '.hidden',
      'weekly report',
      'r\u00e9sum\u00e9',
      'x'.repeat(201),
    ]) {
      await expect(ledger.claim(bad, T0)).rejects.toThrow(JSON.stringify(bad));
      await expect(ledger.markSent(bad, 'm', T0)).rejects.toThrow(/\[A-Za-z0-9_.-\]/);
      await expect(ledger.release(bad, 'r')).rejects.toThrow(/cannot name a file/);
    }
    await expect(readdir(join(dir, 'outbox'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves no temporary files behind', async () => {
    const dir = await lake();
    const ledger = new FsDeliveryLedger(dir, { leaseMs: 10 });
    await Promise.all(Array.from({ length: 5 }, () => ledger.claim(REPORT, T0)));
    await Promise.all(Array.from({ length: 5 }, () => ledger.claim(REPORT, at(100))));
    await ledger.markSent(REPORT, 'm', at(101));
    const files = await readdir(join(dir, 'outbox', 'deliveries'), { recursive: true });
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('names a record file that is not JSON', async () => {
    const dir = await lake();
    await mkdir(join(dir, 'outbox', 'deliveries'), { recursive: true });
    await writeFile(join(dir, 'outbox', 'deliveries', `${REPORT}.json`), '{ half');
    await expect(new FsDeliveryLedger(dir).claim(REPORT, T0)).rejects.toThrow(`${REPORT}.json is not JSON`);
  });

  it('defaults the lease to DELIVERY_LEASE_MS and refuses a lease that is not positive', () => {
    expect(new FsDeliveryLedger('/nowhere').leaseMs).toBe(DELIVERY_LEASE_MS);
    expect(() => new FsDeliveryLedger('/nowhere', { leaseMs: -1 })).toThrow(/lease/);
  });
});
