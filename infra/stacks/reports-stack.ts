import { CfnOutput, type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { viewName } from '../../src/athena/views.ts';
import { parseAddresses } from '../../src/email/report-email.ts';
import { viewFiles } from '../../src/queries/query-files.ts';
import { REPORT_KINDS, type ReportKind } from '../../src/reports/report-period.ts';
import {
  checkRecipients,
  checkScheduleExpression,
  checkTimeZone,
  ReportAlarmTopic,
  ReportJob,
  type ReportTableSource,
} from '../constructs/report-job.ts';

/**
 * Default schedules, in `reportsTimezone` (UTC unless set):
 * - governance daily at 06:00 and waste daily at 06:15 — yesterday (UTC) is complete: events arrive within
 *   seconds, and 6 h past midnight leaves room for retries before the day changes again;
 * - margin monthly on the 3rd at 07:00 — providers post late usage to their cost reports for a day or two after a
 *   month ends, so the previous month's invoices are complete (and imported into costs/) by the 3rd.
 */
export const DEFAULT_SCHEDULES: Readonly<Record<ReportKind, string>> = {
  governance: 'cron(0 6 * * ? *)',
  waste: 'cron(15 6 * * ? *)',
  margin: 'cron(0 7 3 * ? *)',
};

/** Default time zone of the schedules. */
export const DEFAULT_TIMEZONE = 'UTC';

/** Which SES identity the stack creates for the sender. */
export type ReportsIdentity = 'domain' | 'address';

/**
 * The deploy-time settings of the report jobs. Each prop is also the name of a CDK context key, read by
 * {@link reportsSettingsFromContext}:
 *
 * ```sh
 * npx cdk deploy --all \
 *   -c reportsFrom=reports@example.com -c reportsIdentity=domain \
 *   -c governanceRecipients=a@x.com,b@y.com -c wasteRecipients=… -c marginRecipients=finance@x.com \
 *   -c governanceSchedule='cron(0 6 * * ? *)' -c wasteSchedule='cron(15 6 * * ? *)' \
 *   -c marginSchedule='cron(0 7 3 * ? *)' -c reportsTimezone=UTC
 * ```
 *
 * | key | default | |
 * |---|---|---|
 * | `reportsFrom` | none | the sender (MAIL_FROM); required when any job has recipients |
 * | `reportsIdentity` | `domain` | the SES identity the stack creates for it: its domain (publish the 3 DKIM CNAMEs of the stack outputs) or the address itself (click the link SES mails to it) |
 * | `reportsConfigurationSet` | none | an existing SES configuration set to send with |
 * | `governanceRecipients`, `wasteRecipients`, `marginRecipients` | none | comma-separated addresses (a list in cdk.json); none: the report is written under `reports/<kind>/<period>/` and emailed to nobody, and the job gets no SES permission |
 * | `governanceSchedule`, `wasteSchedule`, `marginSchedule` | see {@link DEFAULT_SCHEDULES} | EventBridge Scheduler `cron(…)` or `rate(…)` |
 * | `reportsTimezone` | `UTC` | IANA time zone of the schedules |
 *
 * A bad value fails synthesis with an error naming the key and quoting the value. While SES is in its sandbox,
 * recipients must be verified identities too (or request production access).
 */
export interface ReportsSettings {
  readonly reportsFrom?: string;
  readonly reportsIdentity?: ReportsIdentity;
  readonly reportsConfigurationSet?: string;
  readonly reportsTimezone?: string;
  readonly governanceRecipients?: readonly string[];
  readonly wasteRecipients?: readonly string[];
  readonly marginRecipients?: readonly string[];
  readonly governanceSchedule?: string;
  readonly wasteSchedule?: string;
  readonly marginSchedule?: string;
}

/** The context keys of {@link ReportsSettings}. */
export const REPORTS_CONTEXT_KEYS = [
  'reportsFrom',
  'reportsIdentity',
  'reportsConfigurationSet',
  'reportsTimezone',
  'governanceRecipients',
  'wasteRecipients',
  'marginRecipients',
  'governanceSchedule',
  'wasteSchedule',
  'marginSchedule',
] as const satisfies readonly (keyof ReportsSettings)[];

const recipientsKey = (kind: ReportKind) => `${kind}Recipients` as const;
const scheduleKey = (kind: ReportKind) => `${kind}Schedule` as const;

/**
 * The report settings given as CDK context (`-c key=value`, or cdk.json), checked: an error names the context key
 * and quotes its value. A context key that looks like a report setting but is none (`governanceRecipient`) is an
 * error too, so a typo cannot silently leave a report unsent.
 */
export function reportsSettingsFromContext(scope: Construct): ReportsSettings {
  const context = scope.node.getAllContext() as Record<string, unknown>;
  const known: readonly string[] = REPORTS_CONTEXT_KEYS;
  const unknown = Object.keys(context).find(
    (key) => /^(reports|governance|waste|margin)[A-Z]/.test(key) && !known.includes(key),
  );
  if (unknown !== undefined) {
    throw new Error(`context ${unknown} is not a report setting; the keys are ${known.join(', ')}`);
  }
  const settings: Record<string, unknown> = {};
  for (const key of REPORTS_CONTEXT_KEYS) {
    const value = context[key];
    if (value === undefined) continue;
    const label = `context ${key}`;
    if (key.endsWith('Recipients')) {
      settings[key] = contextList(label, value);
    } else if (typeof value !== 'string') {
      throw new Error(`${label} must be a string, got ${JSON.stringify(value)}`);
    } else {
      settings[key] = value.trim();
    }
  }
  const checked = settings as ReportsSettings;
  checkReportsSettings(checked, (key) => `context ${key}`);
  return checked;
}

/** A recipients value of the context: `a@x.com,b@y.com` (the CLI) or `["a@x.com", "b@y.com"]` (cdk.json). */
function contextList(label: string, value: unknown): string[] {
  if (typeof value === 'string') return parseAddresses(value, label);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim());
  throw new Error(`${label} must be comma-separated e-mail addresses, got ${JSON.stringify(value)}`);
}

