import { type Rejection, rejectionKey, type Validation, validateEvent } from '@tokenledger/client/contract';
import { mayBeOtlpJson, type RecordPayload, readRecord } from '../framing/read-record.ts';
import { type FramedLine, FramingError, toText } from '../framing/record-framing.ts';
import { type EventRow, utcDate, utcDay } from '../lake/event-columns.ts';
import { StorageOrderTracker } from '../lake/storage-order.ts';
import { type Attributes, OtlpError, type OtlpSpan, type SpanVisitor } from '../otlp/otlp-span.ts';
import { readJsonRequest } from '../otlp/read-json.ts';
import { readProtoRequest } from '../otlp/read-proto.ts';
import { hasUsage, spanToWireEvent } from '../otlp/span-event.ts';
import { quarantinedSpanText } from '../otlp/span-quarantine.ts';
import { EventIdSet } from './event-id-set.ts';
import { type OtlpMapping, otlpMapping } from './otlp-mapping.ts';
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
  /** OTLP spans read (each span that reports token usage is also one of `events`). */
  spans: number;
  /** OTLP spans without token usage (not LLM calls): skipped, neither events nor quarantined. */
  skippedSpans: number;
  /** Broken rules by reason key (`field:code`); an event that breaks several rules counts under each. */
  reasons: Record<string, number>;
}

/** One UTC day's accepted events (see `EventBatch.days`). */
export interface DayRows {
  /** Days since 1970-01-01 (UTC). */
  day: number;
  /** The day as `YYYY-MM-DD`. */
  dt: string;
  rows: EventRow[];
  /** Index (in the batch's records) of the earliest record these rows came from. */
  firstRecord: number;
  order: StorageOrderTracker;
}

export function emptyCounts(): BatchCounts {
  return {
    records: 0,
    events: 0,
    accepted: 0,
    duplicates: 0,
    quarantined: 0,
    spans: 0,
    skippedSpans: 0,
    reasons: {},
  };
}

/** Adds one batch's counts to a running total (several batches, several consumer runs). */
export function addCounts(into: BatchCounts, from: BatchCounts): void {
  into.records += from.records;
  into.events += from.events;
  into.accepted += from.accepted;
  into.duplicates += from.duplicates;
  into.quarantined += from.quarantined;
  into.spans += from.spans;
  into.skippedSpans += from.skippedSpans;
  for (const [k, n] of Object.entries(from.reasons)) into.reasons[k] = (into.reasons[k] ?? 0) + n;
}

/**
 * Collects one stream batch, record by record: decodes the framing, validates each event, drops repeated
 * event_ids, and keeps refused events for quarantine. Nothing here throws for bad data: a bad event or an
 * unreadable record is quarantined and the events around it go on.
 */
export class EventBatch {
  /** The accepted events, in the order they were read. */
  readonly rows: EventRow[] = [];
  readonly quarantined: QuarantineEntry[] = [];
  readonly records: StreamRecord[] = [];
  private readonly seen = new EventIdSet();
  /** The accepted events by UTC day of `ts` (see `days`), and the day the last one fell in. */
  private readonly byDay = new Map<number, DayRows>();
  private lastDay: DayRows | null = null;
  private readonly counts: BatchCounts = emptyCounts();

  constructor(private readonly otlp: OtlpMapping = otlpMapping()) {}

