import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { TZDate } from "@date-fns/tz";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Simulator } from "../demo/simulator.js";
import type { HandlerResult } from "../lambda/handler.js";
import type { Summary } from "../lambda/report/summary.js";
import { invokeDurable, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { HARNESS_TOKEN, type HandlerHarness, startHandlerHarness, TOKEN_SECRET } from "./support/handler-harness.js";
import type { S3Emulator } from "./support/s3-emulator.js";
import type { SesEmulator } from "./support/ses-emulator.js";

/**
 * Weekly and monthly reports (#18) through the real handler against the simulated API, s3rver,
 * the SES emulator and the Secrets Manager stand-in. Expected totals are counted from the
 * simulator's own calls, independently of the report code.
 */
const { handler: durableHandler, resetRuntimeForTests } = await import("../lambda/handler.js");
const handler = (event: unknown) => invokeDurable<HandlerResult>(durableHandler, event);

let harness: HandlerHarness;
let simulator: Simulator;
let s3: S3Emulator;
let ses: SesEmulator;
let prefix = "";

beforeAll(async () => {
  await setupDurableRunner({ skipTime: false });
  harness = await startHandlerHarness({ callsPerDay: 120, bucket: "callreport-reports" });
  ({ simulator, s3, ses } = harness);
});

afterAll(async () => {
  await harness.close();
  await teardownDurableRunner();
});

function stage(settings: Record<string, string> = {}) {
  resetRuntimeForTests();
  prefix = harness.stage("periods", { MAIL_TO: "managers@example.com", ...settings });
}

beforeEach(async () => {
  harness.secrets.setSecret(TOKEN_SECRET, HARNESS_TOKEN);
  harness.sesProxy.refuse(null);
  await ses.clear();
});

async function json<T>(key: string): Promise<T> {
  const answer = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return JSON.parse((await answer.Body?.transformToString()) ?? "") as T;
}

async function storedKeys(): Promise<string[]> {
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "").filter((key) => !key.includes("/_work/"));
}

/** The simulator's calls whose instant lies in [start, end): what a period in that window must count. */
async function simulatedCalls(from: string, to: string, start: Date, end: Date): Promise<number> {
  let count = 0;
  for await (const call of simulator.callsFor({ dateFrom: from, dateTo: to })) {
    const at = new TZDate(`${call.created_at.replace(" ", "T")}Z`).getTime();
    if (at >= start.getTime() && at < end.getTime()) count += 1;
  }
  return count;
}

const pageRequestsFor = (since: number, date: string) =>
  simulator.requests.slice(since).filter((request) => request.query.date_from === date);

