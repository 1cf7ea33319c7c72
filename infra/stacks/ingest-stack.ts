import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { IngestAlarms, type IngestAlarmsProps } from '../constructs/ingest-alarms.ts';
import { IngestFunction, type IngestFunctionProps } from '../constructs/ingest-function.ts';

/**
 * The ingest function's props (stream and buckets from the data stack) and its alarms' props, as documented on
 * IngestFunctionProps and IngestAlarmsProps: the stack passes them through unchanged.
 */
export interface IngestStackProps
  extends StackProps,
    IngestFunctionProps,
    Omit<IngestAlarmsProps, 'function'> {}

/**
 * The stateless half of the ingest path: the ingest function, its event source mapping and its alarms.
 * Redeploying it (new code, new settings) leaves the data stack alone. Each prop is described on
 * IngestFunctionProps / IngestAlarmsProps.
 */
export class IngestStack extends Stack {
  /** The ingest function and its event source mapping. */
  public readonly ingestFunction: IngestFunction;
  /** Alarms and the topic they notify. */
  public readonly ingestAlarms: IngestAlarms;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);

    this.ingestFunction = new IngestFunction(this, 'IngestFunction', props);

    this.ingestAlarms = new IngestAlarms(this, 'IngestAlarms', {
      ...props,
      function: this.ingestFunction.function,
    });
  }
}
