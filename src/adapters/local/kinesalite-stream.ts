import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';

export interface LocalKinesis {
  client: KinesisClient;
  streamName: string;
  endpoint: string;
  stop: () => Promise<void>;
}

/**
 * A real Kinesis API on this machine: kinesalite in-process, in memory, on a 127.0.0.1 ephemeral port, with
 * an SDK client set up to reach it: the HTTP/1.1 handler, as the SDK's default HTTP/2 handler fails against it.
 */
export async function startLocalKinesis(streamName = 'tokenledger-local', shards = 1): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localKinesisClient(endpoint);
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    client,
    streamName,
    endpoint,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An SDK client for a local Kinesis API at `endpoint`. */
export function localKinesisClient(endpoint: string, options: { maxAttempts?: number } = {}): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}
