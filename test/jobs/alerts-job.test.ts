import { GetObjectCommand } from '@aws-sdk/client-s3';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUpLocalLake } from '../../src/jobs/local-rollup.ts';
import type { ReportJobResponse } from '../../src/jobs/report-job-handler.ts';
import { bundleReportJobLambda, type LambdaBundle } from '../helpers/bundled-handler.ts';
import { wireEvent } from '../helpers/factories.ts';
import { type ReportJobAws, startReportJobAws } from '../helpers/report-job-aws.ts';

// The spend alerts job (issue 16 item 4) as deployed: the bundled lambdas/report-job/handler.ts with REPORT_KIND
// alerts, over the local Athena endpoint, dynalite, s3rver, the local SES endpoint and the local SNS endpoint. One
// email per day with findings, none without; the critical findings paged to the topic once per day. The lake
// arrives rolled up, as the rollup job (00:30 UTC) leaves it before the alerts job runs (01:30): the job finds its
// days current and rolls nothing (rolling up over Athena is the rollup job's test, test/jobs/rollup-job-handler).

const NOW = new Date('2026-11-02T01:30:00.000Z'); // the schedule's time: the day is 2026-11-01
const DAY = '2026-11-01';
const ID = 'alerts-2026-11-01_2026-11-02';
const TRAILING = ['25', '26', '27', '28', '29', '30', '31'].map((d) => `2026-10-${d}`);

/** cus_spiky: one request a day for a week, then 40 on 2026-11-01; cus_calm: one a day throughout. */
const EVENTS = [
  ...TRAILING.flatMap((day) =>
    ['cus_spiky', 'cus_calm'].map((customer) =>
      wireEvent({
        ts: `${day}T12:00:00Z`,
        customer_id: customer,
        feature: customer === 'cus_calm' ? 'calm' : 'chat',
      }),
    ),
  ),
  ...Array.from({ length: 40 }, (_, i) =>
    wireEvent({
      ts: `${DAY}T${String(8 + (i % 10)).padStart(2, '0')}:00:00Z`,
      customer_id: 'cus_spiky',
      feature: 'chat',
    }),
  ),
  wireEvent({ ts: `${DAY}T12:00:00Z`, customer_id: 'cus_calm', feature: 'calm' }),
];

let bundle: LambdaBundle;
let aws: ReportJobAws;
let topicArn: string;
/** One job (bucket, deliveries table, container) for the flagged day and the quiet one: their report ids differ. */
let job: { env: NodeJS.ProcessEnv; container: { handler: (event: unknown) => Promise<ReportJobResponse> } };

beforeAll(async () => {
  bundle = await bundleReportJobLambda();
  aws = await startReportJobAws({
    buildLake: async (lake) => {
      await lake.events(EVENTS);
      await rollUpLocalLake(lake.dir);
    },
    registryTable: 'prompt-registry',
    bucketPrefix: 'alerts-lake-',
    deliveriesPrefix: 'alerts-deliveries-',
  });
  topicArn = aws.sns.createTopic('tokenledger-spend-alerts');
  const env = await alertsEnv();
  job = { env, container: await aws.container<ReportJobResponse>(bundle, env) };
}, 120_000);

afterAll(async () => {
  await aws?.stop();
  await bundle?.remove();
});

/** The alerts job's environment as the CDK stack sets it, with thresholds small enough for a fixture's cents. */
const alertsEnv = (overrides: Record<string, string | undefined> = {}) =>
  aws.jobEnv(
    'alerts',
    {
      ATHENA_WORKGROUP: 'tokenledger-reports',
      GLUE_DATABASE: 'tokenledger_lake',
      MAIL_FROM: 'reports@acme.test',
      MAIL_TO: 'oncall@acme.test',
      PAGE_TOPIC_ARN: topicArn,
      ALERT_MIN_COST: '0.001',
      ALERT_CRITICAL_COST: '0.005',
    },
    overrides,
  );

async function object(bucket: string, key: string): Promise<string> {
  const out = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString('utf8')) ?? '';
}

