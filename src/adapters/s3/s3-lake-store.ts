import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { LakeStore } from '../../ports/lake-store.ts';

/**
 * The lake as an S3 bucket. `putNew` asks first, by listing the key (a redelivered batch finds its object and stops
 * there), then
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

  async remove(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes at most 1,000 keys; a key already gone counts as deleted.
    for (let i = 0; i < keys.length; i += 1000) {
      const out = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `s3://${this.bucket}: ${failed.length} objects not deleted, first ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
    }
  }

  /**
   * Whether `key` is stored, by listing it as a prefix (the first key at or after a prefix is the prefix itself when
   * it exists) rather than HEADing it: a HEAD of a missing key answers 404 only to a caller with s3:ListBucket on
   * the whole bucket, while a listing needs it only for the prefixes it names (`s3:prefix` in the role's
   * condition), and no s3:GetObject at all.
   */
  private async exists(key: string): Promise<boolean> {
    const page = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }),
    );
    return page.Contents?.[0]?.Key === key;
  }
}
