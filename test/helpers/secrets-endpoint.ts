import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isSigned, serveLocal } from './local-endpoint.ts';

/** One GetSecretValue request the endpoint received: its `SecretId`, and whether it was answered with a secret. */
export interface SecretRequest {
  secretId: string;
  /** The request was signed (an `Authorization: AWS4-HMAC-SHA256 …` header), as the SDK signs it. */
  signed: boolean;
  found: boolean;
}

export interface LocalSecretsManager {
  endpoint: string;
  /** Every GetSecretValue request, in order (failed ones included). */
  requests: SecretRequest[];
  /** Adds or replaces a secret; returns its ARN (`arn:aws:secretsmanager:us-east-1:123456789012:secret:<name>-XXXXXX`). */
  put(name: string, value: string): string;
  close(): Promise<void>;
}

interface StoredSecret {
  arn: string;
  name: string;
  value: string;
  versionId: string;
  createdDate: number;
}

const TARGET = 'secretsmanager.GetSecretValue';
const JSON_1_1 = 'application/x-amz-json-1.1';

/**
 * A small Secrets Manager-compatible endpoint for tests, over `node:http` on 127.0.0.1: GetSecretValue only, in
 * the AWS JSON 1.1 protocol the SDK speaks to Secrets Manager (`POST /`, `X-Amz-Target:
 * secretsmanager.GetSecretValue`, a JSON body `{ SecretId }`). A secret is found by its name or its ARN and answered
 * as Secrets Manager answers — `{ ARN, Name, SecretString, VersionId, VersionStages, CreatedDate }`, the date in
 * epoch seconds — and an unknown one with `ResourceNotFoundException` (the code in `__type` and
 * `x-amzn-ErrorType`), which the SDK does not retry. Point a default client at it with
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 */
export async function startLocalSecretsManager(): Promise<LocalSecretsManager> {
  const secrets = new Map<string, StoredSecret>();
  const requests: SecretRequest[] = [];

  const server = await serveLocal(
    (req, raw, res) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || target !== TARGET) {
        reply(res, 400, { __type: 'UnknownOperationException', message: `no operation for ${target}` });
        return;
      }
      let body: { SecretId?: unknown };
      try {
        body = JSON.parse(raw.toString('utf8') || '{}') as { SecretId?: unknown };
      } catch {
        reply(res, 400, { __type: 'SerializationException', message: 'request body is not JSON' });
        return;
      }
      const secretId = typeof body.SecretId === 'string' ? body.SecretId : '';
      const secret = [...secrets.values()].find((s) => s.name === secretId || s.arn === secretId);
      requests.push({
        secretId,
        signed: isSigned(req),
        found: secret !== undefined,
      });
      if (!secret) {
        reply(res, 400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      reply(res, 200, {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdDate,
      });
    },
    (res, err) => reply(res, 500, { __type: 'InternalServiceError', message: err.message }),
  );
  return {
    endpoint: server.endpoint,
    requests,
    put(name, value) {
      const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
      const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${suffix}`;
      secrets.set(name, { arn, name, value, versionId: randomUUID(), createdDate: Date.now() / 1000 });
      return arn;
    },
    close: () => server.close(),
  };
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_1_1,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(typeof body.__type === 'string' ? { 'x-amzn-errortype': body.__type } : {}),
  });
  res.end(text);
}
