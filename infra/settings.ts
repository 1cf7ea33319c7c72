import { Duration } from 'aws-cdk-lib';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { z } from 'zod';
import { OTLP_SETTING_SPECS, otlpSettingRule, parseOtlpSettings } from '../src/core/otlp/otlp-settings.ts';
import { MAX_INGEST_RESERVED_CONCURRENCY } from './constructs/ingest-function.ts';
import { validationError } from './constructs/prop-checks.ts';
import type { DataStackProps } from './stacks/data-stack.ts';
import type { IngestStackProps } from './stacks/ingest-stack.ts';
import type { InvoiceStackProps } from './stacks/invoice-stack.ts';
import { REPORTS_CONTEXT_KEYS, type ReportsStackProps } from './stacks/reports-stack.ts';

/**
 * The deploy-time settings of the app, defined once: each key is a CDK context key (`-c batchSize=500`, or
 * `cdk.json`'s `context`) and a key of `createTokenledgerApp({ settings })`, read by {@link settingsFromContext}
 * with the zod schema below. A value may be text (`-c` gives text) or JSON (cdk.json); blank text is unset. A bad
 * value is an error naming the key, the rule and the value; a context key that looks like a setting of ours (a
 * plain camelCase name) but is none is an error naming it and listing the keys. The stacks' typed props (through
 * `createTokenledgerApp({ data, ingest, invoices, reports })`) win over these. docs/deploying.md lists them all.
 */

/** Which stack a setting configures. */
export type SettingStack = 'data' | 'ingest' | 'invoices' | 'reports' | 'stateless';

interface SettingSpec {
  readonly stack: SettingStack;
  /** The stack prop it sets. */
  readonly prop: string;
  /** What a value must be, as the error says it. */
  readonly rule: string;
  /** Text or JSON in, the prop's value out. */
  readonly schema: z.ZodType;
}

/** A number given as a JSON number or its decimal text. */
const numeric = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i)
    .transform(Number),
]);

const wholeNumber = (min: number, max: number) => numeric.pipe(z.number().int().min(min).max(max));

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, min: 60, h: 3600, d: 86400 };

/**
 * A duration: a whole number in `unit` (`48`), or with a unit of its own (`30s`, `10m`, `48h`, `7d`), from `min`
 * to `max`.
 */
function duration(unit: 's' | 'h' | 'd', min: Duration, max: Duration) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const m = /^\s*(\d+)\s*(s|m|min|h|d)?\s*$/i.exec(String(value));
    const seconds = m ? Number(m[1]) * (UNITS[(m[2] ?? unit).toLowerCase()] ?? 1) : Number.NaN;
    if (!(Number.isSafeInteger(seconds) && seconds >= min.toSeconds() && seconds <= max.toSeconds())) {
      ctx.addIssue({ code: 'custom', message: 'out of range' });
      return z.NEVER;
    }
    return Duration.seconds(seconds);
  });
}

const durationRule = (unit: string, min: string, max: string) =>
  `a duration from ${min} to ${max} (a whole number of ${unit}, or with a unit: 30s, 10m, 48h, 7d)`;

const RETENTION_DAYS = Object.values(RetentionDays).filter((n): n is number => typeof n === 'number');
const logRetention = numeric.pipe(
  z
    .number()
    .refine((n) => RETENTION_DAYS.includes(n))
    .transform((n) => n as RetentionDays),
);
const LOG_RETENTION_RULE = `a number of days CloudWatch Logs offers (${RETENTION_DAYS.join(', ')}; 9999 keeps logs forever)`;

const TRACING: Readonly<Record<string, Tracing>> = {
  active: Tracing.ACTIVE,
  passthrough: Tracing.PASS_THROUGH,
  disabled: Tracing.DISABLED,
};
const tracing = z
  .string()
  .trim()
  .toLowerCase()
  .refine((t) => t in TRACING)
  .transform((t) => TRACING[t] as Tracing);

const flag = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false']))
    .transform((t) => t === 'true'),
]);

/** A whole number, or `none` (null: no reservation). */
const reservation = (max: number) =>
  z.union([
    z
      .string()
      .trim()
      .pipe(z.literal('none'))
      .transform(() => null),
    wholeNumber(1, max),
  ]);

const accountIds = z
  .union([z.string().transform((s) => s.split(',').map((a) => a.trim())), z.array(z.string().trim())])
  .pipe(
    z
      .array(z.string().regex(/^\d{12}$/))
      .min(1)
      .refine((ids) => new Set(ids).size === ids.length),
  );

const text = (pattern: RegExp) => z.string().trim().regex(pattern);

