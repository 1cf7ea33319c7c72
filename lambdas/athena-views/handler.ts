import { AthenaClient } from '@aws-sdk/client-athena';
import { createViewsResourceHandler } from '../../src/adapters/athena/views-resource.ts';
import { requiredEnv } from '../../src/config/required-env.ts';

// The custom resource framework's onEvent handler: creates the queries/views views in Athena on deploy.
export const handler = createViewsResourceHandler({
  athena: new AthenaClient({}),
  workGroup: requiredEnv('ATHENA_WORKGROUP'),
  database: requiredEnv('GLUE_DATABASE'),
});
