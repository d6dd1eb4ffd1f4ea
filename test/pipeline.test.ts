import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { SESClient } from "@aws-sdk/client-ses";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { composeMimeMessages } from "../lambda/adapters/mime-message.js";
import { dayKeys, S3ReportStore } from "../lambda/adapters/s3-store.js";
import { SesMailer, SesSendError } from "../lambda/adapters/ses-mailer.js";
import { xlsxWorkbookWriter as workbookWriter } from "../lambda/adapters/xlsx/workbook-writer.js";
import {
  EmailFailureNotRecordedError,
  EmailInDoubtError,
  EmailNotRecordedError,
  type ReportOptions,
  runReport,
} from "../lambda/pipeline.js";
import type { Mailer, PagedCallsSource, PageStream, RawEmail } from "../lambda/ports.js";
import type { Call, FetchStats } from "../lambda/report/call.js";
import type { Summary } from "../lambda/report/summary.js";
import { makeCall } from "./support/call-factory.js";
import { closedPortEndpoint, type FaultyEndpoint, faultyEndpoint } from "./support/faulty-endpoints.js";
import { type S3Emulator, startS3Emulator } from "./support/s3-emulator.js";
import { type SesEmulator, startSesEmulator } from "./support/ses-emulator.js";

/**
 * The pipeline's ordering and exactly-once rules, against the real S3 store on s3rver. The
 * calls source is an in-process double (it breaks a fetch midway); the mailer is a recording
 * double for the ordering rules and the real SES mailer for what a network failure means.
 */
let s3: S3Emulator;
let ses: SesEmulator;
let prefixCounter = 0;

beforeAll(async () => {
  [s3, ses] = await Promise.all([startS3Emulator("pipeline-test"), startSesEmulator()]);
});
afterAll(async () => {
  await Promise.all([s3.close(), ses.close()]);
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
    recipientSettings: { from: "MAIL_FROM", to: "MAIL_TO", cc: "MAIL_CC", bcc: "MAIL_BCC" },
    emptyDay: "send",
    attachWorkbook: true,
    includeTranscripts: true,
    maskPhoneNumbers: false,
    force: false,
    ...overrides,
  };
}

/** The day as one page; with `failAfter`, page 1 holds that many calls and page 2 fails. */
function callsOf(calls: Call[], failAfter?: number): PagedCallsSource {
  return {
    fetchPages(): PageStream {
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
        stopped: null,
        pacerSnapshot: () => ({
          version: 1,
          takenAt: 0,
          limit: null,
          remaining: null,
          remainingUntil: null,
          windowExpiries: [],
          pausedUntil: null,
          probeFirst: false,
          lastSentAt: null,
        }),
        async *[Symbol.asyncIterator]() {
          if (failAfter === undefined) {
            yield { page: 1, total: calls.length, lastPage: 1, calls };
            return;
          }
          yield { page: 1, total: calls.length, lastPage: 2, calls: calls.slice(0, failAfter) };
          throw new Error("the API went away on page 2");
        },
      };
    },
  };
}

class RecordingMailer implements Mailer {
  readonly prepare = composeMimeMessages;
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

/** A stored summary, read back from its `s3://bucket/key` location. */
async function readStored(location: string): Promise<Summary> {
  const key = location.replace(`s3://${s3.bucket}/`, "");
  const response = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return JSON.parse((await response.Body?.transformToString()) ?? "") as Summary;
}

function newStore() {
  const prefix = `p${++prefixCounter}`;
  const store = new S3ReportStore({
    client: s3.client(),
    bucket: s3.bucket,
    prefix,
    links: { baseUrl: "https://links.example.com/", signingKey: async () => "k".repeat(64), expiryDays: 30 },
    clock,
  });
  const keys = async () =>
    ((await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }))).Contents ?? [])
      .map((object) => object.Key?.split("/").pop())
      .sort();
  const marker = async () => {
    const key = dayKeys(prefix, "2025-08-04").emailMarker;
    const response = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return JSON.parse((await response.Body?.transformToString()) ?? "") as { state: string; sent: object };
  };
  return { store, keys, marker };
}

const someCalls = () => [makeCall(), makeCall({ durationSeconds: 0, status: "no-answer" }), makeCall()];

