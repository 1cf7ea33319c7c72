import type { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLUP_TABLES } from '../../src/core/rollups/rollup-columns.ts';
import type { AwsClients } from '../../src/jobs/aws-report-job.ts';
import { REPORT_KINDS } from '../../src/reports/report-period.ts';
import { type LocalAthena, localAthenaClient } from '../helpers/athena-endpoint.ts';
import type { LocalDynamo } from '../helpers/dynalite.ts';
import { wireEvent } from '../helpers/factories.ts';
import { type ReportJobAws, readQuery, startReportJobAws } from '../helpers/report-job-aws.ts';
import type { LocalSes } from '../helpers/ses-endpoint.ts';
import { type SynthesizedApp, synthesizeApp } from '../infra/synth-app.ts';

// Issue 6, case 7: a report job that runs twice sends one email; Athena failing mid-report leaves no partial
// report, no email — and the run's rejection is guaranteed to alarm. These faults need an SDK client swapped for a
// fake that injects them (claims held until both runs send theirs; an Athena execution forced to FAILED), which the
// deployed module cannot take: so the job runs on the wiring of lambdas/report-job/handler.ts rebuilt from its
// source modules (report-job-aws.ts's `handler`), over the real SDK clients — the fakes wrap them only to inject
// the fault — and the same local endpoints as test/jobs/report-job-handler.test.ts. That file runs the deployed
// module itself (the CDK app's bundle) for every kind, sequential reruns, SES faults and a dropped view.

const NOW = new Date('2026-11-02T06:00:00.000Z');
const DAY = '2026-11-01';

let aws: ReportJobAws;
let athena: LocalAthena;
let dynamo: LocalDynamo;
let ses: LocalSes;

beforeAll(async () => {
  aws = await startReportJobAws({
    buildLake: async (lake) => {
      await lake.events(
        [0, 1, 2, 3, 4, 5].map((h) =>
          wireEvent({
            ts: `${DAY}T0${h}:00:00Z`,
            customer_id: 'cus_1',
            ...(h % 2 ? { status: 'cancelled', delivered_output_tokens: 20 } : {}),
          }),
        ),
      );
      await lake.revenue([{ month: '2026-11', customer_id: 'cus_1', cohort: 'pro', amount: 100 }]);
    },
    registryTable: 'prompt-registry',
    bucketPrefix: 'fault-lake-',
    deliveriesPrefix: 'fault-deliveries-',
  });
  ({ athena, dynamo, ses } = aws);
});

afterAll(async () => {
  await aws?.stop();
});

/** The environment the CDK stack gives one job, over a bucket and a deliveries table of its own. */
const jobEnv = (kind: string) =>
  aws.jobEnv(kind, {
    ATHENA_WORKGROUP: 'tokenledger',
    GLUE_DATABASE: 'tokenledger',
    MAIL_FROM: 'reports@acme.test',
    MAIL_TO: 'cfo@acme.test',
  });

/**
 * One Lambda container: the handler wired as lambdas/report-job/handler.ts wires it, with its own logger; a client
 * in `clients` (a fake, only to inject a fault) replaces the real one.
 */
function container(env: NodeJS.ProcessEnv, clients: Partial<AwsClients> = {}) {
  const logs: string[] = [];
  const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
  return { ...aws.handler(env, { now: NOW, logger, clients }), logs };
}

const keysUnder = (bucket: string, prefix: string) => aws.keysUnder(bucket, prefix);

async function deliveryRecords(table: string): Promise<Record<string, unknown>[]> {
  const doc = DynamoDBDocumentClient.from(dynamo.client);
  return (await doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
}

/**
 * A DynamoDB client on dynalite whose PutItem calls wait for one another, `parties` at a time: the runs that
 * use it send their delivery claims (conditional PutItems) at the same moment, the race a retry overlapping
 * the first run makes. (A party that waits 10 s for the others goes on alone, so a fault cannot hang the test.)
 */
function dynamoClaimingTogether(parties: number): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  let waiting: (() => void)[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand') {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length >= parties) {
            for (const go of waiting) go();
            waiting = [];
          } else {
            setTimeout(resolve, 10_000).unref();
          }
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'claimTogether' },
  );
  return client;
}

/**
 * An Athena client on the local endpoint that makes one query file fail as Athena fails a query: its
 * executions stay RUNNING until the results of `after` have been read, then end FAILED with a reason.
 */
