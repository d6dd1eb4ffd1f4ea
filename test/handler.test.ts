import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import ExcelJS from "exceljs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Simulator, startSimulator } from "../demo/simulator.js";
import type { HandlerResult } from "../lambda/handler.js";
import { checkLink } from "../lambda/links/signing.js";
import type { Summary } from "../lambda/report/summary.js";
import { localDate, shiftDate } from "../lambda/report/window.js";
import { invokeDurable, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { logCapture } from "./support/log-capture.js";
import { type S3Emulator, startS3Emulator } from "./support/s3-emulator.js";
import { type SecretsEmulator, startSecretsEmulator } from "./support/secrets-emulator.js";
import { type SesEmulator, startSesEmulator } from "./support/ses-emulator.js";

/**
 * The real handler against real local servers: the simulated Autocalls API, s3rver, the SES
 * emulator and a Secrets Manager endpoint, reached through the SDK's own endpoint variables.
 * Its structured log is captured at DEBUG for every test, and must never contain the token.
 */
/** The stage's generated link-signing key, as the stack's secret would hold it. */
const LINK_KEY = "0123456789abcdef".repeat(4);
const TOKEN = "live-token";
// Powertools reads the level when the handler module creates its logger.
process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";
const { handler: durableHandler, resetRuntimeForTests } = await import("../lambda/handler.js");
const handler = (event: unknown) => invokeDurable<HandlerResult>(durableHandler, event);

let simulator: Simulator;
let s3: S3Emulator;
let ses: SesEmulator;
let secrets: SecretsEmulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // Real time: these runs have no rate-limit waits; test/durable.test.ts skips time.
  await setupDurableRunner({ skipTime: false });
  [simulator, s3, ses, secrets] = await Promise.all([
    startSimulator({ callsPerDay: 150, token: TOKEN }),
    startS3Emulator("callreport-reports"),
    startSesEmulator(),
    startSecretsEmulator(),
  ]);
  secrets.setSecret("callreport/dev/autocalls-token", TOKEN);
  secrets.setSecret("callreport/dev/link-key", LINK_KEY);
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([simulator.close(), s3.close(), ses.close(), secrets.close()]);
  await teardownDurableRunner();
});

/** What the handler's logger wrote. */
const log = logCapture();
const logLines = () => log.lines();

beforeEach(() => log.start());

afterEach(() => {
  vi.restoreAllMocks();
  expect(log.text(), "a log line contains the API token").not.toContain(TOKEN);
});

let prefixCounter = 0;
let prefix = "";

beforeEach(async () => {
  resetRuntimeForTests();
  s3.failRequests(null);
  secrets.failWith(null);
  await ses.clear();
  prefix = `reports-${++prefixCounter}`;
  process.env = {
    ...savedEnv,
    ...s3.env,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    REPORT_BUCKET: s3.bucket,
    REPORT_PREFIX: prefix,
    REPORT_TIMEZONE: "Europe/Berlin",
    REPORT_ENVIRONMENT: "dev",
    AUTOCALLS_BASE_URL: simulator.baseUrl,
    AUTOCALLS_TOKEN_SECRET_ID: "callreport/dev/autocalls-token",
    MAIL_FROM: "reports@example.com",
    MAIL_TO: "ana@example.com,ben@example.com",
    // Required since #16; the stack sets them (the link endpoint's URL, the link key's ARN).
    LINK_BASE_URL: "https://links.example.com/",
    LINK_SECRET_ID: "callreport/dev/link-key",
  };
});

async function getObject(key: string) {
  const response = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return { response, bytes: Buffer.from((await response.Body?.transformToByteArray()) ?? []) };
}

/** The managers' objects: the run's working parts under `_work/` are listed by `workKeys`. */
async function keys() {
  return (await allKeys()).filter((key) => !key?.startsWith(`${prefix}/_work/`));
}

async function workKeys() {
  return (await allKeys()).filter((key) => key?.startsWith(`${prefix}/_work/`));
}

async function allKeys() {
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((object) => object.Key).sort();
}

