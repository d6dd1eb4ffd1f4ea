import { PassThrough } from "node:stream";
import JSZip from "jszip";
import { describe, expect, it } from "vitest";
import { nativeCrc32Buf, packagedCrc32Buf } from "../../../lambda/adapters/xlsx/native-crc32.js";
import { writeWorkbook } from "../../../lambda/adapters/xlsx/workbook-writer.js";
import { makeCall } from "../../support/call-factory.js";
import { summaryFixture } from "../../support/email-fixtures.js";
import { seededRandom } from "../../support/seeded-random.js";

describe("zlib's crc32 in crc-32's place", () => {
  it("gives crc-32's values for any bytes, continuing from any seed (crc32-stream's Buffer seed too)", () => {
    const random = seededRandom(32);
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 3000) }, () => Math.floor(random() * 256)));
      const seed = round % 3 === 0 ? 0 : Math.floor(random() * 2 ** 32) | 0;
      expect(nativeCrc32Buf(bytes, seed)).toBe(packagedCrc32Buf(bytes, seed));
      // Chained the way crc32-stream chains it: the first seed a zero Buffer, then `>>> 0` results.
      const zeroSeed = Buffer.alloc(4) as unknown as number;
      const first = nativeCrc32Buf(bytes.subarray(0, 100), zeroSeed) >>> 0;
      expect(nativeCrc32Buf(bytes.subarray(100), first)).toBe(packagedCrc32Buf(bytes, 0));
    }
    expect(nativeCrc32Buf([1, 2, 3], 7)).toBe(packagedCrc32Buf([1, 2, 3], 7));
  });
});

describe("a workbook checksummed by zlib's crc32", () => {
  it("has every zip entry's CRC-32 match its contents (checked by JSZip on read)", async () => {
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on("data", (chunk: Buffer) => chunks.push(chunk));
    const random = seededRandom(5);
    const calls = Array.from({ length: 3000 }, (_, index) =>
      makeCall({ id: index + 1, transcript: `agent: ${"x".repeat(Math.floor(random() * 400))} é ${index}` }),
    );
    await writeWorkbook(
      out,
      {
        summary: summaryFixture({}),
        calls: (async function* () {
          yield* calls;
        })(),
        variableKeys: [],
        evaluationKeys: [],
      },
      { apiTimezone: "UTC", includeTranscripts: true, maskPhoneNumbers: false, createdAt: new Date(0) },
    );
    const zip = await JSZip.loadAsync(Buffer.concat(chunks), { checkCRC32: true });
    const names = Object.keys(zip.files);
    expect(names).toContain("xl/workbook.xml");
    // The Calls sheet is the largest entry: its CRC covers many deflate chunks.
    const largest = await Promise.all(
      names.map(async (name) => [name, (await zip.file(name)?.async("uint8array"))?.length ?? 0] as const),
    );
    expect(Math.max(...largest.map(([, size]) => size))).toBeGreaterThan(1_000_000);
  });
});
