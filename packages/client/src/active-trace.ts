/**
 * The trace id of the OpenTelemetry span active where `record()` is called, when the app uses `@opentelemetry/api`
 * (1.x) with a context manager registered (the Node SDK's, or `NodeTracerProvider.register()`). Read from the API's
 * own global registry (`Symbol.for('opentelemetry.js.api.1')`) and context key, so the client depends on nothing:
 * without OpenTelemetry it is one property lookup that finds nothing. Never throws.
 */
const API_KEY = Symbol.for('opentelemetry.js.api.1');
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
const TRACE_ID = /^[0-9a-f]{32}$/;
const INVALID_TRACE_ID = '00000000000000000000000000000000';

interface OtelGlobal {
  context?: { active?: () => { getValue?: (key: symbol) => unknown } | undefined };
}

export function activeTraceId(): string | undefined {
  const api = (globalThis as Record<symbol, unknown>)[API_KEY] as OtelGlobal | undefined;
  if (api?.context === undefined) return undefined;
  try {
    const span = api.context.active?.()?.getValue?.(SPAN_KEY) as
      | { spanContext?: () => { traceId?: unknown } | undefined }
      | undefined;
    const id = span?.spanContext?.()?.traceId;
    return typeof id === 'string' && TRACE_ID.test(id) && id !== INVALID_TRACE_ID ? id : undefined;
  } catch {
    // Someone else's code: whatever it throws, the event is recorded without a trace id.
    return undefined;
  }
}