/**
 * Checks the settings, naming each bad one with `label(key)` and quoting its value; returns them with the
 * defaults filled in.
 */
export function checkReportsSettings(settings: ReportsSettings, label: (key: string) => string) {
  const from = settings.reportsFrom === '' ? undefined : settings.reportsFrom;
  if (from !== undefined) {
    const [address] = parseAddresses(from, label('reportsFrom'));
    if (address !== from || from.includes(',')) {
      throw new Error(`${label('reportsFrom')} must be one e-mail address, got '${from}'`);
    }
  }
  const identity = settings.reportsIdentity ?? 'domain';
  if (identity !== 'domain' && identity !== 'address') {
    throw new Error(`${label('reportsIdentity')} must be 'domain' or 'address', got '${identity}'`);
  }
  const configurationSet = settings.reportsConfigurationSet || undefined;
  if (configurationSet !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(configurationSet)) {
    throw new Error(
      `${label('reportsConfigurationSet')} must be an SES configuration set name (1-64 of A-Z a-z 0-9 _ -), got '${configurationSet}'`,
    );
  }
  const timeZone = settings.reportsTimezone || DEFAULT_TIMEZONE;
  checkTimeZone(label('reportsTimezone'), timeZone);
  const jobs = REPORT_KINDS.map((kind) => {
    const recipients = checkRecipients(label(recipientsKey(kind)), settings[recipientsKey(kind)] ?? []);
    if (recipients.length > 0 && from === undefined) {
      throw new Error(
        `${label(recipientsKey(kind))} is set ('${recipients.join(',')}'), so ${label('reportsFrom')} (the sender) is required`,
      );
    }
    const schedule = settings[scheduleKey(kind)] || DEFAULT_SCHEDULES[kind];
    checkScheduleExpression(label(scheduleKey(kind)), schedule);
    return { kind, recipients, schedule };
  });
  return { from, identity, configurationSet, timeZone, jobs };
}

