import type { Rejection } from '@tokenledger/client/contract';

/** A refused event, kept with its raw text and why it was refused (docs/contracts.md §4 quarantine/). */
export interface QuarantineEntry {
  shard_id: string;
  sequence_number: string;
  /** Position of the event inside its record; null when the whole record could not be read. */
  index: number | null;
  received_at: string;
  reasons: Rejection[];
  /**
   * The event's text (for an OTLP span, what docs/otel.md says is kept of it); for an unreadable record, its bytes
   * in base64 (`raw_encoding`), or nothing (`none`) when they may hold raw end-user ids (an OTLP request).
   */
  raw: string;
  raw_encoding: 'utf8' | 'base64' | 'none';
}
