/** Where a command writes: results to `out`, progress and errors to `err`. */
export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}
