import type { Logger } from '@aws-lambda-powertools/logger';
import { requiredEnv } from '../config/required-env.ts';
import { parseAddresses } from '../email/report-email.ts';
import { type AlertThresholds, parseAlertThresholds } from '../reports/alert-settings.ts';
import {
  type DeployChangeThresholds,
  parseDeployChangeThresholds,
} from '../reports/deploy-change-settings.ts';
import { jobPeriod, REPORT_KINDS, type ReportKind } from '../reports/report-period.ts';
import { type EmailOutcome, type ReportJobDependencies, runReportJob } from './report-job.ts';

/** The settings of one report job, from its function's environment (set by the CDK stack). */
export interface ReportJobConfig {
  kind: ReportKind;
  workGroup: string;
  database: string;
  lakeBucket: string;
  registryTable: string;
  deliveriesTable: string;
  /** The sender; '' when there are no recipients and none is set. */
  mailFrom: string;
  /** Empty: the report is written, not emailed. */
  mailTo: string[];
  configurationSet?: string;
  deployChangeThresholds: Partial<DeployChangeThresholds>;
  /** The spend-alert thresholds set (ALERT_*); the others default. */
  alertThresholds: Partial<AlertThresholds>;
  /** The SNS topic the spend alerts' critical findings are paged to (PAGE_TOPIC_ARN); unset: nobody is paged. */
  pageTopicArn?: string;
}

function oneAddress(value: string, what: string): string {
  const addresses = parseAddresses(value, what);
  if (addresses.length !== 1) {
    throw new Error(`${what}=${JSON.stringify(value)} must be exactly one address, got ${addresses.length}`);
  }
  return addresses[0] as string;
}

/** Reads and checks the environment at start-up; throws naming the variable and value that are wrong. */
export function reportJobConfig(env: NodeJS.ProcessEnv = process.env): ReportJobConfig {
  const kind = requiredEnv('REPORT_KIND', env);
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) {
    throw new Error(
      `environment variable REPORT_KIND=${JSON.stringify(kind)} is not one of ${REPORT_KINDS.join(', ')}`,
    );
  }
  // DEPLOY_CHANGE_RELATIVE, DEPLOY_CHANGE_RATE_POINTS, DEPLOY_CHANGE_MIN_REQUESTS: the rules shared with the CLI and CDK.
  const deployChangeThresholds = parseDeployChangeThresholds(env, 'env');
  // ALERT_FACTOR, ALERT_MIN_COST, ALERT_CRITICAL_COST, ALERT_RUNAWAY_FACTOR: shared with the CLI and CDK too.
  const alertThresholds = parseAlertThresholds(env, 'env');
  const pageTopicArn = env.PAGE_TOPIC_ARN?.trim();
  if (pageTopicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(pageTopicArn)) {
    throw new Error(
      `environment variable PAGE_TOPIC_ARN=${JSON.stringify(pageTopicArn)} is not an SNS topic ARN`,
    );
  }
  const mailTo = parseAddresses(env.MAIL_TO ?? '', 'environment variable MAIL_TO');
  return {
    kind: kind as ReportKind,
    workGroup: requiredEnv('ATHENA_WORKGROUP', env),
    database: requiredEnv('GLUE_DATABASE', env),
    lakeBucket: requiredEnv('LAKE_BUCKET', env),
    registryTable: requiredEnv('REGISTRY_TABLE', env),
    deliveriesTable: requiredEnv('DELIVERIES_TABLE', env),
    mailFrom:
      mailTo.length === 0 && !env.MAIL_FROM?.trim()
        ? ''
        : oneAddress(requiredEnv('MAIL_FROM', env), 'environment variable MAIL_FROM'),
    mailTo,
    ...(env.SES_CONFIGURATION_SET ? { configurationSet: env.SES_CONFIGURATION_SET } : {}),
    deployChangeThresholds,
    alertThresholds,
    ...(pageTopicArn ? { pageTopicArn } : {}),
  };
}

/**
 * What the scheduler sends: `scheduledTime` (the schedule's `<aws.scheduler.scheduled-time>`, so a retry or a
 * replay from the dead-letter queue reports the same period as the first attempt), and optionally `period` to
 * (re)run one — `YYYY-MM-DD` (daily kinds) or `YYYY-MM` (margin).
 */
export interface ReportJobEvent {
  period?: string;
  scheduledTime?: string;
}

export interface ReportJobResponse {
  id: string;
  keys: string[];
  email: EmailOutcome;
  /** The spend alerts' page of critical findings (`nothing-to-send` for every other report). */
  page: EmailOutcome;
}

/**
 * The scheduled job's handler: the period from the event (default the last complete one before the scheduled
 * time), then the job. Any failure rejects, and so does finding the email claimed but not sent by another run:
 * the scheduler invokes asynchronously, so Lambda retries the invocation, and when retries run out the event
 * goes to the job's dead-letter queue (and the alarm on it).
 */
export function createReportJobHandler(
  kind: ReportKind,
  deps: ReportJobDependencies,
  logger: Pick<Logger, 'info' | 'warn'>,
) {
  return async (event: unknown): Promise<ReportJobResponse> => {
    const requested = (event ?? {}) as Record<string, unknown>;
    for (const field of ['period', 'scheduledTime'] as const) {
      if (requested[field] !== undefined && typeof requested[field] !== 'string') {
        throw new Error(`event field "${field}" must be a string, got ${JSON.stringify(requested[field])}`);
      }
    }
    let now = deps.now?.() ?? new Date();
    if (requested.scheduledTime !== undefined) {
      now = new Date(requested.scheduledTime as string);
      if (Number.isNaN(now.getTime())) {
        throw new Error(
          `event field "scheduledTime" is not a timestamp: ${JSON.stringify(requested.scheduledTime)}`,
        );
      }
    }
    const period = jobPeriod(kind, requested.period as string | undefined, now);
    const result = await runReportJob(kind, period, deps);
    if (result.email.status === 'in-progress') {
      // Another run holds the claim: fail, so Lambda retries. A retry finds the email sent once that run is done;
      // if that run died mid-send, its claim outlives the retries (lease 15 min), the event goes to the dead-letter
      // queue and alarms, and a rerun of the period after the lease sends the email.
      throw new Error(
        `report ${result.doc.id}: its email was claimed by another run at ${result.email.claimedAt} and is not sent yet; retry later`,
      );
    }
    for (const note of result.notes) logger.warn(note, { reportId: result.doc.id });
    if (result.paged.status === 'in-progress') {
      throw new Error(
        `report ${result.doc.id}: its page was claimed by another run at ${result.paged.claimedAt} and is not sent yet; retry later`,
      );
    }
    logger.info('report written', {
      reportId: result.doc.id,
      keys: result.keys,
      email: result.email,
      page: result.paged,
    });
    return { id: result.doc.id, keys: result.keys, email: result.email, page: result.paged };
  };
}
