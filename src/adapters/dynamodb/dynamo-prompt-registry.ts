import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeployRecord } from '../../core/prompts/deploy-record.ts';
import { byPromptAndVersion, type PromptRegistry } from '../../ports/prompt-registry.ts';

/**
 * The prompt registry as a DynamoDB table: partition key `prompt_id`, sort key `version` (both strings).
 * Append-only through conditional writes: a put refuses an existing key, and an update sets `retired_at`
 * only while it is absent or null. Records are stored as they are, nulls included.
 */
export class DynamoPromptRegistry implements PromptRegistry {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    });
  }

  async register(record: DeployRecord): Promise<'registered' | 'exists'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record },
          ConditionExpression: 'attribute_not_exists(prompt_id)',
        }),
      );
      return 'registered';
    } catch (err) {
      if (isConditionFailed(err)) return 'exists';
      throw err;
    }
  }

  async retire(
    promptId: string,
    version: string,
    at: string,
  ): Promise<'retired' | 'already_retired' | 'not_found'> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { prompt_id: promptId, version },
          UpdateExpression: 'SET retired_at = :at',
          ConditionExpression:
            'attribute_exists(prompt_id) AND (attribute_not_exists(retired_at) OR retired_at = :null)',
          ExpressionAttributeValues: { ':at': at, ':null': null },
        }),
      );
      return 'retired';
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      return (await this.get(promptId, version)) === null ? 'not_found' : 'already_retired';
    }
  }

  async list(): Promise<DeployRecord[]> {
    const records: DeployRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) records.push(item as DeployRecord);
      start = page.LastEvaluatedKey;
    } while (start);
    return records.sort(byPromptAndVersion);
  }

  async get(promptId: string, version: string): Promise<DeployRecord | null> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { prompt_id: promptId, version },
        ConsistentRead: true,
      }),
    );
    return (Item as DeployRecord | undefined) ?? null;
  }
}

function isConditionFailed(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}
