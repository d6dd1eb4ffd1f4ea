import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CallSpool, readFileChunks } from "../lambda/call-spool.js";
import { apiRecordOf, toCall } from "../lambda/report/api-record.js";
import { makeCall, storedCallOf } from "./support/call-factory.js";
import { randomCalls } from "./support/random-calls.js";
import { seededRandom } from "./support/seeded-random.js";

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), "spool-test-"));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

/** The one spool folder under `dir`. */
function spoolDir(dir: string): string {
  const [name] = readdirSync(dir);
  return join(dir, name ?? "");
}

describe("apiRecordOf", () => {
  it("makes a record toCall maps back to the very call, for random calls", () => {
    const timestamp = () => "2025-08-04 09:15:00";
    // The client's calls: durations are whole seconds once mapped (toCall rounds them).
    for (const random of randomCalls(seededRandom(7), 300, timestamp)) {
      const call = { ...random, durationSeconds: Math.round(random.durationSeconds) };
      expect(toCall(apiRecordOf(call))).toEqual(call);
    }
  });
});

describe("CallSpool", () => {
  it("gives the calls back in the order they were written, unchanged", async () => {
    const spool = await CallSpool.create(parent);
    const calls = [
      makeCall({ transcript: "line one\nline two — “quoted” ✓" }),
      makeCall({ variables: { nested: { a: [1, 2] } } }),
    ];
    for (const call of calls) await spool.write(storedCallOf(call));
    const read = [];
    for await (const call of spool.read()) read.push(call);
    expect(read).toEqual(calls);
    await spool.dispose();
  });

  it("reads back calls longer than a read chunk, with multi-byte characters across chunk edges", async () => {
    const spool = await CallSpool.create(parent);
    // 2.4 MB of 3-byte and 4-byte characters: lines span several 256 KB read chunks, and chunk edges
    // fall inside characters.
    const calls = [
      makeCall({ transcript: "€".repeat(400_000) }),
      makeCall({ transcript: "short" }),
      makeCall({ transcript: "😀".repeat(300_001) }),
    ];
    for (const call of calls) await spool.write(storedCallOf(call));
    const read = [];
    for await (const call of spool.read()) read.push(call);
    expect(read).toEqual(calls);
    await spool.dispose();
  });

  it("skips, undecoded, the lines a pre-check refuses, and gives the others back whole", async () => {
    const spool = await CallSpool.create(parent);
    const inbound = makeCall({ type: "inbound", transcript: "x".repeat(100_000) });
    const outbound = makeCall({ type: "outbound" });
    for (const call of [outbound, inbound, outbound]) await spool.write(storedCallOf(call));
    const checked: string[] = [];
    const read = [];
    for await (const call of spool.read((line) => {
      checked.push(line.subarray(0, 1).toString());
      return line.includes('"inbound"');
    }))
      read.push(call);
    expect(read).toEqual([inbound]);
    expect(checked).toEqual(["{", "{", "{"]);
    await spool.dispose();
  });

  it("stores the API's bytes as they came, and a record without them (or sent over several lines) serialised", async () => {
    const spool = await CallSpool.create(parent);
    const page = JSON.parse(readFileSync(new URL("./fixtures/calls-page.json", import.meta.url), "utf8")) as {
      data: Record<string, unknown>[];
    };
    const record = page.data[0] as Record<string, unknown>;
    // Bytes no serialiser here would write (spacing, escaped slashes): kept as they are.
    const sent = Buffer.from(JSON.stringify(record, null, 1).replaceAll("\n", "").replaceAll("/", "\\/"));
    const pretty = Buffer.from(JSON.stringify({ ...record, id: 2 }, null, 2));
    await spool.write({ record, bytes: sent });
    await spool.write({ record: { ...record, id: 2 }, bytes: pretty });
    await spool.write({ record: { ...record, id: 3 } });
    await spool.close();
    const lines = (await readFile(join(spoolDir(parent), "calls.ndjson"), "utf8")).split("\n");
    expect(lines[0]).toBe(sent.toString());
    expect(JSON.parse(lines[1] ?? "")).toEqual({ ...record, id: 2 });
    expect(lines).toHaveLength(4);
    const read = [];
    for await (const call of spool.read()) read.push(call);
    expect(read).toEqual([toCall(record), toCall({ ...record, id: 2 }), toCall({ ...record, id: 3 })]);
    await spool.dispose();
  });

  it("reads an empty spool as no calls", async () => {
    const spool = await CallSpool.create(parent);
    const read = [];
    for await (const call of spool.read()) read.push(call);
    expect(read).toEqual([]);
    await spool.dispose();
  });

  it("leaves nothing on disk after dispose", async () => {
    const spool = await CallSpool.create(parent);
    await spool.write(storedCallOf(makeCall()));
    await spool.dispose();
    expect(await readdir(parent)).toEqual([]);
  });

  it("survives being disposed with writes still pending, as a failed fetch does", async () => {
    const spool = await CallSpool.create(parent);
    const big = makeCall({ transcript: "x".repeat(500_000) });
    const pending = Array.from({ length: 8 }, () => spool.write(storedCallOf(big)).catch(() => {}));
    await spool.dispose();
    await Promise.all(pending);
    expect(existsSync(join(parent))).toBe(true);
    expect(await readdir(parent)).toEqual([]);
  });
});

describe("readFileChunks", () => {
  /** Open file descriptors of this process. */
  const openFiles = () => readdirSync("/proc/self/fd").length;

  it("gives a file's bytes in order, each chunk whole until the next is asked for", async () => {
    const path = join(parent, "bytes");
    const bytes = Buffer.alloc(10_000);
    for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 31 + 7) % 251;
    await writeFile(path, bytes);
    const seen: Buffer[] = [];
    // Where each chunk's bytes live: small Buffers may share one pool, so the offset counts too.
    const memories: string[] = [];
    const ids = new Map<ArrayBufferLike, number>();
    const memoryOf = (chunk: Buffer) => {
      if (!ids.has(chunk.buffer)) ids.set(chunk.buffer, ids.size);
      return `${ids.get(chunk.buffer)}@${chunk.byteOffset}`;
    };
    for await (const chunk of readFileChunks(path, 4096)) {
      const copy = Buffer.from(chunk);
      // The next read is in flight meanwhile, into the other Buffer.
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(chunk.equals(copy)).toBe(true);
      seen.push(copy);
      memories.push(memoryOf(chunk));
    }
    // Two Buffers taken in turn, not one per read.
    expect(memories[2]).toBe(memories[0]);
    expect(memories[1]).not.toBe(memories[0]);
    expect(seen.map((chunk) => chunk.length)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(seen).equals(bytes)).toBe(true);
  });

  it("closes the file when the consumer stops early, with a read still in flight", async () => {
    const path = join(parent, "bytes");
    await writeFile(path, Buffer.alloc(64 * 1024, 1));
    const before = openFiles();
    for await (const chunk of readFileChunks(path, 1024)) {
      expect(chunk.length).toBe(1024);
      expect(openFiles()).toBe(before + 1);
      break;
    }
    expect(openFiles()).toBe(before);
  });
});
