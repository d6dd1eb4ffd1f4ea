import { gunzipSync, gzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { partKeys, S3PartStore } from "../../lambda/adapters/s3-parts.js";
import { PART_LINES, type PartManifest, type PartRef } from "../../lambda/ports.js";
import { DayAggregator } from "../../lambda/report/aggregate.js";
import type { Call } from "../../lambda/report/call.js";
import { reportWindow } from "../../lambda/report/window.js";
import { makeCall, storedCallOf } from "../support/call-factory.js";
import { type S3Emulator, startS3Emulator } from "../support/s3-emulator.js";

let emulator: S3Emulator;
let prefixCounter = 0;
let prefix = "";

beforeAll(async () => {
  emulator = await startS3Emulator("parts-test");
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.failRequests(null);
  prefix = `reports-${++prefixCounter}`;
});

const store = () => new S3PartStore({ client: emulator.client(), bucket: emulator.bucket, prefix });
const ref = (part: number): PartRef => ({ runId: "0b7e5f1c-run", date: "2025-08-04", part });

function manifestOf(calls: Call[]): PartManifest {
  const aggregator = new DayAggregator({
    window: reportWindow("2025-08-04", "UTC"),
    apiTimezone: "UTC",
    filters: { assistantId: null, campaignId: null, type: null, status: null },
  });
  for (const call of calls) aggregator.add(call);
  return { lines: PART_LINES, ids: calls.map((call) => call.id), aggregates: { daily: aggregator.partial() } };
}

async function keys() {
  const listed = await emulator
    .client()
    .send(new ListObjectsV2Command({ Bucket: emulator.bucket, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "").sort();
}

async function write(part: number, calls: Call[]) {
  const writer = await store().openPart(ref(part));
  for (const call of calls) await writer.write(storedCallOf(call));
  return writer.commit(manifestOf(calls));
}

describe("S3PartStore", () => {
  it("keys a run's parts under <prefix>/_work/<date>/<run>/, outside the managers' day folders", () => {
    expect(partKeys("reports", ref(12))).toEqual({
      calls: "reports/_work/2025-08-04/0b7e5f1c-run/part-0012.ndjson.gz",
      manifest: "reports/_work/2025-08-04/0b7e5f1c-run/part-0012.manifest.json.gz",
    });
    expect(partKeys("", ref(1)).calls).toBe("_work/2025-08-04/0b7e5f1c-run/part-0001.ndjson.gz");
  });

  it("gives back a part's calls in order and its manifest, stored as gzip NDJSON and gzip JSON", async () => {
    const calls = [
      makeCall({ transcript: "line one\nline two — “quoted” ✓" }),
      makeCall({ transcript: "😀".repeat(40_000), variables: { nested: { a: [1, 2] } } }),
      makeCall({ evaluation: null }),
    ];
    const { bytes } = await write(1, calls);

    const read: Call[] = [];
    for await (const call of store().readCalls(ref(1))) read.push(call);
    expect(read).toEqual(calls);
    expect(await store().readManifest(ref(1))).toEqual(manifestOf(calls));

    const stored = await emulator
      .client()
      .send(new GetObjectCommand({ Bucket: emulator.bucket, Key: partKeys(prefix, ref(1)).calls }));
    const raw = Buffer.from((await stored.Body?.transformToByteArray()) ?? []);
    expect(raw.length).toBe(bytes);
    expect(
      gunzipSync(raw)
        .toString("utf8")
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as Call).id),
    ).toEqual(calls.map((call) => call.id));
  });

  it("refuses a manifest of parts whose lines are not API records (an older version's)", async () => {
    await write(1, [makeCall()]);
    const { lines: _, ...older } = manifestOf([makeCall()]);
    await emulator.client().send(
      new PutObjectCommand({
        Bucket: emulator.bucket,
        Key: partKeys(prefix, ref(1)).manifest,
        Body: gzipSync(JSON.stringify(older)),
      }),
    );
    await expect(store().readManifest(ref(1))).rejects.toThrow(
      /is not one this version wrote — start the report again/,
    );
  });

  it("replaces a part written again by a replayed step", async () => {
    await write(1, [makeCall(), makeCall()]);
    const again = [makeCall()];
    await write(1, again);
    const read: Call[] = [];
    for await (const call of store().readCalls(ref(1))) read.push(call);
    expect(read).toEqual(again);
    expect((await store().readManifest(ref(1))).ids).toEqual([again[0]?.id]);
  });

  it("leaves nothing of an aborted part, and no manifest of a part whose calls failed to upload", async () => {
    const writer = await store().openPart(ref(1));
    await writer.write(storedCallOf(makeCall()));
    await writer.abort();
    expect(await keys()).toEqual([]);

    emulator.failRequests(({ method, path }) => method === "PUT" && path.endsWith(".ndjson.gz"));
    const failing = await store().openPart(ref(2));
    await failing.write(storedCallOf(makeCall()));
    await expect(failing.commit(manifestOf([]))).rejects.toThrow();
    await failing.abort();
    expect(await keys()).toEqual([]);
    await expect(store().readManifest(ref(2))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
