/** One record of a stream batch, as the ingest core sees it (no AWS types). */
export interface StreamRecord {
  shardId: string;
  sequenceNumber: string;
  /** When the stream received the record, epoch ms (Kinesis' approximate arrival time). */
  arrivedAt: number;
  data: Uint8Array;
}
