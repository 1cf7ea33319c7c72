import { Duration, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_LOOKBACK_DAYS,
  MAX_LOOKBACK_DAYS,
  MIN_LOOKBACK_DAYS,
} from '../../src/jobs/rollup-lookback.ts';
import { QUERIES_DIR, sqlFiles, viewFiles } from '../../src/queries/query-files.ts';
import { anyCountAlarm, deadLetterQueue, notifyTopic } from './failure-alarms.ts';
import { jobSchedule } from './job-schedule.ts';
import { grantLakeQueries, grantRollUp } from './lake-query-grants.ts';
import { checkDuration, checkInteger } from './prop-checks.ts';
import { queryReads } from './query-reads.ts';
import { checkScheduleExpression, checkTimeZone, type ReportQuerySources } from './report-job.ts';
import { tokenledgerFunction } from './tokenledger-function.ts';

/** The folder of SQL files the handler reads at run time, copied into its bundle at the same path. */
export const ROLLUP_QUERIES = 'queries/rollups';

/**
 * Default schedule: daily at 00:30 UTC — the day before is over, and the half hour lets the records still in the
 * stream (a batching window, a retried batch) reach the lake first.
 */
export const DEFAULT_ROLLUP_SCHEDULE = 'cron(30 0 * * ? *)';

export interface RollupJobProps {
  /**
   * EventBridge Scheduler expression: `cron(min hour day-of-month month day-of-week year)` or `rate(n unit)`.
   *
   * @default DEFAULT_ROLLUP_SCHEDULE, daily at 00:30
   */
  readonly schedule?: string;
  /**
   * IANA time zone the schedule expression is read in. The job's days are UTC days whatever it is.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * How many days, ending the day before the scheduled time (UTC), each run considers (1–400, ROLLUP_LOOKBACK_DAYS).
   * A day in the window is rolled only when it has no rollup or a stale one.
   *
   * @default 7
   */
  readonly lookbackDays?: number;
  /** What the rollup queries read (the report jobs' sources: the job picks the tables and views it needs). */
  readonly sources: ReportQuerySources;
  /** Where the job's alarms (and their return to OK) are sent. */
  readonly alarmTopic: ITopic;
  /**
   * Function memory in MB: a day's rows of each rollup table are held, then written as one Parquet object.
   *
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Function timeout. Each Athena query is stopped after 5 minutes; a run makes one state query and one per
   * rollup table over the days it rolls.
   *
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Reserved concurrency (1–1000): 1 runs one roll at a time. None unless asked (a new account cannot reserve).
   *
   * @default - none
   */
  readonly reservedConcurrentExecutions?: number | null;
  /** Retries of a failed run (0–2), and of an invocation the scheduler could not deliver. @default 2 */
  readonly retryAttempts?: number;
  /** How long a run may be retried after it was scheduled (1 min – 6 h). @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
  /** Period of the function-errors alarm (1 min – 1 day). @default Duration.hours(1) */
  readonly errorsAlarmPeriod?: Duration;
}

/**
 * The scheduled rollup job (docs/rollups.md): the rollup-job function (lambdas/rollup-job/handler.ts, its bundle
 * carrying queries/rollups/), an EventBridge Scheduler schedule that invokes it with the scheduled time, a
 * dead-letter queue and two alarms — failures handled as the report jobs' are (ReportJob).
 *
 * Permissions (the role has no AWS-managed policy): run queries in the one workgroup; read the catalog entries of
 * the tables and views the rollup queries read, found in their SQL (the events, the price book and invoices they
 * take the dimensions from, the rolls); read those tables' prefixes of the lake and list only under them; read and
 * write the workgroup's results; put and delete objects under `rollups/` only. No SES, no DynamoDB.
 */
