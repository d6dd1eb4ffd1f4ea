/**
 * archiver (under exceljs) checksums every byte of the zip through crc32-stream, which calls the
 * `crc-32` package's `buf`: a table walk in JavaScript, on the main thread (0.19 s of the 100k
 * workbook's profile, issue 19). Node has zlib's own crc32 since 20.15 (and Lambda's Node 24):
 * this points `buf`, the one function crc32-stream calls, at it. Same values for every buffer
 * and seed (test/adapters/xlsx/native-crc32.test.ts); a Node without it keeps the package's.
 */

import * as zlib from "node:zlib";
import CRC32 from "crc-32";

const packaged = CRC32.buf;

/** `crc-32`'s `buf` (a signed 32-bit result, continuing from `seed`), computed by zlib. */
export function nativeCrc32Buf(data: number[] | Uint8Array, seed?: number): number {
  if (Array.isArray(data)) return packaged(data, seed);
  // crc32-stream's first seed is a 4-byte zero Buffer, which crc-32 reads as 0 (`seed ^ -1`).
  return zlib.crc32(data, (Number(seed) || 0) >>> 0) | 0;
}

/** Makes crc32-stream use zlib's crc32 where this Node has it; harmless to call again. */
export function useNativeCrc32(): void {
  if (typeof zlib.crc32 === "function") CRC32.buf = nativeCrc32Buf;
}

/** The package's own `buf`, for the test that compares the two. */
export const packagedCrc32Buf: typeof CRC32.buf = packaged;
