import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { LakeStore } from '../../ports/lake-store.ts';

/**
 * The lake as an S3 bucket. `putNew` asks first (a redelivered batch finds its object and stops there), then
 * writes with `If-None-Match: *`, so S3 itself refuses to overwrite an object that appeared in between (412,
 * or 409 while the other write is still in flight).
 */
export class S3LakeStore implements LakeStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async putNew(key: string, body: Uint8Array, contentType: string): Promise<'written' | 'exists'> {
    if (await this.exists(key)) return 'exists';
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          IfNoneMatch: '*',
        }),
      );
      return 'written';
    } catch (err) {
      if (
        err instanceof S3ServiceException &&
        (err.$metadata.httpStatusCode === 412 || err.name === 'PreconditionFailed')
      ) {
        return 'exists';
      }
      // 409 ConditionalRequestConflict: a concurrent conditional write to the key was in flight. If it stored the
      // object, ours is a duplicate; if not, fail and let the batch be retried.
      if (
        err instanceof S3ServiceException &&
        (err.$metadata.httpStatusCode === 409 || err.name === 'ConditionalRequestConflict') &&
        (await this.exists(key))
      ) {
        return 'exists';
      }
      throw err;
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async get(key: string): Promise<Uint8Array> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${this.bucket}/${key} has no body`);
    return out.Body.transformToByteArray();
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
      throw err;
    }
  }
}
