import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createViewsResourceHandler } from '../../../src/adapters/athena/views-resource.ts';
import { viewFiles } from '../../../src/queries/query-files.ts';
import { type LocalAthena, startLocalAthena } from '../../helpers/athena-endpoint.ts';
import { wireEvent } from '../../helpers/factories.ts';
import { LakeFixture } from '../../helpers/lake-fixture.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
let athena: LocalAthena;
beforeEach(async () => {
  tmp = await tempDir();
  await new LakeFixture(tmp.dir).events([wireEvent(), wireEvent()]);
  athena = await startLocalAthena({ lakeDir: tmp.dir, views: [] });
});
afterEach(async () => {
  await athena.stop();
  await tmp.remove();
});

const event = (type: 'Create' | 'Update' | 'Delete', views: unknown, old?: unknown) =>
  ({
    RequestType: type,
    ServiceToken: 'token',
    ResponseURL: 'https://example.invalid',
    StackId: 'stack',
    RequestId: 'req',
    LogicalResourceId: 'Views',
    ResourceType: 'Custom::AthenaViews',
    PhysicalResourceId: 'tokenledger/views',
    ResourceProperties: { ServiceToken: 'token', Views: views },
    OldResourceProperties: { ServiceToken: 'token', Views: old },
  }) as unknown as CloudFormationCustomResourceEvent;

describe('the views custom resource (over the real Athena SDK, against the local Athena endpoint)', () => {
  it('creates every view of queries/views in order, from the unchanged SQL text, through the workgroup', async () => {
    const handler = createViewsResourceHandler({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 5,
    });
    const views = viewFiles();

    const out = await handler(event('Create', views));

    expect(out.PhysicalResourceId).toBe('tokenledger/views');
    expect(out.Data.views.split(',')).toEqual([
      'events_dedup',
      'feature_usage_daily',
      'price_book',
      'cost_lines',
      'revenue_effective',
      'long_context_thresholds',
      'billed_tools',
      'model_aliases',
      'events_resolved',
      'request_usage',
      'customer_usage_hourly_raw',
      'run_usage_hourly_raw',
      'usage_hourly_raw',
      'tool_calls_hourly_raw',
      'users_daily_raw',
      'customer_features_daily_raw',
      'prompt_latencies_hourly_raw',
      'rolled_days',
      'usage_hourly',
      'tool_calls_hourly',
      'users_daily',
      'customer_features_daily',
      'group_usage',
      'hourly_usage',
      'bucket_reconciliation',
      'hourly_rates',
      'group_cost',
      'request_cost',
      'prompt_latencies_hourly',
      'unpriced_groups',
      'customer_usage_hourly',
      'run_usage_hourly',
      'margin_monthly',
      'waste_daily',
      'customer_cost_hourly',
      'run_cost_hourly',
    ]);
    const started = athena.requestsOf('StartQueryExecution').map((r) => r.body);
    expect(started.map((b) => b.QueryString)).toEqual(views.map((v) => v.sql));
    expect(started.every((b) => b.WorkGroup === 'tokenledger')).toBe(true);
    // The views exist: a query through them works.
    const { AthenaQueryRunner } = await import('../../../src/adapters/athena/athena-query-runner.ts');
    const runner = new AthenaQueryRunner({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 5,
      readQuery: () => 'SELECT count(*) AS n FROM events_dedup',
    });
    expect(await runner.run('count', [])).toEqual([{ n: 2 }]);
  });

  it('fails the deployment on a bad view, naming the file', async () => {
    const handler = createViewsResourceHandler({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 5,
    });
    const bad = [
      {
        name: 'views/99_broken.sql',
        sql: 'CREATE OR REPLACE VIEW broken AS SELECT no_such_column FROM events',
      },
    ];
    await expect(handler(event('Create', bad))).rejects.toThrow(/views\/99_broken\.sql/);
  });

  it('on update drops the views no longer in the set; on delete drops them all, last first', async () => {
    const handler = createViewsResourceHandler({
      athena: athena.client,
      workGroup: 'tokenledger',
      database: 'tokenledger',
      pollIntervalMs: 5,
    });
    const views = viewFiles().slice(0, 2);
    await handler(event('Create', views));

    await handler(event('Update', views.slice(0, 1), views));
    const afterUpdate = athena.requestsOf('StartQueryExecution').map((r) => String(r.body.QueryString));
    expect(afterUpdate.at(-1)).toBe('DROP VIEW IF EXISTS feature_usage_daily');

    const out = await handler(event('Delete', views));
    expect(out.Data.views).toBe('feature_usage_daily,events_dedup');
  });

  it('refuses properties that are not a list of views', async () => {
    const handler = createViewsResourceHandler({ athena: athena.client, workGroup: 'w', database: 'd' });
    await expect(handler(event('Create', 'nope'))).rejects.toThrow(/Views must be a list/);
  });
});
