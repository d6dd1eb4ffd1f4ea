import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CorruptEmailMarkerError, dayKeys, S3ReportStore } from "../../lambda/adapters/s3-store.js";
import { checkLink } from "../../lambda/links/signing.js";
import type { Summary } from "../../lambda/report/summary.js";
import { type S3Emulator, startS3Emulator } from "../support/s3-emulator.js";

const NOW = new Date("2025-08-05T06:30:00Z");
const LINK_BASE = "https://abc123.lambda-url.eu-central-1.on.aws/";
const SIGNING_KEY = "k".repeat(64);
let emulator: S3Emulator;
let prefixCounter = 0;

function makeStore(prefix = `reports-${++prefixCounter}`, now = () => NOW) {
  return new S3ReportStore({
    client: emulator.client(),
    bucket: emulator.bucket,
    prefix,
    links: { baseUrl: LINK_BASE, signingKey: async () => SIGNING_KEY, expiryDays: 30 },
    clock: { now },
  });
}

async function readObject(key: string) {
  const response = await emulator.client().send(new GetObjectCommand({ Bucket: emulator.bucket, Key: key }));
  return { response, bytes: Buffer.from((await response.Body?.transformToByteArray()) ?? []) };
}

beforeAll(async () => {
  emulator = await startS3Emulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.failRequests(null));

describe("S3ReportStore", () => {
  it("keys a day's objects as <prefix>/YYYY/MM/DD/", () => {
    expect(dayKeys("reports", "2025-08-04")).toEqual({
      workbook: "reports/2025/08/04/calls-report-2025-08-04.xlsx",
      summary: "reports/2025/08/04/summary-2025-08-04.json",
      emailMarker: "reports/2025/08/04/email-2025-08-04.marker.json",
    });
  });

  it("streams a multi-part workbook to its key with content type and a download file name", async () => {
    const store = makeStore("stream");
    // 12 MB in 64 KB writes: three multipart parts, never one buffer.
    const chunk = Buffer.alloc(64 * 1024, 7);
    const stored = await store.writeWorkbook("2025-08-04", async (out) => {
      for (let i = 0; i < 192; i++) {
        if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
      }
      out.end();
    });
    const key = "stream/2025/08/04/calls-report-2025-08-04.xlsx";
    expect(stored).toEqual({
      location: `s3://${emulator.bucket}/${key}`,
      fileName: "calls-report-2025-08-04.xlsx",
      bytes: 192 * 64 * 1024,
    });
    const { response, bytes } = await readObject(key);
    expect(response.ContentType).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(response.ContentDisposition).toBe('attachment; filename="calls-report-2025-08-04.xlsx"');
    expect(bytes.equals(Buffer.concat(Array.from({ length: 192 }, () => chunk)))).toBe(true);
  });

  it("leaves no workbook object when the producer fails midway", async () => {
    const store = makeStore("aborted");
    await expect(
      store.writeWorkbook("2025-08-04", async (out) => {
        out.write(Buffer.alloc(6 * 1024 * 1024, 1));
        throw new Error("fetch broke");
      }),
    ).rejects.toThrow("fetch broke");
    await expect(
      emulator
        .client()
        .send(new HeadObjectCommand({ Bucket: emulator.bucket, Key: dayKeys("aborted", "2025-08-04").workbook })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("writes a summary and reads it back, and reads a missing day as null", async () => {
    const store = makeStore("summaries");
    const summary = { date: "2025-08-04", schemaVersion: 1, totals: { calls: 3 } } as unknown as Summary;
    await store.writeSummary(summary);
    expect(await store.readSummary("2025-08-04")).toEqual(summary);
    expect(await store.readSummary("2025-08-03")).toBeNull();
  });

  it("links the workbook through the link endpoint, signed and valid for the stage's days, independent of any session", async () => {
    const store = makeStore("links");
    const stored = await store.writeWorkbook("2025-08-04", async (out) => {
      out.end(Buffer.from("xlsx bytes"));
    });
    const link = await store.downloadLink(stored);
    const expires = Math.floor(NOW.getTime() / 1000) + 30 * 86_400;
    expect(link.expiresAt).toEqual(new Date(expires * 1000));
    expect(link.expiresAt?.toISOString()).toBe("2025-09-04T06:30:00.000Z");
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${LINK_BASE}report`);
    expect(url.searchParams.get("key")).toBe("links/2025/08/04/calls-report-2025-08-04.xlsx");
    expect(checkLink(url.pathname, url.searchParams, [SIGNING_KEY], { now: expires, prefix: "links" })).toEqual({
      ok: true,
      target: { kind: "report", key: "links/2025/08/04/calls-report-2025-08-04.xlsx" },
      expires,
    });
    expect(checkLink(url.pathname, url.searchParams, ["x".repeat(64)], { now: expires, prefix: "links" })).toEqual({
      ok: false,
      reason: "tampered",
    });
  });

  it("links the stage's archive page the same way", async () => {
    const link = await makeStore("archive-links").archiveLink();
    const url = new URL(link.url);
    expect(url.pathname).toBe("/archive");
    const expires = Math.floor(NOW.getTime() / 1000) + 30 * 86_400;
    expect(checkLink(url.pathname, url.searchParams, [SIGNING_KEY], { now: expires, prefix: "archive-links" })).toEqual(
      { ok: true, target: { kind: "archive", prefix: "archive-links" }, expires },
    );
  });

  describe("the email claim", () => {
    it("grants the first claim and refuses a second one once sent", async () => {
      const store = makeStore("claim-once");
      const first = await store.claimEmail("2025-08-04", { force: false });
      expect(first.status).toBe("claimed");
      if (first.status !== "claimed") return;
      await first.recordSent(0, "msg-1");
      await first.complete();
      expect(await store.claimEmail("2025-08-04", { force: false })).toMatchObject({
        status: "already-sent",
        sentAt: NOW.toISOString(),
      });
    });

    it("forces past another run's claim, never past its own: a replayed publish step sends nothing twice", async () => {
      const store = makeStore("claim-force-replay");
      const first = await store.claimEmail("2025-08-04", { force: true, runId: "run-1" });
      if (first.status !== "claimed") throw new Error("not claimed");
      await first.recordSent(0, "msg-1");
      // The invocation ends while sending: the same run's publish step runs again, still forced.
      expect(await store.claimEmail("2025-08-04", { force: true, runId: "run-1" })).toMatchObject({
        status: "in-doubt",
      });
      // Once that attempt is known to have failed, the same run resumes after the batch it sent.
      await first.fail(new Error("SES refused batch 1"));
      expect(await store.claimEmail("2025-08-04", { force: true, runId: "run-1" })).toMatchObject({
        status: "claimed",
        alreadySent: [0],
      });
      // A new forced run sends everything again, as force asks.
      expect(await store.claimEmail("2025-08-04", { force: true, runId: "run-2" })).toMatchObject({
        status: "claimed",
        alreadySent: [],
      });
    });

    it("lets exactly one of two racing claims win", async () => {
      const store = makeStore("claim-race");
      const results = await Promise.all([
        store.claimEmail("2025-08-04", { force: false }),
        store.claimEmail("2025-08-04", { force: false }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(["claimed", "in-doubt"]);
    });

    it("reports a claim that never completed as in doubt", async () => {
      const store = makeStore("claim-doubt");
      await store.claimEmail("2025-08-04", { force: false });
      expect(await store.claimEmail("2025-08-04", { force: false })).toMatchObject({
        status: "in-doubt",
        claimedAt: NOW.toISOString(),
      });
    });

    it("lets a retry take over a failed claim and skip the batches already delivered", async () => {
      const store = makeStore("claim-failed");
      const first = await store.claimEmail("2025-08-04", { force: false });
      if (first.status !== "claimed") throw new Error("expected a claim");
      await first.recordSent(0, "msg-1");
      await first.fail(new Error("SES throttled batch 2"));
      const retry = await store.claimEmail("2025-08-04", { force: false });
      expect(retry).toMatchObject({ status: "claimed", alreadySent: [0] });
    });

    it.each([
      ["is not JSON", '{"state": "sen', /corrupt \(not JSON: /],
      ["has no valid state", '{"state":"done","claimedAt":"x","sent":{}}', /corrupt \("state" /],
    ])("names the marker and how to clear it when it %s", async (_, body, problem) => {
      const store = makeStore("claim-corrupt");
      const key = dayKeys("claim-corrupt", "2025-08-04").emailMarker;
      await emulator.client().send(new PutObjectCommand({ Bucket: emulator.bucket, Key: key, Body: body }));
      const error = await store.claimEmail("2025-08-04", { force: false }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CorruptEmailMarkerError);
      expect((error as Error).message).toMatch(problem);
      expect((error as Error).message).toContain(`s3://${emulator.bucket}/${key} is corrupt (`);
      expect((error as Error).message).toMatch(/if no 2025-08-04 email went out, delete it or re-run with force/);
      // Force overwrites the marker without reading it.
      expect(await store.claimEmail("2025-08-04", { force: true })).toMatchObject({ status: "claimed" });
    });

    it("grants a forced claim even after the email went out", async () => {
      const store = makeStore("claim-force");
      const first = await store.claimEmail("2025-08-04", { force: false });
      if (first.status !== "claimed") throw new Error("expected a claim");
      await first.complete();
      expect(await store.claimEmail("2025-08-04", { force: true })).toMatchObject({
        status: "claimed",
        alreadySent: [],
      });
    });
  });
});