function athenaFailing(failing: string, after: string): AthenaClient {
  const client = localAthenaClient(athena.endpoint);
  const sqlOf = new Map<string, string>();
  let afterRead = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { QueryString?: string; QueryExecutionId?: string };
      const output = result.output as {
        QueryExecutionId?: string;
        QueryExecution?: { Status?: Record<string, unknown> };
      };
      if (context.commandName === 'StartQueryExecutionCommand') {
        sqlOf.set(output.QueryExecutionId as string, input.QueryString as string);
      }
      const sql = sqlOf.get(input.QueryExecutionId ?? '');
      if (context.commandName === 'GetQueryResultsCommand' && sql === readQuery(after)) afterRead = true;
      if (context.commandName === 'GetQueryExecutionCommand' && sql === readQuery(failing)) {
        const status = output.QueryExecution?.Status ?? {};
        (output.QueryExecution as { Status: unknown }).Status = afterRead
          ? {
              ...status,
              State: 'FAILED',
              StateChangeReason:
                'HIVE_CURSOR_ERROR: Failed to read Parquet file: s3://lake/events/dt=2026-11-01/x.parquet (injected)',
            }
          : { ...status, State: 'RUNNING' };
      }
      return result;
    },
    { step: 'initialize', name: 'injectAthenaFault' },
  );
  return client;
}

describe('fault: a report job runs twice', () => {
  it('two concurrent runs of the same job, claiming at the same moment: one email, one "sent" delivery record, the other run rejects to be retried', async () => {
    // Prepare: two containers of the waste job (a retry overlapping the first run), their claims sent together
    // (the DynamoDB client is a fake only for that: it holds each PutItem until the other run sends its own)
    const env = await jobEnv('waste');
    const together = dynamoClaimingTogether(2);
    const first = container(env, { dynamo: together });
    const second = container(env, { dynamo: together });
    const sentBefore = ses.sent.length;
    const requestsBefore = ses.requests;

    try {
      // Act
      const outcomes = await Promise.allSettled([
        first.handler({ period: DAY }),
        second.handler({ period: DAY }),
      ]);

      // Assess: one email at SES
      const sent = ses.sent.slice(sentBefore);
      expect(sent).toHaveLength(1);
      expect(ses.requests - requestsBefore).toBe(1);
      const messageId = sent[0]?.messageId;
      expect(sent[0]?.tags).toEqual({ report_id: 'waste-2026-11-01_2026-11-02' });

      // Assess: one run sent it; the other lost the claim and rejected (Lambda retries it; the Errors alarm sees it)
      const fulfilled = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.email] : []));
      const rejected = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
      expect(fulfilled).toEqual([{ status: 'sent', messageId }]);
      expect(rejected).toEqual([
        expect.stringMatching(
          /report waste-2026-11-01_2026-11-02: its email was claimed by another run at \S+ and is not sent yet; retry later/,
        ),
      ]);

      // Assess: the delivery ledger holds exactly one record, sent, with that message id
      expect(await deliveryRecords(env.DELIVERIES_TABLE as string)).toEqual([
        {
          report_id: 'waste-2026-11-01_2026-11-02',
          status: 'sent',
          claimed_at: NOW.toISOString(),
          message_id: messageId,
          sent_at: NOW.toISOString(),
        },
      ]);
      expect(await keysUnder(env.LAKE_BUCKET as string, 'reports/')).toEqual(
        ['waste.csv', 'waste.html', 'waste.json'].map((f) => `reports/waste/2026-11-01_2026-11-02/${f}`),
      );

      // Act + Assess: Lambda's retry of the rejected run finds the email sent, and sends nothing
      const retry = await container(env).handler({ period: DAY });
      expect(retry.email).toEqual({ status: 'already-sent', messageId, sentAt: NOW.toISOString() });
      expect(ses.sent.slice(sentBefore)).toHaveLength(1);
    } finally {
      together.destroy();
    }
  });
});