describe("runReport", () => {
  it("stores nothing and sends nothing when the fetch breaks midway", async () => {
    const { store, keys } = newStore();
    const mailer = new RecordingMailer();
    await expect(
      runReport(options(), { calls: callsOf(someCalls(), 2), store, mailer, clock, workbookWriter }),
    ).rejects.toThrow("the API went away");
    expect(await keys()).toEqual([]);
    expect(mailer.sent).toHaveLength(0);
  });

  it("stores the report but sends nothing on an empty day when configured to skip", async () => {
    const { store, keys } = newStore();
    const mailer = new RecordingMailer();
    const result = await runReport(options({ emptyDay: "skip" }), {
      calls: callsOf([]),
      store,
      mailer,
      clock,
      workbookWriter,
    });
    expect(result.email).toEqual({ status: "skipped-empty" });
    expect(await keys()).toEqual(["calls-report-2025-08-04.xlsx", "summary-2025-08-04.json"]);
    expect(mailer.sent).toHaveLength(0);
  });

  it("sends a short no-calls email on an empty day when configured to send", async () => {
    const { store } = newStore();
    const mailer = new RecordingMailer();
    const result = await runReport(options(), { calls: callsOf([]), store, mailer, clock, workbookWriter });
    expect(result.email.status).toBe("sent");
    expect(mailer.sent).toHaveLength(1);
  });

  it("keeps the claim in doubt after a send with no answer, and refuses to send again", async () => {
    const { store } = newStore();
    const noAnswer = Object.assign(new Error("socket hang up"), { deliveryUnknown: true });
    const first = new RecordingMailer(() => noAnswer);
    await expect(
      runReport(options(), { calls: callsOf(someCalls()), store, mailer: first, clock, workbookWriter }),
    ).rejects.toThrow("socket hang up");
    const retry = new RecordingMailer();
    await expect(
      runReport(options(), { calls: callsOf(someCalls()), store, mailer: retry, clock, workbookWriter }),
    ).rejects.toThrow(EmailInDoubtError);
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
      runReport(options({ recipients }), {
        calls: callsOf(someCalls()),
        store,
        mailer: refusedOnSecondBatch,
        clock,
        workbookWriter,
      }),
    ).rejects.toThrow("Throttling");
    expect(refusedOnSecondBatch.sent).toHaveLength(1);

    const retry = new RecordingMailer();
    const result = await runReport(options({ recipients }), {
      calls: callsOf(someCalls()),
      store,
      mailer: retry,
      clock,
      workbookWriter,
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
      workbookWriter,
    });
    const full = await runReport(options(), { calls: callsOf(someCalls()), store, mailer, clock, workbookWriter });

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

  it("compares a preview with no earlier day: a partial day against full ones would mislead", async () => {
    const { store } = newStore();
    const dayBefore = { now: () => new Date("2025-08-04T06:30:00Z") };
    await runReport(options({ date: "2025-08-03" }), {
      calls: callsOf([]),
      store,
      mailer: new RecordingMailer(),
      clock: dayBefore,
      workbookWriter,
    });
    const during = { now: () => new Date("2025-08-04T15:30:00Z") };

    const preview = await runReport(options({ preview: true }), {
      calls: callsOf(someCalls()),
      store,
      mailer: new RecordingMailer(),
      clock: during,
      workbookWriter,
    });
    const full = await runReport(options(), {
      calls: callsOf(someCalls()),
      store,
      mailer: new RecordingMailer(),
      clock,
      workbookWriter,
    });

    expect(preview.summary.partialAsOf).not.toBeNull();
    const previewSummary = await readStored(preview.summaryObject.location);
    const fullSummary = await readStored(full.summaryObject.location);
    expect(previewSummary.comparison).toEqual({ previousDay: null, sameWeekdayLastWeek: null });
    expect(fullSummary.comparison.previousDay).not.toBeNull();
  });

  it("does not send when the day's email already went out, and says so", async () => {
    const { store } = newStore();
    await runReport(options(), {
      calls: callsOf(someCalls()),
      store,
      mailer: new RecordingMailer(),
      clock,
      workbookWriter,
    });
    const again = new RecordingMailer();
    const result = await runReport(options(), {
      calls: callsOf(someCalls()),
      store,
      mailer: again,
      clock,
      workbookWriter,
    });
    expect(result.email).toEqual({ status: "already-sent", sentAt: NOW.toISOString() });
    expect(again.sent).toHaveLength(0);
  });
});

describe("runReport when the email marker cannot be written after the send", () => {
  afterEach(() => s3.failRequests(null));

  /** The S3 client's default: one write that keeps failing is three PUTs. */
  const SDK_ATTEMPTS = 3;

  // Marker writes in order: the claim, the batch recorded, the day completed. Only one write
  // fails — the outage is over by the next one, so nothing but the pipeline keeps the claim open.
  it.each([
    ["recording the batch", 1],
    ["completing the day", 2],
  ])("says the email went out and keeps the retry from sending it again (%s fails)", async (_, writesBefore) => {
    const { store, marker } = newStore();
    let markerPuts = 0;
    s3.failRequests(({ method, path }) => {
      if (method !== "PUT" || !path.endsWith(".marker.json")) return false;
      markerPuts++;
      return markerPuts > writesBefore && markerPuts <= writesBefore + SDK_ATTEMPTS;
    });
    const first = new RecordingMailer();
    const error = await runReport(options(), {
      calls: callsOf(someCalls()),
      store,
      mailer: first,
      clock,
      workbookWriter,
    }).catch((caught: unknown) => caught);
    expect(first.sent).toHaveLength(1);
    expect(error).toBeInstanceOf(EmailNotRecordedError);
    expect((error as Error).message).toMatch(/^The 2025-08-04 email went out \(message ids msg-1\)/);
    expect((error as Error).message).toContain("email-2025-08-04.marker.json");
    expect((error as Error).message).toContain("the managers have it: do not re-send it with force");

    expect((await marker()).state).toBe("sending");
    const retry = new RecordingMailer();
    await expect(
      runReport(options(), { calls: callsOf(someCalls()), store, mailer: retry, clock, workbookWriter }),
    ).rejects.toThrow(EmailInDoubtError);
    expect(retry.sent).toHaveLength(0);
  });
});

describe("runReport when a marker write fails around several batches", () => {
  afterEach(() => s3.failRequests(null));
  const SDK_ATTEMPTS = 3;
  const manyRecipients = {
    from: "reports@example.com",
    to: Array.from({ length: 120 }, (_, index) => `m${index}@example.com`),
    cc: [],
    bcc: [],
  };
  /** Fails the marker PUTs numbered first..first+SDK_ATTEMPTS-1 (1 is the claim). */
  const failMarkerWrite = (first: number) => {
    let markerPuts = 0;
    s3.failRequests(({ method, path }) => {
      if (method !== "PUT" || !path.endsWith(".marker.json")) return false;
      markerPuts++;
      return markerPuts >= first && markerPuts < first + SDK_ATTEMPTS;
    });
  };

  it("still sends the other batches when recording the first fails, and no retry sends any again", async () => {
    const { store, marker } = newStore();
    failMarkerWrite(2);
    const first = new RecordingMailer();

    const error = await runReport(options({ recipients: manyRecipients }), {
      calls: callsOf(someCalls()),
      store,
      mailer: first,
      clock,
      workbookWriter,
    }).catch((caught: unknown) => caught);

    // 120 recipients are three batches of at most 50: every one went out once.
    expect(first.sent.map((message) => message.destinations.length)).toEqual([50, 50, 20]);
    expect(error).toBeInstanceOf(EmailNotRecordedError);
    expect((error as Error).message).toContain("message ids msg-1, msg-2, msg-3");
    expect((error as Error).message).toContain("the managers have it");
    expect((await marker()).state).toBe("sending");

    const retry = new RecordingMailer();
    await expect(
      runReport(options({ recipients: manyRecipients }), {
        calls: callsOf(someCalls()),
        store,
        mailer: retry,
        clock,
        workbookWriter,
      }),
    ).rejects.toThrow(EmailInDoubtError);
    expect(retry.sent).toHaveLength(0);
  });

  it("says forcing is safe when SES refused for sure but the marker could not record the failure", async () => {
    const { store, marker } = newStore();
    failMarkerWrite(2);
    const refusing = new RecordingMailer(() =>
      Object.assign(new Error("SES refused: MessageRejected"), { deliveryUnknown: false }),
    );

    const error = await runReport(options(), {
      calls: callsOf(someCalls()),
      store,
      mailer: refusing,
      clock,
      workbookWriter,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EmailFailureNotRecordedError);
    expect((error as Error).message).toMatch(/^SES refused: MessageRejected Recording that failure failed too \(/);
    expect((error as Error).message).toContain("nothing went out in this batch: re-run with force.");
    expect((await marker()).state).toBe("sending");
    const forced = new RecordingMailer();
    const result = await runReport(options({ force: true }), {
      calls: callsOf(someCalls()),
      store,
      mailer: forced,
      clock,
      workbookWriter,
    });
    expect(result.email.status).toBe("sent");
    expect(forced.sent).toHaveLength(1);
  });

  it("asks for a check before forcing when earlier batches of the run went out", async () => {
    const { store } = newStore();
    failMarkerWrite(3);
    const refusingSecond = new RecordingMailer((batchIndex) =>
      batchIndex === 1
        ? Object.assign(new Error("SES refused: MessageRejected"), { deliveryUnknown: false })
        : undefined,
    );

    const error = await runReport(options({ recipients: manyRecipients }), {
      calls: callsOf(someCalls()),
      store,
      mailer: refusingSecond,
      clock,
      workbookWriter,
    }).catch((caught: unknown) => caught);

    expect(refusingSecond.sent).toHaveLength(1);
    expect(error).toBeInstanceOf(EmailFailureNotRecordedError);
    expect((error as Error).message).toContain(
      "re-run with force once you have checked who got the batches sent before it (force sends every batch).",
    );
  });
});

describe("runReport with the real SES mailer when SES fails on the network", () => {
  const clients: SESClient[] = [];
  /** The real SDK client with one attempt; a silent server gets a short timeout, the emulator a generous one. */
  function sesMailer(endpoint: string, requestTimeout = 10_000): SesMailer {
    const client = new SESClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
      requestHandler: { requestTimeout, throwOnRequestTimeout: true },
    });
    clients.push(client);
    return new SesMailer({ client, sleep: async () => {} });
  }
  const run = (mailer: Mailer, store: S3ReportStore, force = false) =>
    runReport(options({ force }), { calls: callsOf(someCalls()), store, mailer, clock, workbookWriter });

  beforeEach(() => ses.clear());
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });

  describe.each(["never-answer", "reset"] as const)("a server that takes the request and then %s", (fault) => {
    let server: FaultyEndpoint;
    beforeEach(async () => {
      server = await faultyEndpoint(fault);
    });
    afterEach(() => server.close());

    it("ends in doubt, and a re-run sends nothing without force and sends with force", async () => {
      const { store, marker } = newStore();
      const error = await run(sesMailer(server.endpoint, 2_000), store).catch((caught: unknown) => caught);
      expect(server.requestsReceived()).toBe(1);
      expect(error).toBeInstanceOf(SesSendError);
      expect(error).toMatchObject({ deliveryUnknown: true });
      expect((error as Error).message).toMatch(/may or may not have been sent; check with a recipient/);
      expect(await marker()).toMatchObject({ state: "sending", sent: {} });

      await expect(run(sesMailer(ses.endpoint), store)).rejects.toThrow(EmailInDoubtError);
      expect(await ses.messages()).toHaveLength(0);

      const forced = await run(sesMailer(ses.endpoint), store, true);
      expect(forced.email.status).toBe("sent");
      expect(await ses.messages()).toHaveLength(1);
    });
  });

  it("fails definitely when SES refuses the connection, and a re-run sends without force", async () => {
    const { store, marker } = newStore();
    const error = await run(sesMailer(await closedPortEndpoint()), store).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ECONNREFUSED", deliveryUnknown: false });
    expect(await marker()).toMatchObject({ state: "failed" });

    const retry = await run(sesMailer(ses.endpoint), store);
    expect(retry.email.status).toBe("sent");
    expect(await ses.messages()).toHaveLength(1);
  });
});
