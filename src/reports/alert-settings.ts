import {
  type NumericSettingSpec,
  numericSettingOptions,
  numericSettingsAs,
  parseNumericSettings,
  type SettingSource,
} from './numeric-settings.ts';
import { DEFAULT_RUNAWAY_FACTOR } from './runs-report.ts';

/**
 * The spend-alert thresholds (docs/finance.md#spend-alerts), defined once and read alike by `report alerts`, the
 * alerts job's environment, the CDK context and the ReportJob construct's `alertThresholds`.
 */
export interface AlertThresholds {
  /** A customer's or feature's cost on the day is flagged above `factor` × its trailing 7-day median. */
  factor: number;
  /** ... and only from this many dollars (so tiny customers do not page). Runaway runs too. */
  min_cost: number;
  /** A finding is critical (paged through SNS) when this many dollars or more are at stake. */
  critical_cost: number;
  /** A run is a runaway at this many times its feature's median cost per run (as `report runs`). */
  runaway_factor: number;
}

export type AlertSetting = keyof AlertThresholds;

export const ALERT_SETTINGS = {
  factor: {
    default: 5,
    rule: 'a number ≥ 1',
    valid: (v) => v >= 1,
    description:
      "a customer's or feature's cost on the day is flagged above this × its trailing 7-day median",
    names: { cli: 'factor', env: 'ALERT_FACTOR', context: 'alertsFactor', props: 'factor' },
  },
  min_cost: {
    default: 10,
    rule: 'a number of dollars ≥ 0',
    valid: (v) => v >= 0,
    description: 'nothing costing less than this many dollars on the day is flagged',
    names: { cli: 'min-cost', env: 'ALERT_MIN_COST', context: 'alertsMinCost', props: 'minCost' },
  },
  critical_cost: {
    default: 100,
    rule: 'a number of dollars ≥ 0',
    valid: (v) => v >= 0,
    description:
      'a finding with at least this many dollars at stake (cost above the median; a runaway run its cost) is critical',
    names: {
      cli: 'critical-cost',
      env: 'ALERT_CRITICAL_COST',
      context: 'alertsCriticalCost',
      props: 'criticalCost',
    },
  },
  runaway_factor: {
    default: DEFAULT_RUNAWAY_FACTOR,
    rule: 'a number above 0',
    valid: (v) => v > 0,
    description: "a run is a runaway at this many times its feature's median cost per run",
    names: {
      cli: 'runaway-factor',
      env: 'ALERT_RUNAWAY_FACTOR',
      context: 'alertsRunawayFactor',
      props: 'runawayFactor',
    },
  },
} as const satisfies Readonly<Record<AlertSetting, NumericSettingSpec>>;

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  factor: ALERT_SETTINGS.factor.default,
  min_cost: ALERT_SETTINGS.min_cost.default,
  critical_cost: ALERT_SETTINGS.critical_cost.default,
  runaway_factor: ALERT_SETTINGS.runaway_factor.default,
};

/** The options of `report alerts` for the thresholds, as `util.parseArgs` takes them. */
export const ALERT_CLI_OPTIONS = numericSettingOptions(ALERT_SETTINGS);

const LABELS: Readonly<Record<SettingSource, (name: string) => string>> = {
  cli: (name) => `--${name}`,
  env: (name) => `environment variable ${name}`,
  context: (name) => `context ${name}`,
  props: (name) => `alertThresholds.${name}`,
};

/** `report runs`' one setting: the runaway factor, as `report alerts` and the alerts job read it. */
export const RUNS_SETTINGS = { runaway_factor: ALERT_SETTINGS.runaway_factor };

/** The thresholds set in `input`, keyed as `source` spells them; throws a SettingError naming a bad one. */
export function parseAlertThresholds(
  input: object,
  source: SettingSource,
  label: (name: string) => string = LABELS[source],
): Partial<AlertThresholds> {
  return parseNumericSettings(ALERT_SETTINGS, input, source, label);
}

/** The thresholds keyed as `source` spells them: the construct's props, or the function's ALERT_*. */
export function alertThresholdsAs(
  source: SettingSource,
  thresholds: Partial<AlertThresholds>,
): Record<string, number> {
  return numericSettingsAs(ALERT_SETTINGS, source, thresholds);
}
