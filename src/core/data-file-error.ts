/** A data file that cannot be read as what it claims to be: refused whole, naming the place and the field. */
export class DataFileError extends Error {
  override readonly name: string = 'DataFileError';
  constructor(
    readonly file: string,
    /** `line 12`, `page 2, data[3].results[1]`, … */
    readonly position: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${position}: ${field}: ${message}`);
  }
}
