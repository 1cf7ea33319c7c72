import { Aws, type Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface JobScheduleOptions {
  /** The function the schedule invokes (asynchronously). */
  readonly function: IFunction;
  /** Where an invocation the scheduler could not deliver goes (the job's dead-letter queue). */
  readonly deadLetterQueue: IQueue;
  /** EventBridge Scheduler expression, checked by the caller. */
  readonly expression: string;
  /** IANA time zone the expression is read in. */
  readonly timeZone: string;
  /** The scheduler's retries of an invocation it could not deliver, and for how long. */
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  /** The schedule's description. */
  readonly description: string;
  /** The scheduler role's description. */
  readonly roleDescription: string;
}

/**
 * A job's EventBridge Scheduler schedule (`Schedule` in `scope`), no flexible window, invoking the function with
 * `{"scheduledTime": "<aws.scheduler.scheduled-time>"}` — so Lambda's retries and a replay from the dead-letter
 * queue work on the same period or window as the first attempt — and the role it invokes with
 * (`SchedulerRole`): only this account's scheduler may assume it, and it may invoke the function and write the
 * dead-letter queue, nothing else. The report jobs and the rollup job share it.
 */
export function jobSchedule(
  scope: Construct,
  options: JobScheduleOptions,
): { schedule: Schedule; role: Role } {
  const stack = Stack.of(scope);
  const role = new Role(scope, 'SchedulerRole', {
    description: options.roleDescription,
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': Aws.ACCOUNT_ID,
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      },
    }),
  });
  // The scheduler invokes the unqualified function; CDK's target would grant `<arn>` and `<arn>:*`.
  role.addToPolicy(
    new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [options.function.functionArn] }),
  );
  role.addToPolicy(
    new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [options.deadLetterQueue.queueArn] }),
  );
  const invokeRole: IRole = role.withoutPolicyUpdates({ addGrantsToResources: false });
  const schedule = new Schedule(scope, 'Schedule', {
    description: options.description,
    schedule: ScheduleExpression.expression(options.expression, TimeZone.of(options.timeZone)),
    timeWindow: TimeWindow.off(),
    target: new LambdaInvoke(options.function, {
      role: invokeRole,
      input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
      retryAttempts: options.retryAttempts,
      maxEventAge: options.maxEventAge,
      deadLetterQueue: options.deadLetterQueue,
    }),
  });
  schedule.node.addDependency(role);
  return { schedule, role };
}
