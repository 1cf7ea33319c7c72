import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PAGE_BYTES, pageBytes, SnsNotifier, snsSubject } from '../../src/adapters/sns/sns-notifier.ts';
import type { PageMessage } from '../../src/ports/notifier.ts';
import { type LocalSns, startLocalSns } from '../helpers/sns-endpoint.ts';

const ID = 'spend-alerts-2026-12-04-page';
const TEXT = [
  'Spend alerts for 4 December: 2 critical findings.',
  '- support-answer v9: cost per request ×3.4 over its 7-day median (€0.041 → €0.139)',
  '- draft-email: 18,204 requests from one customer key in an hour',
].join('\n');

let sns: LocalSns;
let client: SNSClient;
let topicArn: string;
beforeAll(async () => {
  sns = await startLocalSns();
  topicArn = sns.createTopic('tokenledger-pages');
});
afterAll(async () => {
  await sns.close();
});
beforeEach(() => {
  sns.published.length = 0;
  client = sns.newClient();
});
afterEach(() => {
  client.destroy();
});

function page(over: Partial<PageMessage> = {}): PageMessage {
  return { id: ID, subject: 'Spend alerts: 2 critical findings on 4 December', text: TEXT, ...over };
}

describe('SnsNotifier (real SNS client, local endpoint)', () => {
  it('publishes the subject, the text (UTF-8 as is) and the report_id attribute to the topic', async () => {
    const { messageId } = await new SnsNotifier(client, topicArn).publish(page());
    expect(sns.published).toEqual([
      {
        messageId,
        topicArn,
        subject: 'Spend alerts: 2 critical findings on 4 December',
        message: TEXT,
        attributes: { report_id: { dataType: 'String', value: ID } },
      },
    ]);
  });

  it('sanitizes a subject SNS would refuse into one it takes', async () => {
    const notifier = new SnsNotifier(client, topicArn);
    const subject = '  🚨 Spend alerts — support-answer ×3.4…\nover budget\t(Zürich, ＡＰＩ) ';
    // As it is, SNS (here, the endpoint) refuses it.
    const raw = await client
      .send(new PublishCommand({ TopicArn: topicArn, Message: 'x', Subject: subject }))
      .catch((err: unknown) => err);
    expect(raw).toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: Subject' });

    await notifier.publish(page({ subject }));
    expect(sns.published[0]?.subject).toBe(
      '? Spend alerts - support-answer x3.4... over budget (Zurich, API)',
    );

    const long = `Spend alerts: ${'support-answer v9 cost up, '.repeat(6)}`.slice(0, 150);
    expect(long).toHaveLength(150);
    await notifier.publish(page({ id: 'long-page', subject: long }));
    const cut = sns.published[1]?.subject ?? '';
    expect(cut.length).toBeLessThanOrEqual(99);
    expect(cut.endsWith('...')).toBe(true);
    expect(long.startsWith(cut.slice(0, -3))).toBe(true);
    expect(sns.published[1]?.attributes.report_id?.value).toBe('long-page');
  });

  it('falls back to the page id for a subject with nothing printable in it', async () => {
    await new SnsNotifier(client, topicArn).publish(page({ subject: ' \n\u200b ' }));
    expect(sns.published[0]?.subject).toBe(ID);
  });

  it('refuses a page over 256 KiB before sending, naming the id and the size', async () => {
    const text = 'x'.repeat(300 * 1024);
    const before = sns.requests;
    const error = (await new SnsNotifier(client, topicArn)
      .publish(page({ text }))
      .catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(ID);
    expect(error.message).toContain(String(pageBytes(page({ text }))));
    expect(sns.requests).toBe(before);

    // Bytes, not characters, and the attribute counts: at the limit SNS takes it, one byte over neither does.
    const room = MAX_PAGE_BYTES - pageBytes(page({ text: '' }));
    const atLimit = `${'€'.repeat(Math.floor(room / 3))}${'x'.repeat(room % 3)}`;
    await new SnsNotifier(client, topicArn).publish(page({ text: atLimit }));
    expect(sns.published).toHaveLength(1);
    await expect(new SnsNotifier(client, topicArn).publish(page({ text: `${atLimit}x` }))).rejects.toThrow(
      `page ${ID} is ${MAX_PAGE_BYTES + 1} bytes`,
    );
  });

  it('a 500 is retried by the SDK and the page is published once', async () => {
    sns.failNext(1, { status: 500, code: 'InternalError', message: 'internal error' });
    const before = sns.requests;
    const { messageId } = await new SnsNotifier(client, topicArn).publish(page());
    expect(sns.requests - before).toBe(2);
    expect(sns.published.map((p) => p.messageId)).toEqual([messageId]);
  });

  it('throttling (429 Throttled) is retried by the SDK', async () => {
    sns.failNext(1, { status: 429, code: 'Throttled', message: 'Rate exceeded' });
    const before = sns.requests;
    await new SnsNotifier(client, topicArn).publish(page());
    expect(sns.requests - before).toBe(2);
    expect(sns.published).toHaveLength(1);
  });

  it("a 400 InvalidParameter is not retried and surfaces with SNS's message", async () => {
    sns.failNext(1, { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Message' });
    const before = sns.requests;
    const error = await new SnsNotifier(client, topicArn).publish(page()).catch((err: unknown) => err);
    expect(sns.requests - before).toBe(1);
    expect(sns.published).toHaveLength(0);
    expect(error).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Message',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('a 500 that outlasts the retries surfaces as a server fault', async () => {
    const twoAttempts = sns.newClient({ maxAttempts: 2 });
    try {
      sns.failNext(2, { status: 500, code: 'InternalError', message: 'internal error' });
      const before = sns.requests;
      const error = await new SnsNotifier(twoAttempts, topicArn).publish(page()).catch((err: unknown) => err);
      expect(sns.requests - before).toBe(2);
      expect(error).toMatchObject({
        name: 'InternalErrorException',
        message: 'internal error',
        $fault: 'server',
      });
    } finally {
      twoAttempts.destroy();
    }
  });

  it('an unknown topic surfaces as NotFound', async () => {
    const error = await new SnsNotifier(client, 'arn:aws:sns:us-east-1:000000000000:no-such-topic')
      .publish(page())
      .catch((err: unknown) => err);
    expect(error).toMatchObject({
      name: 'NotFoundException',
      message: 'Topic does not exist',
      $metadata: { httpStatusCode: 404 },
    });
    expect(sns.published).toHaveLength(0);
  });

  it('the endpoint refuses an unsigned request', async () => {
    const res = await fetch(sns.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'Publish',
        Version: '2010-03-31',
        TopicArn: topicArn,
        Message: 'x',
      }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(sns.published).toHaveLength(0);
  });
});

describe('snsSubject', () => {
  it('keeps printable ASCII, spells the rest in ASCII, and keeps under 100 characters', () => {
    expect(snsSubject('Spend alerts: 2 critical')).toBe('Spend alerts: 2 critical');
    expect(snsSubject('a — b – c × d … e')).toBe('a - b - c x d ... e');
    expect(snsSubject('“quoted” ‘single’ café ≥ 3 → 4')).toBe('"quoted" \'single\' cafe >= 3 -> 4');
    expect(snsSubject('👍🏽 ok 👨‍👩‍👧 漢字')).toBe('? ok ? ??');
    expect(snsSubject('line\r\nbreak\u0007bell\u00a0nbsp\u00adsoft')).toBe('line break bell nbspsoft');
    expect(snsSubject('x'.repeat(99))).toBe('x'.repeat(99));
    expect(snsSubject('x'.repeat(100))).toBe(`${'x'.repeat(96)}...`);
    expect(snsSubject('word '.repeat(30))).toBe(`${'word '.repeat(19)}w...`);
    expect(snsSubject(`${'x'.repeat(95)}    ${'y'.repeat(10)}`)).toBe(`${'x'.repeat(95)}...`);
    expect(snsSubject(' \t\n ')).toBe('');
  });
});
