import MailComposer from 'nodemailer/lib/mail-composer';
import type { ReportDocument } from '../reports/report-document.ts';

export interface MailAddresses {
  from: string;
  to: readonly string[];
}

const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/**
 * Recipients from a comma-separated list (`a@x.com, b@y.com`); empty for an empty list. Throws naming `what`
 * and the first value that is not a plain address.
 */
export function parseAddresses(list: string, what: string): string[] {
  const addresses = list
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const bad = addresses.find((a) => !ADDRESS.test(a));
  if (bad !== undefined) throw new Error(`${what}: ${JSON.stringify(bad)} is not an email address`);
  return addresses;
}

/**
 * The report as one MIME message (nodemailer's composer): the HTML body with its tables and charts, the same
 * report as plain text, the CSV files attached. Local files and URLs are never read into the message.
 */
export async function reportEmail(
  doc: ReportDocument,
  addresses: MailAddresses,
  date: Date,
): Promise<Buffer> {
  if (addresses.to.length === 0) throw new Error(`report ${doc.id}: no recipients`);
  const domain = addresses.from.split('@')[1] ?? 'tokenledger';
  const composer = new MailComposer({
    from: addresses.from,
    to: [...addresses.to],
    subject: doc.subject,
    date,
    messageId: `<${doc.id}.${date.getTime()}@${domain}>`,
    headers: { 'X-Tokenledger-Report': doc.id },
    text: doc.text,
    html: doc.html,
    attachments: doc.csv.map((f) => ({
      filename: `${doc.id}-${f.name}`,
      content: f.body,
      contentType: 'text/csv; charset=utf-8',
    })),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