export class RollupJob extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  public readonly schedule: Schedule;
  /** The role the scheduler invokes the function with (invoke it and write the dead-letter queue, nothing else). */
  public readonly schedulerRole: Role;
  /** Runs given up on: failed after their retries, or never delivered. */
  public readonly deadLetterQueue: Queue;
  /** Fires when an attempt failed (function Errors ≥ 1 in `errorsAlarmPeriod`). */
  public readonly errorsAlarm: Alarm;
  /** Fires while the dead-letter queue holds a message. */
  public readonly deadLetterAlarm: Alarm;
  /** The Athena workgroup ARN, the only resource of the Athena grant. */
  public readonly workGroupArn: string;
  /** The tables and views the rollup queries read (their Glue entries are granted by name). */
  public readonly tableNames: readonly string[];
  public readonly viewNames: readonly string[];
  /** Lake objects the queries read: `<prefix>*` of each table read. */
  public readonly lakeObjectArns: readonly string[];
  /** Query results: `<results bucket>/<results prefix>*`. */
  public readonly resultObjectsArn: string;
  /** Where the job writes and removes rolls: `<lake>/rollups/*`. */
  public readonly rollupObjectsArn: string;

  constructor(scope: Construct, id: string, props: RollupJobProps) {
    super(scope, id);
    const owner = `RollupJob ${id}`;
    const { sources } = props;
    const expression = props.schedule ?? DEFAULT_ROLLUP_SCHEDULE;
    const timeZone = props.timeZone ?? 'UTC';
    const lookbackDays = props.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
    const memorySize = props.memorySize ?? 1024;
    const timeout = props.timeout ?? Duration.minutes(15);
    const reserved = props.reservedConcurrentExecutions ?? undefined;
    const retryAttempts = props.retryAttempts ?? 2;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);
    const errorsAlarmPeriod = props.errorsAlarmPeriod ?? Duration.hours(1);
    checkScheduleExpression(this, `${owner}: schedule`, expression);
    checkTimeZone(this, `${owner}: timeZone`, timeZone);
    checkInteger(this, owner, 'lookbackDays', lookbackDays, MIN_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS);
    checkInteger(this, owner, 'memorySize', memorySize, 128, 10240);
    checkDuration(this, owner, 'timeout', timeout, Duration.seconds(1), Duration.minutes(15));
    if (reserved !== undefined) checkInteger(this, owner, 'reservedConcurrentExecutions', reserved, 1, 1000);
    checkInteger(this, owner, 'retryAttempts', retryAttempts, 0, 2);
    checkDuration(this, owner, 'maxEventAge', maxEventAge, Duration.minutes(1), Duration.hours(6));
    checkDuration(this, owner, 'errorsAlarmPeriod', errorsAlarmPeriod, Duration.minutes(1), Duration.days(1));

    const built = tokenledgerFunction(this, {
      lambda: 'rollup-job',
      description:
        'tokenledger rollup job: the stale days of the lookback window -> Athena -> rollups/<table>/dt=<day>/',
      roleDescription:
        'tokenledger rollup job: Athena queries in the workgroup, reads the events and dimensions, writes rollups/ of the lake',
      memorySize,
      timeout,
      logRetention: props.logRetention,
      ...(reserved === undefined ? {} : { reservedConcurrentExecutions: reserved }),
      extraFiles: [ROLLUP_QUERIES],
      environment: {
        ATHENA_WORKGROUP: sources.workGroupName,
        GLUE_DATABASE: sources.databaseName,
        LAKE_BUCKET: sources.lakeBucket.bucketName,
        ROLLUP_LOOKBACK_DAYS: String(lookbackDays),
        POWERTOOLS_SERVICE_NAME: 'tokenledger-rollup',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.function = built.function;
    this.role = built.role;
    this.logGroup = built.logGroup;

    const failures = deadLetterQueue(this, this.function, {
      retryAttempts,
      maxEventAge,
      alarmDescription:
        'tokenledger rollup job: a run was given up on after its retries (or never delivered); the stale days of ' +
        'its window are not rolled up yet (the report jobs roll up the days they read before querying). The ' +
        'message in the dead-letter queue holds the event and the error. Fix the cause, re-run with the payload ' +
        '{"days":["YYYY-MM-DD"]} (or the message\'s event), then delete the message.',
    });
    this.deadLetterQueue = failures.queue;
    this.deadLetterAlarm = failures.alarm;

    this.workGroupArn = Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: sources.workGroupName,
    });
    // Least privilege: only the tables and views the rollup queries read, directly or through views.
    const reads = queryReads(
      sqlFiles(QUERIES_DIR, 'rollups'),
      viewFiles(),
      sources.tables.map((t) => t.tableName),
    );
    this.tableNames = reads.tables;
    this.viewNames = reads.views.filter((v) => sources.viewNames.includes(v));
    const prefixes = [
      ...new Set(sources.tables.filter((t) => reads.tables.includes(t.tableName)).map((t) => t.prefix)),
    ];
    this.lakeObjectArns = prefixes.map((prefix) => sources.lakeBucket.arnForObjects(`${prefix}*`));
    this.resultObjectsArn = sources.resultsBucket.arnForObjects(`${sources.resultsPrefix}*`);
    grantLakeQueries(this, this.role, {
      workGroupArn: this.workGroupArn,
      databaseName: sources.databaseName,
      tableNames: this.tableNames,
      viewNames: this.viewNames,
      lakeBucket: sources.lakeBucket,
      prefixes,
      resultsBucket: sources.resultsBucket,
      resultObjectsArn: this.resultObjectsArn,
    });
    this.rollupObjectsArn = grantRollUp(this.role, sources.lakeBucket);

    const scheduled = jobSchedule(this, {
      function: this.function,
      deadLetterQueue: this.deadLetterQueue,
      expression,
      timeZone,
      retryAttempts,
      maxEventAge,
      description: `tokenledger rollup job, ${expression} ${timeZone}, the ${lookbackDays} days before`,
      roleDescription: 'tokenledger rollup job: EventBridge Scheduler invokes the rollup function',
    });
    this.schedule = scheduled.schedule;
    this.schedulerRole = scheduled.role;

    this.errorsAlarm = anyCountAlarm(
      this,
      'ErrorsAlarm',
      this.function.metricErrors({ statistic: 'Sum', period: errorsAlarmPeriod }),
      `tokenledger rollup job: a run failed (function Errors >= 1 within ${errorsAlarmPeriod.toHumanString()}). ` +
        `Lambda retries it ${retryAttempts} time(s); a day is current only once its whole roll is written. ` +
        'The error is in the function log group.',
    );
    notifyTopic(props.alarmTopic, [this.errorsAlarm, this.deadLetterAlarm]);
  }
}
