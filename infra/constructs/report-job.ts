import { Duration, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { parseAddresses } from '../../src/email/report-email.ts';
import { alertThresholdsAs, parseAlertThresholds } from '../../src/reports/alert-settings.ts';
import {
  deployChangeThresholdsAs,
  parseDeployChangeThresholds,
} from '../../src/reports/deploy-change-settings.ts';
import { REPORT_KINDS, type ReportKind } from '../../src/reports/report-period.ts';
import { AlarmTopic } from './alarm-topic.ts';
import { anyCountAlarm, deadLetterQueue, notifyTopic } from './failure-alarms.ts';
import { jobSchedule } from './job-schedule.ts';
import { grantLakeQueries, grantRollUp } from './lake-query-grants.ts';
import { checkDuration, checkInteger, checkPattern, scopedCheck, validationError } from './prop-checks.ts';
import { tokenledgerFunction } from './tokenledger-function.ts';

export type { ReportKind } from '../../src/reports/report-period.ts';

/** SES accepts at most 50 recipients per message. */
export const MAX_RECIPIENTS = 50;

/** The folders of SQL files the handler reads at run time, copied into its bundle at the same paths. */
export const REPORT_QUERIES = ['queries/reports', 'queries/rollups'] as const;

/** A Glue table of the lake and the key prefix its data lives under. */
export interface ReportTableSource {
  readonly tableName: string;
  /** Key prefix in the lake bucket, ending in `/`. */
  readonly prefix: string;
}

/** What a report's Athena queries read and where Athena writes their results. */
export interface ReportQuerySources {
  /** The lake: Athena reads the tables' prefixes, the job writes `reports/<kind>/`. */
  readonly lakeBucket: IBucket;
  /** The Glue database of the tables and views. */
  readonly databaseName: string;
  /** The Athena workgroup the queries run in. */
  readonly workGroupName: string;
  /** The workgroup's results bucket (its enforced output location is `resultsPrefix` there). */
  readonly resultsBucket: IBucket;
  /** Key prefix of the workgroup's output location, ending in `/`. */
  readonly resultsPrefix: string;
  /** The lake tables the queries (and the views they select from) read. */
  readonly tables: readonly ReportTableSource[];
  /** The views of the database (Athena stores them as Glue tables; a query on one reads its definition). */
  readonly viewNames: readonly string[];
}

/** The sender of the reports. */
export interface ReportMail {
  /** The `From:` address (MAIL_FROM). */
  readonly from: string;
  /**
   * The SES identities a send from `from` is authorized against (the address's, or its domain's; both when it
   * is not known which of them the account has). The job may send on these.
   */
  readonly identities: readonly IEmailIdentity[];
  /**
   * An SES configuration set to send with (SES_CONFIGURATION_SET).
   *
   * @default - none
   */
  readonly configurationSetName?: string;
  /**
   * The account is in the SES sandbox: SES then also authorizes each send against the identity of every
   * recipient, so the job may also send on `identity/<recipient>` (each must be a verified identity).
   *
   * @default false
   */
  readonly sandbox?: boolean;
}

/**
 * The deploy-change thresholds of the governance report (unset: the handler's defaults, 0.25, 0.02 and 50).
 * Names, defaults and rules are those of src/reports/deploy-change-settings.ts, shared with the CLI, the
 * handler's environment and the CDK context.
 */
export interface DeployChangeThresholdSettings {
  /** Relative move (|after − before| ÷ before) of requests, cost per request, p95 latency: a number ≥ 0 (DEPLOY_CHANGE_RELATIVE). */
  readonly relative?: number;
  /** Absolute move of the error and cancel rates: a number from 0 to 1, 0.02 is 2 points (DEPLOY_CHANGE_RATE_POINTS). */
  readonly ratePoints?: number;
  /** Fewer requests in either window and only requests are compared: a whole number ≥ 1 (DEPLOY_CHANGE_MIN_REQUESTS). */
  readonly minRequests?: number;
}

/** The spend-alert thresholds as props (`alertThresholds.factor`, …): src/reports/alert-settings.ts. */
export interface AlertThresholdSettings {
  /** A customer's or feature's day is flagged above factor × its trailing 7-day median: a number ≥ 1 (ALERT_FACTOR). */
  readonly factor?: number;
  /** Nothing costing less on the day is flagged: dollars ≥ 0 (ALERT_MIN_COST). */
  readonly minCost?: number;
  /** A finding with this many dollars at stake or more is critical and paged: dollars ≥ 0 (ALERT_CRITICAL_COST). */
  readonly criticalCost?: number;
  /** A run is a runaway at this many times its feature's median run: a number above 0 (ALERT_RUNAWAY_FACTOR). */
  readonly runawayFactor?: number;
}

export interface ReportJobProps {
  /** The report the job writes (REPORT_KIND). */
  readonly kind: ReportKind;
  /** EventBridge Scheduler expression: `cron(min hour day-of-month month day-of-week year)` or `rate(n unit)`. */
  readonly schedule: string;
  /** IANA time zone the schedule expression is read in (`UTC`, `Europe/Paris`). */
  readonly timeZone: string;
  /** Who gets the report (MAIL_TO); empty: the report is written to the lake and emailed to nobody. */
  readonly recipients: readonly string[];
  /** The sender; required when `recipients` is not empty. */
  readonly mail?: ReportMail;
  /** What the queries read. */
  readonly sources: ReportQuerySources;
  /** The prompt registry (REGISTRY_TABLE), read by the governance checks. */
  readonly registryTable: ITableV2;
  /** The deliveries ledger (DELIVERIES_TABLE): one email per report id. */
  readonly deliveriesTable: ITableV2;
  /** Where the job's alarms (and their return to OK) are sent. */
  readonly alarmTopic: ITopic;
  /**
   * The deploy-change thresholds (the governance job only): a DEPLOY_CHANGE_* variable for each one set.
   *
   * @default - none set: the handler's defaults
   */
  readonly deployChangeThresholds?: DeployChangeThresholdSettings;
  /**
   * The spend-alert thresholds (the alerts job only): an ALERT_* variable for each one set.
   *
   * @default - none set: the handler's defaults
   */
  readonly alertThresholds?: AlertThresholdSettings;
  /**
   * The topic the alerts job pages its critical findings to (PAGE_TOPIC_ARN; the alerts job only): the job may
   * publish to it, and claims each page in the deliveries ledger first.
   *
   * @default - nobody is paged
   */
  readonly pageTopic?: ITopic;
  /**
   * Function memory in MB.
   *
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Function timeout. Each Athena query is stopped after 5 minutes. A report's queries run in parallel: margin's
   * two together; governance's served-versions query alongside its deploy-change queries, one per deploy in
   * the window, 4 at a time — so a day with more than 4 deploys takes more than one round of those.
   *
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;
  /**
   * How long the function's log group keeps logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Reserved concurrency (1–1000): 1 runs the job one invocation at a time (a manual re-run waits for the
   * scheduled one). Lambda keeps 100 of the account's concurrency unreserved, so an account at a new account's
   * quota of 10 cannot reserve any: none is reserved unless asked. `null` is none too. A run repeated while one is
   * in flight is still harmless: the report id is claimed before the email is sent.
   *
   * @default - none
   */
  readonly reservedConcurrentExecutions?: number | null;
  /**
   * Retries of a failed run (0–2, Lambda's limit for asynchronous invocations), and retries of an invocation the
   * scheduler could not deliver.
   *
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long a run may be retried after it was scheduled, by Lambda and by the scheduler (1 min – 6 h). Retries
   * report the same period: the job takes "yesterday" / "last month" from the scheduled time in its input.
   *
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Period of the function-errors alarm: it fires when an attempt failed within one period (1 min – 1 day).
   *
   * @default Duration.hours(1)
   */
  readonly errorsAlarmPeriod?: Duration;
}

/**
 * One scheduled report job: the report-job function (lambdas/report-job/handler.ts, its bundle carrying
 * queries/reports/), an EventBridge Scheduler schedule that invokes it with `{}` (the last complete period), a
 * dead-letter queue and two alarms.
 *
 * Failures: the scheduler invokes Lambda asynchronously, so a run that throws (an Athena query or the SES send
 * failed) is retried by Lambda (`retryAttempts`, 1 then 2 minutes later, within `maxEventAge`); when the retries
 * are spent, Lambda puts the event and the error in the dead-letter queue (an on-failure destination). An
 * invocation the scheduler could not deliver at all is retried by the scheduler (same limits) and lands in the
 * same queue. The errors alarm reports any failed attempt; the dead-letter alarm reports a run given up on and
 * stays in alarm until the message is dealt with. The handler emails a report only after all its files are
 * written, and claims the report id first, so a retried or repeated run never sends a partial or second email.
 *
 * Permissions (the role has no AWS-managed policy): run queries in the one workgroup; read the catalog entries of
 * the lake database's tables and views by name; read the tables' prefixes of the lake (Athena reads with the
 * caller's credentials); read and write the workgroup's results; put objects under `reports/<kind>/` only; read
 * the registry; and, only when it has recipients, use the deliveries ledger and send from the sender's SES
 * identities (with `mail.sandbox`, on the recipients' identities too).
 */
export class ReportJob extends Construct {
  /** The report the job writes. */
  public readonly kind: ReportKind;
  /** The function. */
  public readonly function: NodejsFunction;
  /** The function's execution role. */
  public readonly role: Role;
  /** The function's log group. */
  public readonly logGroup: LogGroup;
  /** The schedule. */
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
  /** Lake objects the queries read: `<prefix>*` of each table. */
  public readonly lakeObjectArns: readonly string[];
  /** Query results: `<results bucket>/<results prefix>*`. */
  public readonly resultObjectsArn: string;
  /** Where the job writes its files: `<lake>/reports/<kind>/*`. */
  public readonly reportObjectsArn: string;
  /** The daily rollups, which the job brings up to date before its queries: `<lake>/rollups/*`. */
  public readonly rollupObjectsArn: string;

  constructor(scope: Construct, id: string, props: ReportJobProps) {
    super(scope, id);
    const owner = `ReportJob ${id}`;
    const { kind, sources } = props;
    checkPattern(
      this,
      owner,
      'kind',
      kind,
      new RegExp(`^(${REPORT_KINDS.join('|')})$`),
      REPORT_KINDS.join(' | '),
    );
    checkScheduleExpression(this, `${owner}: schedule`, props.schedule);
    checkTimeZone(this, `${owner}: timeZone`, props.timeZone);
    const recipients = checkRecipients(this, `${owner}: recipients`, props.recipients);
    if (recipients.length > 0 && props.mail === undefined) {
      throw validationError(
        this,
        `${owner}: recipients are set (${recipients.join(',')}), so mail (the sender) is required`,
      );
    }
    if (props.mail) {
      const from = props.mail.from;
      scopedCheck(this, () => parseAddresses(from, `${owner}: mail.from`));
      if (props.mail.identities.length === 0) {
        throw validationError(
          this,
          `${owner}: mail.identities must name at least one SES identity of the sender`,
        );
      }
    }
    if (props.deployChangeThresholds !== undefined && kind !== 'governance') {
      throw validationError(
        this,
        `${owner}: deployChangeThresholds are for the governance report only, not ${kind}`,
      );
    }
    if ((props.alertThresholds !== undefined || props.pageTopic !== undefined) && kind !== 'alerts') {
      throw validationError(
        this,
        `${owner}: alertThresholds and pageTopic are for the spend alerts job only, not ${kind}`,
      );
    }
    const alertThresholds = scopedCheck(this, () =>
      parseAlertThresholds(
        props.alertThresholds ?? {},
        'props',
        (name) => `${owner}: alertThresholds.${name}`,
      ),
    );
    // The rules shared with the CLI, the handler's environment and the CDK context.
    const thresholds = scopedCheck(this, () =>
      parseDeployChangeThresholds(
        props.deployChangeThresholds ?? {},
        'props',
        (name) => `${owner}: deployChangeThresholds.${name}`,
      ),
    );
    const memorySize = props.memorySize ?? 512;
    const timeout = props.timeout ?? Duration.minutes(10);
    const reserved = props.reservedConcurrentExecutions ?? undefined;
    const retryAttempts = props.retryAttempts ?? 2;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);
    const errorsAlarmPeriod = props.errorsAlarmPeriod ?? Duration.hours(1);
    checkInteger(this, owner, 'memorySize', memorySize, 128, 10240);
    checkDuration(this, owner, 'timeout', timeout, Duration.seconds(1), Duration.minutes(15));
    if (reserved !== undefined) checkInteger(this, owner, 'reservedConcurrentExecutions', reserved, 1, 1000);
    checkInteger(this, owner, 'retryAttempts', retryAttempts, 0, 2);
    checkDuration(this, owner, 'maxEventAge', maxEventAge, Duration.minutes(1), Duration.hours(6));
    checkDuration(this, owner, 'errorsAlarmPeriod', errorsAlarmPeriod, Duration.minutes(1), Duration.days(1));
    this.kind = kind;
    const emails = recipients.length > 0 ? props.mail : undefined;

    const built = tokenledgerFunction(this, {
      lambda: 'report-job',
      description:
        kind === 'alerts'
          ? 'tokenledger spend alerts: Athena -> reports/alerts/<day>/ (JSON, CSV, HTML) -> email when flagged, SNS page when critical, once per day'
          : `tokenledger ${kind} report: Athena -> reports/${kind}/<period>/ (JSON, CSV, HTML) -> email, once per period`,
      roleDescription: `tokenledger ${kind} report: Athena queries in the workgroup, writes reports/${kind}/ of the lake${emails ? ', sends through SES' : ''}`,
      memorySize,
      timeout,
      logRetention: props.logRetention,
      ...(reserved === undefined ? {} : { reservedConcurrentExecutions: reserved }),
      extraFiles: [...REPORT_QUERIES],
      environment: {
        REPORT_KIND: kind,
        ATHENA_WORKGROUP: sources.workGroupName,
        GLUE_DATABASE: sources.databaseName,
        LAKE_BUCKET: sources.lakeBucket.bucketName,
        REGISTRY_TABLE: props.registryTable.tableName,
        DELIVERIES_TABLE: props.deliveriesTable.tableName,
        // Without recipients the job writes the report and sends nothing: no sender, and no SES grant.
        ...(props.mail ? { MAIL_FROM: props.mail.from } : {}),
        MAIL_TO: recipients.join(','),
        ...(emails?.configurationSetName ? { SES_CONFIGURATION_SET: emails.configurationSetName } : {}),
        ...Object.fromEntries(
          Object.entries(deployChangeThresholdsAs('env', thresholds)).map(([name, value]) => [
            name,
            String(value),
          ]),
        ),
        ...Object.fromEntries(
          Object.entries(alertThresholdsAs('env', alertThresholds)).map(([name, value]) => [
            name,
            String(value),
          ]),
        ),
        ...(props.pageTopic ? { PAGE_TOPIC_ARN: props.pageTopic.topicArn } : {}),
        POWERTOOLS_SERVICE_NAME: `tokenledger-report-${kind}`,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.function = built.function;
    this.role = built.role;
    this.logGroup = built.logGroup;

    const rerun = kind === 'margin' ? `{"period":"YYYY-MM"}` : `{"period":"YYYY-MM-DD"}`;
    const failures = deadLetterQueue(this, this.function, {
      retryAttempts,
      maxEventAge,
      alarmDescription:
        `tokenledger ${kind} report: a run was given up on after its retries (or never delivered); its report was ` +
        `not emailed. The message in the dead-letter queue holds the event and the error. Fix the cause, re-run ` +
        `with the payload ${rerun}, then delete the message.`,
    });
    this.deadLetterQueue = failures.queue;
    this.deadLetterAlarm = failures.alarm;

    const stack = Stack.of(this);
    this.workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: sources.workGroupName,
    });
    // Least privilege per kind: only margin reads revenue; only governance reads the prompt registry.
    const tables = sources.tables.filter(
      (t) => kind === 'margin' || !MARGIN_ONLY_TABLES.includes(t.tableName),
    );
    const viewNames = sources.viewNames.filter((v) => kind === 'margin' || !MARGIN_ONLY_TABLES.includes(v));
    const prefixes = [...new Set(tables.map((table) => table.prefix))];
    this.lakeObjectArns = prefixes.map((prefix) => sources.lakeBucket.arnForObjects(`${prefix}*`));
    this.resultObjectsArn = sources.resultsBucket.arnForObjects(`${sources.resultsPrefix}*`);
    this.reportObjectsArn = sources.lakeBucket.arnForObjects(`reports/${kind}/*`);
    grantLakeQueries(this, this.role, {
      workGroupArn: this.workGroupArn,
      databaseName: sources.databaseName,
      tableNames: tables.map((t) => t.tableName),
      viewNames,
      lakeBucket: sources.lakeBucket,
      prefixes,
      resultsBucket: sources.resultsBucket,
      resultObjectsArn: this.resultObjectsArn,
    });
    // With SSE-KMS buckets: read the lake's tables and write reports/; Athena's results both ways.
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.reportObjectsArn] }),
    );
    // Before its queries the job rolls up the days it reads (docs/rollups.md); it lists the day's event keys
    // through the listing its queries already have. (The lake's key both ways, with SSE-KMS: reports/ too.)
    this.rollupObjectsArn = grantRollUp(this.role, sources.lakeBucket);
    if (kind === 'governance') {
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem'],
          resources: [props.registryTable.tableArn],
        }),
      );
    }
    if (emails || props.pageTopic) {
      // One email, and one page, per report id: claimed in the ledger before it is sent.
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [props.deliveriesTable.tableArn],
        }),
      );
    }
    // Publish to the page topic, and encrypt with its key (SNS asks the publisher's key rights for an encrypted
    // topic): the two actions by name, on that key only (grantPublish would give kms:GenerateDataKey*).
    if (props.pageTopic) {
      this.role.addToPolicy(
        new PolicyStatement({ actions: ['sns:Publish'], resources: [props.pageTopic.topicArn] }),
      );
      if (props.pageTopic.masterKey) {
        this.role.addToPolicy(
          new PolicyStatement({
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: [props.pageTopic.masterKey.keyArn],
          }),
        );
      }
    }
    if (emails) {
      const configurationSetArns = emails.configurationSetName
        ? [
            stack.formatArn({
              service: 'ses',
              resource: 'configuration-set',
              resourceName: emails.configurationSetName,
            }),
          ]
        : [];
      // In the sandbox SES checks the send against each recipient's identity as well as the sender's.
      const recipientArns = emails.sandbox
        ? recipients.map((address) =>
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: address }),
          )
        : [];
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [
            ...emails.identities.map((identity) => identity.emailIdentityArn),
            ...recipientArns,
            ...configurationSetArns,
          ],
          // Only as the configured sender, even where the identity is a whole domain.
          conditions: { StringEquals: { 'ses:FromAddress': emails.from } },
        }),
      );
    }

    // No period in the input: the job reports the last complete one before the scheduled time (yesterday UTC, or
    // last month), so Lambda's retries and a replay from the dead-letter queue report the same period.
    const scheduled = jobSchedule(this, {
      function: this.function,
      deadLetterQueue: this.deadLetterQueue,
      expression: props.schedule,
      timeZone: props.timeZone,
      retryAttempts,
      maxEventAge,
      description: `tokenledger ${kind} report, ${props.schedule} ${props.timeZone}`,
      roleDescription: `tokenledger ${kind} report: EventBridge Scheduler invokes the report function`,
    });
    this.schedule = scheduled.schedule;
    this.schedulerRole = scheduled.role;

    this.errorsAlarm = anyCountAlarm(
      this,
      'ErrorsAlarm',
      this.function.metricErrors({ statistic: 'Sum', period: errorsAlarmPeriod }),
      `tokenledger ${kind} report: a run failed (function Errors >= 1 within ${errorsAlarmPeriod.toHumanString()}). ` +
        `Lambda retries it ${retryAttempts} time(s); nothing is emailed until a run has written every file. ` +
        'The error is in the function log group.',
    );
    notifyTopic(props.alarmTopic, [this.errorsAlarm, this.deadLetterAlarm]);
  }
}