export interface ReportsStackProps extends StackProps, ReportsSettings {
  /** The lake bucket (data stack): the tables' data, and `reports/<kind>/<period>/`. */
  readonly lakeBucket: IBucket;
  /** The Glue database of the lake. */
  readonly databaseName: string;
  /** The Athena workgroup name. */
  readonly workGroupName: string;
  /** The workgroup's results bucket. */
  readonly resultsBucket: IBucket;
  /** Key prefix of the workgroup's output location in `resultsBucket`. */
  readonly resultsPrefix: string;
  /** The lake's Glue tables and their key prefixes. */
  readonly lakeTables: readonly ReportTableSource[];
  /**
   * The views of the database.
   *
   * @default the views of queries/views (read at synth, as the data stack creates them)
   */
  readonly viewNames?: readonly string[];
  /** The prompt registry table (data stack). */
  readonly registryTable: ITableV2;
  /** The report deliveries table (data stack). */
  readonly deliveriesTable: ITableV2;
  /**
   * E-mail address subscribed to the report alarms topic (context `alarmEmail`).
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.minutes(10) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Reserved concurrency of each job; `null` for none (an account at the default quota of 10 cannot reserve).
   *
   * @default 1
   */
  readonly reservedConcurrentExecutions?: number | null;
  /** Retries of a failed run (0–2). @default 2 */
  readonly retryAttempts?: number;
  /** How long a run may be retried after it was scheduled. @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
}

/**
 * The scheduled report jobs (stateless): governance daily, waste daily, margin monthly — each a ReportJob
 * (function, schedule, dead-letter queue, alarms) — the topic their alarms notify, and, when a sender is set,
 * the SES identity it sends from. The settings are described on {@link ReportsSettings}.
 */
export class ReportsStack extends Stack {
  /** The jobs, by report kind. */
  public readonly jobs: Readonly<Record<ReportKind, ReportJob>>;
  /** The topic of the jobs' alarms. */
  public readonly alarmTopic: ReportAlarmTopic;
  /** The SES identity of the sender; undefined without `reportsFrom`. */
  public readonly emailIdentity?: EmailIdentity;

  constructor(scope: Construct, id: string, props: ReportsStackProps) {
    super(scope, id, props);
    const settings = checkReportsSettings(props, (key) => `ReportsStack ${id}: ${key}`);

    this.alarmTopic = new ReportAlarmTopic(this, 'Alarms', { alarmEmail: props.alarmEmail });

    if (settings.from !== undefined) {
      const domain = settings.from.slice(settings.from.lastIndexOf('@') + 1).toLowerCase();
      this.emailIdentity = new EmailIdentity(this, 'Sender', {
        identity: settings.identity === 'domain' ? Identity.domain(domain) : Identity.email(settings.from),
      });
      if (settings.identity === 'domain') {
        this.emailIdentity.dkimRecords.forEach((record, i) => {
          new CfnOutput(this, `SenderDkimRecord${i + 1}`, {
            description: `DKIM record ${i + 1} of 3 to publish in the DNS of ${domain}: name CNAME value`,
            value: `${record.name} CNAME ${record.value}`,
          });
        });
      }
    }
    const identity = this.emailIdentity;
    const mail =
      identity && settings.from !== undefined
        ? {
            from: settings.from,
            identity,
            ...(settings.configurationSet ? { configurationSetName: settings.configurationSet } : {}),
          }
        : undefined;

    const sources = {
      lakeBucket: props.lakeBucket,
      databaseName: props.databaseName,
      workGroupName: props.workGroupName,
      resultsBucket: props.resultsBucket,
      resultsPrefix: props.resultsPrefix,
      tables: props.lakeTables,
      viewNames: props.viewNames ?? viewFiles().map(({ sql }) => viewName(sql)),
    };
    const jobs: Partial<Record<ReportKind, ReportJob>> = {};
    for (const { kind, recipients, schedule } of settings.jobs) {
      jobs[kind] = new ReportJob(this, `${kind[0]?.toUpperCase()}${kind.slice(1)}Report`, {
        kind,
        schedule,
        timeZone: settings.timeZone,
        recipients,
        ...(mail ? { mail } : {}),
        sources,
        registryTable: props.registryTable,
        deliveriesTable: props.deliveriesTable,
        alarmTopic: this.alarmTopic.topic,
        memorySize: props.memorySize,
        timeout: props.timeout,
        logRetention: props.logRetention,
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
        retryAttempts: props.retryAttempts,
        maxEventAge: props.maxEventAge,
      });
    }
    this.jobs = jobs as Record<ReportKind, ReportJob>;
  }
}
