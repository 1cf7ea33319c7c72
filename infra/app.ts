import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createTokenledgerApp } from './tokenledger-app.ts';

// Entry of `npx cdk synth` / `npx cdk deploy` (cdk.json). The stacks are env-agnostic: they deploy to the
// account and region of the CLI's credentials. `-c alarmEmail=ops@example.com` subscribes an address to
// the alarms; the report jobs' sender, recipients and schedules are context too (infra/stacks/reports-stack.ts,
// README "Report recipients and schedules").
const { app } = createTokenledgerApp();

// cdk-nag v3 runs as a policy validation plugin: an unacknowledged AwsSolutions error fails synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
