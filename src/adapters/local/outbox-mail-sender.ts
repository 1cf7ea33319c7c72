import { join } from 'node:path';
import type { MailSender, OutgoingMail } from '../../ports/mail-sender.ts';
import { assertSafeReportId } from './fs-delivery-ledger.ts';
import { writeOutboxFile } from './outbox-file.ts';

/**
 * "Sends" mail into the local lake: each message, whole, to `<lake>/outbox/<reportId>.eml`, ready to open in a
 * mail client. The file is written once (writeOutboxFile: a temporary name hard-linked into place), so no reader
 * sees half a message and an existing `.eml` is never overwritten: a second message for the same report id is refused.
 */
export class OutboxMailSender implements MailSender {
  readonly dir: string;

  constructor(lakeDir: string) {
    this.dir = join(lakeDir, 'outbox');
  }

  /** The `.eml` file of a report id. */
  pathOf(reportId: string): string {
    assertSafeReportId(reportId);
    return join(this.dir, `${reportId}.eml`);
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    await writeOutboxFile(this.pathOf(mail.reportId), mail.raw, `a message for report ${mail.reportId}`);
    return { messageId: messageIdOf(mail.raw) ?? `${mail.reportId}@outbox` };
  }
}

/** The `Message-ID` header of a raw message, without its angle brackets, or undefined. */
export function messageIdOf(raw: Uint8Array): string | undefined {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const header = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  for (const line of header.split(/\r?\n/)) {
    const match = /^message-id[ \t]*:(.*)$/i.exec(line);
    if (!match) continue;
    const value = (match[1] ?? '')
      .trim()
      .replace(/^<(.*)>$/, '$1')
      .trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}
