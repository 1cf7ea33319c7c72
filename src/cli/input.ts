import { readFile } from 'node:fs/promises';
import { DataError } from './errors.ts';

/** A non-blank line of an input file. */
export interface InputLine {
  /** 1-based line number. */
  line: number;
  text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a file (or stdin for `-`) as UTF-8 text; a clear error for what cannot be read as such. */
export async function readText(path: string): Promise<string> {
  const bytes = await readBytes(path);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DataError(`${path}: is UTF-16 encoded; save it as UTF-8`);
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    // No text file of these formats holds a NUL; UTF-16 without a byte order mark is full of them.
    throw new DataError(
      looksLikeUtf16(bytes)
        ? `${path}: looks like UTF-16 (NUL bytes, no byte order mark); save it as UTF-8`
        : `${path}: line ${lineOf(bytes, nul)}: holds a NUL byte; not a text file`,
    );
  }
  try {
    return utf8.decode(bytes.subarray(start));
  } catch {
    throw new DataError(`${path}: line ${firstBadLine(bytes.subarray(start))}: not valid UTF-8`);
  }
}

/** Reads a file (or stdin for `-`) as bytes; a clear error naming the file when it cannot be read. */
export async function readBytes(path: string): Promise<Buffer> {
  try {
    return path === '-' ? await readStdin() : await readFile(path);
  } catch (err) {
    throw new DataError(
      `${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** The non-blank lines of a JSONL input, with their 1-based line numbers. */
export async function readJsonLines(path: string): Promise<InputLine[]> {
  const text = await readText(path);
  const lines: InputLine[] = [];
  const parts = text.split('\n');
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i] as string;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') lines.push({ line: i + 1, text: line });
  }
  if (lines.length === 0) throw new DataError(`${path}: holds no events (the file is empty)`);
  return lines;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** UTF-16 of mostly ASCII text: a NUL in every other byte of its first ones (the high bytes). */
function looksLikeUtf16(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  return Math.max(even, odd) >= head.length / 4;
}

/** The 1-based line of a byte offset. */
function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}

/** The 1-based number of the first line that is not valid UTF-8. */
function firstBadLine(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    try {
      utf8.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    line++;
    start = end + 1;
  }
  return line;
}
