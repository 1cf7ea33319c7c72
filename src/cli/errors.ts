/** Wrong use of the CLI (unknown command, option or value): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Bad data or a file that cannot be read: exit code 1. The message names the file, line and field. */
export class DataError extends Error {
  override readonly name = 'DataError';
}
