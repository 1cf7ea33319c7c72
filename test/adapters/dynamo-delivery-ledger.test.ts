import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryLedger } from '../../src/adapters/dynamodb/dynamo-delivery-ledger.ts';
import { DELIVERY_LEASE_MS } from '../../src/ports/delivery-ledger.ts';
import { deliveryLedgerBehaviour } from '../helpers/delivery-ledger-behaviour.ts';
import { type LocalDynamo, startDynalite } from '../helpers/dynalite.ts';

let dynamo: LocalDynamo;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});

async function freshTable(): Promise<string> {
  const table = `report-deliveries-${++tables}`;
  await dynamo.createTable(table, 'report_id');
  return table;
}

async function item(table: string, reportId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await DynamoDBDocumentClient.from(dynamo.client).send(
    new GetCommand({ TableName: table, Key: { report_id: reportId }, ConsistentRead: true }),
  );
  return Item;
}

const T0 = new Date('2026-11-27T06:00:00.000Z');

describe('DynamoDeliveryLedger (dynalite, real SDK)', () => {
  deliveryLedgerBehaviour(
    async (options) => new DynamoDeliveryLedger(dynamo.client, await freshTable(), options),
  );

  it('stores the claim, the send and the release as attributes of one item per report id', async () => {
    const table = await freshTable();
    const ledger = new DynamoDeliveryLedger(dynamo.client, table);
    await ledger.claim('margin-2026-10', T0);
    expect(await item(table, 'margin-2026-10')).toEqual({
      report_id: 'margin-2026-10',
      status: 'sending',
      claimed_at: '2026-11-27T06:00:00.000Z',
    });
    await ledger.release('margin-2026-10', 'SES did not send: TooManyRequestsException');
    expect(await item(table, 'margin-2026-10')).toMatchObject({
      status: 'failed',
      last_error: 'SES did not send: TooManyRequestsException',
    });
    await ledger.claim('margin-2026-10', new Date(T0.getTime() + 60_000));
    await ledger.markSent('margin-2026-10', '0100abc-000000', new Date(T0.getTime() + 61_000));
    const sent = await item(table, 'margin-2026-10');
    expect(sent).toEqual({
      report_id: 'margin-2026-10',
      status: 'sent',
      claimed_at: '2026-11-27T06:01:00.000Z',
      message_id: '0100abc-000000',
      sent_at: '2026-11-27T06:01:01.000Z',
    });
    expect(await ledger.get('margin-2026-10')).toEqual(sent);
    expect(sent).not.toHaveProperty('expires_at');
  });

  it('keeps the first 1000 characters or so of a long release reason', async () => {
    const table = await freshTable();
    const ledger = new DynamoDeliveryLedger(dynamo.client, table);
    await ledger.claim('margin-2026-10', T0);
    await ledger.release('margin-2026-10', `boom ${'x'.repeat(5000)}`);
    const lastError = String((await item(table, 'margin-2026-10'))?.last_error);
    expect(lastError.length).toBeLessThanOrEqual(1000);
    expect(lastError.startsWith('boom xxx')).toBe(true);
  });

  it('defaults the lease to DELIVERY_LEASE_MS and refuses a lease that is not positive', () => {
    expect(new DynamoDeliveryLedger(dynamo.client, 't').leaseMs).toBe(DELIVERY_LEASE_MS);
    expect(new DynamoDeliveryLedger(dynamo.client, 't', { leaseMs: 5 }).leaseMs).toBe(5);
    expect(() => new DynamoDeliveryLedger(dynamo.client, 't', { leaseMs: 0 })).toThrow(/lease/);
    expect(() => new DynamoDeliveryLedger(dynamo.client, 't', { leaseMs: Number.NaN })).toThrow(/lease/);
  });

  it('lets DynamoDB errors other than a failed condition through (e.g. a missing table)', async () => {
    const ledger = new DynamoDeliveryLedger(dynamo.client, 'no-such-table');
    await expect(ledger.claim('margin-2026-10', T0)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(ledger.markSent('margin-2026-10', 'm', T0)).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(ledger.release('margin-2026-10', 'r')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
