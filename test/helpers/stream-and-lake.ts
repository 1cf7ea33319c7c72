import { afterEach, beforeEach } from 'vitest';
import { type LocalKinesis, startLocalKinesis } from '../../src/adapters/local/kinesalite-stream.ts';
import { tempDir } from './temp-dir.ts';

export interface StreamAndLake {
  /** A one-shard stream `llm-events` on kinesalite, new for each test. */
  readonly kinesis: LocalKinesis;
  /** An empty lake folder, new for each test. */
  readonly lake: { dir: string; remove: () => Promise<void> };
}

/** A fresh stream and lake for every test of the file (started before each test, removed after it). */
export function streamAndLakePerTest(): StreamAndLake {
  let kinesis: LocalKinesis | undefined;
  let lake: StreamAndLake['lake'] | undefined;
  beforeEach(async () => {
    kinesis = await startLocalKinesis('llm-events', 1);
    lake = await tempDir('tokenledger-faults-');
  });
  afterEach(async () => {
    await kinesis?.stop();
    await lake?.remove();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the stream and lake start before each test');
    return value;
  };
  return {
    get kinesis() {
      return started(kinesis);
    },
    get lake() {
      return started(lake);
    },
  };
}
