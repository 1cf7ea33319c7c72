import { CfnOutput, type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EmailIdentity, Identity, type IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { parseAddresses } from '../../src/email/report-email.ts';
import {
  DEFAULT_LOOKBACK_DAYS,
  MAX_LOOKBACK_DAYS,
  MIN_LOOKBACK_DAYS,
} from '../../src/jobs/rollup-lookback.ts';
import { viewFiles, viewName } from '../../src/queries/query-files.ts';
import { ALERT_SETTINGS, alertThresholdsAs, parseAlertThresholds } from '../../src/reports/alert-settings.ts';
import {
  DEPLOY_CHANGE_SETTING_NAMES,
  DEPLOY_CHANGE_SETTINGS,
  deployChangeThresholdsAs,
  parseDeployChangeThresholds,
} from '../../src/reports/deploy-change-settings.ts';
import { REPORT_KINDS, type ReportKind } from '../../src/reports/report-period.ts';
import { AlarmTopic } from '../constructs/alarm-topic.ts';
import { scopedCheck, validationError } from '../constructs/prop-checks.ts';
import {
  type AlertThresholdSettings,
  checkRecipients,
  checkScheduleExpression,
  checkTimeZone,
  type DeployChangeThresholdSettings,
  ReportAlarmTopic,
  ReportJob,
  type ReportTableSource,
} from '../constructs/report-job.ts';
import { DEFAULT_ROLLUP_SCHEDULE, RollupJob } from '../constructs/rollup-job.ts';

/**
 * Default schedules, in `reportsTimezone` (UTC unless set):
 * - governance daily at 06:00 and waste daily at 06:15 — yesterday (UTC) is complete: events arrive within
 *   seconds, and 6 h past midnight leaves room for retries before the day changes again;
 * - margin monthly on the 3rd at 07:00 — providers post late usage to their cost reports for a day or two after a
 *   month ends, so the previous month's invoices are complete (and imported into costs/) by the 3rd;
 * - spend alerts daily at 01:30, always read in UTC (like the rollup job's: its day is the UTC day before) —
 *   yesterday's spikes reach someone early, after the rollup job (00:30 UTC) has rolled the day up.
 */
export const DEFAULT_SCHEDULES: Readonly<Record<ReportKind, string>> = {
  governance: 'cron(0 6 * * ? *)',
  waste: 'cron(15 6 * * ? *)',
  margin: 'cron(0 7 3 * ? *)',
  alerts: 'cron(30 1 * * ? *)',
};

/** Default time zone of the schedules. */
export const DEFAULT_TIMEZONE = 'UTC';

/**
 * The SES identity of the sender: the stack creates the sender's domain identity (`domain`) or the address
 * identity (`address`), or sends from one the account has already (`existing`: the stack creates none; creating
 * an identity that exists fails the deploy).
 */
export type ReportsIdentity = 'domain' | 'address' | 'existing';

const IDENTITIES: readonly ReportsIdentity[] = ['domain', 'address', 'existing'];

/** The largest reserved concurrency `reportsReservedConcurrency` accepts. */
export const MAX_RESERVED_CONCURRENCY = 1000;

/**
 * The deploy-time settings of the report jobs. Each prop is also the name of a CDK context key, read by
 * {@link reportsSettingsFromContext}:
 *
 * ```sh
 * npx cdk deploy --all \
 *   -c reportsFrom=reports@example.com -c reportsIdentity=domain \
 *   -c governanceRecipients=a@x.com,b@y.com -c wasteRecipients=… -c marginRecipients=finance@x.com \
 *   -c governanceSchedule='cron(0 6 * * ? *)' -c wasteSchedule='cron(15 6 * * ? *)' \
 *   -c marginSchedule='cron(0 7 3 * ? *)' -c reportsTimezone=UTC \
 *   -c governanceChangeThreshold=0.25 -c governanceRateThreshold=0.02 -c governanceMinRequests=50
 * ```
 *
 * | key | default | |
 * |---|---|---|
 * | `reportsFrom` | none | the sender (MAIL_FROM); required when any job has recipients |
 * | `reportsIdentity` | `domain` | the SES identity the stack creates for it: its domain (publish the 3 DKIM CNAMEs of the stack outputs) or the address itself (click the link SES mails to it); `existing`: none, the account has one already (the jobs may send on `identity/<domain>` and `identity/<address>`) |
 * | `reportsConfigurationSet` | none | an existing SES configuration set to send with |
 * | `reportsSandbox` | `false` | `true` while the account is in the SES sandbox: SES then also authorizes each send against every recipient's identity, so each job may send on `identity/<recipient>` too (the recipients must be verified identities); drop it once the account has production access |
 * | `reportsReservedConcurrency` | none | reserved concurrency of each job (a whole number 1–1000), or `none`; an account at a new account's concurrency quota of 10 cannot reserve any (Lambda keeps 100 unreserved), so none is reserved unless asked |
 * | `governanceRecipients`, `wasteRecipients`, `marginRecipients` | none | comma-separated addresses (a list in cdk.json); none: the report is written under `reports/<kind>/<period>/` and emailed to nobody, and the job gets no SES permission |
 * | `governanceSchedule`, `wasteSchedule`, `marginSchedule` | see {@link DEFAULT_SCHEDULES} | EventBridge Scheduler `cron(…)` or `rate(…)` |
 * | `reportsTimezone` | `UTC` | IANA time zone of the schedules |
 * | `governanceChangeThreshold` | `0.25` | deploy changes: relative move of requests, cost per request and p95 latency that flags a deploy, a number ≥ 0 (DEPLOY_CHANGE_RELATIVE) |
 * | `governanceRateThreshold` | `0.02` | deploy changes: absolute move of the error and cancel rates that flags a deploy, a number from 0 to 1 (0.02 is 2 points; DEPLOY_CHANGE_RATE_POINTS) |
 * | `governanceMinRequests` | `50` | deploy changes: fewer requests than this in either window and only requests are compared, a whole number ≥ 1 (DEPLOY_CHANGE_MIN_REQUESTS) |
 * | `alertsRecipients`, `alertsSchedule` | none; `cron(30 1 * * ? *)` | the spend alerts' email (sent only on a day with findings) and schedule, read in UTC whatever `reportsTimezone` says (the alerts' day is the UTC day before the run) |
 * | `alertsFactor`, `alertsMinCost`, `alertsCriticalCost`, `alertsRunawayFactor` | `5`, `10`, `100`, `10` | spend alerts: a customer or feature is flagged above factor × its trailing 7-day median and from min cost dollars; critical (paged) from critical cost dollars at stake; a run is a runaway at runaway factor × its feature's median run (ALERT_*) |
 * | `alertsPageEmail` | none | e-mail address subscribed to the spend alerts' SNS topic (the critical findings); subscribe a pager or chat webhook to the topic (output `SpendAlertsTopicArn`) yourself |
 * | `rollupSchedule` | `cron(30 0 * * ? *)` | the rollup job's EventBridge Scheduler `cron(…)` or `rate(…)`, always in UTC (its days are UTC days) |
 * | `rollupLookbackDays` | `7` | how many days, ending yesterday (UTC), each rollup run considers: a whole number from 1 to 400 (ROLLUP_LOOKBACK_DAYS) |
 *
 * A bad value fails synthesis with an error naming the key and quoting the value. Numbers and `reportsSandbox`
 * may be strings (`-c`) or JSON numbers and booleans (cdk.json). The governance function's environment gets a
 * DEPLOY_CHANGE_* variable only for a threshold that is set; the handler's defaults apply to the others. The
 * thresholds' defaults and rules are defined once, in src/reports/deploy-change-settings.ts, for the CLI, the
 * handler and this stack alike.
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
  readonly reportsSandbox?: boolean;
  readonly reportsReservedConcurrency?: number | 'none';
  readonly governanceChangeThreshold?: number;
  readonly governanceRateThreshold?: number;
  readonly governanceMinRequests?: number;
  readonly rollupSchedule?: string;
  readonly rollupLookbackDays?: number;
  readonly alertsRecipients?: readonly string[];
  readonly alertsSchedule?: string;
  readonly alertsFactor?: number;
  readonly alertsMinCost?: number;
  readonly alertsCriticalCost?: number;
  readonly alertsRunawayFactor?: number;
  readonly alertsPageEmail?: string;
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
  'reportsSandbox',
  'reportsReservedConcurrency',
  'governanceChangeThreshold',
  'governanceRateThreshold',
  'governanceMinRequests',
  'rollupSchedule',
  'rollupLookbackDays',
  'alertsRecipients',
  'alertsSchedule',
  'alertsFactor',
  'alertsMinCost',
  'alertsCriticalCost',
  'alertsRunawayFactor',
  'alertsPageEmail',
] as const satisfies readonly (keyof ReportsSettings)[];

/**
 * The context keys of the report jobs' function tuning (memory, timeout, logs, retries), read with the app's other
 * settings (infra/settings.ts), not here: not report settings, but not unknown either.
 */
export const REPORTS_FUNCTION_CONTEXT_KEYS: readonly string[] = [
  'reportsMemorySize',
  'reportsTimeout',
  'reportsLogRetention',
  'reportsRetryAttempts',
  'reportsMaxEventAge',
];

/** The context keys of the deploy-change thresholds, read by the parser shared with the CLI and the handler. */
const THRESHOLD_KEYS: readonly string[] = [
  ...DEPLOY_CHANGE_SETTING_NAMES.map((setting) => DEPLOY_CHANGE_SETTINGS[setting].names.context),
  ...Object.values(ALERT_SETTINGS).map((spec) => spec.names.context),
];

/** What `rollupLookbackDays` must be. */
const LOOKBACK_DAYS_RULE = `a whole number from ${MIN_LOOKBACK_DAYS} to ${MAX_LOOKBACK_DAYS}`;

/** What `reportsReservedConcurrency` must be. */
const RESERVED_CONCURRENCY_RULE = `a whole number from 1 to ${MAX_RESERVED_CONCURRENCY}, or 'none'`;

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
    (key) =>
      /^(reports|governance|waste|margin|rollup|alerts)[A-Z]/.test(key) &&
      !known.includes(key) &&
      !REPORTS_FUNCTION_CONTEXT_KEYS.includes(key),
  );
  if (unknown !== undefined) {
    throw validationError(
      scope,
      `context ${unknown} is not a report setting; the keys are ${known.join(', ')}`,
    );
  }
  const settings: Record<string, unknown> = {};
  for (const key of REPORTS_CONTEXT_KEYS) {
    const value = context[key];
    if (value === undefined) continue;
    const label = `context ${key}`;
    if (THRESHOLD_KEYS.includes(key)) {
      // Checked below, with the rules shared with the CLI and the handler.
    } else if (key.endsWith('Recipients')) {
      settings[key] = contextList(scope, label, value);
    } else if (key === 'reportsSandbox') {
      const flag = contextBoolean(scope, label, value);
      if (flag !== undefined) settings[key] = flag;
    } else if (key === 'rollupLookbackDays') {
      const number = contextNumber(scope, label, value, LOOKBACK_DAYS_RULE);
      if (number !== undefined) settings[key] = number;
    } else if (key === 'reportsReservedConcurrency') {
      const number =
        typeof value === 'string' && value.trim() === 'none'
          ? 'none'
          : contextNumber(scope, label, value, RESERVED_CONCURRENCY_RULE);
      if (number !== undefined) settings[key] = number;
    } else if (typeof value !== 'string') {
      throw validationError(scope, `${label} must be a string, got ${JSON.stringify(value)}`);
    } else {
      settings[key] = value.trim();
    }
  }
  Object.assign(
    settings,
    deployChangeThresholdsAs(
      'context',
      scopedCheck(scope, () => parseDeployChangeThresholds(context, 'context')),
    ),
    alertThresholdsAs(
      'context',
      scopedCheck(scope, () => parseAlertThresholds(context, 'context')),
    ),
  );
  const checked = settings as ReportsSettings;
  checkReportsSettings(scope, checked, (key) => `context ${key}`);
  return checked;
}

