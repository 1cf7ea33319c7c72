import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PRICES_FILE,
  defaultPriceBookParquet,
} from '../../infra/constructs/price-book-deployment.ts';
import { defaultPriceBook } from '../../src/adapters/local/default-price-book.ts';
import { PRICE_COLUMNS } from '../../src/core/prices/price-book.ts';
import { cfnString, type SynthesizedApp, synthesizeApp } from './synth-app.ts';

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp({ skipBundling: true });
});
afterAll(() => built.cleanup());

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function lakeLogicalId(): string {
  return built.data.resolve((built.data.lakeBucket.node.defaultChild as CfnElement).logicalId);
}

async function rows(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file, compressors: { GZIP: (input: Uint8Array) => gunzipSync(input) } });
}

describe('the default price book in the lake', () => {
  it('is uploaded to prices/default/ of the lake, pruning only there, and kept when the stack goes', () => {
    built.dataTemplate.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: lakeLogicalId() },
      DestinationBucketKeyPrefix: 'prices/default/',
      Prune: true,
      RetainOnDelete: true,
      SourceObjectKeys: [built.data.resolve(built.data.priceBook.asset.s3ObjectKey)],
    });
    built.dataTemplate.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  it('ships one Parquet file with the default price book as the local engine sees it (source default, imported at 0)', async () => {
    // Prepare: the staged source directory in the cloud assembly.
    const dir = join(built.app.outdir, built.data.priceBook.asset.assetPath);

    // Act
    const files = readdirSync(dir);
    const stored = await rows(readFileSync(join(dir, DEFAULT_PRICES_FILE)));

    // Assess
    expect(files).toEqual([DEFAULT_PRICES_FILE]);
    expect(stored.length).toBeGreaterThan(10);
    expect(stored).toEqual(
      defaultPriceBook().map((price) =>
        Object.fromEntries(
          PRICE_COLUMNS.map((c) => {
            const value = (price as unknown as Record<string, unknown>)[c.name];
            return [c.name, c.glue === 'timestamp' && typeof value === 'number' ? new Date(value) : value];
          }),
        ),
      ),
    );
    expect(new Set(stored.map((row) => row.source))).toEqual(new Set(['default']));
  });

  it('is the same bytes for the same CSV, so an unchanged price book is not deployed again', () => {
    expect(Buffer.from(defaultPriceBookParquet()).equals(Buffer.from(defaultPriceBookParquet()))).toBe(true);
  });
});

describe('the upload handler (CDK BucketDeployment)', () => {
  function handlerStatements(): { actions: string[]; resources: string[]; condition?: unknown }[] {
    const policies = built.dataTemplate.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^DefaultPriceBookHandlerRole') }] },
    });
    return Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .map((s) => ({
        actions: [s.Action].flat(),
        resources: [s.Resource].flat().map(cfnString),
        ...(s.Condition ? { condition: s.Condition } : {}),
      }));
  }

  it('may read its source zip, list and write prices/default/ only, and write its own log group', () => {
    const lake = `<${lakeLogicalId()}.Arn>`;
    expect(handlerStatements()).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [expect.stringMatching(/^<DefaultPriceBookHandlerLogGroup.*\.Arn>$/)],
      },
      {
        actions: ['s3:GetObject'],
        // The one source zip in CDK's asset bucket, nothing else of it.
        resources: [
          expect.stringMatching(
            new RegExp(
              `cdk-hnb659fds-assets-.*/${built.data.resolve(built.data.priceBook.asset.s3ObjectKey)}$`,
            ),
          ),
        ],
      },
      {
        actions: ['s3:ListBucket'],
        resources: [lake],
        condition: { StringLike: { 's3:prefix': ['prices/default/', 'prices/default/*'] } },
      },
      { actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${lake}/prices/default/*`] },
    ]);
  });

  it('has a role without AWS-managed policies, and the lake bucket policy grants it nothing', () => {
    built.dataTemplate.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('default price book'),
      ManagedPolicyArns: Match.absent(),
    });
    const [lakePolicy] = Object.values(
      built.dataTemplate.findResources('AWS::S3::BucketPolicy', {
        Properties: { Bucket: { Ref: lakeLogicalId() } },
      }),
    );
    const statements = (lakePolicy?.Properties.PolicyDocument.Statement ?? []) as Statement[];
    expect(statements.length).toBeGreaterThan(0);
    const effects = statements.map((s) => s.Effect);
    expect(new Set(effects)).toEqual(new Set(['Deny']));
  });

  it('runs with that role and logs to that log group', () => {
    built.dataTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DefaultPriceBookHandlerRole'), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^DefaultPriceBookHandlerLogGroup') } },
    });
    // Exactly one function (the BucketDeployment handler) runs as that role; the data stack's other functions
    // (the Athena views custom resource) have roles of their own.
    const asHandler = Object.values(built.dataTemplate.findResources('AWS::Lambda::Function')).filter((f) =>
      JSON.stringify(f.Properties.Role).includes('DefaultPriceBookHandlerRole'),
    );
    expect(asHandler).toHaveLength(1);
  });
});
