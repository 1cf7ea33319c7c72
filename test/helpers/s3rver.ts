import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/**
 * A real S3 API (s3rver) on a loopback ephemeral port, with an SDK client set up to reach it: path-style, s3rver's
 * fixed credentials, and checksums only when required (else a streamed body is stored with its chunk framing).
 */
export async function startS3(
  bucket: string,
): Promise<{ s3: S3Client; newClient: () => S3Client; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const address = (await server.run()) as AddressInfo;
  const newClient = () =>
    new S3Client({
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const s3 = newClient();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    s3,
    newClient,
    stop: async () => {
      s3.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
