import { type Stack, Validations } from 'aws-cdk-lib';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNagAcknowledgments } from '../../infra/nag-acknowledgments.ts';
import { REPORT_KINDS } from '../../src/reports/report-period.ts';
import { cfnString, type SynthesizedApp, synthesizeApp } from './synth-app.ts';

// Compliance as a test: the app as deployed passes the AwsSolutions and Serverless packs with nothing left
// over, and every finding it accepts says why, on the construct it is about.

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

/** Violations of both packs in `scope`. */
function allViolations(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(scope), new ServerlessChecks(scope)].flatMap((pack) =>
    describeViolations(pack.validateScope(scope)),
  );
}

/** The acknowledgments recorded on each construct itself (not a descendant), as `id @ construct path`. */
function acknowledgmentsByPath(scope: IConstruct, prefix: string): string[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data)
        .flatMap((m) => Object.keys(m.data as object))
        .map((key) => key.replace(/^annotation::/i, ''))
        .filter((id) => id.startsWith(prefix))
        .map((id) => `${id} @ ${c.node.path}`),
    )
    .sort();
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

  it('every acknowledgment (of either pack) carries a reason', () => {
    const acknowledgments = listNagAcknowledgments(built.app);
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgments) {
      expect(id).toMatch(/^(AwsSolutions-[A-Z]+\d+|Serverless-[A-Za-z]+$)/);
      expect(reason.trim().length, `reason of ${id}`).toBeGreaterThan(20);
    }
  });

  it("acknowledges only the prefix wildcards of the function roles (the views function's and the report jobs' included), the DLQs as DLQs, the L1 of CDK's BucketDeployment and the HMAC secret's rotation (a new one must be reviewed here)", () => {
    const wildcard = (stack: Stack, arn: string) =>
      `AwsSolutions-IAM5[Resource::${cfnString(stack.resolve(arn))}]`;
    const { ingest, invoices, data, reports } = built;
    const lake = data.lakeBucket;
    const ids = listNagAcknowledgments(built.app)
      .map(({ id }) => id)
      .filter((id) => id.startsWith('AwsSolutions-'));
    const reportJobs = REPORT_KINDS.flatMap((kind) => [
      // revenue only for the margin report (least privilege per kind)
      ...['events/*', 'costs/*', 'prices/*', ...(kind === 'margin' ? ['revenue/*'] : []), 'rollups/*'].map(
        (prefix) => wildcard(reports, lake.arnForObjects(prefix)),
      ),
      wildcard(reports, data.queryWorkgroup.resultsBucket.arnForObjects('results/*')),
      wildcard(reports, lake.arnForObjects(`reports/${kind}/*`)),
      // the report job rolls up the days it reads first (writes and removes rolls)
      wildcard(reports, lake.arnForObjects('rollups/*')),
      'AwsSolutions-SQS3',
    ]);
    // The rollup job reads the tables its queries read (the events, the price book and invoices, the rolls), and
    // writes and removes rolls.
    const rollupJob = [
      ...['events/*', 'costs/*', 'prices/*', 'rollups/*'].map((prefix) =>
        wildcard(reports, lake.arnForObjects(prefix)),
      ),
      wildcard(reports, data.queryWorkgroup.resultsBucket.arnForObjects('results/*')),
      wildcard(reports, lake.arnForObjects('rollups/*')),
      'AwsSolutions-SQS3',
    ];
    expect(ids.sort()).toEqual(
      [
        ...reportJobs,
        ...rollupJob,
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
        'AwsSolutions-SQS3',
        'AwsSolutions-L1',
        // The user-id HMAC key must never rotate on a schedule (every user hash would change).
        'AwsSolutions-SMG4',
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

  it('acknowledges AwsSolutions-SQS3 on the dead-letter queues only (the report jobs, the rollup job and the invoice function)', () => {
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
      [
        ...REPORT_KINDS.map((kind) => built.reports.jobs[kind].deadLetterQueue.node.path),
        built.reports.rollupJob.deadLetterQueue.node.path,
        built.invoices.invoiceFunction.deadLetterQueue.node.path,
      ].sort(),
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
      expect(allViolations(mailing.app)).toEqual([]);
    } finally {
      mailing.cleanup();
    }
  });

  it('still passes with an alarm e-mail subscribed (-c alarmEmail): its redrive policy is acknowledged, with a reason', () => {
    const alarmed = synthesizeApp({
      skipBundling: true,
      appProps: { context: { alarmEmail: 'ops@example.com' } },
    });
    try {
      expect(allViolations(alarmed.app)).toEqual([]);
      const redrive = listNagAcknowledgments(alarmed.app).filter(
        ({ id }) => id === 'Serverless-SNSRedrivePolicy',
      );
      expect(redrive).toHaveLength(3); // the ingest, invoice and report alarm topics
    } finally {
      alarmed.cleanup();
    }
  });

  it('still passes with X-Ray tracing on (its Resource::* is acknowledged only then, LambdaTracing no longer)', () => {
    const traced = synthesizeApp({ skipBundling: true, ingest: { tracing: Tracing.ACTIVE } });
    try {
      expect(allViolations(traced.app)).toEqual([]);
      const ids = listNagAcknowledgments(traced.app).map(({ id }) => id);
      expect(ids).toContain('AwsSolutions-IAM5[Resource::*]');
      expect(acknowledgmentsByPath(traced.app, 'Serverless-LambdaTracing')).not.toContain(
        `Serverless-LambdaTracing @ ${traced.ingest.ingestFunction.function.node.path}`,
      );
    } finally {
      traced.cleanup();
    }
  });
});

describe('cdk-nag Serverless', () => {
  it('finds no unacknowledged error in the app', () => {
    const report = new ServerlessChecks(built.app).validateScope(built.app);
    const errors = describeViolations(report).filter((line) => line.startsWith('error'));
    expect(errors).toEqual([]);
  });

  it('finds no unacknowledged warning either', () => {
    const report = new ServerlessChecks(built.app).validateScope(built.app);
    expect(describeViolations(report)).toEqual([]);
  });

  it('acknowledges exactly these findings, each on its construct (a new one must be reviewed here)', () => {
    const { data, ingest, invoices, reports } = built;
    const jobs = [...REPORT_KINDS.map((kind) => reports.jobs[kind]), reports.rollupJob];
    const fn = (c: IConstruct) => c.node.path;
    const views = data.athenaViews;
    const bucketDeployment = fn(data.priceBook.handlerFunction);
    const functions = [
      fn(ingest.ingestFunction.function),
      fn(invoices.invoiceFunction.function),
      ...jobs.map((job) => fn(job.function)),
      fn(views.function),
      fn(views.frameworkFunction),
      bucketDeployment,
    ];
    expect(acknowledgmentsByPath(built.app, 'Serverless-')).toEqual(
      [
        // Asynchronous functions send failures to an on-failure destination; the others are not invoked asynchronously.
        ...functions.map((path) => `Serverless-LambdaDLQ @ ${path}`),
        // X-Ray tracing is off by default.
        ...functions.map((path) => `Serverless-LambdaTracing @ ${path}`),
        // The views function is invoked synchronously; its invoke config only turns async retries off.
        `Serverless-LambdaAsyncFailureDestination @ ${fn(views.function)}/EventInvokeConfig`,
        // Functions CDK provides, configured by aws-cdk-lib.
        `Serverless-LambdaDefaultMemorySize @ ${fn(views.frameworkFunction)}`,
        `Serverless-LambdaLatestVersion @ ${bucketDeployment}`,
        // Queues that are themselves dead-letter queues.
        ...[...jobs.map((job) => job.deadLetterQueue), invoices.invoiceFunction.deadLetterQueue].map(
          (queue) => `Serverless-SQSRedrivePolicy @ ${fn(queue)}`,
        ),
      ].sort(),
    );
  });
});
