import { resolve } from 'node:path';
import { FsLakeStore } from './fs-lake-store.ts';

/** The local lake: a directory laid out as the S3 bucket is (docs/contracts.md §4). */
export function openLocalLake(dir: string): FsLakeStore {
  return new FsLakeStore(resolve(dir));
}
