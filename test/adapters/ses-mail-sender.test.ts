import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailSendError, SesMailSender, tagValue } from '../../src/adapters/ses/ses-mail-sender.ts';
import type { OutgoingMail } from '../../src/ports/mail-sender.ts';
import { type LocalSes, startLocalSes } from '../helpers/ses-endpoint.ts';

const REPORT = 'governance-2026-11-26_2026-11-27';
const CSV = 'prompt_id,version,requests\nsupport-answer,v9,1204\n"draft, email",v3,88\n';
const HTML =
  '<h1>Prompt governance</h1><p>Two versions served <b>without approval</b>: see the attachment.</p>';
const TEXT = 'Prompt governance\n\nTwo versions served without approval: see the attachment.';

let ses: LocalSes;
let client: SESv2Client;
beforeAll(async () => {
  ses = await startLocalSes();
});
afterAll(async () => {
  await ses.close();
});
beforeEach(() => {
  ses.sent.length = 0;
  client = ses.newClient();
});
afterEach(() => {
  client.destroy();
});

async function mail(over: Partial<OutgoingMail> = {}): Promise<OutgoingMail> {
  const raw = await new MailComposer({
    from: 'Tokenledger reports <reports@tokenledger.example>',
    to: ['finops@example.com', 'cto@example.com'],
    subject: 'Prompt governance — 26 November',
    text: TEXT,
    html: HTML,
    attachments: [{ filename: 'unapproved-versions.csv', content: CSV, contentType: 'text/csv' }],
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

describe('SesMailSender (real SESv2 client, local endpoint)', () => {
  it('sends the raw message with the envelope and the report id tag; SES gets back what MailComposer built', async () => {
    const outgoing = await mail();
    const { messageId } = await new SesMailSender(client, {
      configurationSetName: 'tokenledger-reports',
    }).send(outgoing);
    expect(ses.sent).toHaveLength(1);
    const [sent] = ses.sent;
    expect(messageId).toBe(sent?.messageId);
    expect(sent).toMatchObject({
      from: 'reports@tokenledger.example',
      to: ['finops@example.com', 'cto@example.com'],
      tags: { report_id: REPORT },
      configurationSet: 'tokenledger-reports',
    });
    expect(sent?.raw.equals(Buffer.from(outgoing.raw))).toBe(true);

    const parsed = await simpleParser(sent?.raw as Buffer);
    expect(parsed.subject).toBe('Prompt governance — 26 November');
    expect(parsed.from?.value).toEqual([
      { address: 'reports@tokenledger.example', name: 'Tokenledger reports' },
    ]);
    expect(parsed.text?.trim()).toBe(TEXT);
    expect(parsed.html).toBe(HTML);
    expect(parsed.attachments).toHaveLength(1);
    const [csv] = parsed.attachments;
    expect(csv?.filename).toBe('unapproved-versions.csv');
    expect(csv?.contentType).toBe('text/csv');
    expect(csv?.content.toString('utf8')).toBe(CSV);
  });

  it('sends without a configuration set unless given one', async () => {
    await new SesMailSender(client).send(await mail({ reportId: 'margin-2026-10' }));
    expect(ses.sent[0]?.configurationSet).toBeUndefined();
    expect(ses.sent[0]?.tags).toEqual({ report_id: 'margin-2026-10' });
  });

  it("puts the report id in SES's tag alphabet (SES refuses a '.' in a tag value)", async () => {
    await new SesMailSender(client).send(await mail({ reportId: 'waste-2026-11.v2' }));
    expect(ses.sent[0]?.tags).toEqual({ report_id: 'waste-2026-11_v2' });
    expect(tagValue('governance-2026-11-26_2026-11-27')).toBe('governance-2026-11-26_2026-11-27');
    expect(tagValue('a.b c/é')).toBe('a_b_c__');
    expect(tagValue('')).toBe('_');
    expect(tagValue('x'.repeat(300))).toHaveLength(256);
  });

  it('a 500 is retried by the SDK and the message is sent once', async () => {
    ses.failNext(1, { status: 500, code: 'InternalFailure', message: 'internal failure' });
    const before = ses.requests;
    const { messageId } = await new SesMailSender(client).send(await mail());
    expect(ses.requests - before).toBe(2);
    expect(ses.sent.map((s) => s.messageId)).toEqual([messageId]);
  });

  it('throttling (429 TooManyRequestsException) is retried by the SDK', async () => {
    ses.failNext(1, {
      status: 429,
      code: 'TooManyRequestsException',
      message: 'Maximum sending rate exceeded.',
    });
    const before = ses.requests;
    await new SesMailSender(client).send(await mail());
    expect(ses.requests - before).toBe(2);
    expect(ses.sent).toHaveLength(1);
  });

  it('MessageRejected is not retried and surfaces with the report id', async () => {
    ses.failNext(1, { status: 400, code: 'MessageRejected', message: 'Email address is not verified.' });
    const before = ses.requests;
    const error = await new SesMailSender(client).send(await mail()).catch((err: unknown) => err);
    expect(ses.requests - before).toBe(1);
    expect(ses.sent).toHaveLength(0);
    expect(error).toBeInstanceOf(MailSendError);
    const e = error as MailSendError;
    expect(e.message).toBe(
      `SES did not send the email for report ${REPORT}: MessageRejected: Email address is not verified.`,
    );
    expect(e).toMatchObject({ reportId: REPORT, code: 'MessageRejected', fault: 'client' });
    expect((e.cause as Error).name).toBe('MessageRejected');
  });

  it('a 500 that outlasts the retries surfaces with the report id, as a server fault', async () => {
    const twoAttempts = ses.newClient({ maxAttempts: 2 });
    try {
      ses.failNext(2, { status: 500, code: 'InternalFailure', message: 'internal failure' });
      const before = ses.requests;
      const error = await new SesMailSender(twoAttempts).send(await mail()).catch((err: unknown) => err);
      expect(ses.requests - before).toBe(2);
      expect(error).toMatchObject({
        name: 'MailSendError',
        reportId: REPORT,
        code: 'InternalFailure',
        fault: 'server',
      });
      expect((error as Error).message).toContain(REPORT);
    } finally {
      twoAttempts.destroy();
    }
  });

  it('the endpoint refuses what SES refuses: an unsigned request, a tag value outside the alphabet', async () => {
    const raw = await fetch(`${ses.endpoint}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Content: { Raw: { Data: 'eA==' } } }),
    });
    expect(raw.status).toBe(403);
    await expect(
      client.send(
        new SendEmailCommand({
          Content: { Raw: { Data: new Uint8Array([120]) } },
          EmailTags: [{ Name: 'report_id', Value: 'has.dot' }],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/Invalid tag value/),
    });
    expect(ses.sent).toHaveLength(0);
  });
});
