// An app that emits events without a provider helper imports only this.
export { createEmitter } from '../packages/client/src/index.ts';
