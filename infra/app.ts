import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { createTokenledgerApp } from './tokenledger-app.ts';

// Entry of `npx cdk synth` / `npx cdk deploy` (cdk.json). The stacks are env-agnostic: they deploy to the
// account and region of the CLI's credentials. `-c alarmEmail=ops@example.com` subscribes an address to
// the alarms; the report jobs' sender, recipients and schedules are context too (infra/stacks/reports-stack.ts,
// docs/deploying.md "Report recipients and schedules").
const { app } = createTokenledgerApp();

// cdk-nag v3 runs as policy validation plugins: an unacknowledged AwsSolutions or Serverless error fails
// synthesis. The findings the app accepts, each with its reason, are in infra/nag-acknowledgments.ts.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
