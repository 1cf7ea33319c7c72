/**
 * Pages someone about a report's critical findings: a short message to a topic — SNS in AWS (its subscribers: an
 * on-call email, a chat webhook, a pager), a file in the local outbox. Sent at most once per report (the report
 * job claims `<report id>-page` in the delivery ledger first).
 */
export interface Notifier {
  publish(message: PageMessage): Promise<{ messageId: string }>;
}

export interface PageMessage {
  /** The report's id: one page per report (claimed in the delivery ledger as `<id>-page`). */
  id: string;
  /** One line; the SNS adapter keeps it to what SNS accepts (printable ASCII, under 100 characters). */
  subject: string;
  /** Plain text, a few lines. */
  text: string;
}
