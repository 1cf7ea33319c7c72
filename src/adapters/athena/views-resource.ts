import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type QueryFile, viewName } from '../../queries/query-files.ts';
import { AthenaQueryRunner } from './athena-query-runner.ts';
import { createViews, dropViews, type RunSql } from './views.ts';

export interface ViewsResourceDependencies {
  athena: AthenaClient;
  workGroup: string;
  database: string;
  pollIntervalMs?: number;
}

/** What the custom resource framework needs back: the resource's id, and what it did (for the log). */
export interface ViewsResourceResult {
  PhysicalResourceId: string;
  Data: { views: string };
}

/**
 * The custom resource that creates the views of queries/views in Athena on deploy, through the workgroup, from
 * the SQL text the stack carries in its properties (so a changed view file is a changed resource, and
 * CloudFormation updates it). Update replaces every view and drops those no longer in the set; Delete drops
 * them all. A failed statement fails the deployment, naming the file and Athena's reason.
 */
export function createViewsResourceHandler(deps: ViewsResourceDependencies) {
  return async (event: CloudFormationCustomResourceEvent): Promise<ViewsResourceResult> => {
    const texts = new Map<string, string>();
    const runner = new AthenaQueryRunner({
      athena: deps.athena,
      workGroup: deps.workGroup,
      database: deps.database,
      ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
      readQuery: (name) => texts.get(name) ?? '',
    });
    const run: RunSql = async (name, sql) => {
      texts.set(name, sql);
      await runner.run(name, []);
    };
    const views = viewsOf(event.ResourceProperties.Views, 'Views');
    const id = `${deps.database}/views`;
    if (event.RequestType === 'Delete') {
      return {
        PhysicalResourceId: event.PhysicalResourceId,
        Data: { views: (await dropViews(run, views)).join(',') },
      };
    }
    const created = await createViews(run, views);
    if (event.RequestType === 'Update') {
      const current = new Set(created);
      const gone = viewsOf(event.OldResourceProperties.Views, 'OldResourceProperties.Views').filter(
        (v) => !current.has(viewName(v.sql)),
      );
      await dropViews(run, gone);
    }
    return { PhysicalResourceId: id, Data: { views: created.join(',') } };
  };
}

function viewsOf(value: unknown, where: string): QueryFile[] {
  if (!Array.isArray(value)) throw new Error(`${where} must be a list of { name, sql }, got ${typeof value}`);
  return value.map((v, i) => {
    const { name, sql } = (v ?? {}) as { name?: unknown; sql?: unknown };
    if (typeof name !== 'string' || typeof sql !== 'string')
      throw new Error(`${where}[${i}] needs a name and an sql string`);
    return { name, sql };
  });
}
