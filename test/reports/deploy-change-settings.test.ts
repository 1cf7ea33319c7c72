/**
 * Issue 10, item 6 — the deploy-change thresholds have one definition (src/reports/deploy-change-settings.ts)
 * and every entry point reads them through it: the CLI (`report governance --rate-threshold`), the report
 * Lambda's environment (DEPLOY_CHANGE_RATE_POINTS), the CDK context (`-c governanceRateThreshold`) and the
 * ReportJob construct's props (`deployChangeThresholds.ratePoints`). One table of values goes through all four:
 * they must accept the same values (with the same result) and refuse the same ones, each error naming the
 * setting as that entry point spells it and quoting the value.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Errors, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployChangeThresholdSettings, ReportJob } from '../../infra/constructs/report-job.ts';
import { reportsSettingsFromContext } from '../../infra/stacks/reports-stack.ts';
import { reportJobConfig } from '../../src/jobs/report-job-handler.ts';
import {
  DEFAULT_DEPLOY_CHANGE_THRESHOLDS,
  DEPLOY_CHANGE_CLI_OPTIONS,
  DEPLOY_CHANGE_SETTING_NAMES,
  DEPLOY_CHANGE_SETTINGS,
  type DeployChangeSetting,
  parseDeployChangeThresholds,
} from '../../src/reports/deploy-change-settings.ts';
import { DEFAULT_DEPLOY_CHANGE_THRESHOLDS as CORE_DEFAULTS } from '../../src/reports/deploy-changes.ts';
import { runCli } from '../cli/run-cli.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { reportJobInStack } from '../helpers/report-job-construct.ts';

/** What an entry point makes of a value: the threshold the report then uses, or the error it refuses it with. */
type Outcome = { value: number } | { error: string };

/** A value as given (text, as a flag, a variable or `-c` gives it; or a number, as cdk.json or props give it). */
type Given = string | number;

/** The expected effective threshold (`default` when the value is unset), or `refused`. */
type Expected = number | 'default' | 'refused';

const CASES: Record<DeployChangeSetting, [Given, Expected][]> = {
  relative: [
    ['0.25', 0.25],
    ['0.3', 0.3],
    ['0', 0], // any move flags
    ['3', 3], // a 300 % jump: allowed, no upper bound
    ['1e-1', 0.1],
    [' .5 ', 0.5],
    ['', 'default'],
    ['  ', 'default'],
    ['-0.1', 'refused'],
    ['25%', 'refused'],
    ['a lot', 'refused'],
    ['0x10', 'refused'],
    ['Infinity', 'refused'],
    ['NaN', 'refused'],
    [0.5, 0.5],
    [-1, 'refused'],
    [Number.POSITIVE_INFINITY, 'refused'],
    [Number.NaN, 'refused'],
  ],
  rate_points: [
    ['0.02', 0.02],
    ['0', 0],
    ['1', 1],
    ['0.05', 0.05],
    ['', 'default'],
    ['5', 'refused'], // the CLI and the handler used to take it, the CDK app did not
    ['1.5', 'refused'],
    ['-0.01', 'refused'],
    ['2 points', 'refused'],
    ['2%', 'refused'],
    [0.1, 0.1],
    [5, 'refused'],
    [-0.01, 'refused'],
  ],
  min_requests: [
    ['50', 50],
    ['1', 1],
    ['100', 100],
    ['1e2', 100],
    ['50.0', 50],
    ['', 'default'],
    ['0', 'refused'],
    ['-5', 'refused'],
    ['1.5', 'refused'],
    ['2.5', 'refused'],
    ['fifty', 'refused'],
    ['9007199254740993', 'refused'], // beyond a safe integer
    [20, 20],
    [0, 'refused'],
    [12.5, 'refused'],
  ],
};

let dir: string;
let outdir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-thresholds-lake-'));
  outdir = mkdtempSync(join(tmpdir(), 'tokenledger-thresholds-cdk-'));
  await new LakeFixture(dir).events([
    wireEvent({ ts: '2026-11-01T10:00:00Z', feature: 'rewrite', prompt_id: 'rw', prompt_version: 'v3' }),
  ]);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outdir, { recursive: true, force: true });
});

/** `tokenledger report governance --<flag>=<value>`: the thresholds of the deploy_changes.json it writes. */
async function viaCli(setting: DeployChangeSetting, given: string): Promise<Outcome> {
  const flag = `--${DEPLOY_CHANGE_SETTINGS[setting].names.cli}`;
  const run = await runCli(
    'report',
    'governance',
    '--from',
    '2026-11-01',
    '--to',
    '2026-11-02',
    '--lake',
    dir,
    '--format',
    'json',
    `${flag}=${given}`,
  );
  if (run.code === 2) {
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    return { error: run.stderr };
  }
  expect(run.code, run.stderr).toBe(0);
  const written = JSON.parse(
    readFileSync(join(dir, 'reports/governance/2026-11-01_2026-11-02/deploy_changes.json'), 'utf8'),
  );
  return { value: written.thresholds[setting] };
}

