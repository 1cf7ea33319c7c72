import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNagAcknowledgments } from '../../infra/nag-acknowledgments.ts';
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

  it('acknowledges only the prefix wildcards of the ingest role (a new one must be reviewed here)', () => {
    const wildcard = (arn: string) => `AwsSolutions-IAM5[Resource::${cfnString(built.ingest.resolve(arn))}]`;
    const ids = listNagAcknowledgments(built.app).map(({ id }) => id);
    expect(ids.sort()).toEqual(
      [
        wildcard(built.data.lakeBucket.arnForObjects('events/*')),
        wildcard(built.data.lakeBucket.arnForObjects('quarantine/*')),
        wildcard(built.data.failedRecordsBucket.arnForObjects('*')),
      ].sort(),
    );
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