/**
 * One OTLP setting (src/core/otlp/otlp-settings.ts): its context key, env var and rule come from
 * OTLP_SETTING_SPECS, its check is parseOtlpSettings — the ingest function's environment is read with the same
 * schema, so a value the app accepts is one the function accepts. The stack prop is the context key.
 */
function otlpSetting(context: string) {
  const spec = OTLP_SETTING_SPECS.find((s) => s.context === context);
  if (!spec) throw new Error(`no OTLP setting has the context key ${context}`);
  return {
    stack: 'ingest',
    prop: context,
    rule: `${otlpSettingRule(spec.name)}${spec.name === 'userAttributes' ? ' (a list in cdk.json)' : ''}`,
    schema: z.unknown().transform((value, ctx) => {
      try {
        return parseOtlpSettings({ [context]: value }, 'context')[spec.name];
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  } as const;
}

/** A Secrets Manager secret: its name (a-z A-Z 0-9 / _ + = . @ -, up to 512) or its ARN. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Every setting but the report settings of {@link REPORTS_CONTEXT_KEYS}, which reportsSettingsFromContext reads. */
export const SETTINGS = {
  // The data stack.
  streamName: {
    stack: 'data',
    prop: 'streamName',
    rule: 'a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -)',
    schema: text(/^[a-zA-Z0-9_.-]{1,128}$/),
  },
  streamRetention: {
    stack: 'data',
    prop: 'streamRetention',
    rule: durationRule('hours', '24h', '8760h (365 days)'),
    schema: duration('h', Duration.hours(24), Duration.hours(8760)),
  },
  producerAccountIds: {
    stack: 'data',
    prop: 'producerAccountIds',
    rule: 'comma-separated AWS account ids (12 digits each, no duplicates; a list in cdk.json)',
    schema: accountIds,
  },
  lakeVersioned: { stack: 'data', prop: 'lakeVersioned', rule: 'true or false', schema: flag },
  lakeEncryption: {
    stack: 'data',
    prop: 'lakeEncryption',
    rule: "'s3' (S3-managed keys) or 'kms' (a customer managed KMS key the stack creates)",
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['s3', 'kms'])),
  },
  databaseName: {
    stack: 'data',
    prop: 'databaseName',
    rule: 'lower-case letters, digits and _, starting with a letter',
    schema: text(/^[a-z][a-z0-9_]{0,254}$/),
  },
  workGroupName: {
    stack: 'data',
    prop: 'workGroupName',
    rule: 'an Athena workgroup name (1-128 of a-z A-Z 0-9 _ . -)',
    schema: text(/^[a-zA-Z0-9._-]{1,128}$/),
  },
  bytesScannedCutoffPerQuery: {
    stack: 'data',
    prop: 'bytesScannedCutoffPerQuery',
    rule: 'a whole number of bytes, at least 10000000 (10 MB)',
    schema: wholeNumber(10_000_000, Number.MAX_SAFE_INTEGER),
  },
  queryResultsExpiration: {
    stack: 'data',
    prop: 'queryResultsExpiration',
    rule: durationRule('days', '1d', '36500d'),
    schema: duration('d', Duration.days(1), Duration.days(36500)),
  },
  accessLogsExpiration: {
    stack: 'data',
    prop: 'accessLogsExpiration',
    rule: durationRule('days', '1d', '36500d'),
    schema: duration('d', Duration.days(1), Duration.days(36500)),
  },
  // Every stateless stack.
  alarmEmail: {
    stack: 'stateless',
    prop: 'alarmEmail',
    rule: 'an e-mail address',
    schema: text(/^[^@\s]+@[^@\s]+$/),
  },
  // The ingest function and its event source mapping, and its alarms.
  batchSize: {
    stack: 'ingest',
    prop: 'batchSize',
    rule: 'a whole number from 1 to 10000',
    schema: wholeNumber(1, 10000),
  },
  maxBatchingWindow: {
    stack: 'ingest',
    prop: 'maxBatchingWindow',
    rule: durationRule('seconds', '0s', '300s'),
    schema: duration('s', Duration.seconds(0), Duration.seconds(300)),
  },
  maxRecordAge: {
    stack: 'ingest',
    prop: 'maxRecordAge',
    rule: durationRule('seconds', '60s', '7d'),
    schema: duration('s', Duration.seconds(60), Duration.days(7)),
  },
  parallelizationFactor: {
    stack: 'ingest',
    prop: 'parallelizationFactor',
    rule: 'a whole number from 1 to 10',
    schema: wholeNumber(1, 10),
  },
  ingestRetryAttempts: {
    stack: 'ingest',
    prop: 'retryAttempts',
    rule: 'a whole number from 0 to 10000',
    schema: wholeNumber(0, 10000),
  },
  ingestMemorySize: {
    stack: 'ingest',
    prop: 'memorySize',
    rule: 'a whole number of MB from 128 to 10240',
    schema: wholeNumber(128, 10240),
  },
  ingestTimeout: {
    stack: 'ingest',
    prop: 'timeout',
    rule: durationRule('seconds', '1s', '900s'),
    schema: duration('s', Duration.seconds(1), Duration.minutes(15)),
  },
  ingestLogRetention: {
    stack: 'ingest',
    prop: 'logRetention',
    rule: LOG_RETENTION_RULE,
    schema: logRetention,
  },
  ingestTracing: {
    stack: 'ingest',
    prop: 'tracing',
    rule: "'active', 'passthrough' or 'disabled'",
    schema: tracing,
  },
  ingestReservedConcurrency: {
    stack: 'ingest',
    prop: 'reservedConcurrentExecutions',
    rule: `a whole number from 1 to ${MAX_INGEST_RESERVED_CONCURRENCY}, or 'none'`,
    schema: reservation(MAX_INGEST_RESERVED_CONCURRENCY),
  },
  iteratorAgeThreshold: {
    stack: 'ingest',
    prop: 'iteratorAgeThreshold',
    rule: durationRule('seconds', '1s', '7d'),
    schema: duration('s', Duration.seconds(1), Duration.days(7)),
  },
  iteratorAgeEvaluationPeriods: {
    stack: 'ingest',
    prop: 'iteratorAgeEvaluationPeriods',
    rule: 'a whole number from 1 to 1440',
    schema: wholeNumber(1, 1440),
  },
  quarantineRateThreshold: {
    stack: 'ingest',
    prop: 'quarantineRateThreshold',
    rule: 'a number between 0 and 1, exclusive (0.05 is 5 %)',
    schema: numeric.pipe(z.number().gt(0).lt(1)),
  },
  quarantineRateMinEvents: {
    stack: 'ingest',
    prop: 'quarantineRateMinEvents',
    rule: 'a whole number from 1 to 1000000000',
    schema: wholeNumber(1, 1_000_000_000),
  },
  // Which span attributes give an OTLP span's feature, cohort, customer and end user (docs/deploying.md, "Spans
  // from an OpenTelemetry Collector").
  otlpFeatureAttribute: otlpSetting('otlpFeatureAttribute'),
  otlpCohortAttribute: otlpSetting('otlpCohortAttribute'),
  otlpCustomerAttribute: otlpSetting('otlpCustomerAttribute'),
  otlpUserAttributes: otlpSetting('otlpUserAttributes'),
  // The secret holding the key end-user ids of spans are hashed under: an existing one, instead of a new one.
  otlpUserHmacSecret: {
    stack: 'ingest',
    prop: 'otlpUserHmacSecret',
    rule: 'a Secrets Manager secret name (1-512 of a-z A-Z 0-9 / _ + = . @ -) or ARN (arn:aws:secretsmanager:…)',
    schema: z
      .string()
      .trim()
      .refine((s) => (s.startsWith('arn:') ? SECRET_ARN.test(s) : SECRET_NAME.test(s))),
  },
  // The invoice function.
  invoiceMemorySize: {
    stack: 'invoices',
    prop: 'memorySize',
    rule: 'a whole number of MB from 128 to 10240',
    schema: wholeNumber(128, 10240),
  },
  invoiceTimeout: {
    stack: 'invoices',
    prop: 'timeout',
    rule: durationRule('seconds', '1s', '900s'),
    schema: duration('s', Duration.seconds(1), Duration.minutes(15)),
  },
  invoiceLogRetention: {
    stack: 'invoices',
    prop: 'logRetention',
    rule: LOG_RETENTION_RULE,
    schema: logRetention,
  },
  invoiceRetryAttempts: {
    stack: 'invoices',
    prop: 'retryAttempts',
    rule: 'a whole number from 0 to 2',
    schema: wholeNumber(0, 2),
  },
  // The report jobs' functions (their mail and schedule settings are REPORTS_CONTEXT_KEYS).
  reportsMemorySize: {
    stack: 'reports',
    prop: 'memorySize',
    rule: 'a whole number of MB from 128 to 10240',
    schema: wholeNumber(128, 10240),
  },
  reportsTimeout: {
    stack: 'reports',
    prop: 'timeout',
    rule: durationRule('seconds', '1s', '900s'),
    schema: duration('s', Duration.seconds(1), Duration.minutes(15)),
  },
  reportsLogRetention: {
    stack: 'reports',
    prop: 'logRetention',
    rule: LOG_RETENTION_RULE,
    schema: logRetention,
  },
  reportsRetryAttempts: {
    stack: 'reports',
    prop: 'retryAttempts',
    rule: 'a whole number from 0 to 2',
    schema: wholeNumber(0, 2),
  },
  reportsMaxEventAge: {
    stack: 'reports',
    prop: 'maxEventAge',
    rule: durationRule('seconds', '60s', '6h'),
    schema: duration('s', Duration.minutes(1), Duration.hours(6)),
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

/** Every context key of the app's settings: those above and the report settings. */
export const SETTING_KEYS: readonly string[] = [...Object.keys(SETTINGS), ...REPORTS_CONTEXT_KEYS].sort();

/** The settings as `createTokenledgerApp({ settings })` takes them: what `-c` or cdk.json would give. */
export type TokenledgerSettings = Partial<
  Record<SettingKey | (typeof REPORTS_CONTEXT_KEYS)[number], string | number | boolean | readonly string[]>
>;

/** The whole schema: one optional entry per setting, and no other key. */
const SETTINGS_SCHEMA = z.strictObject(
  Object.fromEntries(Object.entries(SETTINGS).map(([key, spec]) => [key, spec.schema.optional()])),
);

/**
 * A context key that names a setting of ours if anything: a plain camelCase name. CDK's own keys (feature flags
 * `@aws-cdk/…`, `aws:cdk:…`, lookups `availability-zones:…`, `acknowledged-issue-numbers`) never are.
 */
const OUR_KEY = /^[a-z][A-Za-z0-9]*$/;

/** The stack props the settings give, by stack. */
export interface SettingsProps {
  readonly data: Partial<DataStackProps>;
  readonly ingest: Partial<IngestStackProps>;
  readonly invoices: Partial<InvoiceStackProps>;
  readonly reports: Partial<ReportsStackProps>;
}

/** A value in an error message: a number as written, anything else as JSON. */
const show = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** The known key nearest to `key` (case, a letter or two), if one is near. */
function nearest(key: string): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] as number;
        row[j] = Math.min(
          current + 1,
          (row[j - 1] as number) + 1,
          previous + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
        previous = current;
      }
    }
    return row[b.length] as number;
  };
  const scored = SETTING_KEYS.map((known) => ({
    known,
    d: distance(key.toLowerCase(), known.toLowerCase()),
  }));
  const best = scored.sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 5)) ? best.known : undefined;
}

