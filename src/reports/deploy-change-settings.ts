import {
  type NumericSettingSpec,
  numericSettingsAs,
  parseNumericSettings,
  SettingError,
  type SettingSource,
} from './numeric-settings.ts';

/**
 * The deploy-change thresholds of the governance report, defined once: name, default, rule, and how each entry
 * point spells them. The CLI (`report governance`), the Lambda's environment, the CDK context (and the
 * ReportsStack props of the same names) and the ReportJob construct's props all read them through
 * {@link parseDeployChangeThresholds}, so they accept and refuse the same values.
 *
 * Rules (docs/governance.md#deploy-change-thresholds):
 * - `relative`: a number ≥ 0, no upper bound. A ratio of the before value: 0.25 flags a move of more than 25 %,
 *   3 one of more than 300 %. Above 1 only rises can be flagged (a fall is at most 100 %). 0 flags any move.
 * - `rate_points`: a number from 0 to 1, a difference of two rates (0.02 is 2 points). 0 flags any move; 1
 *   never flags (a rate moves by at most 1).
 * - `min_requests`: a whole number ≥ 1 (a window has a whole number of requests).
 *
 * A value is a finite number or its decimal text (`0.25`, `.5`, `1e2`; surrounding spaces ignored); blank text
 * or no value is unset, and the default applies. `25%`, `0x10`, `Infinity` are refused.
 */

/**
 * When a metric counts as moved: `relative` for requests, cost per request and p95 latency
 * (|after − before| ÷ before), `rate_points` for the error and cancel rates (|after − before|, absolute).
 */
export interface DeployChangeThresholds {
  relative: number;
  rate_points: number;
  /**
   * Fewer requests than this in either window and only `requests` is compared: a handful of requests moves a
   * rate or a p95 by chance.
   */
  min_requests: number;
}

/** A threshold, by its canonical name. */
export type DeployChangeSetting = keyof DeployChangeThresholds;

/**
 * Where a threshold is given: `cli` (`report governance --change-threshold`), `env` (the report Lambda's
 * DEPLOY_CHANGE_*), `context` (CDK `-c governanceChangeThreshold=…`, cdk.json, and the ReportsStack props of the
 * same names), `props` (the ReportJob construct's `deployChangeThresholds.relative`).
 */
export type DeployChangeSource = SettingSource;

export type DeployChangeSettingSpec = NumericSettingSpec;

export const DEPLOY_CHANGE_SETTINGS = {
  relative: {
    default: 0.25,
    rule: 'a number ≥ 0 (a ratio: 0.25 is 25%)',
    valid: (v) => v >= 0,
    description:
      'the relative move (|after − before| ÷ before) of requests, cost per request or p95 latency that flags a deploy',
    names: {
      cli: 'change-threshold',
      env: 'DEPLOY_CHANGE_RELATIVE',
      context: 'governanceChangeThreshold',
      props: 'relative',
    },
  },
  rate_points: {
    default: 0.02,
    rule: 'a number from 0 to 1 (a difference of rates: 0.02 is 2 points)',
    valid: (v) => v >= 0 && v <= 1,
    description: 'the absolute move of the error or cancel rate that flags a deploy',
    names: {
      cli: 'rate-threshold',
      env: 'DEPLOY_CHANGE_RATE_POINTS',
      context: 'governanceRateThreshold',
      props: 'ratePoints',
    },
  },
  min_requests: {
    default: 50,
    rule: 'a whole number ≥ 1',
    valid: (v) => Number.isSafeInteger(v) && v >= 1,
    description:
      'metrics other than requests are compared only when both windows have at least this many requests',
    names: {
      cli: 'min-requests',
      env: 'DEPLOY_CHANGE_MIN_REQUESTS',
      context: 'governanceMinRequests',
      props: 'minRequests',
    },
  },
} as const satisfies Readonly<Record<DeployChangeSetting, DeployChangeSettingSpec>>;

/** The thresholds in their canonical order. */
export const DEPLOY_CHANGE_SETTING_NAMES = Object.keys(DEPLOY_CHANGE_SETTINGS) as DeployChangeSetting[];

export const DEFAULT_DEPLOY_CHANGE_THRESHOLDS: DeployChangeThresholds = {
  relative: DEPLOY_CHANGE_SETTINGS.relative.default,
  rate_points: DEPLOY_CHANGE_SETTINGS.rate_points.default,
  min_requests: DEPLOY_CHANGE_SETTINGS.min_requests.default,
};

/** The options of `report governance` for the thresholds, as `util.parseArgs` takes them. */
export const DEPLOY_CHANGE_CLI_OPTIONS = Object.fromEntries(
  DEPLOY_CHANGE_SETTING_NAMES.map((setting) => [
    DEPLOY_CHANGE_SETTINGS[setting].names.cli,
    { type: 'string' },
  ]),
) as Record<(typeof DEPLOY_CHANGE_SETTINGS)[DeployChangeSetting]['names']['cli'], { type: 'string' }>;

/** How an entry point names a setting in its errors, by default. */
const LABELS: Readonly<Record<DeployChangeSource, (name: string) => string>> = {
  cli: (name) => `--${name}`,
  env: (name) => `environment variable ${name}`,
  context: (name) => `context ${name}`,
  props: (name) => `deployChangeThresholds.${name}`,
};

/** A bad threshold; the message names the setting as its entry point spells it and quotes the value. */
export class DeployChangeSettingError extends SettingError {
  override readonly name = 'DeployChangeSettingError';
}

/**
 * The thresholds set in `input` — keyed as `source` spells them: parseArgs values, `process.env`, the CDK
 * context, the construct's `deployChangeThresholds` — checked against the rules of {@link DEPLOY_CHANGE_SETTINGS}.
 * Unset ones (undefined, blank text) are left out: the defaults apply. Throws a {@link DeployChangeSettingError}
 * naming the first bad one by `label(name)` (default: `--change-threshold`, `environment variable
 * DEPLOY_CHANGE_RELATIVE`, `context governanceChangeThreshold`, `deployChangeThresholds.relative`) and quoting
 * its value.
 */
export function parseDeployChangeThresholds(
  input: object,
  source: DeployChangeSource,
  label: (name: string) => string = LABELS[source],
): Partial<DeployChangeThresholds> {
  return parseNumericSettings(
    DEPLOY_CHANGE_SETTINGS,
    input,
    source,
    label,
    (text) => new DeployChangeSettingError(text),
  );
}

/** The thresholds keyed as `source` spells them: the construct's props, or the function's DEPLOY_CHANGE_*. */
export function deployChangeThresholdsAs(
  source: DeployChangeSource,
  thresholds: Partial<DeployChangeThresholds>,
): Record<string, number> {
  return numericSettingsAs(DEPLOY_CHANGE_SETTINGS, source, thresholds);
}
