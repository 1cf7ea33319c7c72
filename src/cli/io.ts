/** Where a command writes: results to `out`, progress and errors to `err`. */
export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The errors a stream raises once its reader has gone away (`tokenledger … | head`). */
const CLOSED_PIPE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);
const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * A reader that closes early (`tokenledger query … | head`) ends the output, not the command: what is written
 * after that is dropped, with no `write EPIPE` stack trace, and the command finishes its work (a report still
 * writes its files) and exits with its own code. Any other error of the stream is thrown as before.
 */
export function quietOnClosedPipe(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== undefined && CLOSED_PIPE.has(e.code)) return;
    throw e;
  });
}
