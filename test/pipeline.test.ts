import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ReportStore } from "../lambda/adapters/s3-store.js";
import type { Call, CallStream, CallsSource, FetchStats } from "../lambda/autocalls/call.js";
import { EmailInDoubtError, type ReportOptions, runReport } from "../lambda/pipeline.js";
import type { Mailer, RawEmail } from "../lambda/ports.js";
import { makeCall } from "./support/call-factory.js";
import { type S3Emulator, startS3Emulator } from "./support/s3-emulator.js";

/**
 * The pipeline's ordering and exactly-once rules, against the real S3 store on s3rver. The
 * calls source and the mailer are in-process doubles: they produce the faults (a fetch that
 * breaks midway, a send with no answer) that no local server can.
 */
let s3: S3Emulator;
let prefixCounter = 0;

beforeAll(async () => {
  s3 = await startS3Emulator("pipeline-test");
});
afterAll(async () => {
  await s3.close();
});

const NOW = new Date("2025-08-05T06:30:00Z");
const clock = { now: () => NOW };

function options(overrides: Partial<ReportOptions> = {}): ReportOptions {
  return {
    date: "2025-08-04",
    timezone: "UTC",
    apiTimezone: "UTC",
    filters: {},
    environment: "prod",
    recipients: { from: "reports@example.com", to: ["ana@example.com"], cc: [], bcc: [] },
    emptyDay: "send",
    attachWorkbook: true,
    includeTranscripts: true,
    maskPhoneNumbers: false,
    force: false,
    ...overrides,
  };
}

function callsOf(calls: Call[], failAfter?: number): CallsSource {
  return {
    fetchCalls(): CallStream {
      const stats: FetchStats = {
        pages: 1,
        requests: 1,
        retries: 0,
        rateLimited: 0,
        received: calls.length,
        duplicates: 0,
        apiTotal: calls.length,
        refetches: 0,
      };
      return {
        stats,
        async *[Symbol.asyncIterator]() {
          for (const [index, call] of calls.entries()) {
            if (index === failAfter) throw new Error("the API went away on page 2");
            yield call;
          }
        },
      };
    },
  };
}

class RecordingMailer implements Mailer {
  sent: RawEmail[] = [];
  constructor(private readonly fail?: (batchIndex: number, attempt: number) => Error | undefined) {}
  private attempts = 0;
  async send(message: RawEmail, context: { batchIndex: number }): Promise<string> {
    this.attempts += 1;
    const error = this.fail?.(context.batchIndex, this.attempts);
    if (error) throw error;
    this.sent.push(message);
    return `msg-${this.sent.length}`;
  }
}

function newStore() {
  const prefix = `p${++prefixCounter}`;
  const store = new S3ReportStore({ client: s3.client(), bucket: s3.bucket, prefix, linkExpiryHours: 24, clock });
  const keys = async () =>
    ((await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }))).Contents ?? [])
      .map((object) => object.Key?.split("/").pop())
      .sort();
  return { store, keys };
}

const someCalls = () => [makeCall(), makeCall({ durationSeconds: 0, status: "no-answer" }), makeCall()];

