import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SynthesizedApp, synthesizeApp } from './synth-app.ts';

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp({ skipBundling: true });
});
afterAll(() => built.cleanup());

/** The logical id of a construct's CloudFormation resource in the data stack. */
function logicalId(bucket: IBucket): string {
  return built.data.resolve((bucket.node.defaultChild as CfnElement).logicalId);
}

describe('event stream', () => {
  it('is on-demand, encrypted with the AWS-managed Kinesis key, keeps records 24 h and is retained', () => {
    built.dataTemplate.hasResource('AWS::Kinesis::Stream', {
      Properties: {
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
        RetentionPeriodHours: 24,
        ShardCount: Match.absent(),
      },
      DeletionPolicy: 'Retain',
    });
    built.dataTemplate.resourceCountIs('AWS::Kinesis::Stream', 1);
  });
});

describe('buckets', () => {
  const buckets: [string, () => IBucket][] = [
    ['lake', () => built.data.lakeBucket],
    ['access logs', () => built.data.accessLogsBucket],
    ['failed records', () => built.data.failedRecordsBucket],
    ['Athena results', () => built.data.queryWorkgroup.resultsBucket],
  ];

  it('are exactly the four the data stack names', () => {
    const ids = Object.keys(built.dataTemplate.findResources('AWS::S3::Bucket')).sort();
    expect(ids).toEqual(buckets.map(([, bucket]) => logicalId(bucket())).sort());
  });

  it.each(buckets)(
    '%s: public access blocked, encrypted, retained, multipart uploads aborted after 1 day',
    (_, bucket) => {
      const matching = built.dataTemplate.findResources('AWS::S3::Bucket', {
        Properties: {
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: {
            Rules: Match.arrayWith([
              Match.objectLike({
                Status: 'Enabled',
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              }),
            ]),
          },
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      expect(Object.keys(matching)).toContain(logicalId(bucket()));
    },
  );

  it.each(buckets)('%s: the bucket policy denies every request without TLS', (_, bucket) => {
    built.dataTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(bucket()) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it.each(buckets.filter(([name]) => name !== 'access logs'))(
    '%s: server access logs go to the access-log bucket',
    (_, bucket) => {
      const matching = built.dataTemplate.findResources('AWS::S3::Bucket', {
        Properties: {
          LoggingConfiguration: {
            DestinationBucketName: { Ref: logicalId(built.data.accessLogsBucket) },
            LogFilePrefix: Match.stringLikeRegexp('^[a-z-]+/$'),
          },
        },
      });
      expect(Object.keys(matching)).toContain(logicalId(bucket()));
    },
  );

  it('the lake keeps object versions, and drops noncurrent ones after 30 days', () => {
    const matching = built.dataTemplate.findResources('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
        },
      },
    });
    expect(Object.keys(matching)).toEqual([logicalId(built.data.lakeBucket)]);
  });
});

describe('Glue catalog', () => {
  it('has the tokenledger database', () => {
    built.dataTemplate.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseInput: { Name: 'tokenledger' },
    });
  });

  it('has the events table: external, Parquet, over s3://<lake>/events/, partitioned by dt', () => {
    const lake = logicalId(built.data.lakeBucket);
    built.dataTemplate.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'tokenledger',
      TableInput: {
        Name: 'events',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [Match.objectLike({ Name: 'dt', Type: 'string' })],
        StorageDescriptor: {
          Location: { 'Fn::Join': ['', ['s3://', { Ref: lake }, '/events/']] },
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
  });

  it('projects the dt partitions (no crawler, no MSCK REPAIR)', () => {
    const lake = logicalId(built.data.lakeBucket);
    built.dataTemplate.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Parameters: {
          classification: 'parquet',
          'parquet.compression': 'GZIP',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2024-01-01,NOW+1DAYS',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's placeholder, filled per partition
          'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: lake }, '/events/dt=${dt}/']] },
        },
      },
    });
    built.dataTemplate.resourceCountIs('AWS::Glue::Crawler', 0);
    built.ingestTemplate.resourceCountIs('AWS::Glue::Crawler', 0);
  });
});

describe('Athena workgroup', () => {
  it('enforces its settings, caps each scan at 10 GiB and encrypts results in the results bucket', () => {
    built.dataTemplate.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'tokenledger',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        PublishCloudWatchMetricsEnabled: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          OutputLocation: {
            'Fn::Join': [
              '',
              ['s3://', { Ref: logicalId(built.data.queryWorkgroup.resultsBucket) }, '/results/'],
            ],
          },
        },
      },
    });
  });

  it('expires query results after 30 days', () => {
    const matching = built.dataTemplate.findResources('AWS::S3::Bucket', {
      Properties: {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
      },
    });
    expect(Object.keys(matching)).toEqual([logicalId(built.data.queryWorkgroup.resultsBucket)]);
  });
});