/**
 * A number of the context: a JSON number (cdk.json) or its decimal text (`-c key=0.25`); `''` is unset. Only
 * its form is checked here, its range by {@link checkReportsSettings}.
 */
function contextNumber(scope: Construct, label: string, value: unknown, rule: string): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  }
  throw validationError(scope, `${label} must be ${rule}, got ${JSON.stringify(value)}`);
}

/** A flag of the context: `true`/`false` as JSON (cdk.json) or as text (`-c key=true`); `''` is unset. */
function contextBoolean(scope: Construct, label: string, value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === '') return undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  throw validationError(scope, `${label} must be true or false, got ${JSON.stringify(value)}`);
}

/** A recipients value of the context: `a@x.com,b@y.com` (the CLI) or `["a@x.com", "b@y.com"]` (cdk.json). */
function contextList(scope: Construct, label: string, value: unknown): string[] {
  if (typeof value === 'string') return scopedCheck(scope, () => parseAddresses(value, label));
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim());
  throw validationError(
    scope,
    `${label} must be comma-separated e-mail addresses, got ${JSON.stringify(value)}`,
  );
}

/**
 * Checks the settings, naming each bad one with `label(key)` and quoting its value (a ValidationError of `scope`,
 * whose context or props they are); returns them with the defaults filled in.
 */
