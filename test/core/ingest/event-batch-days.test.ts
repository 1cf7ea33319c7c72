import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../src/core/framing/record-framing.ts';
import { EventBatch } from '../../../src/core/ingest/event-batch.ts';
import { lakeObjects } from '../../../src/core/ingest/lake-objects.ts';
import type { EventRow } from '../../../src/core/lake/event-columns.ts';
import { eventsToParquet } from '../../../src/core/lake/events-parquet.ts';
import { storageOrder } from '../../../src/core/lake/storage-order.ts';
import { ARRIVAL, wireEvent } from '../../helpers/factories.ts';

// A batch groups its accepted events by UTC day of ts as it accepts them, and follows whether each day's rows came
// in storage order; the objects it writes must be the bytes the writer gives the same rows without those hints.

/** A batch of one record per group of events. */
function batchOf(groups: readonly Record<string, unknown>[][]): EventBatch {
  const batch = new EventBatch();
  groups.forEach((events, i) => {
    const [record] = encodeBatch(events.map((e) => JSON.stringify(e)));
    if (!record) throw new Error('no record');
    batch.add({
      stream: 's',
      shardId: 'shard-1',
      sequenceNumber: String(100 + i),
      arrivedAt: ARRIVAL,
      data: record.data,
    });
  });
  return batch;
}

/** A valid event at `iso` whose event_id ends with `id`. */
const at = (iso: string, id: string) => wireEvent({ ts: iso, event_id: `event-${id}` });
const idOf = (row: EventRow) => row.event_id.slice('event-'.length);

describe('EventBatch.days', () => {
  it('days in date order, each with its rows as read, the earliest record, and whether they came in time order', () => {
    const batch = batchOf([
      [at('2026-11-02T09:00:00.000Z', 'b-1'), at('2026-11-01T23:59:59.999Z', 'a-1')],
      [at('2026-11-02T09:00:01.000Z', 'b-2'), at('2026-11-02T09:00:01.000Z', 'b-3')],
      // Day one again, earlier than its row before: out of order from here.
      [at('2026-11-01T23:00:00.000Z', 'a-0')],
      // A tie on ts with an id that sorts first: out of order too.
      [at('2026-11-02T09:00:02.000Z', 'b-9'), at('2026-11-02T09:00:02.000Z', 'b-4')],
    ]);
    const days = batch.days();
    expect(days.map((d) => [d.dt, d.rows.map(idOf), d.firstRecord, d.order.inTimeOrder])).toEqual([
      ['2026-11-01', ['a-1', 'a-0'], 0, false],
      ['2026-11-02', ['b-1', 'b-2', 'b-3', 'b-9', 'b-4'], 0, true],
    ]);
    // Day two is in time order, its last tie out of id order: that run moves, as storageOrder moves it.
    const second = days[1] as (typeof days)[number];
    expect(Array.from(second.order.storageOrder(second.rows) ?? [])).toEqual(storageOrder(second.rows));
    expect(second.order.storageOrder(second.rows)).not.toBeNull();
    expect(days.flatMap((d) => d.rows).length).toBe(batch.rows.length);
  });

  it('a day whose rows came in order, ties in event_id order, keeps them as read; a repeated id is dropped before it counts', () => {
    const batch = batchOf([
      [at('2026-11-02T09:00:00.000Z', 'n-1'), at('2026-11-02T09:00:00.000Z', 'n-2')],
      [at('2026-11-02T09:00:00.000Z', 'n-1'), at('2026-11-02T09:00:03.000Z', 'n-0')],
    ]);
    const [day] = batch.days();
    expect(day?.rows.map(idOf)).toEqual(['n-1', 'n-2', 'n-0']);
    expect(day?.order.inTimeOrder).toBe(true);
    expect(Array.from(day?.order.storageOrder(day.rows) ?? [])).toEqual([0, 1, 2]);
    expect(day?.firstRecord).toBe(0);
  });

  it('the earliest record of a day first met in a later record', () => {
    const batch = batchOf([[at('2026-11-02T09:00:00.000Z', 'n-x')], [at('2026-11-01T09:00:00.000Z', 'n-y')]]);
    expect(batch.days().map((d) => [d.dt, d.firstRecord])).toEqual([
      ['2026-11-01', 1],
      ['2026-11-02', 0],
    ]);
  });
});

describe('lakeObjects: the writer told the order gives the bytes it gives untold', () => {
  it('a day in order and a day out of order, each file as eventsToParquet writes its rows', () => {
    const inOrder = Array.from({ length: 300 }, (_, i) =>
      at(
        new Date(Date.parse('2026-11-02T08:00:00.000Z') + i * 997).toISOString(),
        `in-${String(i).padStart(4, '0')}`,
      ),
    );
    const outOfOrder = Array.from({ length: 300 }, (_, i) =>
      at(
        new Date(Date.parse('2026-11-01T20:00:00.000Z') + ((i * 7919) % 300) * 1000).toISOString(),
        `out-${i}`,
      ),
    );
    const batch = batchOf([inOrder.slice(0, 150), outOfOrder, inOrder.slice(150)]);
    const days = batch.days();
    expect(days.map((d) => d.order.inTimeOrder)).toEqual([false, true]);
    const objects = lakeObjects(batch).filter((o) => o.key.startsWith('events/'));
    expect(objects.map((o) => o.key.slice(0, 20))).toEqual(['events/dt=2026-11-01', 'events/dt=2026-11-02']);
    objects.forEach((object, i) => {
      expect(Buffer.from(object.body()).equals(Buffer.from(eventsToParquet(days[i]?.rows ?? [])))).toBe(true);
    });
  });
});
