import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_PRICE_BOOK_FILE } from '../../src/assets.ts';
import { writeParquet } from '../../src/core/lake/parquet-file.ts';
import { PRICE_COLUMNS, parsePriceBook } from '../../src/core/prices/price-book.ts';
import { grantBucketKey } from './bucket-key.ts';
import { HelperRole } from './helper-role.ts';

/** Where the default price book lives in the lake: a sub-folder of the `prices` table. */
export const DEFAULT_PRICES_PREFIX = 'prices/default/';

/** The file name of the default price book under DEFAULT_PRICES_PREFIX. */
export const DEFAULT_PRICES_FILE = 'price-book.parquet';

/**
 * The default price book as rows of the `prices` table, exactly as the local engine sees it (source `default`,
 * imported at the epoch, so that every imported price book overrides it): one Parquet file. The same CSV gives
 * the same bytes, so an unchanged price book is not deployed again.
 */
export function defaultPriceBookParquet(csvFile: string = DEFAULT_PRICE_BOOK_FILE): Uint8Array {
  return writeParquet(PRICE_COLUMNS, parsePriceBook(readFileSync(csvFile, 'utf8'), 'default', 0));
}

export interface PriceBookDeploymentProps {
  /** The lake bucket; the price book goes to `prices/default/`. */
  readonly lakeBucket: IBucket;
  /**
   * The price book CSV.
   *
   * @default data/price-book.csv
   */
  readonly priceBookFile?: string;
}

/**
 * Uploads the default price book (data/price-book.csv, as Parquet generated at synth) to
 * `s3://<lake>/prices/default/price-book.parquet` on deploy, replacing the previous one, so Athena's `prices`
 * table has the same default prices as the local engine.
 *
 * It is a CDK BucketDeployment, whose handler function would get read-write on the whole lake bucket and the
 * AWS-managed AWSLambdaBasicExecutionRole policy; here it runs with a role that can only read its own source
 * zip, list and write `prices/default/`, and write its own log group.
 */
export class PriceBookDeployment extends Construct {
  /** The staged source (a directory with the one Parquet file, zipped by CDK). */
  public readonly asset: Asset;
  /** The BucketDeployment custom resource. */
  public readonly deployment: BucketDeployment;
  /** The deployment handler's role and log group. */
  public readonly helper: HelperRole;
  /** The lake objects the handler may write and delete: `prices/default/*`. */
  public readonly lakeObjectArns: readonly string[];
  /** CDK's BucketDeployment handler function (a singleton at the stack's root). */
  public readonly handlerFunction: IConstruct;

  constructor(scope: Construct, id: string, props: PriceBookDeploymentProps) {
    super(scope, id);
    const parquet = defaultPriceBookParquet(props.priceBookFile);

    // A directory named by its content: the same price book is written once and staged from the same path.
    const digest = createHash('sha256').update(parquet).digest('hex').slice(0, 16);
    const dir = join(tmpdir(), `tokenledger-price-book-${digest}`);
    if (!existsSync(join(dir, DEFAULT_PRICES_FILE))) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, DEFAULT_PRICES_FILE), parquet);
    }
    this.asset = new Asset(this, 'Source', { path: dir });

    this.helper = new HelperRole(this, 'Handler', {
      description: 'tokenledger: uploads the default price book to prices/default/ of the lake on deploy',
    });
    const role = this.helper.role;
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)],
      }),
    );
    // `aws s3 sync --delete` lists the destination prefix, then puts new files and deletes stale ones.
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [DEFAULT_PRICES_PREFIX, `${DEFAULT_PRICES_PREFIX}*`] } },
      }),
    );
    this.lakeObjectArns = [props.lakeBucket.arnForObjects(`${DEFAULT_PRICES_PREFIX}*`)];
    grantBucketKey(role, props.lakeBucket, 'readWrite');
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [...this.lakeObjectArns],
      }),
    );

    this.deployment = new BucketDeployment(this, 'Deployment', {
      sources: [Source.bucket(this.asset.bucket, this.asset.s3ObjectKey)],
      destinationBucket: props.lakeBucket,
      destinationKeyPrefix: DEFAULT_PRICES_PREFIX,
      // Only prices/default/ is pruned: a renamed or removed file does not linger there.
      prune: true,
      // Deleting the stack leaves the price book, like every other object of the retained lake.
      retainOnDelete: true,
      contentType: 'application/vnd.apache.parquet',
      role: this.helper.helperRole,
      logGroup: this.helper.logGroup,
      memoryLimit: 256,
    });
    // The handler must not run before its role may do what it does.
    this.deployment.node.addDependency(role);
    const handler = Stack.of(this).node.children.find((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) throw new Error(`${this.node.path}: CDK's BucketDeployment handler was not found`);
    this.handlerFunction = handler;
  }
}
