// zod's mini build: the ingest Lambda bundles this file, and the full build would triple its size.
import * as z from 'zod/mini';

/**
 * Which span attributes give an OTLP span's feature, cohort, customer and end user: a deployment's settings, the
 * same four for the CDK app (context keys), the ingest function (its environment) and the CLI (flags). One table
 * below names each setting in all three places; {@link parseOtlpSettings} checks values from any of them.
 */
export interface OtlpSettings {
  /** Attribute whose value is the event's `feature` (the span's own attribute, else the resource's). */
  featureAttribute: string;
  cohortAttribute: string;
  customerAttribute: string;
  /** Attributes holding the raw end-user id, first found wins; hashed in the consumer, never stored. */
  userAttributes: readonly string[];
}

export const DEFAULT_OTLP_SETTINGS: OtlpSettings = {
  featureAttribute: 'tokenledger.feature',
  cohortAttribute: 'tokenledger.cohort',
  customerAttribute: 'tokenledger.customer_id',
  userAttributes: ['enduser.id'],
};

export interface OtlpSettingSpec {
  readonly name: keyof OtlpSettings;
  /** The CDK context key (`-c otlpFeatureAttribute=app.feature`). */
  readonly context: string;
  /** The ingest function's environment variable. */
  readonly env: string;
  /** The CLI flag (`--feature-attribute app.feature`). */
  readonly flag: string;
  readonly description: string;
}

export const OTLP_SETTING_SPECS: readonly OtlpSettingSpec[] = [
  {
    name: 'featureAttribute',
    context: 'otlpFeatureAttribute',
    env: 'OTLP_FEATURE_ATTRIBUTE',
    flag: 'feature-attribute',
    description: "the span or resource attribute holding the event's feature",
  },
  {
    name: 'cohortAttribute',
    context: 'otlpCohortAttribute',
    env: 'OTLP_COHORT_ATTRIBUTE',
    flag: 'cohort-attribute',
    description: "the span or resource attribute holding the event's cohort",
  },
  {
    name: 'customerAttribute',
    context: 'otlpCustomerAttribute',
    env: 'OTLP_CUSTOMER_ATTRIBUTE',
    flag: 'customer-attribute',
    description: "the span or resource attribute holding the event's customer_id",
  },
  {
    name: 'userAttributes',
    context: 'otlpUserAttributes',
    env: 'OTLP_USER_ATTRIBUTES',
    flag: 'user-attributes',
    description:
      'the attributes holding the raw end-user id, comma-separated, first found wins (hashed, never stored)',
  },
];

/** An attribute key as OpenTelemetry writes them: dotted lower-case names, at most 255 characters. */
const ATTRIBUTE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,254}$/;
export const OTLP_ATTRIBUTE_KEY_RULE = `an attribute key matching ${ATTRIBUTE_KEY}`;

const attributeKey = z.string().check(z.trim(), z.regex(ATTRIBUTE_KEY));
const attributeKeys = z.pipe(
  z.pipe(
    z.union([z.string(), z.array(z.string())]),
    z.transform((v: string | string[]) =>
      (Array.isArray(v) ? v : v.split(',')).map((k) => k.trim()).filter((k) => k !== ''),
    ),
  ),
  z.array(attributeKey).check(z.minLength(1), z.maxLength(8)),
);

const SCHEMA = {
  featureAttribute: attributeKey,
  cohortAttribute: attributeKey,
  customerAttribute: attributeKey,
  userAttributes: attributeKeys,
} as const;

/** What a value of the setting must be, as an error says it. */
export function otlpSettingRule(name: keyof OtlpSettings): string {
  return name === 'userAttributes'
    ? `1 to 8 comma-separated attribute keys, each matching ${ATTRIBUTE_KEY}`
    : OTLP_ATTRIBUTE_KEY_RULE;
}

export class OtlpSettingsError extends Error {
  override readonly name = 'OtlpSettingsError';
}

/**
 * The settings from values named as `name` says (`'context'`, `'env'` or `'flag'`): an absent or blank value keeps
 * the default. A bad value is an error naming where it came from, the rule and the value.
 */
export function parseOtlpSettings(
  values: Readonly<Record<string, unknown>>,
  name: 'context' | 'env' | 'flag' | 'name' = 'name',
): OtlpSettings {
  const out: Record<string, unknown> = { ...DEFAULT_OTLP_SETTINGS };
  for (const spec of OTLP_SETTING_SPECS) {
    const key = spec[name];
    const value = values[key];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue;
    const parsed = z.safeParse(SCHEMA[spec.name], value);
    if (!parsed.success) {
      const label = name === 'flag' ? `--${key}` : key;
      throw new OtlpSettingsError(
        `${label}: expected ${otlpSettingRule(spec.name)}, got ${JSON.stringify(value)}`,
      );
    }
    out[spec.name] = parsed.data;
  }
  const settings = out as unknown as OtlpSettings;
  // A user attribute read as a label would store the raw end-user id in the lake.
  const labels = [settings.featureAttribute, settings.cohortAttribute, settings.customerAttribute];
  const shared = settings.userAttributes.find((k) => labels.includes(k));
  if (shared !== undefined) {
    const spec = OTLP_SETTING_SPECS.find((s) => s.name === 'userAttributes') as OtlpSettingSpec;
    throw new OtlpSettingsError(
      `${name === 'flag' ? `--${spec.flag}` : spec[name]}: ${JSON.stringify(shared)} is also the feature, cohort or customer attribute; the raw end-user id would be stored`,
    );
  }
  return settings;
}

/** The settings as the ingest function's environment variables (only those that differ from the defaults). */
export function otlpSettingsEnvironment(settings: OtlpSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const spec of OTLP_SETTING_SPECS) {
    const value = settings[spec.name];
    const text = Array.isArray(value) ? value.join(',') : String(value);
    const fallback = DEFAULT_OTLP_SETTINGS[spec.name];
    if (text !== (Array.isArray(fallback) ? fallback.join(',') : String(fallback))) env[spec.env] = text;
  }
  return env;
}
