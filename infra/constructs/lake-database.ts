import { Aws } from 'aws-cdk-lib';
import { CfnDatabase } from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { checkPattern } from './prop-checks.ts';

export interface LakeDatabaseProps {
  /**
   * Name of the Glue database finance queries in Athena.
   *
   * @default 'tokenledger'
   */
  readonly databaseName?: string;
}

/** The Glue database that holds the lake's tables (events, and later costs, revenue, prices, views). */
export class LakeDatabase extends Construct {
  /** The Glue database name (a plain string, usable in table definitions and queries). */
  public readonly databaseName: string;
  /** The L1 database resource; tables depend on it. */
  public readonly database: CfnDatabase;

  constructor(scope: Construct, id: string, props: LakeDatabaseProps = {}) {
    super(scope, id);
    this.databaseName = props.databaseName ?? 'tokenledger';
    checkPattern(
      this,
      `LakeDatabase ${id}`,
      'databaseName',
      this.databaseName,
      /^[a-z][a-z0-9_]{0,254}$/,
      'lower-case letters, digits and _, starting with a letter, at most 255 characters',
    );

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.databaseName,
        description: 'tokenledger lake: LLM request events, invoice costs, revenue and price book',
      },
    });
  }
}