describe("weekly and monthly reports", () => {
  it("builds the week's missing days without their emails, merges the week exactly and emails it once", async () => {
    stage();
    await handler({ date: "2025-08-04" });
    await handler({ date: "2025-08-05" });
    await ses.clear();
    const before = simulator.requests.length;

    const result = await handler({ period: "week", date: "2025-08-06" });

    expect(result.periods).toEqual([
      {
        report: "daily",
        period: "week 2025-W32",
        calls: expect.any(Number),
        totalCost: expect.any(Number),
        email: "sent",
        workbook: `s3://${s3.bucket}/${prefix}/periods/week-2025-W32/calls-report-week-2025-W32.xlsx`,
      },
    ]);
    // The two stored days were not fetched again; the five others were built, each once.
    expect(pageRequestsFor(before, "2025-08-04")).toHaveLength(0);
    expect(pageRequestsFor(before, "2025-08-05")).toHaveLength(0);
    for (const date of ["2025-08-06", "2025-08-07", "2025-08-08", "2025-08-09", "2025-08-10"]) {
      expect(pageRequestsFor(before, date).length, date).toBeGreaterThan(0);
    }
    const keys = await storedKeys();
    for (const day of ["06", "07", "08", "09", "10"]) {
      expect(keys).toContain(`${prefix}/2025/08/${day}/summary-2025-08-${day}.json`);
      // Built for the week: stored, but its own email is left to the day's run.
      expect(keys).not.toContain(`${prefix}/2025/08/${day}/email-2025-08-${day}.marker.json`);
    }

    const week = await json<{ summary: Summary; approximate: string[] }>(
      `${prefix}/periods/week-2025-W32/summary-week-2025-W32.json`,
    );
    const expected = await simulatedCalls(
      "2025-08-04",
      "2025-08-10",
      new Date("2025-08-04T00:00:00Z"),
      new Date("2025-08-11T00:00:00Z"),
    );
    expect(week.summary.totals.calls).toBe(expected);
    expect(result.periods?.[0]?.calls).toBe(expected);
    expect(week.approximate).toEqual([]);

    const emails = await ses.messages();
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toMatch(/^Calls report — week 32 · 4–10 Aug 2025 — /);
    expect(emails[0]?.attachments[0]?.filename).toBe("calls-report-week-2025-W32.xlsx");

    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(emails[0]?.attachments[0]?.content ?? "", "base64") as unknown as ArrayBuffer);
    expect(book.worksheets.map((sheet) => sheet.name)).not.toContain("Calls");
    expect(book.getWorksheet("Days")?.actualRowCount).toBe(8);

    // Exactly one email per period, however often the event comes.
    const again = await handler({ period: "week", date: "2025-08-10" });
    expect(again.periods?.[0]?.email).toBe("already-sent");
    expect(await ses.messages()).toHaveLength(1);
  });

  it("reports a New York week across the autumn DST change: its 169 hours, every call once", async () => {
    stage({ REPORT_TIMEZONE: "America/New_York" });
    const result = await handler({ period: "week", date: "2025-11-01" });

    // 2025-W44: Mon 27 Oct 00:00 EDT (04:00Z) to Mon 3 Nov 00:00 EST (05:00Z).
    const expected = await simulatedCalls(
      "2025-10-27",
      "2025-11-03",
      new Date("2025-10-27T04:00:00Z"),
      new Date("2025-11-03T05:00:00Z"),
    );
    expect(result.periods?.[0]?.calls).toBe(expected);
    const week = await json<{ summary: Summary }>(`${prefix}/periods/week-2025-W44/summary-week-2025-W44.json`);
    expect(week.summary.window).toEqual({ start: "2025-10-27T04:00:00.000Z", end: "2025-11-03T05:00:00.000Z" });
  });

  it("fails the month loudly, naming the day, when a missing day cannot be built, and sends nothing", async () => {
    stage();
    harness.secrets.setSecret(TOKEN_SECRET, "revoked-token");

    await expect(handler({ period: "month", date: "2025-02-14" })).rejects.toThrow(
      /The month 2025-02 was not reported: 2025-02-01 had no stored summary and building it failed — .*Run that day again \(\{"date":"2025-02-01"\}\), then the month\./,
    );
    expect(await ses.messages()).toHaveLength(0);
    expect((await storedKeys()).filter((key) => key.includes("/periods/"))).toEqual([]);
  });

  it("gives each named report its own period from days fetched once for all of them", async () => {
    stage({
      MAIL_TO: "",
      REPORTS: JSON.stringify([
        { name: "everything", title: "Head of sales", recipients: { to: ["head@example.com"] } },
        { name: "web", recipients: { to: ["web@example.com"] }, filters: { callTypes: ["web"] } },
      ]),
    });
    const before = simulator.requests.length;
    const result = await handler({ period: "week", date: "2025-09-03" });

    // Each day of the week fetched in one pass (each page once) for both reports.
    for (const date of ["2025-09-01", "2025-09-04", "2025-09-07"]) {
      const pages = pageRequestsFor(before, date).map((request) => request.query.page);
      expect(new Set(pages).size, date).toBe(pages.length);
    }
    expect(result.periods?.map(({ report, email }) => [report, email])).toEqual([
      ["everything", "sent"],
      ["web", "sent"],
    ]);
    const everything = await json<{ summary: Summary }>(
      `${prefix}/everything/periods/week-2025-W36/summary-week-2025-W36.json`,
    );
    const web = await json<{ summary: Summary }>(`${prefix}/web/periods/week-2025-W36/summary-week-2025-W36.json`);
    expect(web.summary.totals.calls).toBe(everything.summary.byType.web ?? 0);
    expect(web.summary.report).toEqual({ name: "web", title: "Web", filters: { callTypes: ["web"] } });
    const subjects = (await ses.messages()).map((email) => email.subject).sort();
    expect(subjects[0]).toMatch(/^Head of sales — calls report — week 36 · 1–7 Sep 2025 — /);
    expect(subjects[1]).toMatch(/^Web — calls report — week 36 · /);
  });
});
