import type { OtlpSettings } from './otlp-settings.ts';
import type { Attributes, AttributeValue, OtlpSpan } from './otlp-span.ts';
import { MAPPED_ATTRIBUTES } from './span-event.ts';

/** Longest attribute value a quarantined span keeps, in characters. */
const VALUE_CHARS_MAX = 256;

/**
 * What the quarantine keeps of a span whose event was refused: the event it was mapped to, and the span's ids,
 * name and the attributes the mapping reads (on the span and on its resource). Nothing else: spans often carry
 * prompts and completions in other attributes, and the end-user id only as its hash (or not at all).
 */
export function quarantinedSpanText(
  span: OtlpSpan,
  resource: Attributes,
  event: Record<string, unknown>,
  settings: OtlpSettings,
): string {
  const keys = [
    ...MAPPED_ATTRIBUTES,
    settings.featureAttribute,
    settings.cohortAttribute,
    settings.customerAttribute,
  ];
  return JSON.stringify({
    event,
    span: {
      trace_id: span.traceId,
      span_id: span.spanId,
      name: clip(span.name),
      attributes: pick(span.attributes, keys, settings.userAttributes),
      resource: pick(resource, keys, settings.userAttributes),
    },
  });
}

function pick(attributes: Attributes, keys: readonly string[], userKeys: readonly string[]) {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = attributes.get(key);
    if (v !== undefined && !userKeys.includes(key)) out[key] = shown(v);
  }
  return out;
}

function shown(v: AttributeValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return clip(v);
  return v;
}

function clip(s: string): string {
  return s.length > VALUE_CHARS_MAX ? `${s.slice(0, VALUE_CHARS_MAX)}…` : s;
}
