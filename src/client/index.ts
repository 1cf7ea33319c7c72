export { createEmitter, type Emitter } from './emitter.ts';
export type { EmitterError, EmitterOptions, EmitterStats, KinesisLike } from './emitter-options.ts';
export * from './providers/index.ts';
export type { RecordInput } from './record-input.ts';
