import { join } from 'node:path';
import type { Notifier, PageMessage } from '../../ports/notifier.ts';
import { assertSafeReportId } from './fs-delivery-ledger.ts';
import { writeOutboxFile } from './outbox-file.ts';

/**
 * "Pages" into the local lake: each page to `<lake>/outbox/<id>.page.txt`, as `Subject: <subject>`, a blank
 * line and the text, next to the reports' `.eml` files. Written as OutboxMailSender writes mail (writeOutboxFile), so
 * no reader sees half a page and a page is never overwritten: a second page for the same id is refused, as SNS is
 * asked at most once per id.
 */
export class OutboxNotifier implements Notifier {
  readonly dir: string;

  constructor(lakeDir: string) {
    this.dir = join(lakeDir, 'outbox');
  }

  /** The `.page.txt` file of a page id. */
  pathOf(id: string): string {
    assertSafeReportId(id);
    return join(this.dir, `${id}.page.txt`);
  }

  async publish(message: PageMessage): Promise<{ messageId: string }> {
    await writeOutboxFile(this.pathOf(message.id), pageText(message), `page ${message.id}`);
    // As OutboxMailSender answers for a message without a Message-ID: the id, in the outbox.
    return { messageId: `${message.id}@outbox` };
  }
}

/**
 * The file's text: the subject kept to one line (a line break in it would end the header early), a blank line,
 * the text, ending with one newline.
 */
export function pageText(message: PageMessage): string {
  const subject = message.subject.replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ').trim();
  const text = message.text.endsWith('\n') ? message.text : `${message.text}\n`;
  return `Subject: ${subject}\n\n${text}`;
}
