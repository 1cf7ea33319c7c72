import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';

export interface LocalDynamo {
  client: DynamoDBClient;
  endpoint: string;
  /** Creates a table with a string partition key and, if given, a string sort key. */
  createTable: (name: string, pk: string, sk?: string) => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * A real DynamoDB API on this machine: dynalite in-process, in memory, on a 127.0.0.1 ephemeral port, with an
 * SDK client on an HTTP/1.1 handler (as for kinesalite).
 */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  return {
    client,
    endpoint,
    createTable: async (name, pk, sk) => {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: pk, AttributeType: 'S' },
            ...(sk ? [{ AttributeName: sk, AttributeType: 'S' as const }] : []),
          ],
          KeySchema: [
            { AttributeName: pk, KeyType: 'HASH' },
            ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
          ],
        }),
      );
    },
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
