import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
      // dynalite makes the table ACTIVE on a timer, even at createTableMs 0: under load an item written at once
      // could find it still CREATING (ResourceNotFoundException). Wait as a deploy would.
      for (let i = 0; i < 200; i++) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`dynalite: table ${name} did not become ACTIVE`);
    },
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
