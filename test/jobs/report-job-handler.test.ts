import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryLedger } from '../../src/adapters/dynamodb/dynamo-delivery-ledger.ts';
import { DynamoPromptRegistry } from '../../src/adapters/dynamodb/dynamo-prompt-registry.ts';
import type { DeployRecord } from '../../src/core/prompts/deploy-record.ts';
import { type ReportJobResponse, reportJobConfig } from '../../src/jobs/report-job-handler.ts';
import { QUERIES_DIR, viewFiles } from '../../src/queries/query-files.ts';
import { AMBER, BLUE, RED } from '../../src/reports/html/email-html.ts';
import { athenaStatement, type LocalAthena } from '../helpers/athena-endpoint.ts';
import { bundleReportJobLambda, type LambdaBundle, type LoggedLine } from '../helpers/bundled-handler.ts';
import { hasColour, inkShare, launchChromium, renderHtml } from '../helpers/chromium.ts';
import type { LocalDynamo } from '../helpers/dynalite.ts';
import { wireEvent } from '../helpers/factories.ts';
import { type ReportJobAws, readQuery, startReportJobAws } from '../helpers/report-job-aws.ts';
import type { LocalSes } from '../helpers/ses-endpoint.ts';

// The scheduled report jobs as deployed: the report-job package the CDK app bundles (lambdas/report-job/handler.ts,
// esbuild, queries/reports/ copied next to it), loaded by Node as Lambda loads it, with the environment the stack
// gives the function — so the handler's own wiring runs: its config read from the environment, its SDK clients built
// at load with their defaults, its queries read from the package. The SDK's endpoint variables point those clients
// at the local emulators: Athena → a local Athena endpoint (DuckDB over a LakeFixture lake), DynamoDB → dynalite,
// S3 → s3rver, SES v2 → a local SES endpoint. test/jobs/report-job.test.ts covers the same job over the local
// adapters. The handler polls Athena as in production (50 ms, doubling up to 500 ms).

/**
 * The time the scheduler puts in the event (`scheduledTime`): a daily job's default period is the day before,
 * 2026-11-01. The handler's own clock is the real one, so what it stamps (claims, sends, the email's Date) is
 * checked against the time of the run.
 */
const NOW = new Date('2026-11-02T06:00:00.000Z');
const DAY = '2026-11-01';
const GOV_ID = 'governance-2026-11-01_2026-11-02';
const GOV_PREFIX = 'reports/governance/2026-11-01_2026-11-02/';
const REGISTRY_TABLE = 'prompt-registry';
const MAIL_FROM = 'reports@acme.test';
const MAIL_TO = ['cfo@acme.test', 'ops@acme.test'];
const WORKGROUP = 'tokenledger-reports';
const DATABASE = 'tokenledger_lake';

const record = (promptId: string, version: string, extra: Partial<DeployRecord> = {}): DeployRecord => ({
  prompt_id: promptId,
  version,
  author: 'ana',
  approved_by: 'ben',
  approved_at: '2026-10-20T10:00:00Z',
  eval: { run_id: `ev-${promptId}-${version}`, passed: true, score: 0.93, at: '2026-10-20T11:00:00Z' },
  deployed_at: '2026-10-21T09:00:00Z',
  rollout: null,
  kill_switch: `flags/${promptId}`,
  retired_at: null,
  change_ref: `ref-${promptId}-${version}`,
  content_sha256: null,
  ...extra,
});

/** Registered: draft@v1 (clean), summarize@v2 (approved by its author), summarize@v3 (deployed in the
 * period), classify@v1 (retired at noon). draft@v2-hotfix serves traffic without a record. */
const RECORDS: DeployRecord[] = [
  record('draft', 'v1'),
  record('summarize', 'v2', { approved_by: 'ana', deployed_at: '2026-10-25T09:00:00Z' }),
  record('summarize', 'v3', { deployed_at: '2026-11-01T15:00:00Z' }),
  record('classify', 'v1', {
    eval: { run_id: 'ev-classify', passed: true, score: 0.9, at: '2026-09-30T10:00:00Z' },
    deployed_at: '2026-10-01T09:00:00Z',
    retired_at: '2026-11-01T12:00:00Z',
  }),
];

