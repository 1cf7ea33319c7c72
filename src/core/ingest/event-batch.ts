import { rejectionKey } from '@tokenledger/client/contract';
import { decodeRecord, type FramedLine, FramingError } from '../framing/record-framing.ts';
import type { EventRow } from '../lake/event-columns.ts';
import { parseEventLine } from './parse-event-line.ts';
import type { QuarantineEntry } from './quarantine-entry.ts';
import type { StreamRecord } from './stream-record.ts';

export interface BatchCounts {
  records: number;
  /** Events read out of the records (valid, duplicate and refused). */
  events: number;
  accepted: number;
  /** Events whose event_id was already accepted earlier in the batch. */
  duplicates: number;
  quarantined: number;
  /** Broken rules by reason key (`field:code`); an event that breaks several rules counts under each. */
  reasons: Record<string, number>;
}

export function emptyCounts(): BatchCounts {
  return { records: 0, events: 0, accepted: 0, duplicates: 0, quarantined: 0, reasons: {} };
}

/** Adds one batch's counts to a running total (several batches, several consumer runs). */
export function addCounts(into: BatchCounts, from: BatchCounts): void {
  into.records += from.records;
  into.events += from.events;
  into.accepted += from.accepted;
  into.duplicates += from.duplicates;
  into.quarantined += from.quarantined;
  for (const [k, n] of Object.entries(from.reasons)) into.reasons[k] = (into.reasons[k] ?? 0) + n;
}

/** An accepted event and the record it came from. */
export interface AcceptedEvent {
  row: EventRow;
  sequenceNumber: string;
  /** Index of that record in the batch's `records`. */
  record: number;
}

/**
 * Collects one stream batch, record by record: decodes the framing, validates each event, drops repeated
 * event_ids, and keeps refused events for quarantine. Nothing here throws for bad data: a bad event or an
 * unreadable record is quarantined and the events around it go on.
 */
export class EventBatch {
  readonly accepted: AcceptedEvent[] = [];
  readonly quarantined: QuarantineEntry[] = [];
  readonly records: StreamRecord[] = [];
  private readonly seen = new Set<string>();
  private readonly counts: BatchCounts = emptyCounts();

  add(record: StreamRecord): void {
    let lines: FramedLine[];
    try {
      lines = decodeRecord(record.data);
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      this.records.push(record);
      this.counts.records++;
      this.counts.events++;
      this.quarantine(record, null, Buffer.from(record.data).toString('base64'), 'base64', [
        { code: 'not_json', field: 'record', message: `record ${record.sequenceNumber}: ${err.message}` },
      ]);
      return;
    }
    this.addLines(record, lines);
  }

  /**
   * A record's events, already split into lines (its `data` is not read). The local pipeline passes the lines
   * the client could not send (over the event size limit) this way, so that they are quarantined like the rest.
   */
  addLines(record: StreamRecord, lines: readonly FramedLine[]): void {
    const position = this.records.push(record) - 1;
    this.counts.records++;
    for (const line of lines) this.addLine(record, position, line.index, line.text);
  }

  stats(): BatchCounts {
    return { ...this.counts, reasons: { ...this.counts.reasons } };
  }

  private addLine(record: StreamRecord, position: number, index: number, text: string): void {
    this.counts.events++;
    const result = parseEventLine(text, record.arrivedAt);
    if (!result.ok) {
      this.quarantine(record, index, text, 'utf8', result.rejections);
      return;
    }
    // One hash lookup: adding an id already there leaves the set's size unchanged.
    const seen = this.seen.size;
    this.seen.add(result.event.event_id);
    if (this.seen.size === seen) {
      this.counts.duplicates++;
      return;
    }
    this.accepted.push({ row: result.event, sequenceNumber: record.sequenceNumber, record: position });
    this.counts.accepted++;
  }

  private quarantine(
    record: StreamRecord,
    index: number | null,
    raw: string,
    encoding: QuarantineEntry['raw_encoding'],
    reasons: QuarantineEntry['reasons'],
  ): void {
    this.quarantined.push({
      shard_id: record.shardId,
      sequence_number: record.sequenceNumber,
      index,
      received_at: new Date(record.arrivedAt).toISOString(),
      reasons,
      raw,
      raw_encoding: encoding,
    });
    this.counts.quarantined++;
    for (const reason of reasons) {
      const key = rejectionKey(reason);
      this.counts.reasons[key] = (this.counts.reasons[key] ?? 0) + 1;
    }
  }
}