/** Tables and views only the margin report reads (revenue): the waste and governance jobs get no grant on them. */
const MARGIN_ONLY_TABLES: readonly string[] = ['revenue', 'revenue_effective'];

export interface ReportAlarmTopicProps {
  /**
   * E-mail address subscribed to the topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/** The SNS topic the report jobs' alarms notify, an {@link AlarmTopic} like the ingest and invoice ones. */
export class ReportAlarmTopic extends AlarmTopic {
  constructor(scope: Construct, id: string, props: ReportAlarmTopicProps = {}) {
    super(scope, id, {
      displayName: 'tokenledger report job alarms',
      keyDescription: 'tokenledger: encrypts the report jobs alarm topic',
      ...props,
    });
  }
}

/** EventBridge Scheduler's recurring expressions (a one-time `at(...)` is not a report schedule). */
const CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;
const RATE = /^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/;
const SCHEDULE_RULE =
  "an EventBridge Scheduler expression 'cron(minutes hours day-of-month month day-of-week year)' with ? in " +
  "exactly one of day-of-month and day-of-week, or 'rate(value unit)'";

/**
 * Throws `<label> must be <rule>, got '<value>'` (a ValidationError of `scope`) unless `value` is a recurring
 * Scheduler expression.
 */
export function checkScheduleExpression(scope: IConstruct, label: string, value: string): void {
  const cron = CRON.exec(value);
  const rate = RATE.exec(value);
  const valid = cron
    ? (cron[3] === '?') !== (cron[5] === '?')
    : rate !== null && (rate[1] === '1') === !(rate[2] as string).endsWith('s');
  if (!valid) throw validationError(scope, `${label} must be ${SCHEDULE_RULE}, got '${value}'`);
}

/**
 * Throws (a ValidationError of `scope`) unless `value` is an IANA time zone name, spelled as the time zone
 * database spells it.
 */
export function checkTimeZone(scope: IConstruct, label: string, value: string): void {
  let resolved: string | undefined;
  try {
    if (/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    }
  } catch {
    resolved = undefined;
  }
  if (resolved === undefined || (resolved !== value && resolved.toLowerCase() === value.toLowerCase())) {
    throw validationError(
      scope,
      `${label} must be an IANA time zone such as UTC or Europe/Paris, got '${value}'`,
    );
  }
}

/**
 * The recipients, checked: plain addresses (as the handler parses MAIL_TO), at most 50, no repeats; a bad list is a
 * ValidationError of `scope`.
 */
export function checkRecipients(scope: IConstruct, label: string, recipients: readonly string[]): string[] {
  const list = scopedCheck(scope, () => parseAddresses(recipients.join(','), label));
  if (list.length > MAX_RECIPIENTS) {
    throw validationError(
      scope,
      `${label} must be at most ${MAX_RECIPIENTS} addresses (SES's limit per message), got ${list.length}`,
    );
  }
  const repeated = list.find((address, i) => list.indexOf(address) !== i);
  if (repeated !== undefined) throw validationError(scope, `${label} lists '${repeated}' twice`);
  return list;
}