describe("runReport", () => {
  it("stores nothing and sends nothing when the fetch breaks midway", async () => {
    const { store, keys } = newStore();
    const mailer = new RecordingMailer();
    await expect(runReport(options(), { calls: callsOf(someCalls(), 2), store, mailer, clock })).rejects.toThrow(
      "the API went away",
    );
    expect(await keys()).toEqual([]);
    expect(mailer.sent).toHaveLength(0);
  });

  it("stores the report but sends nothing on an empty day when configured to skip", async () => {
    const { store, keys } = newStore();
    const mailer = new RecordingMailer();
    const result = await runReport(options({ emptyDay: "skip" }), { calls: callsOf([]), store, mailer, clock });
    expect(result.email).toEqual({ status: "skipped-empty" });
    expect(await keys()).toEqual(["calls-report-2025-08-04.xlsx", "summary-2025-08-04.json"]);
    expect(mailer.sent).toHaveLength(0);
  });

  it("sends a short no-calls email on an empty day when configured to send", async () => {
    const { store } = newStore();
    const mailer = new RecordingMailer();
    const result = await runReport(options(), { calls: callsOf([]), store, mailer, clock });
    expect(result.email.status).toBe("sent");
    expect(mailer.sent).toHaveLength(1);
  });

  it("keeps the claim in doubt after a send with no answer, and refuses to send again", async () => {
    const { store } = newStore();
    const noAnswer = Object.assign(new Error("socket hang up"), { deliveryUnknown: true });
    const first = new RecordingMailer(() => noAnswer);
    await expect(runReport(options(), { calls: callsOf(someCalls()), store, mailer: first, clock })).rejects.toThrow(
      "socket hang up",
    );
    const retry = new RecordingMailer();
    await expect(runReport(options(), { calls: callsOf(someCalls()), store, mailer: retry, clock })).rejects.toThrow(
      EmailInDoubtError,
    );
    expect(retry.sent).toHaveLength(0);
  });

  it("resends only the batches a refused attempt did not deliver", async () => {
    const { store } = newStore();
    const recipients = {
      from: "reports@example.com",
      to: Array.from({ length: 120 }, (_, i) => `manager${i}@example.com`),
      cc: [],
      bcc: [],
    };
    const refusedOnSecondBatch = new RecordingMailer((batchIndex) =>
      batchIndex === 1 ? new Error("Throttling: maximum sending rate exceeded") : undefined,
    );
    await expect(
      runReport(options({ recipients }), { calls: callsOf(someCalls()), store, mailer: refusedOnSecondBatch, clock }),
    ).rejects.toThrow("Throttling");
    expect(refusedOnSecondBatch.sent).toHaveLength(1);

    const retry = new RecordingMailer();
    const result = await runReport(options({ recipients }), {
      calls: callsOf(someCalls()),
      store,
      mailer: retry,
      clock,
    });
    expect(result.email.status).toBe("sent");
    const delivered = [...refusedOnSecondBatch.sent, ...retry.sent].flatMap((message) => message.destinations);
    expect(delivered).toHaveLength(120);
    expect(new Set(delivered).size).toBe(120);
  });

  it("stores a preview apart and claims no email marker, so the run after the day ends still sends", async () => {
    const { store, keys } = newStore();
    const during = new Date("2025-08-04T15:30:00Z");
    const mailer = new RecordingMailer();

    const preview = await runReport(options({ preview: true }), {
      calls: callsOf(someCalls()),
      store,
      mailer,
      clock: { now: () => during },
    });
    const full = await runReport(options(), { calls: callsOf(someCalls()), store, mailer, clock });

    expect(preview.summary.partialAsOf).toBe(during.toISOString());
    expect(preview.email).toMatchObject({
      status: "sent",
      subject: expect.stringContaining("partial day as of 15:30"),
    });
    expect(full.summary.partialAsOf).toBeNull();
    expect(full.email.status).toBe("sent");
    expect(mailer.sent).toHaveLength(2);
    expect(await keys()).toEqual([
      "calls-report-2025-08-04-preview.xlsx",
      "calls-report-2025-08-04.xlsx",
      "email-2025-08-04.marker.json",
      "summary-2025-08-04-preview.json",
      "summary-2025-08-04.json",
    ]);
  });

  it("does not send when the day's email already went out, and says so", async () => {
    const { store } = newStore();
    await runReport(options(), { calls: callsOf(someCalls()), store, mailer: new RecordingMailer(), clock });
    const again = new RecordingMailer();
    const result = await runReport(options(), { calls: callsOf(someCalls()), store, mailer: again, clock });
    expect(result.email).toEqual({ status: "already-sent", sentAt: NOW.toISOString() });
    expect(again.sent).toHaveLength(0);
  });
});