export function checkReportsSettings(
  scope: Construct,
  settings: ReportsSettings,
  label: (key: string) => string,
) {
  const from = settings.reportsFrom === '' ? undefined : settings.reportsFrom;
  if (from !== undefined) {
    const [address] = scopedCheck(scope, () => parseAddresses(from, label('reportsFrom')));
    if (address !== from || from.includes(',')) {
      throw validationError(scope, `${label('reportsFrom')} must be one e-mail address, got '${from}'`);
    }
  }
  const identity = settings.reportsIdentity || 'domain';
  if (!IDENTITIES.includes(identity)) {
    throw validationError(
      scope,
      `${label('reportsIdentity')} must be 'domain', 'address' or 'existing', got '${identity}'`,
    );
  }
  const sandbox = settings.reportsSandbox ?? false;
  if (typeof sandbox !== 'boolean') {
    throw validationError(scope, `${label('reportsSandbox')} must be true or false, got ${show(sandbox)}`);
  }
  const reserved = settings.reportsReservedConcurrency;
  if (
    reserved !== undefined &&
    reserved !== 'none' &&
    !(Number.isInteger(reserved) && reserved >= 1 && reserved <= MAX_RESERVED_CONCURRENCY)
  ) {
    throw validationError(
      scope,
      `${label('reportsReservedConcurrency')} must be ${RESERVED_CONCURRENCY_RULE}, got ${show(reserved)}`,
    );
  }
  // The context keys (and props) governanceChangeThreshold, governanceRateThreshold, governanceMinRequests, with
  // the rules shared with the CLI and the handler; the ReportJob props they become.
  const deployChangeThresholds: DeployChangeThresholdSettings = deployChangeThresholdsAs(
    'props',
    scopedCheck(scope, () => parseDeployChangeThresholds(settings, 'context', label)),
  );
  // alertsFactor, alertsMinCost, alertsCriticalCost, alertsRunawayFactor: the rules shared with the CLI and handler.
  const alertThresholds: AlertThresholdSettings = alertThresholdsAs(
    'props',
    scopedCheck(scope, () => parseAlertThresholds(settings, 'context', label)),
  );
  const pageEmail = settings.alertsPageEmail || undefined;
  if (pageEmail !== undefined && !/^[^@\s,]+@[^@\s,]+$/.test(pageEmail)) {
    throw validationError(scope, `${label('alertsPageEmail')} must be an e-mail address, got '${pageEmail}'`);
  }
  const configurationSet = settings.reportsConfigurationSet || undefined;
  if (configurationSet !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(configurationSet)) {
    throw validationError(
      scope,
      `${label('reportsConfigurationSet')} must be an SES configuration set name (1-64 of A-Z a-z 0-9 _ -), got '${configurationSet}'`,
    );
  }
  const timeZone = settings.reportsTimezone || DEFAULT_TIMEZONE;
  checkTimeZone(scope, label('reportsTimezone'), timeZone);
  const jobs = REPORT_KINDS.map((kind) => {
    const recipients = checkRecipients(
      scope,
      label(recipientsKey(kind)),
      settings[recipientsKey(kind)] ?? [],
    );
    if (recipients.length > 0 && from === undefined) {
      throw validationError(
        scope,
        `${label(recipientsKey(kind))} is set ('${recipients.join(',')}'), so ${label('reportsFrom')} (the sender) is required`,
      );
    }
    const schedule = settings[scheduleKey(kind)] || DEFAULT_SCHEDULES[kind];
    checkScheduleExpression(scope, label(scheduleKey(kind)), schedule);
    return { kind, recipients, schedule };
  });
  // The rollup job: its schedule is read in UTC, as its days are UTC days.
  const rollupSchedule = settings.rollupSchedule || DEFAULT_ROLLUP_SCHEDULE;
  checkScheduleExpression(scope, label('rollupSchedule'), rollupSchedule);
  const lookbackDays = settings.rollupLookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  if (
    !(
      Number.isInteger(lookbackDays) &&
      lookbackDays >= MIN_LOOKBACK_DAYS &&
      lookbackDays <= MAX_LOOKBACK_DAYS
    )
  ) {
    throw validationError(
      scope,
      `${label('rollupLookbackDays')} must be ${LOOKBACK_DAYS_RULE}, got ${show(lookbackDays)}`,
    );
  }
  return {
    from,
    identity,
    configurationSet,
    sandbox,
    reservedConcurrency: reserved,
    deployChangeThresholds,
    alertThresholds,
    pageEmail,
    timeZone,
    jobs,
    rollup: { schedule: rollupSchedule, lookbackDays },
  };
}

