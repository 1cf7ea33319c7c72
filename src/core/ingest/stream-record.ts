/** One record of a stream batch, as the ingest core sees it (no AWS types). */
export interface StreamRecord {
  /** The stream's name: object keys carry it, so two streams (or two local runs) never share a key. */
  stream: string;
  shardId: string;
  sequenceNumber: string;
  /** When the stream received the record, epoch ms (Kinesis' approximate arrival time). */
  arrivedAt: number;
  data: Uint8Array;
}
