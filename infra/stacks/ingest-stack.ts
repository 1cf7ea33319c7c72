import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { IngestAlarms, type IngestAlarmsProps } from '../constructs/ingest-alarms.ts';
import { IngestFunction, type IngestFunctionProps } from '../constructs/ingest-function.ts';
import { parseSetting } from '../settings.ts';

/**
 * The ingest function's props (stream and buckets from the data stack) and its alarms' props, as documented on
 * IngestFunctionProps and IngestAlarmsProps: the stack passes them through unchanged.
 */
export interface IngestStackProps
  extends StackProps,
    IngestFunctionProps,
    Omit<IngestAlarmsProps, 'function' | 'eventSourceMappingId' | 'logGroup'> {}

/** The ingest settings given as CDK context. */
export interface IngestSettings {
  /** `-c ingestReservedConcurrency=20`, or `none` (null) for no reservation. */
  readonly reservedConcurrentExecutions?: number | null;
}

/** The CDK context key of the ingest function's reserved concurrency. */
export const INGEST_RESERVED_CONCURRENCY_KEY = 'ingestReservedConcurrency' as const;

/**
 * The ingest settings of the CDK context (`-c ingestReservedConcurrency=20`, or `none`; a JSON number in
 * cdk.json): a bad value is a ValidationError of `scope` (whose context it is) naming the key and quoting the value.
 * The app reads it, with every other setting, through settingsFromContext (infra/settings.ts).
 */
export function ingestSettingsFromContext(scope: Construct): IngestSettings {
  const value = parseSetting(
    scope,
    INGEST_RESERVED_CONCURRENCY_KEY,
    scope.node.tryGetContext(INGEST_RESERVED_CONCURRENCY_KEY),
  );
  return value === undefined ? {} : { reservedConcurrentExecutions: value as number | null };
}

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
      eventSourceMappingId: this.ingestFunction.eventSource.eventSourceMappingId,
      logGroup: this.ingestFunction.logGroup,
    });
  }
}