/** A value in an error message: a number as written, anything else as JSON. */
function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
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
   * Wins over `reportsReservedConcurrency`.
   *
   * @default - `reportsReservedConcurrency`, else none
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
 * the SES identity it sends from (none with `reportsIdentity=existing`). The settings are described on
 * {@link ReportsSettings}.
 */
export class ReportsStack extends Stack {
  /** The jobs, by report kind. */
  public readonly jobs: Readonly<Record<ReportKind, ReportJob>>;
  /** The scheduled rollup job (daily at 00:30 UTC by default), whose alarms notify the same topic. */
  public readonly rollupJob: RollupJob;
  /** The topic of the jobs' alarms. */
  public readonly alarmTopic: ReportAlarmTopic;
  /** The topic the spend alerts job pages its critical findings to (output `SpendAlertsTopicArn`). */
  public readonly pageTopic: AlarmTopic;
  /** The SES identity of the sender the stack creates; undefined without `reportsFrom` or with `existing`. */
  public readonly emailIdentity?: EmailIdentity;
  /**
   * The identities a send from `reportsFrom` is authorized against: the created one, or with `existing` those
   * of the sender's domain and of its address (SES uses whichever the account has). Empty without a sender.
   */
  public readonly senderIdentities: readonly IEmailIdentity[];

