// What a team adds to an app to emit one span per LLM call: the baseline for the client's bundle size.
export { trace } from '@opentelemetry/api';
export { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