describe('fault: Athena fails mid-report', () => {
  it('margin_totals.sql FAILS after margin.sql succeeded: the run rejects naming it; no file, no email, no claim', async () => {
    // Prepare: the Athena client is a fake only to inject the fault (margin_totals.sql's execution forced to FAILED)
    const env = await jobEnv('margin');
    const faulty = athenaFailing('reports/margin_totals.sql', 'reports/margin.sql');
    const { handler, logs, config } = container(env, { athena: faulty });
    const requestsBefore = ses.requests;
    const startsBefore = athena.requestsOf('StartQueryExecution').length;

    try {
      // Act
      const error = await handler({ period: '2026-11' }).catch((e: unknown) => e);

      // Assess: the rejection names the query, Athena's state and reason
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /^queries\/reports\/margin_totals\.sql: Athena query \S+ FAILED: HIVE_CURSOR_ERROR: /,
      );
      // the report was half-way: the month's rollups were brought up to date, margin.sql ran and its results were read
      const started = athena.requestsOf('StartQueryExecution').slice(startsBefore);
      const rollupQueries = ROLLUP_TABLES.flatMap((t) => (t.query ? [t.query] : []))
        .concat('rollups/state.sql')
        .map((q) => readQuery(q));
      const texts = started.map((r) => String(r.body.QueryString));
      expect(texts[0]).toBe(readQuery('rollups/state.sql'));
      expect(texts.filter((q) => !rollupQueries.includes(q)).sort()).toEqual(
        [readQuery('reports/margin.sql'), readQuery('reports/margin_totals.sql')].sort(),
      );
      // nothing was written, nothing was sent, no delivery claimed, nothing logged as written
      expect(await keysUnder(config.lakeBucket, 'reports/')).toEqual([]);
      expect(ses.requests - requestsBefore).toBe(0);
      expect(await deliveryRecords(config.deliveriesTable)).toEqual([]);
      expect(logs).toEqual([]);
    } finally {
      faulty.destroy();
    }
  });
});

describe('fault: a rejected report run alarms', () => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthesizeApp({ skipBundling: true });
  });
  afterAll(() => app?.cleanup());

  type Resources = Record<string, { Properties: Record<string, unknown> }>;
  const ref = (id: string) => ({ Ref: id });
  const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

  it.each(REPORT_KINDS)(
    '%s: the function is invoked asynchronously, and any failed run trips the Errors alarm and, retries spent, the DLQ alarm — both to the alarm topic',
    (kind) => {
      const template = app.reportsTemplate;
      const functions = template.findResources('AWS::Lambda::Function') as Resources;
      const [fnId, ...others] = Object.keys(functions).filter(
        (id) =>
          (functions[id]?.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables
            ?.REPORT_KIND === kind,
      );
      expect(others).toEqual([]);
      if (!fnId) throw new Error(`no ${kind} report function`);
      // The alarm topic; the stack's other topic is the spend alerts' pages, which no alarm notifies.
      const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
      expect(topics).toHaveLength(2);
      const alarmTopics = topics.filter((id) => id.startsWith('Alarms'));
      expect(alarmTopics).toHaveLength(1);
      const topic = ref(alarmTopics[0] as string);
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources).map(
        (a) => a.Properties,
      );

      // the scheduler invokes the function (asynchronously: an EventInvokeConfig applies), failures to the DLQ
      const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule') as Resources).filter(
        (s) => JSON.stringify((s.Properties.Target as { Arn: unknown }).Arn) === JSON.stringify(arnOf(fnId)),
      );
      const [schedule, ...moreSchedules] = schedules;
      expect(moreSchedules).toEqual([]);
      const [invokeConfig, ...moreConfigs] = Object.values(
        template.findResources('AWS::Lambda::EventInvokeConfig') as Resources,
      ).filter((c) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify(ref(fnId)));
      expect(moreConfigs).toEqual([]);
      if (!schedule || !invokeConfig)
        throw new Error(`no schedule or invoke config for the ${kind} function`);
      const onFailure = (
        invokeConfig.Properties.DestinationConfig as {
          OnFailure: { Destination: { 'Fn::GetAtt': string[] } };
        }
      ).OnFailure.Destination['Fn::GetAtt'];
      const dlqId = onFailure[0] as string;
      expect(onFailure[1]).toBe('Arn');
      expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toContain(dlqId);
      expect((schedule.Properties.Target as { DeadLetterConfig: unknown }).DeadLetterConfig).toEqual({
        Arn: arnOf(dlqId),
      });

      // one failed attempt (Errors >= 1 in a period, no data = no failure) → ALARM, to the topic
      const errors = alarms.filter(
        (a) =>
          a.Namespace === 'AWS/Lambda' &&
          a.MetricName === 'Errors' &&
          JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: ref(fnId) }]),
      );
      expect(errors).toEqual([
        expect.objectContaining({
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [topic],
        }),
      ]);

      // a run given up on (a message in the DLQ) → ALARM, to the topic
      const deadLetters = alarms.filter(
        (a) =>
          a.Namespace === 'AWS/SQS' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }]),
      );
      expect(deadLetters).toEqual([
        expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [topic],
        }),
      ]);
    },
  );
});