  constructor(scope: Construct, id: string, props: ReportsStackProps) {
    super(scope, id, props);
    const settings = checkReportsSettings(this, props, (key) => `ReportsStack ${id}: ${key}`);

    this.alarmTopic = new ReportAlarmTopic(this, 'Alarms', { alarmEmail: props.alarmEmail });
    this.pageTopic = new AlarmTopic(this, 'SpendAlertPages', {
      displayName: 'tokenledger spend alerts',
      keyDescription: 'tokenledger: encrypts the spend alerts topic (critical findings)',
      // Only the alerts job publishes (its role's grant); no alarm notifies this topic.
      cloudWatchAlarms: false,
      ...(settings.pageEmail ? { alarmEmail: settings.pageEmail } : {}),
    });
    new CfnOutput(this, 'SpendAlertsTopicArn', {
      description:
        'SNS topic of the critical spend alerts (customer or feature spikes, runaway runs): subscribe your on-call to it',
      value: this.pageTopic.topic.topicArn,
    });

    const senderIdentities: IEmailIdentity[] = [];
    if (settings.from !== undefined && settings.identity === 'existing') {
      const domain = settings.from.slice(settings.from.lastIndexOf('@') + 1).toLowerCase();
      senderIdentities.push(
        EmailIdentity.fromEmailIdentityName(this, 'ExistingSenderDomain', domain),
        EmailIdentity.fromEmailIdentityName(this, 'ExistingSenderAddress', settings.from),
      );
    } else if (settings.from !== undefined) {
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
      senderIdentities.push(this.emailIdentity);
    }
    this.senderIdentities = senderIdentities;
    const mail =
      settings.from !== undefined
        ? {
            from: settings.from,
            identities: senderIdentities,
            ...(settings.configurationSet ? { configurationSetName: settings.configurationSet } : {}),
            ...(settings.sandbox ? { sandbox: true } : {}),
          }
        : undefined;
    const reservedConcurrentExecutions =
      props.reservedConcurrentExecutions !== undefined
        ? props.reservedConcurrentExecutions
        : settings.reservedConcurrency === 'none'
          ? null
          : settings.reservedConcurrency;
    const thresholds = settings.deployChangeThresholds;

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
        // The alerts job reports the UTC day before its run: in a zone ahead of UTC, 01:30 local would still be
        // the day before in UTC, and the alerts a day late. Its schedule is read in UTC, as the rollup job's is.
        timeZone: kind === 'alerts' ? 'UTC' : settings.timeZone,
        recipients,
        ...(mail ? { mail } : {}),
        sources,
        registryTable: props.registryTable,
        deliveriesTable: props.deliveriesTable,
        alarmTopic: this.alarmTopic.topic,
        memorySize: props.memorySize,
        timeout: props.timeout,
        logRetention: props.logRetention,
        reservedConcurrentExecutions,
        ...(kind === 'governance' && Object.keys(thresholds).length > 0
          ? { deployChangeThresholds: thresholds }
          : {}),
        ...(kind === 'alerts'
          ? {
              pageTopic: this.pageTopic.topic,
              ...(Object.keys(settings.alertThresholds).length > 0
                ? { alertThresholds: settings.alertThresholds }
                : {}),
            }
          : {}),
        retryAttempts: props.retryAttempts,
        maxEventAge: props.maxEventAge,
      });
    }
    this.jobs = jobs as Record<ReportKind, ReportJob>;
    this.rollupJob = new RollupJob(this, 'Rollups', {
      schedule: settings.rollup.schedule,
      lookbackDays: settings.rollup.lookbackDays,
      sources,
      alarmTopic: this.alarmTopic.topic,
      logRetention: props.logRetention,
      reservedConcurrentExecutions,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
    });
  }
}
