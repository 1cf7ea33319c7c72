import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { createTokenledgerApp } from './tokenledger-app.ts';

// Entry of `npx cdk synth` / `npx cdk deploy` (cdk.json). The stacks are env-agnostic: they deploy to the
// account and region of the CLI's credentials. Every deploy-time setting is a context key (`-c streamName=…`,
// `-c alarmEmail=ops@example.com`, `-c batchSize=500`, the report jobs' sender, recipients and schedules), checked
// by one schema (infra/settings.ts, docs/deploying.md "Settings"); an unknown key fails synthesis, naming it.
const { app } = createTokenledgerApp();

// cdk-nag v3 runs as policy validation plugins: an unacknowledged AwsSolutions or Serverless error fails
// synthesis. The findings the app accepts, each with its reason, are in infra/nag-acknowledgments.ts.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