/**
 * One setting's value (text or JSON; blank text is unset), as its stack prop: an error of `scope` naming the key
 * and the rule, and quoting the value.
 */
export function parseSetting(scope: Construct, key: SettingKey, value: unknown): unknown {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return undefined;
  const parsed = SETTINGS[key].schema.safeParse(value);
  if (!parsed.success)
    throw validationError(scope, `context ${key} must be ${SETTINGS[key].rule}, got ${show(value)}`);
  return parsed.data;
}

/**
 * The settings of `scope`'s CDK context, as stack props: each value checked by its schema (an error of `scope`
 * naming the key and the rule, quoting the value), and every camelCase context key one of {@link SETTING_KEYS} or
 * of `otherKeys` (context keys of the embedding app's own). The report settings are only checked to be known here:
 * reportsSettingsFromContext reads them.
 */
export function settingsFromContext(scope: Construct, otherKeys: readonly string[] = []): SettingsProps {
  const context = scope.node.getAllContext() as Record<string, unknown>;
  const ours: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (!OUR_KEY.test(key) || otherKeys.includes(key)) continue;
    if ((REPORTS_CONTEXT_KEYS as readonly string[]).includes(key)) continue;
    if (!(key in SETTINGS)) {
      const hint = nearest(key);
      throw validationError(
        scope,
        `context ${key} is not a tokenledger setting${hint ? ` (did you mean ${hint}?)` : ''}; the keys are ${SETTING_KEYS.join(', ')} (docs/deploying.md#settings)`,
      );
    }
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue;
    ours[key] = value;
  }
  const parsed = SETTINGS_SCHEMA.safeParse(ours);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0]?.path[0]);
    const spec: SettingSpec | undefined = SETTINGS[key as SettingKey];
    throw validationError(scope, `context ${key} must be ${spec?.rule}, got ${show(ours[key])}`);
  }
  const props: Record<SettingStack, Record<string, unknown>> = {
    data: {},
    ingest: {},
    invoices: {},
    reports: {},
    stateless: {},
  };
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value === undefined) continue;
    const spec: SettingSpec = SETTINGS[key as SettingKey];
    props[spec.stack][spec.prop] = value;
  }
  return {
    data: props.data,
    ingest: { ...props.stateless, ...props.ingest },
    invoices: { ...props.stateless, ...props.invoices },
    reports: { ...props.stateless, ...props.reports },
  } as SettingsProps;
}
