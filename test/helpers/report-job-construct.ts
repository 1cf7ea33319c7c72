import { App, Stack } from 'aws-cdk-lib';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ReportJob, type ReportJobProps } from '../../infra/constructs/report-job.ts';

/**
 * A `ReportJob` (`Test/Job`) in a stack of its own, synthesised into `outdir` without bundling, over imported
 * buckets and fresh tables: a waste job with no recipients unless `props` say otherwise.
 */
export function reportJobInStack(outdir: string, props: Partial<ReportJobProps> = {}): ReportJob {
  const scope = new Stack(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
  const table = (id: string) =>
    new TableV2(scope, id, { partitionKey: { name: 'k', type: AttributeType.STRING } });
  return new ReportJob(scope, 'Job', {
    kind: 'waste',
    schedule: 'cron(0 6 * * ? *)',
    timeZone: 'UTC',
    recipients: [],
    sources: {
      lakeBucket: Bucket.fromBucketName(scope, 'Lake', 'lake'),
      databaseName: 'tokenledger',
      workGroupName: 'tokenledger',
      resultsBucket: Bucket.fromBucketName(scope, 'Results', 'results'),
      resultsPrefix: 'results/',
      tables: [{ tableName: 'events', prefix: 'events/' }],
      viewNames: ['events_dedup'],
    },
    registryTable: table('Registry'),
    deliveriesTable: table('Deliveries'),
    alarmTopic: new Topic(scope, 'Topic'),
    ...props,
  });
}
