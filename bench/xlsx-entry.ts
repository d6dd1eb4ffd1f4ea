/**
 * Reads one member of a zip (an .xlsx) straight from its central directory and inflates it to
 * a file — enough to get a sheet's XML for the deflate lower bound without a zip library.
 * Supports what exceljs writes: deflate or stored members, no zip64.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createInflateRaw } from "node:zlib";

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

export async function extractZipEntry(zipPath: string, entryName: string, outPath: string): Promise<number> {
  const file = await open(zipPath, "r");
  let member: { method: number; compressedBytes: number; uncompressedBytes: number; dataStart: number };
  try {
    const { size } = await file.stat();
    // The end record is 22 bytes plus a comment of up to 64 KiB.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    let end = -1;
    for (let at = tailLength - 22; at >= 0; at--) {
      if (tail.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
        end = at;
        break;
      }
    }
    if (end < 0) throw new Error(`${zipPath} is not a zip file (no end of central directory).`);
    const directoryBytes = tail.readUInt32LE(end + 12);
    const directoryOffset = tail.readUInt32LE(end + 16);
    const directory = Buffer.alloc(directoryBytes);
    await file.read(directory, 0, directoryBytes, directoryOffset);

    let found: typeof member | undefined;
    for (let at = 0; at + 46 <= directory.length; ) {
      if (directory.readUInt32LE(at) !== CENTRAL_FILE_HEADER) break;
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const name = directory.toString("utf8", at + 46, at + 46 + nameLength);
      if (name === entryName) {
        const localOffset = directory.readUInt32LE(at + 42);
        const local = Buffer.alloc(30);
        await file.read(local, 0, 30, localOffset);
        if (local.readUInt32LE(0) !== LOCAL_FILE_HEADER)
          throw new Error(`${zipPath}: broken local header for ${name}.`);
        found = {
          method: directory.readUInt16LE(at + 10),
          compressedBytes: directory.readUInt32LE(at + 20),
          uncompressedBytes: directory.readUInt32LE(at + 24),
          dataStart: localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28),
        };
        break;
      }
      at += 46 + nameLength + extraLength + commentLength;
    }
    if (!found) throw new Error(`${zipPath} has no member ${entryName}.`);
    member = found;
  } finally {
    await file.close();
  }

  const source = createReadStream(zipPath, {
    start: member.dataStart,
    end: member.dataStart + member.compressedBytes - 1,
    highWaterMark: 1 << 20,
  });
  const out = createWriteStream(outPath, { highWaterMark: 1 << 20 });
  if (member.method === 8) await pipeline(source, createInflateRaw(), out);
  else if (member.method === 0) await pipeline(source, out);
  else throw new Error(`${entryName} uses zip method ${member.method}; only stored and deflate are supported.`);
  return member.uncompressedBytes;
}
