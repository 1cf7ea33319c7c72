import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageIdOf, OutboxMailSender } from '../../src/adapters/local/outbox-mail-sender.ts';
import type { OutgoingMail } from '../../src/ports/mail-sender.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  tmp = await tempDir('outbox-');
});
afterEach(async () => {
  await tmp.remove();
});

const REPORT = 'governance-2026-11-26_2026-11-27';

async function mail(over: Partial<OutgoingMail> = {}, messageId?: string): Promise<OutgoingMail> {
  const raw = await new MailComposer({
    from: 'reports@tokenledger.example',
    to: ['finops@example.com', 'cto@example.com'],
    subject: 'Prompt governance, 26 November',
    text: 'Two prompt versions were served without approval.',
    html: '<p>Two prompt versions were served <b>without approval</b>.</p>',
    attachments: [{ filename: 'unapproved.csv', content: 'prompt_id,version\nsupport-answer,v9\n' }],
    ...(messageId ? { messageId } : {}),
  })
    .compile()
    .build();
  return {
    reportId: REPORT,
    from: 'reports@tokenledger.example',
    to: ['finops@example.com', 'cto@example.com'],
    raw,
    ...over,
  };
}

describe('OutboxMailSender', () => {
  it('writes the message, byte for byte, to <lake>/outbox/<reportId>.eml and returns its Message-ID', async () => {
    const sender = new OutboxMailSender(tmp.dir);
    const outgoing = await mail({}, '<gov-2026-11-26@tokenledger.example>');
    expect(await sender.send(outgoing)).toEqual({ messageId: 'gov-2026-11-26@tokenledger.example' });
    const path = join(tmp.dir, 'outbox', `${REPORT}.eml`);
    expect(sender.pathOf(REPORT)).toBe(path);
    const written = await readFile(path);
    expect(written.equals(Buffer.from(outgoing.raw))).toBe(true);
    const parsed = await simpleParser(written);
    expect(parsed.subject).toBe('Prompt governance, 26 November');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['unapproved.csv']);
    expect(await readdir(join(tmp.dir, 'outbox'))).toEqual([`${REPORT}.eml`]);
  });

  it('answers <reportId>@outbox for a message without a Message-ID header', async () => {
    const raw = new TextEncoder().encode(
      'From: a@example.com\r\nSubject: hi\r\n\r\nMessage-ID: <not-a-header>\r\n',
    );
    const sender = new OutboxMailSender(tmp.dir);
    expect(
      await sender.send({ reportId: 'margin-2026-10', from: 'a@example.com', to: ['b@example.com'], raw }),
    ).toEqual({ messageId: 'margin-2026-10@outbox' });
  });

  it('never overwrites an .eml: a second message for the report id is refused, the first kept', async () => {
    const sender = new OutboxMailSender(tmp.dir);
    const first = await mail({}, '<first@x>');
    await sender.send(first);
    await expect(sender.send(await mail({}, '<second@x>'))).rejects.toThrow(
      new RegExp(`already holds a message for report ${REPORT}.*not overwriting`),
    );
    expect((await readFile(sender.pathOf(REPORT))).equals(Buffer.from(first.raw))).toBe(true);
    expect(await readdir(join(tmp.dir, 'outbox'))).toEqual([`${REPORT}.eml`]);
  });

  it('of concurrent sends for one report id, exactly one writes', async () => {
    const sender = new OutboxMailSender(tmp.dir);
    const outgoing = await mail();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => sender.send(outgoing)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await readdir(join(tmp.dir, 'outbox'))).toEqual([`${REPORT}.eml`]);
  });

  it('rejects a report id that cannot be a file name, naming it, and writes nothing', async () => {
    const sender = new OutboxMailSender(tmp.dir);
    for (const bad of ['../../etc/passwd', 'a/b', '', '.eml', 'margin 2026-10']) {
      await expect(sender.send(await mail({ reportId: bad }))).rejects.toThrow(JSON.stringify(bad));
      expect(() => sender.pathOf(bad)).toThrow(/\[A-Za-z0-9_.-\]/);
    }
    await expect(readdir(join(tmp.dir, 'outbox'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('messageIdOf', () => {
  it('reads the Message-ID header, case-insensitively and unfolded, without angle brackets', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(messageIdOf(enc('Subject: x\r\nmessage-id: <a@b>\r\n\r\nbody'))).toBe('a@b');
    expect(messageIdOf(enc('Message-ID:\r\n <folded@host>\r\nSubject: x\r\n\r\n'))).toBe('folded@host');
    expect(messageIdOf(enc('Subject: x\n\nMessage-ID: <in-body@x>\n'))).toBeUndefined();
    expect(messageIdOf(enc('Subject: x\r\nX-Message-ID: <other@x>\r\n\r\n'))).toBeUndefined();
  });
});