describe("the Lambda handler", () => {
  it("stores the workbook and summary at the day's keys and emails the managers once", async () => {
    const result = await handler({ date: "2025-08-04" });

    expect(result.reports).toHaveLength(1);
    expect(result.reports[0]).toMatchObject({ date: "2025-08-04", email: "sent" });
    expect(await keys()).toEqual([
      `${prefix}/2025/08/04/calls-report-2025-08-04.xlsx`,
      `${prefix}/2025/08/04/email-2025-08-04.marker.json`,
      `${prefix}/2025/08/04/summary-2025-08-04.json`,
    ]);
    // The fetched calls wait in the run's working folder, which a lifecycle rule empties.
    expect(await workKeys()).toEqual([
      expect.stringMatching(new RegExp(`^${prefix}/_work/2025-08-04/[0-9a-f-]{36}/part-0001\\.manifest\\.json\\.gz$`)),
      expect.stringMatching(new RegExp(`^${prefix}/_work/2025-08-04/[0-9a-f-]{36}/part-0001\\.ndjson\\.gz$`)),
    ]);

    const workbook = await getObject(`${prefix}/2025/08/04/calls-report-2025-08-04.xlsx`);
    expect(workbook.response.ContentType).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(workbook.response.ContentDisposition).toBe('attachment; filename="calls-report-2025-08-04.xlsx"');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(workbook.bytes as unknown as ArrayBuffer);
    expect(book.worksheets.map((sheet) => sheet.name)[0]).toBe("Summary");

    const summary = JSON.parse(
      (await getObject(`${prefix}/2025/08/04/summary-2025-08-04.json`)).bytes.toString(),
    ) as Summary;
    expect(summary).toMatchObject({ date: "2025-08-04", timezone: "Europe/Berlin" });
    expect(summary.window).toEqual({ start: "2025-08-03T22:00:00.000Z", end: "2025-08-04T22:00:00.000Z" });
    expect(result.reports[0]?.calls).toBe(summary.totals.calls);

    const emails = await ses.messages();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.from).toBe("reports@example.com");
    expect(email?.destination.to.join(",")).toMatch(/ana@example\.com.*ben@example\.com/);
    expect(email?.subject).toMatch(/^\[dev\] Calls report — Mon 4 Aug 2025 — /);
    expect(email?.attachments).toHaveLength(1);
    expect(Buffer.from(email?.attachments[0]?.content ?? "", "base64").equals(workbook.bytes)).toBe(true);
  });

  it("writes each call's transcript into the Calls sheet as the API sent it (the fetch leaves it in the record's bytes)", async () => {
    await handler({ date: "2025-08-04" });
    const workbook = await getObject(`${prefix}/2025/08/04/calls-report-2025-08-04.xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(workbook.bytes as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("Calls");
    const headers = (sheet?.getRow(1).values ?? []) as unknown[];
    const idColumn = headers.indexOf("Call ID");
    const transcriptColumn = headers.indexOf("Transcript");
    expect(transcriptColumn, "the dev stage shows transcripts").toBeGreaterThan(0);
    const written = new Map<number, unknown>();
    sheet?.eachRow((row, number) => {
      if (number > 1) written.set(Number(row.getCell(idColumn).value), row.getCell(transcriptColumn).value);
    });
    // Ground truth from the simulator: the two API dates the Berlin day spans.
    const sent = new Map<number, string | null>();
    for await (const call of simulator.callsFor({ dateFrom: "2025-08-03", dateTo: "2025-08-04" })) {
      sent.set(call.id, call.transcript);
    }
    expect(written.size).toBeGreaterThan(50);
    let withTranscript = 0;
    for (const [id, transcript] of written) {
      const expected = sent.get(id) ?? null;
      // exceljs reads an empty cell as null; the sheet cuts text at Excel's 32,767 characters.
      expect(transcript ?? null, `call ${id}`).toBe(expected === null ? null : expected.slice(0, 32_767));
      if (expected !== null) withTranscript++;
    }
    expect(withTranscript, "calls with a transcript").toBeGreaterThan(25);
  });

  it("links the workbook and the archive through the link endpoint, signed with the stage's key for linkExpiryDays", async () => {
    process.env.LINK_EXPIRY_DAYS = "14";
    await handler({ date: "2025-08-04" });
    const [email] = await ses.messages();
    const text = email?.body.text ?? "";
    const urls = [...text.matchAll(/https:\/\/links\.example\.com\/\S+?(?=[\s)]|$)/g)].map(
      (match) => new URL(match[0]),
    );
    const [report, archive] = [
      urls.find((url) => url.pathname === "/report"),
      urls.find((url) => url.pathname === "/archive"),
    ];
    const key = `${prefix}/2025/08/04/calls-report-2025-08-04.xlsx`;
    expect(report?.searchParams.get("key")).toBe(key);
    const expires = Number(report?.searchParams.get("expires"));
    // Signed now (this run's clock), for 14 days.
    expect(Math.abs(expires - (Date.now() / 1000 + 14 * 86_400))).toBeLessThan(120);
    const check = (url: URL | undefined, secrets: string[]) =>
      checkLink(url?.pathname ?? "", url?.searchParams ?? new URLSearchParams(), secrets, { now: expires - 1, prefix });
    expect(check(report, [LINK_KEY])).toMatchObject({ ok: true, target: { kind: "report", key } });
    expect(check(archive, [LINK_KEY])).toMatchObject({ ok: true, target: { kind: "archive", prefix } });
    expect(check(report, ["another-key-of-at-least-32-characters!"])).toEqual({ ok: false, reason: "tampered" });
    expect(text).toMatch(/The link is valid until .* \(14 days\)\./);
    expect(text).toMatch(/Past reports: https:\/\/links\.example\.com\/archive\?\S+ \(link valid until /);
  });

  it("sends nothing the second time the same event arrives", async () => {
    await handler({ date: "2025-08-04" });
    const again = await handler({ date: "2025-08-04" });
    expect(again.reports[0]?.email).toBe("already-sent");
    expect(await ses.messages()).toHaveLength(1);
  });

  it("sends again with force", async () => {
    await handler({ date: "2025-08-04" });
    const forced = await handler({ date: "2025-08-04", force: true });
    expect(forced.reports[0]?.email).toBe("sent");
    expect(await ses.messages()).toHaveLength(2);
  });

  it("reports yesterday in the report timezone for a scheduled event", async () => {
    // 06:30 in Berlin on 5 Aug 2025 (CEST) is 04:30 UTC.
    const result = await handler({ scheduledTime: "2025-08-05T04:30:00Z" });
    expect(result).toMatchObject({ trigger: "schedule", reports: [{ date: "2025-08-04" }] });
  });

  it("backfills a range as independent days, each with its own objects and email", async () => {
    const result = await handler({ from: "2025-08-01", to: "2025-08-03" });
    expect(result.reports.map((report) => report.date)).toEqual(["2025-08-01", "2025-08-02", "2025-08-03"]);
    expect((await keys()).filter((key) => key?.endsWith(".xlsx"))).toHaveLength(3);
    expect(await ses.messages()).toHaveLength(3);
  });

  it("sends no email and fails when S3 refuses the workbook", async () => {
    s3.failRequests(({ method, path }) => method !== "GET" && path.endsWith(".xlsx"));
    await expect(handler({ date: "2025-08-04" })).rejects.toThrow(/1 of 1 report day\(s\) failed: 2025-08-04/);
    expect(await ses.messages()).toHaveLength(0);
    await expect(
      s3
        .client()
        .send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/2025/08/04/summary-2025-08-04.json` })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("fails a run naming each failed day and its error, in date order, in one line", async () => {
    s3.failRequests(({ method, path }) => method !== "GET" && path.endsWith(".xlsx"));
    const error = await handler({ from: "2025-08-01", to: "2025-08-02" }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "ReportDaysFailedError" });
    expect((error as Error).message).toBe(
      "2 of 2 report day(s) failed: 2025-08-01: Injected failure | 2025-08-02: Injected failure",
    );
  });

  it("ends before any API call when the token secret cannot be read", async () => {
    secrets.failWith({ status: 400, type: "AccessDeniedException", message: "not authorized to read" });
    const requestsBefore = simulator.requests.length;
    await expect(handler({ date: "2025-08-04" })).rejects.toThrow(/Could not read the API token secret/);
    expect(simulator.requests.length).toBe(requestsBefore);
    expect(await keys()).toEqual([]);
  });

  it("refuses a day that has not ended, and a backfill ending on one, before doing anything", async () => {
    const requestsBefore = simulator.requests.length;
    const tomorrow = shiftDate(localDate(new Date(), "Europe/Berlin"), 1);

    await expect(handler({ date: "2099-01-01" })).rejects.toThrow(
      /^Invalid event: 2099-01-01 has not ended in Europe\/Berlin yet \(it can be reported from 00:15 on 2 Jan 2099\) — pick an earlier date, or add "preview":true/,
    );
    await expect(handler({ from: shiftDate(tomorrow, -3), to: tomorrow })).rejects.toThrow(
      /^Invalid event: "to": .* has not ended/,
    );

    expect(simulator.requests.length).toBe(requestsBefore);
    expect(await keys()).toEqual([]);
    expect(await ses.messages()).toHaveLength(0);
  });

  it("stores a preview of today under its own names and sends it as a partial day, claiming no email marker", async () => {
    const today = localDate(new Date(), "Europe/Berlin");
    const [year, month, day] = today.split("-");

    const result = await handler({ date: today, preview: true });

    expect(result.reports[0]).toMatchObject({ date: today, email: "sent" });
    expect(await keys()).toEqual([
      `${prefix}/${year}/${month}/${day}/calls-report-${today}-preview.xlsx`,
      `${prefix}/${year}/${month}/${day}/summary-${today}-preview.json`,
    ]);
    const summary = JSON.parse(
      (await getObject(`${prefix}/${year}/${month}/${day}/summary-${today}-preview.json`)).bytes.toString(),
    ) as Summary;
    expect(summary.partialAsOf).toEqual(expect.any(String));
    const [email] = await ses.messages();
    expect(email?.subject).toMatch(/^\[dev\] Calls report — .* — partial day as of \d\d:\d\d — /);
    expect(email?.attachments[0]?.filename).toBe(`calls-report-${today}-preview.xlsx`);
  });

  it("rejects an invalid event before doing anything", async () => {
    const requestsBefore = simulator.requests.length;
    await expect(handler({ date: "4 Aug" })).rejects.toThrow(/Invalid event: "date" must be a calendar date/);
    expect(simulator.requests.length).toBe(requestsBefore);
  });

  it("names the bad variable when the configuration is wrong", async () => {
    process.env.REPORT_TIMEZONE = "Berlin";
    await expect(handler({ date: "2025-08-04" })).rejects.toThrow(/REPORT_TIMEZONE: not an IANA timezone/);
  });
});

