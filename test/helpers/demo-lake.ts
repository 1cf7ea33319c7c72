import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { UserHasher } from '../../packages/client/src/contract/user-hash.ts';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import { toWireEvent } from '../../packages/client/src/wire-event.ts';
import { FsLakeStore } from '../../src/adapters/local/fs-lake-store.ts';
import { ingestInvoiceCommand, ingestRevenueCommand } from '../../src/cli/commands/ingest-tables.ts';
import type { EventRow } from '../../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../../src/core/lake/events-parquet.ts';
import { demoInvoices } from '../../src/demo/invoices.ts';
import { demoRevenue } from '../../src/demo/revenue.ts';
import { DEMO_HMAC_KEY, generateTraffic } from '../../src/demo/traffic.ts';
import { TextSink } from '../cli/run-cli.ts';

/**
 * A month of the demo's traffic in a lake folder, without the demo's stream: its events (retried duplicates
 * included) validated and written per day in two objects, then its invoices in the providers' export formats and
 * its revenue, ingested as `tokenledger ingest` does (input files written under `workDir`). Returns the number of
 * distinct requests.
 */
export async function buildDemoLake(
  lakeDir: string,
  workDir: string,
  options: { month: string; requests: number; seed?: number },
): Promise<{ requests: number }> {
  const seed = options.seed ?? 42;
  const traffic = generateTraffic({ month: options.month, requests: options.requests, seed });
  const hasher = new UserHasher(DEMO_HMAC_KEY);
  const byDay = new Map<string, EventRow[]>();
  const ids = new Set<string>();
  for (const item of traffic.items) {
    if (item.kind !== 'call') continue;
    const at = Number(item.input.startedAt);
    const v = validateEvent(toWireEvent({ input: item.input, at }, hasher), at + 1000);
    if (!v.ok) continue;
    ids.add(v.event.event_id);
    const day = new Date(v.event.ts).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), v.event]);
  }
  expect(traffic.duplicates).toBeGreaterThan(0);
  const store = new FsLakeStore(lakeDir);
  for (const [day, rows] of byDay) {
    const half = Math.ceil(rows.length / 2);
    await store.putNew(`events/dt=${day}/demo/a.parquet`, eventsToParquet(rows.slice(0, half)), '');
    await store.putNew(`events/dt=${day}/demo/b.parquet`, eventsToParquet(rows.slice(half)), '');
  }
  const io = { out: new TextSink(), err: new TextSink() };
  for (const invoice of demoInvoices(traffic, { month: options.month, seed })) {
    const file = join(workDir, invoice.fileName);
    writeFileSync(file, invoice.text);
    expect(await ingestInvoiceCommand([file, '--format', invoice.format, '--lake', lakeDir], io)).toBe(0);
  }
  const revenue = demoRevenue(traffic, { month: options.month, seed });
  writeFileSync(join(workDir, revenue.fileName), revenue.text);
  expect(await ingestRevenueCommand([join(workDir, revenue.fileName), '--lake', lakeDir], io)).toBe(0);
  return { requests: ids.size };
}