  add(record: StreamRecord): void {
    let payload: RecordPayload;
    try {
      payload = readRecord(record.data);
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      this.refuseRecord(record, err.keepRaw, {
        code: 'not_json',
        field: 'record',
        message: `record ${record.sequenceNumber}: ${err.message}`,
      });
      return;
    }
    if (payload.kind === 'events') this.addLines(record, payload.lines);
    else this.addOtlp(record, payload);
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

  /**
   * The accepted events by UTC date of `ts`, dates in order, rows in the order read: each day's rows, the earliest
   * record they came from, and a `StorageOrderTracker` that saw them as each was accepted, while fresh, so that
   * writing them takes no pass over the rows to group or order them.
   */
  days(): readonly DayRows[] {
    return [...this.byDay.values()].sort((a, b) => a.day - b.day);
  }

  stats(): BatchCounts {
    return { ...this.counts, reasons: { ...this.counts.reasons } };
  }

  private addLine(record: StreamRecord, position: number, index: number, text: string): void {
    this.counts.events++;
    const result = parseEventLine(text, record.arrivedAt);
    if (!result.ok) {
      // An OTLP JSON request where an event belongs (another signal's, or its keys in another order) may hold raw
      // end-user ids: it is not kept.
      const otlp = mayBeOtlpJson(text);
      this.quarantine(record, index, otlp ? '' : text, otlp ? 'none' : 'utf8', result.rejections);
      return;
    }
    this.accept(result.event, position);
  }

  private accept(row: EventRow, position: number): void {
    if (!this.seen.add(row.event_id)) {
      this.counts.duplicates++;
      return;
    }
    this.rows.push(row);
    // A batch is about in time order, so a row's day is usually the one before's.
    const day = utcDay(row.ts);
    let group = this.lastDay;
    if (group === null || group.day !== day) {
      group = this.byDay.get(day) ?? null;
      if (group === null) {
        group = {
          day,
          dt: utcDate(row.ts),
          rows: [],
          firstRecord: position,
          order: new StorageOrderTracker(),
        };
        this.byDay.set(day, group);
      }
      this.lastDay = group;
    }
    group.rows.push(row);
    group.order.see(row);
    if (position < group.firstRecord) group.firstRecord = position;
    this.counts.accepted++;
  }

  /**
   * An OTLP request's spans (docs/otel.md): each span with token usage becomes an event, checked by the contract;
   * the others are counted and skipped. A request that cannot be read, or holds too many spans, is refused whole
   * (and none of its spans is kept), without its bytes: they may hold raw end-user ids.
   */
  private addOtlp(record: StreamRecord, payload: RecordPayload & { kind: 'otlp' }): void {
    const mapped: {
      index: number;
      span: OtlpSpan;
      resource: Attributes;
      event: Record<string, unknown>;
      result: Validation;
    }[] = [];
    let spans = 0;
    let skipped = 0;
    const { settings, hashUser } = this.otlp;
    const visit: SpanVisitor = (span, resource, index) => {
      spans++;
      if (!hasUsage(span)) {
        skipped++;
        return;
      }
      const event = spanToWireEvent(span, resource, settings, hashUser);
      mapped.push({ index, span, resource, event, result: validateEvent(event, record.arrivedAt) });
    };
    const broken: { index: number; message: string }[] = [];
    try {
      if (payload.encoding === 'proto') {
        readProtoRequest(payload.bytes, visit, undefined, (index, err) => {
          spans++;
          broken.push({ index, message: err.message });
        });
      } else readJsonRequest(toText(payload.bytes), visit);
    } catch (err) {
      if (!(err instanceof OtlpError || err instanceof FramingError)) throw err;
      const code = err instanceof OtlpError && err.code === 'too_many_spans' ? 'too_many' : 'not_otlp';
      this.refuseRecord(record, false, {
        code,
        field: 'record',
        message: `record ${record.sequenceNumber} (OTLP ${payload.encoding}, ${payload.compression}): ${err.message}`,
      });
      return;
    }
    const position = this.records.push(record) - 1;
    this.counts.records++;
    this.counts.spans += spans;
    this.counts.skippedSpans += skipped;
    // A span that cannot be decoded is refused alone, without its bytes (they may hold a raw end-user id).
    for (const b of broken) {
      this.counts.events++;
      this.quarantine(record, b.index, '', 'none', [
        { code: 'not_otlp', field: 'span', message: `record ${record.sequenceNumber}: ${b.message}` },
      ]);
    }
    for (const m of mapped) {
      this.counts.events++;
      if (m.result.ok) this.accept(m.result.event, position);
      else {
        const text = quarantinedSpanText(m.span, m.resource, m.event, settings);
        this.quarantine(record, m.index, text, 'utf8', m.result.rejections);
      }
    }
  }

  /** A record none of whose events can be read: quarantined whole, its bytes in base64 when `keepRaw`. */
  private refuseRecord(record: StreamRecord, keepRaw: boolean, reason: Rejection): void {
    this.records.push(record);
    this.counts.records++;
    this.counts.events++;
    // Even a client framing is not kept when it names an OTLP request's key: `{` with the key further on, say.
    const keep = keepRaw && !mayBeOtlpJson(record.data);
    const raw = keep ? Buffer.from(record.data).toString('base64') : '';
    this.quarantine(record, null, raw, keep ? 'base64' : 'none', [reason]);
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
