import { randomUUID } from 'node:crypto';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';

/** PutRecords' own limits: 500 records and 5 MiB a call. */
const RECORDS_PER_CALL = 500;
const BYTES_PER_CALL = 5 * 1024 * 1024;

/**
 * Puts records whose data is already framed (OTLP requests, as the Collector's `awskinesis` exporter writes them)
 * into a stream, each under a random partition key as that exporter does, retrying the entries a call refuses.
 */
export async function putRawRecords(
  client: KinesisClient,
  streamName: string,
  records: readonly Uint8Array[],
): Promise<void> {
  let call: Uint8Array[] = [];
  let bytes = 0;
  for (const data of records) {
    if (call.length === RECORDS_PER_CALL || bytes + data.length > BYTES_PER_CALL) {
      await putAll(client, streamName, call);
      call = [];
      bytes = 0;
    }
    call.push(data);
    bytes += data.length;
  }
  if (call.length > 0) await putAll(client, streamName, call);
}

async function putAll(client: KinesisClient, streamName: string, records: Uint8Array[]): Promise<void> {
  let pending = records;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const out = await client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: pending.map((Data) => ({ Data, PartitionKey: randomUUID() })),
      }),
    );
    const failed = pending.filter((_, i) => out.Records?.[i]?.ErrorCode);
    if (failed.length > 0 && attempt >= 5) {
      const first = out.Records?.find((r) => r.ErrorCode);
      throw new Error(
        `${failed.length} records could not be put into ${streamName}: ${first?.ErrorCode} ${first?.ErrorMessage ?? ''}`,
      );
    }
    pending = failed;
  }
}