describe('the spend alerts job over the AWS SDK clients', () => {
  it('flags the day before the scheduled time: files, one email, one page of the critical finding; a rerun sends neither again', async () => {
    const { env, container } = job;
    const [sent, paged] = [aws.ses.sent.length, aws.sns.published.length];

    const first = await container.handler({ scheduledTime: NOW.toISOString() });

    expect(first.id).toBe(ID);
    const prefix = `reports/alerts/${DAY}_2026-11-02/`;
    expect(await aws.keysUnder(env.LAKE_BUCKET as string, prefix)).toEqual(
      ['alerts.csv', 'alerts.html', 'alerts.json'].map((f) => prefix + f),
    );
    const json = JSON.parse(await object(env.LAKE_BUCKET as string, `${prefix}alerts.json`));
    expect(json.day).toBe(DAY);
    expect(json.thresholds).toEqual({ factor: 5, min_cost: 0.001, critical_cost: 0.005, runaway_factor: 10 });
    // cus_spiky: 40 requests against a median of 1 a day; its feature chat likewise; cus_calm and calm are flat
    expect(
      json.findings.map((f: { kind: string; subject: string }) => `${f.kind} ${f.subject}`).sort(),
    ).toEqual(['customer cus_spiky', 'feature chat']);
    for (const f of json.findings) {
      expect(f.ratio).toBeCloseTo(40, 9);
      expect(f.severity).toBe('critical');
    }

    const mails = aws.ses.sent.slice(sent);
    expect(mails).toHaveLength(1);
    const mail = await simpleParser(mails[0]?.raw as Buffer);
    expect(mail.subject).toBe(`[tokenledger] Spend alerts ${DAY}: 2 critical, 0 warnings`);
    expect(first.email).toMatchObject({ status: 'sent' });

    const pages = aws.sns.published.slice(paged);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({
      topicArn,
      subject: `[tokenledger] 2 critical spend alerts on ${DAY}`,
      attributes: { report_id: { dataType: 'String', value: ID } },
    });
    expect(pages[0]?.message).toMatch(/customer cus_spiky: \$0\.\d{4} on the day, 40\.0× its 7-day median/);
    expect(first.page).toMatchObject({ status: 'sent', messageId: pages[0]?.messageId });

    // Act again: Lambda's retry, or a second schedule firing
    const second = await container.handler({ scheduledTime: NOW.toISOString() });
    expect(second.email).toMatchObject({ status: 'already-sent' });
    expect(second.page).toMatchObject({ status: 'already-sent', messageId: pages[0]?.messageId });
    expect(aws.ses.sent.length - sent).toBe(1);
    expect(aws.sns.published.length - paged).toBe(1);
  });

  it('a quiet day: the report is written, and nothing is emailed or paged', async () => {
    const { env, container } = job;
    const [sent, paged, requests] = [aws.ses.sent.length, aws.sns.published.length, aws.sns.requests];

    const result = await container.handler({ period: '2026-10-31' });

    expect(result.id).toBe('alerts-2026-10-31_2026-11-01');
    expect(result.email).toEqual({ status: 'nothing-to-send' });
    expect(result.page).toEqual({ status: 'nothing-to-send' });
    const json = JSON.parse(
      await object(env.LAKE_BUCKET as string, 'reports/alerts/2026-10-31_2026-11-01/alerts.json'),
    );
    expect(json.findings).toEqual([]);
    expect(aws.ses.sent.length).toBe(sent);
    expect(aws.sns.published.length).toBe(paged);
    expect(aws.sns.requests).toBe(requests);
  });

  it('SNS refusing the page fails the run (Lambda retries); the email is not sent twice, and the retry pages once', async () => {
    const env = await alertsEnv();
    const container = await aws.container<ReportJobResponse>(bundle, env);
    const [sent, paged] = [aws.ses.sent.length, aws.sns.published.length];
    aws.sns.failNext(1, { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: TopicArn' });

    await expect(container.handler({ scheduledTime: NOW.toISOString() })).rejects.toThrow(
      /Invalid parameter: TopicArn/,
    );
    expect(aws.ses.sent.length - sent).toBe(1);
    expect(aws.sns.published.length - paged).toBe(0);

    const retry = await container.handler({ scheduledTime: NOW.toISOString() });
    expect(retry.email).toMatchObject({ status: 'already-sent' });
    expect(retry.page).toMatchObject({ status: 'sent' });
    expect(aws.ses.sent.length - sent).toBe(1);
    expect(aws.sns.published.length - paged).toBe(1);
  });
});
