/**
 * Numeric report settings defined once (name, default, rule, how each entry point spells them) and read the same
 * way by the CLI, a Lambda's environment, the CDK context and a construct's props: the deploy-change thresholds
 * (deploy-change-settings.ts) and the spend-alert thresholds (alert-settings.ts).
 *
 * A value is a finite number or its decimal text (`0.25`, `.5`, `1e2`; surrounding spaces ignored); blank text or
 * no value is unset, and the default applies. `25%`, `0x10`, `Infinity` are refused.
 */

/**
 * Where a setting is given: `cli` (an option), `env` (the report Lambda's variable), `context` (CDK `-c key=…`,
 * cdk.json, and the ReportsStack props of the same names), `props` (the ReportJob construct's props).
 */
export type SettingSource = 'cli' | 'env' | 'context' | 'props';

export interface NumericSettingSpec {
  readonly default: number;
  /** What a value must be, as error messages and the docs say it. */
  readonly rule: string;
  readonly valid: (value: number) => boolean;
  readonly description: string;
  /** The setting's name at each entry point: option (without `--`), variable, context key, prop. */
  readonly names: Readonly<Record<SettingSource, string>>;
}

/** A bad setting; the message names it as its entry point spells it and quotes the value. */
export class SettingError extends Error {
  override readonly name: string = 'SettingError';
}

/** Decimal text, as `-c key=0.25` or an environment variable gives a number. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A value in an error message: a number as written, anything else (text included) as JSON. */
function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** The error of a bad value, worded like the entry point's other errors. */
function message(source: SettingSource, label: string, value: unknown, rule: string): string {
  if (source === 'cli') return `${label} ${show(value)} is not ${rule}`;
  if (source === 'env') return `${label}=${show(value)} is not ${rule}`;
  return `${label} must be ${rule}, got ${show(value)}`;
}

/**
 * The settings of `specs` set in `input`, keyed as `source` spells them, checked against their rules. Unset ones
 * (undefined, blank text) are left out: the defaults apply. Throws `error(text)` naming the first bad one by
 * `label(name)` and quoting its value.
 */
export function parseNumericSettings<K extends string>(
  specs: Readonly<Record<K, NumericSettingSpec>>,
  input: object,
  source: SettingSource,
  label: (name: string) => string,
  error: (text: string) => Error = (text) => new SettingError(text),
): Partial<Record<K, number>> {
  const values = input as Readonly<Record<string, unknown>>;
  const out: Partial<Record<K, number>> = {};
  for (const setting of Object.keys(specs) as K[]) {
    const spec = specs[setting];
    const name = spec.names[source];
    const value = values[name];
    if (value === undefined) continue;
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string' && value.trim() === '') continue;
    else if (typeof value === 'string' && DECIMAL.test(value.trim())) n = Number(value.trim());
    else n = Number.NaN;
    if (!(Number.isFinite(n) && spec.valid(n))) throw error(message(source, label(name), value, spec.rule));
    out[setting] = n === 0 ? 0 : n; // -0 is 0
  }
  return out;
}

/** The settings keyed as `source` spells them: a construct's props, or a function's variables. */
export function numericSettingsAs<K extends string>(
  specs: Readonly<Record<K, NumericSettingSpec>>,
  source: SettingSource,
  values: Partial<Record<K, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const setting of Object.keys(specs) as K[]) {
    const value = values[setting];
    if (value !== undefined) out[specs[setting].names[source]] = value;
  }
  return out;
}

/** The `util.parseArgs` options of the settings' CLI names (all strings, checked by parseNumericSettings). */
export function numericSettingOptions(
  specs: Readonly<Record<string, NumericSettingSpec>>,
): Record<string, { type: 'string' }> {
  return Object.fromEntries(
    Object.values(specs).map((spec) => [spec.names.cli, { type: 'string' as const }]),
  );
}
