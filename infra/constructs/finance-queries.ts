import { readFileSync } from 'node:fs';
import { CfnNamedQuery } from 'aws-cdk-lib/aws-athena';
import { Construct } from 'constructs';
import { QUERIES_DIR } from '../../src/queries/query-files.ts';
import type { LakeDatabase } from './lake-database.ts';
import type { QueryWorkgroup } from './query-workgroup.ts';

/** One saved query of the Athena console. */
export interface FinanceQuery {
  /** Construct id. */
  readonly id: string;
  /** What the console lists (at most 128 characters). */
  readonly name: string;
  /** What it answers and which parameters it asks for. */
  readonly description: string;
  /** The SQL; `?` are execution parameters the console asks for when the query runs. */
  readonly sql: string;
}

/** The questions finance asks, over the views of queries/views (created in the tokenledger database). */
export function financeQueries(): FinanceQuery[] {
  return [
    {
      id: 'MarginByFeatureAndCohort',
      name: 'tokenledger: margin by feature and cohort for a month',
      description:
        'Requests, users, tokens, cost, revenue and margin per cohort and feature (queries/reports/margin.sql, ' +
        'the report `tokenledger report margin` prints), from the daily rollups. Parameters: first day of the ' +
        "month and of the next month as 'YYYY-MM-DD', the same two three times again, then the month 'YYYY-MM'.",
      sql: readFileSync(`${QUERIES_DIR}reports/margin.sql`, 'utf8'),
    },
    {
      id: 'TopCostFeatures',
      name: 'tokenledger: top cost features for a month',
      description:
        'The 20 features that cost most in a month, across cohorts: cost allocated from the invoices plus ' +
        "cost estimated at list price. Parameters: first day of the month and of the next month, 'YYYY-MM-DD'.",
      sql: TOP_COST_FEATURES,
    },
    {
      id: 'UnallocatedSpendByProvider',
      name: 'tokenledger: unallocated spend by provider for a month',
      description:
        'Billed spend no request accounts for, per provider: token buckets billed beyond telemetry, and ' +
        "invoice lines that are not tokens. Parameters: first day of the month and of the next month 'YYYY-MM-DD', " +
        'the same two again.',
      sql: UNALLOCATED_BY_PROVIDER,
    },
  ];
}

const TOP_COST_FEATURES = `-- top cost features: the month's features by cost (allocated from the invoices + estimated at list price),
-- across cohorts, from the daily rollups (group_cost: one row per group and usage type, so a group's requests
-- are counted on its output row). Parameters: 1 first day of the month 'YYYY-MM-DD', 2 first day of the next month.
SELECT
  feature,
  sum(CASE WHEN usage_type = 'output' THEN requests ELSE 0 END) AS requests,
  sum(allocated_cost) AS allocated,
  sum(estimated_cost) AS estimated,
  sum(allocated_cost + estimated_cost) AS cost,
  sum(allocated_cost + estimated_cost) / nullif(sum(CASE WHEN usage_type = 'output' THEN requests ELSE 0 END), 0)
    AS cost_per_request
FROM group_cost
WHERE dt >= ? AND dt < ?
GROUP BY feature
ORDER BY cost DESC
LIMIT 20
`;

const UNALLOCATED_BY_PROVIDER = `-- unallocated spend by provider: billed cost that no request accounts for, for one month. Token and tool buckets
-- billed beyond the telemetry (bucket_reconciliation.unallocated), plus invoice lines that are no bucket ('other',
-- token lines without a model: unallocated by definition); together they are the report's unallocated total
-- (billed - allocated).
-- Parameters: 1 and 3 first day of the month 'YYYY-MM-DD', 2 and 4 first day of the next month.
WITH spend AS (
  SELECT provider, billed, unallocated AS beyond_telemetry, CAST(0 AS DOUBLE) AS not_tokens
  FROM bucket_reconciliation
  WHERE charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
  UNION ALL
  SELECT provider, billed_cost AS billed, CAST(0 AS DOUBLE) AS beyond_telemetry, billed_cost AS not_tokens
  FROM cost_lines
  WHERE (usage_type = 'other' OR (model IS NULL AND usage_type NOT LIKE 'tool:%'))
    AND charge_period_start >= CAST(? AS TIMESTAMP) AND charge_period_start < CAST(? AS TIMESTAMP)
)
SELECT
  provider,
  sum(billed) AS billed,
  sum(beyond_telemetry) AS beyond_telemetry,
  sum(not_tokens) AS not_tokens,
  sum(beyond_telemetry + not_tokens) AS unallocated,
  sum(beyond_telemetry + not_tokens) / nullif(sum(billed), 0) AS unallocated_share
FROM spend
GROUP BY provider
ORDER BY unallocated DESC
`;

export interface FinanceQueriesProps {
  /** The database the queries run in. */
  readonly database: LakeDatabase;
  /** The workgroup they are saved in. */
  readonly workgroup: QueryWorkgroup;
}

/**
 * Athena named queries for the questions finance asks, saved in the tokenledger workgroup and database. Month
 * bounds are `?` execution parameters (the console asks for them), never spliced into the SQL text.
 */
export class FinanceQueries extends Construct {
  /** The named queries, by construct id. */
  public readonly queries: Record<string, CfnNamedQuery> = {};

  constructor(scope: Construct, id: string, props: FinanceQueriesProps) {
    super(scope, id);
    for (const query of financeQueries()) {
      const named = new CfnNamedQuery(this, query.id, {
        name: query.name,
        description: query.description,
        database: props.database.databaseName,
        workGroup: props.workgroup.workGroupName,
        queryString: query.sql,
      });
      named.addResourceDependency(props.workgroup.workGroup);
      named.addResourceDependency(props.database.database);
      this.queries[query.id] = named;
    }
  }
}
