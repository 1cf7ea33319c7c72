import { vi } from 'vitest';

/** The local emulators' endpoints, for the SDK clients a Lambda handler makes with default settings. */
export interface LocalAwsEndpoints {
  s3?: string;
  athena?: string;
  dynamodb?: string;
  sesv2?: string;
}

/**
 * Points the AWS SDK's default clients at local emulators through the environment, as a handler module under
 * test builds its clients at load time: endpoint per service, path-style S3, s3rver's fixed credentials, and
 * checksums only when required (s3rver otherwise stores a streamed body with its chunk framing). Undo with
 * `vi.unstubAllEnvs()`.
 */
export function stubLocalAwsEnv(endpoints: LocalAwsEndpoints): void {
  if (endpoints.s3) vi.stubEnv('AWS_ENDPOINT_URL_S3', endpoints.s3);
  if (endpoints.athena) vi.stubEnv('AWS_ENDPOINT_URL_ATHENA', endpoints.athena);
  if (endpoints.dynamodb) vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoints.dynamodb);
  if (endpoints.sesv2) vi.stubEnv('AWS_ENDPOINT_URL_SESV2', endpoints.sesv2);
  vi.stubEnv('AWS_S3_FORCE_PATH_STYLE', 'true');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  vi.stubEnv('AWS_REQUEST_CHECKSUM_CALCULATION', 'WHEN_REQUIRED');
  vi.stubEnv('AWS_RESPONSE_CHECKSUM_VALIDATION', 'WHEN_REQUIRED');
}

/** An SDK client's resolved endpoint as a URL string (`http://127.0.0.1:PORT`). */
export async function endpointUrl(config: {
  endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number }>;
}): Promise<string> {
  const e = await config.endpoint?.();
  if (!e) throw new Error('the client has no endpoint configured');
  return `${e.protocol}//${e.hostname}:${e.port}`;
}