describe("the handler's log", () => {
  const messages = () => logLines().map((line) => `${line.level} ${line.message}`);

  it("has one line per stage and a final summary for a scheduled day", async () => {
    await handler({ scheduledTime: "2025-08-05T04:30:00Z" });
    expect(messages()).toEqual(
      expect.arrayContaining([
        "INFO report run started",
        "INFO calls fetched",
        "INFO report stored",
        "INFO email done",
        "INFO report run finished",
      ]),
    );
    expect(logLines().find((line) => line.message === "report run finished")).toMatchObject({
      trigger: "schedule",
      ok: 1,
      failed: 0,
    });
  });

  it("logs the error of a failing day with its date", async () => {
    s3.failRequests(({ method, path }) => method !== "GET" && path.endsWith(".xlsx"));
    await expect(handler({ date: "2025-08-04" })).rejects.toThrow(/report day\(s\) failed/);
    expect(logLines().find((line) => line.message === "report day failed")).toMatchObject({
      level: "ERROR",
      reportDate: "2025-08-04",
      error: { message: expect.stringMatching(/.+/) },
    });
  });

  it("logs an invalid event's reason and shape, not its values", async () => {
    await expect(handler({ date: "4 Aug", token: TOKEN })).rejects.toThrow(/Invalid event/);
    const lines = logLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "ERROR",
      message: "invalid event",
      reason: expect.stringMatching(/^Invalid event: /),
      event: { date: "string", token: "string" },
      requestId: expect.any(String),
    });
  });
});
