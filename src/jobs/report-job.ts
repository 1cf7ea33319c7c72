import { type MailAddresses, reportEmail } from '../email/report-email.ts';
import type { DeliveryLedger } from '../ports/delivery-ledger.ts';
import type { LakeStore } from '../ports/lake-store.ts';
import type { MailSender } from '../ports/mail-sender.ts';
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
  | { status: 'not-requested' };

export interface ReportJobResult extends BuiltReport {
  /** Keys written under reports/<kind>/<period>/. */
  keys: string[];
  email: EmailOutcome;
}

/**
 * The days a report reads from the rollups: its period's, and for governance the deploy windows around it too — a
 * deploy compared on the period's first day can have its before window start up to 3 days earlier, and one on its
 * last day its after window end the day after (src/reports/deploy-changes.ts, deployWindows).
 */
export function readPeriod(kind: DocumentKind, period: ReportPeriod): ReportPeriod {
  return kind === 'governance'
    ? { ...period, from: nextDay(period.from, -3), to: nextDay(period.to, 2) }
    : period;
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
  const email =
    deps.mail && deps.mail.to.length > 0
      ? await deliver(built, deps.mail, now)
      : { status: 'not-requested' as const };
  return { ...built, keys, email };
}

async function deliver({ doc }: BuiltReport, mail: ReportMail, now: () => Date): Promise<EmailOutcome> {
  const claim = await mail.ledger.claim(doc.id, now());
  if (claim.status === 'sent')
    return { status: 'already-sent', messageId: claim.messageId, sentAt: claim.sentAt };
  if (claim.status === 'in-progress') return claim;
  let messageId: string;
  try {
    const raw = await reportEmail(doc, mail, now());
    ({ messageId } = await mail.sender.send({ reportId: doc.id, from: mail.from, to: mail.to, raw }));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    await mail.ledger.release(doc.id, reason).catch((r: unknown) => {
      throw new AggregateError(
        [e, r],
        `sending report ${doc.id} failed (${reason}), and so did giving its claim back`,
      );
    });
    throw e;
  }
  await mail.ledger.markSent(doc.id, messageId, now());
  return { status: 'sent', messageId };
}