const JOB_ENV = {
  REPORT_KIND: 'governance',
  ATHENA_WORKGROUP: 'tokenledger',
  GLUE_DATABASE: 'tokenledger',
  LAKE_BUCKET: 'lake',
  REGISTRY_TABLE: 'registry',
  DELIVERIES_TABLE: 'deliveries',
  MAIL_TO: '',
};

/** The report Lambda's start-up check of its environment. */
function viaEnv(setting: DeployChangeSetting, given: string): Outcome {
  try {
    const config = reportJobConfig({
      ...JOB_ENV,
      [DEPLOY_CHANGE_SETTINGS[setting].names.env]: given,
    });
    return { value: config.deployChangeThresholds[setting] ?? DEFAULT_DEPLOY_CHANGE_THRESHOLDS[setting] };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The thresholds as the governance function reads them at run time. */
function runtimeValue(setting: DeployChangeSetting, env: Record<string, string>): number {
  const config = reportJobConfig({ ...JOB_ENV, ...env });
  return config.deployChangeThresholds[setting] ?? DEFAULT_DEPLOY_CHANGE_THRESHOLDS[setting];
}

/** `cdk deploy -c <key>=<value>` (text) or cdk.json (a number): the settings the reports stack is built with. */
function viaContext(setting: DeployChangeSetting, given: Given): Outcome {
  const key = DEPLOY_CHANGE_SETTINGS[setting].names.context;
  try {
    const settings = reportsSettingsFromContext(new App({ outdir, context: { [key]: given } }));
    const value = (settings as Record<string, unknown>)[key] as number | undefined;
    return { value: value ?? DEFAULT_DEPLOY_CHANGE_THRESHOLDS[setting] };
  } catch (err) {
    expect(Errors.isValidationError(err), String(err)).toBe(true);
    return { error: (err as Error).message };
  }
}

/** `new ReportJob(…, { deployChangeThresholds: { <prop>: value } })`: the function's DEPLOY_CHANGE_*, as read at run time. */
function viaProps(setting: DeployChangeSetting, given: Given): Outcome {
  const prop = DEPLOY_CHANGE_SETTINGS[setting].names.props;
  let job: ReportJob;
  try {
    job = reportJobInStack(outdir, {
      kind: 'governance',
      // A JavaScript caller (or a value taken straight from the context) may pass text: the same rules apply.
      deployChangeThresholds: { [prop]: given } as DeployChangeThresholdSettings,
    });
  } catch (err) {
    expect(Errors.isValidationError(err), String(err)).toBe(true);
    expect((err as { constructPath?: string }).constructPath).toBe('Test/Job');
    return { error: (err as Error).message };
  }
  const fn = job.function.node.defaultChild as CfnFunction & CfnElement;
  const environment = Stack.of(job).resolve(fn.environment) as { variables: Record<string, string> };
  const variables = Object.fromEntries(
    Object.entries(environment.variables).filter(([name]) => name.startsWith('DEPLOY_CHANGE_')),
  );
  return { value: runtimeValue(setting, variables) };
}

/** How each entry point names the setting in an error. */
function spelled(setting: DeployChangeSetting) {
  const { names } = DEPLOY_CHANGE_SETTINGS[setting];
  return {
    cli: `--${names.cli}`,
    env: `environment variable ${names.env}`,
    context: `context ${names.context}`,
    props: `ReportJob Job: deployChangeThresholds.${names.props}`,
  };
}

/** The value as the errors quote it: text in double quotes, a number as written. */
const quoted = (given: Given) => (typeof given === 'number' ? String(given) : JSON.stringify(given));

function expectAgreement(
  setting: DeployChangeSetting,
  given: Given,
  expected: Expected,
  outcomes: Partial<Record<'cli' | 'env' | 'context' | 'props', Outcome>>,
) {
  const { rule } = DEPLOY_CHANGE_SETTINGS[setting];
  const names = spelled(setting);
  for (const [source, outcome] of Object.entries(outcomes) as [keyof typeof names, Outcome][]) {
    if (expected === 'refused') {
      expect(outcome, `${source} should refuse ${quoted(given)}`).toHaveProperty('error');
      const error = (outcome as { error: string }).error;
      expect(error, source).toContain(names[source]);
      expect(error, source).toContain(quoted(given));
      expect(error, source).toContain(rule);
    } else {
      const value = expected === 'default' ? DEFAULT_DEPLOY_CHANGE_THRESHOLDS[setting] : expected;
      expect(outcome, `${source} should take ${quoted(given)}`).toEqual({ value });
    }
  }
}

describe('the definition of the deploy-change thresholds', () => {
  it('is the one the report uses: its defaults are the core defaults', () => {
    expect(CORE_DEFAULTS).toEqual({ relative: 0.25, rate_points: 0.02, min_requests: 50 });
    expect(DEFAULT_DEPLOY_CHANGE_THRESHOLDS).toBe(CORE_DEFAULTS);
    for (const setting of DEPLOY_CHANGE_SETTING_NAMES) {
      expect(DEPLOY_CHANGE_SETTINGS[setting].default).toBe(CORE_DEFAULTS[setting]);
    }
  });

  it('keeps the names users and deployments already use', () => {
    expect(
      DEPLOY_CHANGE_SETTING_NAMES.map((setting) => [setting, DEPLOY_CHANGE_SETTINGS[setting].names]),
    ).toEqual([
      [
        'relative',
        {
          cli: 'change-threshold',
          env: 'DEPLOY_CHANGE_RELATIVE',
          context: 'governanceChangeThreshold',
          props: 'relative',
        },
      ],
      [
        'rate_points',
        {
          cli: 'rate-threshold',
          env: 'DEPLOY_CHANGE_RATE_POINTS',
          context: 'governanceRateThreshold',
          props: 'ratePoints',
        },
      ],
      [
        'min_requests',
        {
          cli: 'min-requests',
          env: 'DEPLOY_CHANGE_MIN_REQUESTS',
          context: 'governanceMinRequests',
          props: 'minRequests',
        },
      ],
    ]);
    expect(DEPLOY_CHANGE_CLI_OPTIONS).toEqual({
      'change-threshold': { type: 'string' },
      'rate-threshold': { type: 'string' },
      'min-requests': { type: 'string' },
    });
  });

  it('leaves out what is unset and takes the three together', () => {
    expect(parseDeployChangeThresholds({}, 'env')).toEqual({});
    expect(
      parseDeployChangeThresholds(
        { DEPLOY_CHANGE_RELATIVE: '0.5', DEPLOY_CHANGE_RATE_POINTS: '0.05', DEPLOY_CHANGE_MIN_REQUESTS: '1' },
        'env',
      ),
    ).toEqual({ relative: 0.5, rate_points: 0.05, min_requests: 1 });
    expect(parseDeployChangeThresholds({ relative: -0 }, 'props')).toEqual({ relative: 0 });
    expect(() => parseDeployChangeThresholds({ minRequests: [50] }, 'props')).toThrow(
      'deployChangeThresholds.minRequests must be a whole number ≥ 1, got [50]',
    );
  });
});

describe.each(DEPLOY_CHANGE_SETTING_NAMES)(
  '%s: every entry point accepts and refuses the same values',
  (setting) => {
    it.each(CASES[setting])('%j → %s', async (given, expected) => {
      if (typeof given === 'string') {
        expectAgreement(setting, given, expected, {
          cli: await viaCli(setting, given),
          env: viaEnv(setting, given),
          context: viaContext(setting, given),
          props: viaProps(setting, given),
        });
      } else {
        // A number: only the CDK context (cdk.json) and the props take one; the text of a finite one goes through all.
        expectAgreement(setting, given, expected, {
          context: viaContext(setting, given),
          props: viaProps(setting, given),
        });
        if (Number.isFinite(given)) {
          const text = String(given);
          expectAgreement(setting, text, expected, {
            cli: await viaCli(setting, text),
            env: viaEnv(setting, text),
          });
        }
      }
    });
  },
);

describe('the refusals, word for word', () => {
  it.each([
    [
      'rate_points',
      '5',
      {
        cli: 'tokenledger: --rate-threshold "5" is not a number from 0 to 1 (a difference of rates: 0.02 is 2 points)\n',
        env: 'environment variable DEPLOY_CHANGE_RATE_POINTS="5" is not a number from 0 to 1 (a difference of rates: 0.02 is 2 points)',
        context:
          'context governanceRateThreshold must be a number from 0 to 1 (a difference of rates: 0.02 is 2 points), got "5"',
        props:
          'ReportJob Job: deployChangeThresholds.ratePoints must be a number from 0 to 1 (a difference of rates: 0.02 is 2 points), got "5"',
      },
    ],
    [
      'min_requests',
      '1.5',
      {
        cli: 'tokenledger: --min-requests "1.5" is not a whole number ≥ 1\n',
        env: 'environment variable DEPLOY_CHANGE_MIN_REQUESTS="1.5" is not a whole number ≥ 1',
        context: 'context governanceMinRequests must be a whole number ≥ 1, got "1.5"',
        props: 'ReportJob Job: deployChangeThresholds.minRequests must be a whole number ≥ 1, got "1.5"',
      },
    ],
    [
      'relative',
      '25%',
      {
        cli: 'tokenledger: --change-threshold "25%" is not a number ≥ 0 (a ratio: 0.25 is 25%)\n',
        env: 'environment variable DEPLOY_CHANGE_RELATIVE="25%" is not a number ≥ 0 (a ratio: 0.25 is 25%)',
        context: 'context governanceChangeThreshold must be a number ≥ 0 (a ratio: 0.25 is 25%), got "25%"',
        props:
          'ReportJob Job: deployChangeThresholds.relative must be a number ≥ 0 (a ratio: 0.25 is 25%), got "25%"',
      },
    ],
  ] as const)('%s %j', async (setting, given, messages) => {
    expect(await viaCli(setting, given)).toEqual({ error: messages.cli });
    expect(viaEnv(setting, given)).toEqual({ error: messages.env });
    expect(viaContext(setting, given)).toEqual({ error: messages.context });
    expect(viaProps(setting, given)).toEqual({ error: messages.props });
  });
});
