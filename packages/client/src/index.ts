export { createEmitter, type Emitter } from './emitter.ts';
export type {
  EmitterError,
  EmitterOptions,
  EmitterStats,
  KinesisLike,
  PutRecordsEntry,
  PutRecordsFunction,
  PutRecordsInput,
  PutRecordsOutput,
} from './emitter-options.ts';
export * from './providers/index.ts';
export type { RecordInput } from './record-input.ts';
export { wireEncoder } from './wire-event.ts';
