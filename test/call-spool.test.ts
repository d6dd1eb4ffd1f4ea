import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CallSpool } from "../lambda/call-spool.js";
import { makeCall } from "./support/call-factory.js";

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), "spool-test-"));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe("CallSpool", () => {
  it("gives the calls back in the order they were written, unchanged", async () => {
    const spool = await CallSpool.create(parent);
    const calls = [
      makeCall({ transcript: "line one\nline two — “quoted” ✓" }),
      makeCall({ variables: { nested: { a: [1, 2] } } }),
    ];
    for (const call of calls) await spool.write(call);
    const read = [];
    for await (const call of spool.read()) read.push(call);
    expect(read).toEqual(calls);
    await spool.dispose();
  });

  it("reads back calls longer than a read chunk, with multi-byte characters across chunk edges", async () => {
    const spool = await CallSpool.create(parent);
    // 200 KB of 3-byte and 4-byte characters: lines span several 64 KB chunks, and chunk
    // edges fall inside characters.
    const calls = [
      makeCall({ transcript: "€".repeat(70_000) }),
      makeCall({ transcript: "short" }),
      makeCall({ transcript: "😀".repeat(50_001) }),
    ];
    for (const call of calls) await spool.write(call);
    const read = [];
    for await (const call of spool.read()) read.push(call);
    expect(read).toEqual(calls);
    await spool.dispose();
  });

  it("skips, undecoded, the lines a pre-check refuses, and gives the others back whole", async () => {
    const spool = await CallSpool.create(parent);
    const inbound = makeCall({ type: "inbound", transcript: "x".repeat(100_000) });
    const outbound = makeCall({ type: "outbound" });
    for (const call of [outbound, inbound, outbound]) await spool.write(call);
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

  it("reads an empty spool as no calls", async () => {
    const spool = await CallSpool.create(parent);
    const read = [];
    for await (const call of spool.read()) read.push(call);
    expect(read).toEqual([]);
    await spool.dispose();
  });

  it("leaves nothing on disk after dispose", async () => {
    const spool = await CallSpool.create(parent);
    await spool.write(makeCall());
    await spool.dispose();
    expect(await readdir(parent)).toEqual([]);
  });

  it("survives being disposed with writes still pending, as a failed fetch does", async () => {
    const spool = await CallSpool.create(parent);
    const big = makeCall({ transcript: "x".repeat(500_000) });
    const pending = Array.from({ length: 8 }, () => spool.write(big).catch(() => {}));
    await spool.dispose();
    await Promise.all(pending);
    expect(existsSync(join(parent))).toBe(true);
    expect(await readdir(parent)).toEqual([]);
  });
});