const hour = (h: number, m = 0) => `${DAY}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;
const served = (promptId: string, version: string, hours: number[], extra: Record<string, unknown> = {}) =>
  hours.map((h) =>
    wireEvent({
      ts: hour(Math.floor(h), (h % 1) * 60),
      feature: promptId === 'draft' ? 'draft-email' : promptId,
      customer_id: 'cus_1',
      prompt_id: promptId,
      prompt_version: version,
      ...extra,
    }),
  );

/** 16 requests on 2026-11-01, 3 of them cancelled with 20 of their 300 output tokens delivered. */
const EVENTS = [
  ...served('draft', 'v1', [0, 1, 2, 3]),
  ...served('draft', 'v2-hotfix', [10, 11, 12], { status: 'cancelled', delivered_output_tokens: 20 }),
  ...served('summarize', 'v2', [8, 9]),
  ...served('summarize', 'v3', [16, 17, 18, 19]),
  ...served('classify', 'v1', [9.5, 13, 14]),
];

const EXPECTED_FINDINGS = [
  {
    rule: 'UNREGISTERED_VERSION',
    severity: 'critical',
    prompt_id: 'draft',
    prompt_version: 'v2-hotfix',
    requests: 3,
    first_seen: '2026-11-01T10:00:00.000Z',
    last_seen: '2026-11-01T12:00:00.000Z',
  },
  {
    rule: 'SERVED_AFTER_RETIRE',
    severity: 'critical',
    prompt_id: 'classify',
    prompt_version: 'v1',
    requests: 2,
    first_seen: '2026-11-01T13:00:00.000Z',
    last_seen: '2026-11-01T14:00:00.000Z',
  },
  {
    rule: 'NO_REVIEW',
    severity: 'high',
    prompt_id: 'summarize',
    prompt_version: 'v2',
    requests: 2,
    first_seen: '2026-11-01T08:00:00.000Z',
    last_seen: '2026-11-01T09:00:00.000Z',
  },
];

let bundle: LambdaBundle;
let aws: ReportJobAws;
let athena: LocalAthena;
let dynamo: LocalDynamo;
let s3: S3Client;
let ses: LocalSes;

beforeAll(async () => {
  bundle = await bundleReportJobLambda();
  aws = await startReportJobAws({
    buildLake: async (lake) => {
      await lake.events(EVENTS);
      await lake.revenue([{ month: '2026-11', customer_id: 'cus_1', cohort: 'pro', amount: 100 }]);
    },
    registryTable: REGISTRY_TABLE,
    bucketPrefix: 'lake-',
    deliveriesPrefix: 'report-deliveries-',
  });
  ({ athena, dynamo, s3, ses } = aws);
  const registry = new DynamoPromptRegistry(dynamo.client, REGISTRY_TABLE);
  for (const r of RECORDS) expect(await registry.register(r)).toBe('registered');
});

afterAll(async () => {
  await aws?.stop();
  await bundle?.remove();
});

/** The environment of one job (as the CDK stack sets it); `undefined` removes a variable. */
const jobEnv = (kind: string, overrides: Record<string, string | undefined> = {}) =>
  aws.jobEnv(
    kind,
    {
      ATHENA_WORKGROUP: WORKGROUP,
      GLUE_DATABASE: DATABASE,
      MAIL_FROM,
      MAIL_TO: MAIL_TO.join(', '),
      POWERTOOLS_SERVICE_NAME: `tokenledger-report-${kind}`,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
    overrides,
  );

/**
 * A Lambda container of the deployed package in `env` (plus the SDK's endpoint variables): the module's `handler`
 * and the JSON lines its Powertools logger writes. `config` is what the handler reads from `env` (reportJobConfig,
 * which the module calls at load).
 */
async function jobHandler(env: NodeJS.ProcessEnv) {
  const { handler, logs } = await aws.container<ReportJobResponse>(bundle, env, { captureLogs: true });
  return { config: reportJobConfig(env), handler, logs };
}

/** A span of real time, from `from` (down to the whole second, as an email's Date header) to now. */
function span(from: number) {
  return { from: Math.floor(from / 1000) * 1000, to: Date.now() };
}

/** `stamp` is an instant within `within`. */
function expectStampedIn(within: { from: number; to: number }, stamp: unknown): void {
  expect(typeof stamp).toBe('string');
  const at = Date.parse(stamp as string);
  expect(at).toBeGreaterThanOrEqual(within.from);
  expect(at).toBeLessThanOrEqual(within.to);
}

/** What the logger wrote besides its standard keys (level, message, service, timestamp, sampling rate…). */
const logged = ({ level, message, reportId, keys, email }: LoggedLine) => ({
  level,
  message,
  reportId,
  keys,
  email,
});

const keysUnder = (bucket: string, prefix: string) => aws.keysUnder(bucket, prefix);

async function object(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString('utf8')) ?? '';
}

async function delivery(table: string, reportId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await DynamoDBDocumentClient.from(dynamo.client).send(
    new GetCommand({ TableName: table, Key: { report_id: reportId }, ConsistentRead: true }),
  );
  return Item;
}

/** Marks where the endpoints' records stand, to read what one run added. */
function mark() {
  const sent = ses.sent.length;
  const sesRequests = ses.requests;
  const athenaRequests = athena.requests.length;
  return {
    sent: () => ses.sent.slice(sent),
    sesRequests: () => ses.requests - sesRequests,
    starts: () => athena.requests.slice(athenaRequests).filter((r) => r.operation === 'StartQueryExecution'),
  };
}

const runStatement = (sql: string) => athenaStatement(athena.client, sql, WORKGROUP);

const sqlLiteral = (value: string) => `'${value}'`;

describe('report job handlers over the AWS SDK clients (local Athena, dynalite, s3rver, local SES)', () => {
  it('governance for a requested day: the report files in S3, its findings, one email carrying them, Athena called with parameters in the workgroup', async () => {
    // Prepare
    const env = await jobEnv('governance', {
      SES_CONFIGURATION_SET: 'tokenledger-reports',
      DEPLOY_CHANGE_RELATIVE: '0.5',
      DEPLOY_CHANGE_RATE_POINTS: '0.05',
      DEPLOY_CHANGE_MIN_REQUESTS: '1',
    });
    const { config, handler, logs } = await jobHandler(env);
    const at = mark();
    const started = Date.now();

    // Act
    const result = await handler({ period: DAY });
    const run = span(started);
    // summarize@v3, deployed 2026-11-01T15:00, is compared once the 24 h after it are over by the handler's (real)
    // clock — long past on any machine whose clock is right; before that it is partial and not compared yet.
    const afterWindowOver = run.from > Date.parse('2026-11-02T15:00:00.000Z');

    // Assess: the configuration the module reads from this environment at load (what the handler did with it —
    // the bucket, the workgroup and database, the configuration set, the thresholds — is checked below)
    expect(config).toEqual({
      kind: 'governance',
      workGroup: WORKGROUP,
      database: DATABASE,
      lakeBucket: env.LAKE_BUCKET,
      registryTable: REGISTRY_TABLE,
      deliveriesTable: env.DELIVERIES_TABLE,
      mailFrom: MAIL_FROM,
      mailTo: MAIL_TO,
      configurationSet: 'tokenledger-reports',
      deployChangeThresholds: { relative: 0.5, rate_points: 0.05, min_requests: 1 },
      alertThresholds: {},
    });
    const bucket = config.lakeBucket;

    // Assess: the files under reports/governance/<from>_<to>/
    const files = [
      'deploy_changes.csv',
      'deploy_changes.json',
      'governance.csv',
      'governance.html',
      'governance.json',
    ].map((f) => GOV_PREFIX + f);
    expect(await keysUnder(bucket, 'reports/')).toEqual(files);
    expect([...result.keys].sort()).toEqual(files);
    expect(result.id).toBe(GOV_ID);
    const json = JSON.parse(await object(bucket, `${GOV_PREFIX}governance.json`));
    expect(json).toEqual({
      from: '2026-11-01',
      to: '2026-11-02',
      findings: EXPECTED_FINDINGS,
      summary: { versions_seen: 5, versions_with_findings: 3, requests: 16, requests_with_findings: 7 },
    });
    const changes = JSON.parse(await object(bucket, `${GOV_PREFIX}deploy_changes.json`));
    expect(changes.thresholds).toEqual({ relative: 0.5, rate_points: 0.05, min_requests: 1 });
    expect(changes.changes).toEqual([
      expect.objectContaining({
        prompt_id: 'summarize',
        prompt_version: 'v3',
        deployed_at: '2026-11-01T15:00:00.000Z',
        before: expect.objectContaining({ requests: 2, error_rate: 0, cancel_rate: 0 }),
        after: expect.objectContaining({ requests: 4, error_rate: 0, cancel_rate: 0 }),
        // requests doubled (2 → 4, over the relative threshold 0.5): flagged once compared
        flags: afterWindowOver ? ['requests'] : [],
        partial: !afterWindowOver,
      }),
    ]);
    const html = await object(bucket, `${GOV_PREFIX}governance.html`);
    const governanceCsv = await object(bucket, `${GOV_PREFIX}governance.csv`);
    const deployChangesCsv = await object(bucket, `${GOV_PREFIX}deploy_changes.csv`);
    expect(governanceCsv.split('\n').filter((l) => l !== '')).toHaveLength(1 + EXPECTED_FINDINGS.length);
    expect(deployChangesCsv).toContain('summarize');

    // Assess: exactly one email, as SES received it
    expect(result.email).toEqual({ status: 'sent', messageId: expect.any(String) });
    const sent = at.sent();
    expect(sent).toHaveLength(1);
    const [email] = sent;
    if (!email) throw new Error('no email');
    expect(result.email).toEqual({ status: 'sent', messageId: email.messageId });
    expect(email.from).toBe(MAIL_FROM);
    expect(email.to).toEqual(MAIL_TO);
    expect(email.tags).toEqual({ report_id: GOV_ID });
    expect(email.configurationSet).toBe('tokenledger-reports');
    const mail = await simpleParser(email.raw);
    expect(mail.from?.value.map((a) => a.address)).toEqual([MAIL_FROM]);
    const to = Array.isArray(mail.to) ? mail.to.flatMap((t) => t.value) : (mail.to?.value ?? []);
    expect(to.map((a) => a.address)).toEqual(MAIL_TO);
    expect(mail.subject).toBe(
      `[tokenledger] Prompt governance 2026-11-01: 2 critical, 1 high${afterWindowOver ? ', 1 deploy changed behaviour' : ''}`,
    );
    expectStampedIn(run, mail.date?.toISOString());
    expect(mail.headers.get('x-tokenledger-report')).toBe(GOV_ID);
    expect(mail.text).toMatch(/UNREGISTERED_VERSION\s+draft@v2-hotfix/);
    expect(mail.text).toMatch(/SERVED_AFTER_RETIRE\s+classify@v1/);
    expect(mail.text).toMatch(/NO_REVIEW\s+summarize@v2/);
    expect(mail.html).toBe(html);
    expect(mail.attachments.map((a) => [a.filename, a.content.toString('utf8')])).toEqual([
      [`${GOV_ID}-governance.csv`, governanceCsv],
      [`${GOV_ID}-deploy_changes.csv`, deployChangesCsv],
    ]);

    // Assess: every Athena query went to the workgroup and database, its values as execution parameters
    const starts = at.starts();
    const common = {
      ClientRequestToken: expect.any(String),
      WorkGroup: WORKGROUP,
      QueryExecutionContext: { Database: DATABASE, Catalog: 'AwsDataCatalog' },
    };
    // The job first rolls up the days its queries read (the rollup queries), then runs the report's.
    const rollupQueries = readdirSync(join(QUERIES_DIR, 'rollups')).map((f) => readQuery(`rollups/${f}`));
    const [rollups, reports] = [
      starts.filter((s) => rollupQueries.includes(String(s.body.QueryString))),
      starts.filter((s) => !rollupQueries.includes(String(s.body.QueryString))),
    ];
    expect(rollups.map((s) => s.body.QueryString)).toContain(readQuery('rollups/state.sql'));
    const window = (first: string, last: string, from: string, to: string) => {
      const bounds = ['summarize', first, last, from, to].map(sqlLiteral);
      return {
        ...common,
        QueryString: readQuery('reports/deploy_change.sql'),
        ExecutionParameters: [...bounds, ...bounds, ...bounds],
      };
    };
    const byQuery = (a: { QueryString?: unknown; ExecutionParameters?: unknown }, b: typeof a) =>
      String(a.QueryString).localeCompare(String(b.QueryString)) ||
      JSON.stringify(a.ExecutionParameters).localeCompare(JSON.stringify(b.ExecutionParameters));
    expect(reports.map((s) => s.body).sort(byQuery)).toEqual(
      [
        // the deploy's two windows of 24 whole hours, each one query
        window('2026-10-31', '2026-11-01', '2026-10-31 15:00:00.000', '2026-11-01 15:00:00.000'),
        window('2026-11-01', '2026-11-02', '2026-11-01 15:00:00.000', '2026-11-02 15:00:00.000'),
        {
          ...common,
          QueryString: readQuery('reports/prompt_groups.sql'),
          ExecutionParameters: ['2026-11-01', '2026-11-02'].map(sqlLiteral),
        },
      ].sort(byQuery),
    );

    // Assess: the handler logged what it did, as its Powertools logger does in Lambda
    expect(logs.map(logged)).toEqual([
      { level: 'INFO', message: 'report written', reportId: GOV_ID, keys: result.keys, email: result.email },
    ]);
    expect(logs[0]).toMatchObject({ service: 'tokenledger-report-governance' });
  });

  it('a second run for the same period sends no second email, and the delivery record holds the first send', async () => {
    // Prepare
    const env = await jobEnv('governance');
    const { config, handler } = await jobHandler(env);
    const at = mark();
    const started = Date.now();
    const first = await handler({ period: DAY });
    const firstRun = span(started);

    // Act
    const second = await handler({ period: DAY });

    // Assess
    const sent = at.sent();
    expect(sent).toHaveLength(1);
    expect(at.sesRequests()).toBe(1);
    const messageId = sent[0]?.messageId;
    expect(first.email).toEqual({ status: 'sent', messageId });
    const record = await delivery(config.deliveriesTable, GOV_ID);
    expect(record).toEqual({
      report_id: GOV_ID,
      status: 'sent',
      claimed_at: expect.any(String),
      message_id: messageId,
      sent_at: expect.any(String),
    });
    expectStampedIn(firstRun, record?.claimed_at);
    expectStampedIn(firstRun, record?.sent_at);
    expect(second.email).toEqual({ status: 'already-sent', messageId, sentAt: record?.sent_at });
    expect(second.keys).toEqual(first.keys);
  });

  it('the HTML email renders in headless Chromium: ink on the page, the bar chart colours, no remote requests', async () => {
    // Prepare
    const { handler } = await jobHandler(await jobEnv('governance'));
    const at = mark();
    await handler({ period: DAY });
    const [email] = at.sent();
    if (!email) throw new Error('no email');
    const html = (await simpleParser(email.raw)).html;
    if (typeof html !== 'string') throw new Error('the email has no HTML part');
    const browser = await launchChromium();

    try {
      // Act
      const { png, blockedRequests, height } = await renderHtml(browser, html);
      const ink = await inkShare(browser, png);

      // Assess
      expect(blockedRequests).toEqual([]);
      expect(height).toBeGreaterThan(400);
      expect(ink.share).toBeGreaterThan(0.03);
      // Bars are 12 px tall and the longest 320 px wide: critical (red) 3 and 2 requests → 320 + 213 px,
      // high (amber) 2 requests → 213 px. Text in those colours is about a hundred pixels: without the
      // chart, these fail.
      expect(hasColour(ink, RED, { minPixels: 0.9 * 12 * (320 + 213) })).toBe(true);
      expect(hasColour(ink, AMBER, { minPixels: 0.9 * 12 * 213 })).toBe(true);
      expect(ink.distinctColours).toBeGreaterThanOrEqual(3);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('waste (the day before the scheduled time by default) and margin (a requested month): files written and one email each', async () => {
    // Prepare
    const waste = await jobHandler(await jobEnv('waste'));
    const margin = await jobHandler(await jobEnv('margin'));
    const at = mark();

    // Act
    const wasteResult = await waste.handler({ scheduledTime: NOW.toISOString() });
    const marginResult = await margin.handler({ period: '2026-11' });

    // Assess: waste of 2026-11-01 (the day before NOW)
    const wastePrefix = 'reports/waste/2026-11-01_2026-11-02/';
    expect(wasteResult.id).toBe('waste-2026-11-01_2026-11-02');
    expect(await keysUnder(waste.config.lakeBucket, 'reports/')).toEqual(
      ['waste.csv', 'waste.html', 'waste.json'].map((f) => wastePrefix + f),
    );
    const wasteJson = JSON.parse(await object(waste.config.lakeBucket, `${wastePrefix}waste.json`));
    expect(wasteJson).toMatchObject({ from: '2026-11-01', to: '2026-11-02' });
    expect(wasteJson.totals.wasted_output_tokens).toBe(3 * (300 - 20));
    expect(wasteJson.rows).toContainEqual(
      expect.objectContaining({ feature: 'draft-email', requests: 7, cancelled_requests: 3 }),
    );

    // Assess: margin of 2026-11
    const marginPrefix = 'reports/margin/2026-11/';
    expect(marginResult.id).toBe('margin-2026-11');
    expect(await keysUnder(margin.config.lakeBucket, 'reports/')).toEqual(
      ['customers.csv', 'customers.json', 'margin.csv', 'margin.html', 'margin.json'].map(
        (f) => marginPrefix + f,
      ),
    );
    const marginJson = JSON.parse(await object(margin.config.lakeBucket, `${marginPrefix}margin.json`));
    expect(marginJson.month).toBe('2026-11');
    expect(marginJson.totals.revenue).toBe(100);
    expect(marginJson.rows.reduce((n: number, r: { requests: number }) => n + r.requests, 0)).toBe(16);
    // The month's customers report rides along (Athena ran reports/customers.sql): the same requests and cost.
    const customersJson = JSON.parse(await object(margin.config.lakeBucket, `${marginPrefix}customers.json`));
    expect(customersJson.rows.reduce((n: number, r: { requests: number }) => n + r.requests, 0)).toBe(16);
    expect(customersJson.rows.reduce((n: number, r: { cost: number }) => n + r.cost, 0)).toBeCloseTo(
      marginJson.totals.cost,
      9,
    );

    // Assess: one email each, with the report's CSV
    const sent = at.sent();
    expect(sent.map((m) => m.tags.report_id)).toEqual(['waste-2026-11-01_2026-11-02', 'margin-2026-11']);
    expect(wasteResult.email).toEqual({ status: 'sent', messageId: sent[0]?.messageId });
    expect(marginResult.email).toEqual({ status: 'sent', messageId: sent[1]?.messageId });
    const wasteMail = await simpleParser(sent[0]?.raw as Buffer);
    expect(wasteMail.subject).toMatch(/^\[tokenledger\] Cancellation waste 2026-11-01: \$\d/);
    expect(wasteMail.attachments.map((a) => a.content.toString('utf8'))).toEqual([
      await object(waste.config.lakeBucket, `${wastePrefix}waste.csv`),
    ]);
    const marginMail = await simpleParser(sent[1]?.raw as Buffer);
    expect(marginMail.subject).toMatch(/^\[tokenledger\] Margin 2026-11: \$[\d,.]+ on \$100\.00 revenue/);
    expect(marginMail.html).toBe(await object(margin.config.lakeBucket, `${marginPrefix}margin.html`));
    expect(marginMail.html).toContain('Costliest');
    expect(marginMail.attachments.map((a) => a.filename)).toEqual([
      'margin-2026-11-margin.csv',
      'margin-2026-11-customers.csv',
    ]);

    // Assess: both HTML bodies render with ink and their bar charts, needing nothing remote
    const browser = await launchChromium();
    try {
      for (const [mail, barColour] of [
        [wasteMail, RED],
        [marginMail, BLUE],
      ] as const) {
        const { png, blockedRequests } = await renderHtml(browser, mail.html as string);
        const ink = await inkShare(browser, png);
        expect(blockedRequests).toEqual([]);
        expect(ink.share).toBeGreaterThan(0.02);
        // the longest bar: 320 × 12 px
        expect(hasColour(ink, barColour, { minPixels: 0.9 * 320 * 12 })).toBe(true);
      }
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('a failing Athena query: the handler rejects naming it, nothing written or sent, no claim; the retry after the fault sends once', async () => {
    // Prepare: prompt_latencies_hourly gone from the catalog, so reports/deploy_change.sql FAILS (prompt_groups.sql
    // and the rollup job's queries do not read it).
    const { config, handler } = await jobHandler(await jobEnv('governance'));
    const at = mark();
    // its definition, to restore it: views/<nn>_prompt_latencies_hourly.sql, whatever its order prefix
    const dropped = viewFiles().find((v) => /^views\/\d+_prompt_latencies_hourly\.sql$/.test(v.name));
    if (!dropped) throw new Error('no views/<nn>_prompt_latencies_hourly.sql');
    await runStatement('DROP VIEW prompt_latencies_hourly');

    try {
      // Act
      const error = await handler({ period: DAY }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /^queries\/reports\/deploy_change\.sql: Athena query \S+ FAILED: /,
      );
      expect((error as Error).message).toContain('prompt_latencies_hourly');
      expect(at.starts().map((s) => s.body.QueryString)).toContain(readQuery('reports/prompt_groups.sql'));
      expect(await keysUnder(config.lakeBucket, 'reports/')).toEqual([]);
      expect(at.sesRequests()).toBe(0);
      expect(await delivery(config.deliveriesTable, GOV_ID)).toBeUndefined();
    } finally {
      await runStatement(dropped.sql);
    }

    // Act: the scheduler's retry, after the fault cleared
    const retry = await handler({ period: DAY });

    // Assess
    const sent = at.sent();
    expect(sent).toHaveLength(1);
    expect(retry.email).toEqual({ status: 'sent', messageId: sent[0]?.messageId });
    expect(await keysUnder(config.lakeBucket, 'reports/')).toHaveLength(5);
    expect(await delivery(config.deliveriesTable, GOV_ID)).toMatchObject({ status: 'sent' });
  });

  it('an SES 500 is retried by the SDK and the email goes once', async () => {
    // Prepare
    const { config, handler } = await jobHandler(await jobEnv('waste'));
    const at = mark();
    ses.failNext(1, { status: 500, code: 'InternalFailure' });

    // Act
    const result = await handler({ period: DAY });

    // Assess
    expect(at.sesRequests()).toBe(2);
    const sent = at.sent();
    expect(sent).toHaveLength(1);
    expect(result.email).toEqual({ status: 'sent', messageId: sent[0]?.messageId });
    expect(await delivery(config.deliveriesTable, result.id)).toMatchObject({
      status: 'sent',
      message_id: sent[0]?.messageId,
    });
  });

  it('SES MessageRejected: the handler rejects, the claim is released with the error, and the next run sends', async () => {
    // Prepare
    const { config, handler } = await jobHandler(await jobEnv('waste'));
    const id = 'waste-2026-11-01_2026-11-02';
    const at = mark();
    ses.failNext(1, { status: 400, code: 'MessageRejected', message: 'Email address is not verified.' });
    const started = Date.now();

    // Act
    const error = await handler({ period: DAY }).catch((e: unknown) => e);
    const run = span(started);

    // Assess: not retried, nothing sent, the claim given back with the reason
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(
      `SES did not send the email for report ${id}: MessageRejected`,
    );
    expect(at.sesRequests()).toBe(1);
    expect(at.sent()).toEqual([]);
    const record = await delivery(config.deliveriesTable, id);
    expect(record).toEqual({
      report_id: id,
      status: 'failed',
      claimed_at: expect.any(String),
      last_error: expect.stringContaining('MessageRejected: Email address is not verified.'),
    });
    expectStampedIn(run, record?.claimed_at);
    // The report itself was written before the send.
    expect(await keysUnder(config.lakeBucket, 'reports/waste/')).toHaveLength(3);

    // Act: the next run
    const retry = await handler({ period: DAY });

    // Assess
    const sent = at.sent();
    expect(sent).toHaveLength(1);
    expect(retry.email).toEqual({ status: 'sent', messageId: sent[0]?.messageId });
    expect(await delivery(config.deliveriesTable, id)).toMatchObject({
      status: 'sent',
      message_id: sent[0]?.messageId,
    });
  });

  it('without MAIL_TO the report is written and not emailed: no SES call, no delivery record', async () => {
    // Prepare
    const { config, handler } = await jobHandler(await jobEnv('margin', { MAIL_TO: undefined }));
    const at = mark();

    // Act
    const result = await handler({ period: '2026-11' });

    // Assess
    expect(config.mailTo).toEqual([]);
    expect(result.email).toEqual({ status: 'not-requested' });
    expect(await keysUnder(config.lakeBucket, 'reports/')).toEqual(
      ['customers.csv', 'customers.json', 'margin.csv', 'margin.html', 'margin.json'].map(
        (f) => `reports/margin/2026-11/${f}`,
      ),
    );
    expect(at.sesRequests()).toBe(0);
    expect(await delivery(config.deliveriesTable, 'margin-2026-11')).toBeUndefined();
  });

  it('an email claimed by another run that has not sent it fails the run, so the scheduler retries and alarms', async () => {
    const { config, handler } = await jobHandler(await jobEnv('waste'));
    const ledger = new DynamoDeliveryLedger(dynamo.client, config.deliveriesTable);
    const claimedAt = new Date(); // within the claim's lease (15 min) by the handler's clock
    expect(await ledger.claim('waste-2026-11-01_2026-11-02', claimedAt)).toEqual({ status: 'claimed' });
    const at = mark();

    await expect(handler({ period: '2026-11-01' })).rejects.toThrow(
      `report waste-2026-11-01_2026-11-02: its email was claimed by another run at ${claimedAt.toISOString()} and is not sent yet; retry later`,
    );
    expect(at.sesRequests()).toBe(0);

    await ledger.release('waste-2026-11-01_2026-11-02', 'that run died');
    expect((await handler({ period: '2026-11-01' })).email.status).toBe('sent');
    expect(at.sent()).toHaveLength(1);
  });

  it('reports the day before the scheduled time the event carries, so a late retry reports the same day', async () => {
    const { handler } = await jobHandler(await jobEnv('waste', { MAIL_TO: undefined, MAIL_FROM: undefined }));
    const result = await handler({ scheduledTime: '2026-11-03T06:15:00Z' });
    expect(result.id).toBe('waste-2026-11-02_2026-11-03');
    await expect(handler({ scheduledTime: 'yesterday' })).rejects.toThrow(
      'event field "scheduledTime" is not a timestamp: "yesterday"',
    );
    await expect(handler({ scheduledTime: 1 })).rejects.toThrow(
      'event field "scheduledTime" must be a string, got 1',
    );
  });

  it('a bad event or period rejects naming the field and value, before any query', async () => {
    // Prepare
    const governance = await jobHandler(await jobEnv('governance'));
    const margin = await jobHandler(await jobEnv('margin'));
    const at = mark();

    // Act + Assess
    await expect(governance.handler({ period: 42 })).rejects.toThrow(
      'event field "period" must be a string, got 42',
    );
    await expect(margin.handler({ period: ['2026-11'] })).rejects.toThrow(
      'event field "period" must be a string, got ["2026-11"]',
    );
    await expect(governance.handler({ period: '2026-02-30' })).rejects.toThrow(
      'period "2026-02-30" is not a day YYYY-MM-DD (governance reports a day)',
    );
    await expect(governance.handler({ period: '2026-11' })).rejects.toThrow(
      'period "2026-11" is not a day YYYY-MM-DD (governance reports a day)',
    );
    await expect(margin.handler({ period: '2026-11-01' })).rejects.toThrow(
      'period "2026-11-01" is not a month YYYY-MM (margin reports a month)',
    );
    await expect(margin.handler({ period: '2026-13' })).rejects.toThrow(
      'period "2026-13" is not a month YYYY-MM (margin reports a month)',
    );
    expect(at.starts()).toEqual([]);
    expect(at.sesRequests()).toBe(0);
    expect(await keysUnder(governance.config.lakeBucket, 'reports/')).toEqual([]);
    expect(await keysUnder(margin.config.lakeBucket, 'reports/')).toEqual([]);
  });

  it('reportJobConfig throws naming the variable and its value', async () => {
    const env = await jobEnv('governance');
    expect(() => reportJobConfig({ ...env, REPORT_KIND: 'weekly' })).toThrow(
      'environment variable REPORT_KIND="weekly" is not one of governance, waste, margin',
    );
    expect(() => reportJobConfig({ ...env, MAIL_TO: 'cfo@acme.test, finance team' })).toThrow(
      'environment variable MAIL_TO: "finance team" is not an email address',
    );
    expect(() => reportJobConfig({ ...env, MAIL_FROM: 'reports' })).toThrow(
      'environment variable MAIL_FROM: "reports" is not an email address',
    );
    expect(() => reportJobConfig({ ...env, MAIL_FROM: ' , ' })).toThrow(
      'environment variable MAIL_FROM=" , " must be exactly one address, got 0',
    );
    expect(() => reportJobConfig({ ...env, MAIL_FROM: 'a@acme.test,b@acme.test' })).toThrow(
      'must be exactly one address, got 2',
    );
    expect(() => reportJobConfig({ ...env, LAKE_BUCKET: ' ' })).toThrow(
      'environment variable LAKE_BUCKET is not set',
    );
    expect(() => reportJobConfig({ ...env, DEPLOY_CHANGE_MIN_REQUESTS: '2.5' })).toThrow(
      'environment variable DEPLOY_CHANGE_MIN_REQUESTS="2.5" is not a whole number ≥ 1',
    );
    expect(() => reportJobConfig({ ...env, DEPLOY_CHANGE_RELATIVE: '25%' })).toThrow(
      'environment variable DEPLOY_CHANGE_RELATIVE="25%" is not a number ≥ 0',
    );
    expect(() => reportJobConfig({ ...env, ALERT_FACTOR: '0.5' })).toThrow(
      'environment variable ALERT_FACTOR="0.5" is not a number ≥ 1',
    );
    expect(() => reportJobConfig({ ...env, ALERT_MIN_COST: '$10' })).toThrow(
      'environment variable ALERT_MIN_COST="$10" is not a number of dollars ≥ 0',
    );
    expect(() => reportJobConfig({ ...env, PAGE_TOPIC_ARN: 'oncall' })).toThrow(
      'environment variable PAGE_TOPIC_ARN="oncall" is not an SNS topic ARN',
    );
    expect(reportJobConfig({ ...env, ALERT_CRITICAL_COST: ' 250 ' }).alertThresholds).toEqual({
      critical_cost: 250,
    });
    expect(reportJobConfig(env).kind).toBe('governance');
  });

  it('the deployed module reads its environment at load: a bad variable fails the cold start, naming it and its value', async () => {
    const env = await jobEnv('governance');
    await expect(aws.container(bundle, { ...env, REPORT_KIND: 'weekly' })).rejects.toThrow(
      'environment variable REPORT_KIND="weekly" is not one of governance, waste, margin',
    );
    await expect(aws.container(bundle, { ...env, LAKE_BUCKET: undefined })).rejects.toThrow(
      'environment variable LAKE_BUCKET is not set',
    );
    await expect(aws.container(bundle, { ...env, MAIL_FROM: 'reports' })).rejects.toThrow(
      'environment variable MAIL_FROM: "reports" is not an email address',
    );
  });
});
