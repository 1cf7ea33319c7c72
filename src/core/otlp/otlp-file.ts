import * as zlib from 'node:zlib';
import { gunzipSync } from 'node:zlib';

/**
 * The OTLP trace requests of a file as the OpenTelemetry Collector's `file` exporter writes them: with
 * `format: json` (its default), one OTLP JSON request a line; with `format: proto`, each protobuf request after
 * its length as 4 bytes, big-endian. A file holding one protobuf request as it is (an OTLP/HTTP body saved to
 * disk) is read too, and so is a gzip of any of these, or (where Node has zstd) the exporter's `compression: zstd`.
 */
export interface OtlpFileRequest {
  /** Where it is in the file: `line 3` or `request 3 at byte 1024`. */
  where: string;
  bytes: Uint8Array;
}

export class OtlpFileError extends Error {
  override readonly name = 'OtlpFileError';
}

export function splitOtlpFile(input: Uint8Array): OtlpFileRequest[] {
  const bytes = decompressed(input);
  const first = bytes.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === -1) throw new OtlpFileError('holds no OTLP requests (the file is empty)');
  if (bytes[first] === 0x7b) return jsonLines(bytes);
  if (bytes[0] === 0x0a) return [{ where: 'request 1', bytes }];
  return lengthDelimited(bytes);
}

function decompressed(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (err) {
      throw new OtlpFileError(`is gzip but cannot be decompressed: ${(err as Error).message}`);
    }
  }
  if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) {
    const zstd = (zlib as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
    if (!zstd) {
      throw new OtlpFileError(
        `is zstd-compressed, which this Node (${process.version}) cannot read: decompress it first (zstd -d), or use Node 22.15+`,
      );
    }
    try {
      return zstd(bytes);
    } catch (err) {
      throw new OtlpFileError(`is zstd but cannot be decompressed: ${(err as Error).message}`);
    }
  }
  return bytes;
}

function jsonLines(bytes: Uint8Array): OtlpFileRequest[] {
  const out: OtlpFileRequest[] = [];
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const part = bytes.subarray(start, end);
    if (part.some((b) => b !== 0x20 && b !== 0x0d && b !== 0x09))
      out.push({ where: `line ${line}`, bytes: part });
    line++;
    start = end + 1;
  }
  return out;
}

function lengthDelimited(bytes: Uint8Array): OtlpFileRequest[] {
  const out: OtlpFileRequest[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    const n = out.length + 1;
    if (at + 4 > bytes.length) {
      throw new OtlpFileError(
        `request ${n} at byte ${at}: ${bytes.length - at} bytes left, too few for a length prefix (is this a file exporter's proto output?)`,
      );
    }
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) {
      throw new OtlpFileError(
        `request ${n} at byte ${at}: says ${length} bytes, but only ${bytes.length - at - 4} follow (a truncated file, or not a file exporter's proto output)`,
      );
    }
    out.push({ where: `request ${n} at byte ${at}`, bytes: bytes.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return out;
}
