import { type Stack, Validations } from 'aws-cdk-lib';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNagAcknowledgments } from '../../infra/nag-acknowledgments.ts';
import { REPORT_KINDS } from '../../src/reports/report-period.ts';
import { cfnString, type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// Compliance as a test: the app as deployed passes the AwsSolutions pack with nothing left over, and
// every finding it accepts says why.

let built: SynthesizedApp;
beforeAll(() => {
  built = synthesizeApp();
});
afterAll(() => built.cleanup());

/** Violations as `severity rule @ construct path` lines, readable in a failing assertion. */
function describeViolations(report: ReturnType<AwsSolutionsChecks['validateScope']>): string[] {
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.severity} ${violation.ruleName} @ ${resource.constructPath}`,
    ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged error in the app', () => {
    const report = new AwsSolutionsChecks(built.app).validateScope(built.app);
    const errors = describeViolations(report).filter((line) => line.startsWith('error'));
    expect(errors).toEqual([]);
  });

  it('finds no unacknowledged warning either', () => {
    const report = new AwsSolutionsChecks(built.app).validateScope(built.app);
    expect(describeViolations(report)).toEqual([]);
  });

  it('every acknowledgment carries a reason', () => {
    const acknowledgments = listNagAcknowledgments(built.app);
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgments) {
      expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect(reason.trim().length, `reason of ${id}`).toBeGreaterThan(20);
    }
  });

  it("acknowledges only the prefix wildcards of the function roles (the views function's and the report jobs' included), the report jobs' DLQs as DLQs, and the L1 of CDK's BucketDeployment (a new one must be reviewed here)", () => {
    const wildcard = (stack: Stack, arn: string) =>
      `AwsSolutions-IAM5[Resource::${cfnString(stack.resolve(arn))}]`;
    const { ingest, invoices, data, reports } = built;
    const lake = data.lakeBucket;
    const ids = listNagAcknowledgments(built.app).map(({ id }) => id);
    const reportJobs = REPORT_KINDS.flatMap((kind) => [
      ...['events/*', 'costs/*', 'prices/*', 'revenue/*'].map((prefix) =>
        wildcard(reports, lake.arnForObjects(prefix)),
      ),
      wildcard(reports, data.queryWorkgroup.resultsBucket.arnForObjects('results/*')),
      wildcard(reports, lake.arnForObjects(`reports/${kind}/*`)),
      'AwsSolutions-SQS3',
    ]);
    expect(ids.sort()).toEqual(
      [
        ...reportJobs,
        wildcard(ingest, lake.arnForObjects('events/*')),
        wildcard(ingest, lake.arnForObjects('quarantine/*')),
        wildcard(ingest, data.failedRecordsBucket.arnForObjects('*')),
        wildcard(invoices, lake.arnForObjects('invoices/openai-costs/*')),
        wildcard(invoices, lake.arnForObjects('invoices/anthropic-cost-report/*')),
        wildcard(invoices, lake.arnForObjects('invoices/focus/*')),
        wildcard(invoices, lake.arnForObjects('invoices/rejected/*')),
        wildcard(invoices, lake.arnForObjects('costs/*')),
        wildcard(data, lake.arnForObjects('prices/default/*')),
        wildcard(data, data.athenaViews.tablesArn),
        wildcard(data, data.queryWorkgroup.resultsBucket.arnForObjects('results/*')),
        'AwsSolutions-L1',
      ].sort(),
    );
  });

  it('acknowledges AwsSolutions-L1 on the BucketDeployment handler only', () => {
    // The constructs whose own metadata (not a descendant's) records the acknowledgment.
    const l1 = built.app.node
      .findAll()
      .filter((c) =>
        c.node.metadata.some(
          (m) =>
            m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY &&
            Object.keys((m.data ?? {}) as object).some((key) => key.endsWith('AwsSolutions-L1')),
        ),
      )
      .map((c) => c.node.path);
    expect(l1).toHaveLength(1);
    expect(l1[0]).toMatch(/^TokenledgerData\/Custom::CDKBucketDeployment[0-9A-F]+256MiB$/);
  });

  it('acknowledges AwsSolutions-SQS3 on the report jobs dead-letter queues only', () => {
    const sqs3 = built.app.node
      .findAll()
      .filter((c) =>
        c.node.metadata.some(
          (m) =>
            m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY &&
            Object.keys((m.data ?? {}) as object).some((key) => key.endsWith('AwsSolutions-SQS3')),
        ),
      )
      .map((c) => c.node.path)
      .sort();
    expect(sqs3).toEqual(
      REPORT_KINDS.map((kind) => built.reports.jobs[kind].deadLetterQueue.node.path).sort(),
    );
  });

  it('still passes with a sender, recipients and a configuration set (the SES grants)', () => {
    const mailing = synthesizeApp({
      skipBundling: true,
      appProps: {
        context: {
          reportsFrom: 'reports@example.com',
          reportsIdentity: 'address',
          governanceRecipients: 'a@example.com',
          wasteRecipients: 'b@example.com',
          marginRecipients: 'c@example.com',
          reportsConfigurationSet: 'tokenledger',
        },
      },
    });
    try {
      const report = new AwsSolutionsChecks(mailing.app).validateScope(mailing.app);
      expect(describeViolations(report)).toEqual([]);
    } finally {
      mailing.cleanup();
    }
  });

  it('still passes with X-Ray tracing on (its Resource::* is acknowledged only then)', () => {
    const traced = synthesizeApp({ skipBundling: true, ingest: { tracing: Tracing.ACTIVE } });
    try {
      const report = new AwsSolutionsChecks(traced.app).validateScope(traced.app);
      expect(describeViolations(report)).toEqual([]);
      expect(listNagAcknowledgments(traced.app).map(({ id }) => id)).toContain(
        'AwsSolutions-IAM5[Resource::*]',
      );
    } finally {
      traced.cleanup();
    }
  });
});
