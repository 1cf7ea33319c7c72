import { type MailAddresses, reportEmail } from '../email/report-email.ts';
import type { DeliveryLedger } from '../ports/delivery-ledger.ts';
import type { LakeStore } from '../ports/lake-store.ts';
import type { MailSender } from '../ports/mail-sender.ts';
import type { Notifier } from '../ports/notifier.ts';
import { TRAILING_DAYS } from '../reports/alerts-report.ts';
import { type BuiltReport, buildReport, type ReportSources } from '../reports/build-report.ts';
import { publishReport } from '../reports/report-document.ts';
import { type DocumentKind, nextDay, type ReportPeriod } from '../reports/report-period.ts';

export interface ReportMail extends MailAddresses {
  sender: MailSender;
  ledger: DeliveryLedger;
}

export interface ReportJobDependencies extends Omit<ReportSources, 'now'> {
  lake: LakeStore;
  /** Absent, or with no recipients: the report is written but not emailed. */
  mail?: ReportMail;
  /** Where a report's page goes (spend alerts' critical findings), once per report; absent: nobody is paged. */
  pager?: { notifier: Notifier; ledger: DeliveryLedger };
  now?: () => Date;
  /**
   * Brings the daily rollups the report reads up to date before its queries run (docs/rollups.md): rolls up the
   * period's days that have no roll yet or a stale one, so a late event reaches this report. Absent: the rollups
   * are read as they are.
   */
  refreshRollups?: (period: ReportPeriod) => Promise<unknown>;
}

/** What became of the report's email. */
export type EmailOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'already-sent'; messageId: string; sentAt: string }
  | { status: 'in-progress'; claimedAt: string }
  | { status: 'not-requested' }
  /** Nothing to say (spend alerts without a finding): the report is written, no email sent. */
  | { status: 'nothing-to-send' };

export interface ReportJobResult extends BuiltReport {
  /** Keys written under reports/<kind>/<period>/. */
  keys: string[];
  email: EmailOutcome;
  /** What became of the page of the report's critical findings (as `email`). */
  paged: EmailOutcome;
}

/**
 * The days a report reads from the rollups: its period's, for governance the deploy windows around it too — a
 * deploy compared on the period's first day can have its before window start up to 3 days earlier, and one on its
 * last day its after window end the day after (src/reports/deploy-changes.ts, deployWindows) — and for spend alerts
 * the 7 days before the day.
 */
export function readPeriod(kind: DocumentKind, period: ReportPeriod): ReportPeriod {
  if (kind === 'governance') return { ...period, from: nextDay(period.from, -3), to: nextDay(period.to, 2) };
  // Spend alerts compare the day with the 7 days before it.
  if (kind === 'alerts') return { ...period, from: nextDay(period.from, -TRAILING_DAYS) };
  return period;
}

/**
 * One run of a report job: run the report's queries, write JSON, CSV and HTML to reports/<kind>/<period>/, and
 * email it once per report id. Nothing is written or sent unless every query succeeded; the email is claimed
 * with a conditional write before it is sent, so a second run (or a retry racing the first) sends nothing; a
 * failed send gives the claim back and rejects, so the retry sends it. The same function runs in the Lambda
 * (Athena, S3, DynamoDB, SES) and in the CLI (DuckDB, the lake folder, `.eml` files in the outbox).
 */
export async function runReportJob(
  kind: DocumentKind,
  period: ReportPeriod,
  deps: ReportJobDependencies,
): Promise<ReportJobResult> {
  const now = deps.now ?? (() => new Date());
  await deps.refreshRollups?.(readPeriod(kind, period));
  const built = await buildReport(kind, period, { ...deps, now: now() });
  const keys = await publishReport(deps.lake, built.doc);
  const email: EmailOutcome = built.quiet
    ? { status: 'nothing-to-send' }
    : deps.mail && deps.mail.to.length > 0
      ? await deliver(built.doc.id, deps.mail.ledger, now, async () => {
          const raw = await reportEmail(built.doc, deps.mail as ReportMail, now());
          const { from, to, sender } = deps.mail as ReportMail;
          return sender.send({ reportId: built.doc.id, from, to, raw });
        })
      : { status: 'not-requested' };
  const { page } = built;
  const paged: EmailOutcome =
    page && deps.pager
      ? await deliver(`${built.doc.id}-page`, deps.pager.ledger, now, () =>
          (deps.pager as { notifier: Notifier }).notifier.publish({ id: built.doc.id, ...page }),
        )
      : page
        ? { status: 'not-requested' }
        : { status: 'nothing-to-send' };
  return { ...built, keys, email, paged };
}

/**
 * Sends one message (the report's email, or its page) at most once per `id`: claimed in the ledger first, the
 * claim given back when the send fails (so the retry sends it), marked sent after.
 */
async function deliver(
  id: string,
  ledger: DeliveryLedger,
  now: () => Date,
  send: () => Promise<{ messageId: string }>,
): Promise<EmailOutcome> {
  const claim = await ledger.claim(id, now());
  if (claim.status === 'sent')
    return { status: 'already-sent', messageId: claim.messageId, sentAt: claim.sentAt };
  if (claim.status === 'in-progress') return claim;
  let messageId: string;
  try {
    ({ messageId } = await send());
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    await ledger.release(id, reason).catch((r: unknown) => {
      throw new AggregateError([e, r], `sending ${id} failed (${reason}), and so did giving its claim back`);
    });
    throw e;
  }
  await ledger.markSent(id, messageId, now());
  return { status: 'sent', messageId };
}
