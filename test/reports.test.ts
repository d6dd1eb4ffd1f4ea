import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Simulator } from "../demo/simulator.js";
import type { HandlerResult } from "../lambda/handler.js";
import { checkLink } from "../lambda/links/signing.js";
import type { Summary } from "../lambda/report/summary.js";
import { invokeDurable, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { HARNESS_LINK_KEY, type HandlerHarness, startHandlerHarness } from "./support/handler-harness.js";
import type { S3Emulator } from "./support/s3-emulator.js";
import type { SesEmulator, StoredEmail } from "./support/ses-emulator.js";
import type { SesRefusingProxy } from "./support/ses-refusing-proxy.js";

/**
 * Several reports per stage (#17), through the real handler against the simulated API, s3rver,
 * the SES emulator (behind a proxy that can refuse one address, as a sandboxed SES does) and the
 * Secrets Manager stand-in. Expected figures come from one-report runs of the same filters.
 */
const DATE = "2025-08-04";
const { handler: durableHandler, resetRuntimeForTests } = await import("../lambda/handler.js");
const handler = (event: unknown) => invokeDurable<HandlerResult>(durableHandler, event);

/** The head of sales wants everything; the inbound desk its own calls without transcripts; finance masked numbers. */
const REPORTS = [
  { name: "everything", title: "Head of sales", recipients: { to: ["head@example.com"] } },
  {
    name: "inbound",
    title: "Inbound desk",
    recipients: { to: ["desk@example.com"], cc: ["desk-lead@example.com"] },
    filters: { callTypes: ["inbound"] },
    includeTranscripts: false,
  },
  {
    name: "finance",
    recipients: { to: ["cfo@example.com"] },
    filters: { callStatuses: ["completed"] },
    includeTranscripts: false,
    maskPhoneNumbers: true,
  },
];

let harness: HandlerHarness;
let simulator: Simulator;
let s3: S3Emulator;
let ses: SesEmulator;
let sesProxy: SesRefusingProxy;
let prefix = "";

beforeAll(async () => {
  await setupDurableRunner({ skipTime: false });
  harness = await startHandlerHarness({ callsPerDay: 300, bucket: "callreport-reports" });
  ({ simulator, s3, ses, sesProxy } = harness);
});

afterAll(async () => {
  await harness.close();
  await teardownDurableRunner();
});

/** A fresh stage folder; `settings` are the stage's own (REPORTS, or MAIL_TO and filters). */
function stage(settings: Record<string, string>) {
  resetRuntimeForTests();
  prefix = harness.stage("teams", settings);
}

beforeEach(async () => {
  sesProxy.refuse(null);
  await ses.clear();
});

async function getBytes(key: string): Promise<Buffer> {
  const response = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from((await response.Body?.transformToByteArray()) ?? []);
}

async function summaryAt(folder: string): Promise<Summary> {
  return JSON.parse((await getBytes(`${folder}/2025/08/04/summary-${DATE}.json`)).toString()) as Summary;
}

async function callsSheet(folder: string) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load((await getBytes(`${folder}/2025/08/04/calls-report-${DATE}.xlsx`)) as unknown as ArrayBuffer);
  const sheet = book.getWorksheet("Calls");
  if (!sheet) throw new Error("no Calls sheet");
  const headers = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
  const rows: Array<Record<string, unknown>> = [];
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    const values = (row.values as unknown[]).slice(1);
    rows.push(Object.fromEntries(headers.map((header, index) => [header, values[index]])));
  });
  return { headers, rows };
}

/** Requests for pages of the day, by page number and query; the simulator logs each. */
function pageRequests(since: number) {
  return simulator.requests.slice(since).filter((request) => request.status === 200);
}

const toOf = (email: StoredEmail) => email.destination.to.join(",");

describe("several reports per stage", () => {
  it("reads the API once for three reports, each with the figures of a one-report run, its own email and options", async () => {
    // The same filters as one-report stages (the single-valued stage filters go to the API).
    const single: Record<string, Summary> = {};
    for (const [name, filter] of [
      ["everything", {}],
      ["inbound", { FILTER_CALL_TYPE: "inbound" }],
      ["finance", { FILTER_CALL_STATUS: "completed" }],
    ] as const) {
      stage({ MAIL_TO: "single@example.com", ...filter });
      await handler({ date: DATE });
      single[name] = await summaryAt(prefix);
    }
    await ses.clear();

    stage({ REPORTS: JSON.stringify(REPORTS) });
    const before = simulator.requests.length;
    const result = await handler({ date: DATE });

    // One unfiltered pass over the day's pages: each page once, no type or status query.
    const pages = pageRequests(before);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((request) => request.query.page).sort()).toEqual(
      [...new Set(pages.map((request) => request.query.page))].sort(),
    );
    expect(pages.every((request) => !("type" in request.query) && !("status" in request.query))).toBe(true);

    expect(result.reports.map(({ report, email }) => [report, email])).toEqual([
      ["everything", "sent"],
      ["inbound", "sent"],
      ["finance", "sent"],
    ]);
    for (const name of ["everything", "inbound", "finance"]) {
      const summary = await summaryAt(`${prefix}/${name}`);
      expect(summary.totals, name).toEqual(single[name]?.totals);
      expect(summary.totals.calls, name).toBeGreaterThan(0);
      expect(summary.assistants, name).toEqual(single[name]?.assistants);
    }
    expect((await summaryAt(`${prefix}/inbound`)).report).toEqual({
      name: "inbound",
      title: "Inbound desk",
      filters: { callTypes: ["inbound"] },
    });

    // Each audience gets exactly its email, named by its report.
    const emails = await ses.messages();
    expect(emails.map(toOf).sort()).toEqual(["cfo@example.com", "desk@example.com", "head@example.com"]);
    const byTo = new Map(emails.map((email) => [toOf(email), email]));
    expect(byTo.get("head@example.com")?.subject).toMatch(/^Head of sales — calls report — Mon 4 Aug 2025 — /);
    expect(byTo.get("desk@example.com")?.subject).toMatch(/^Inbound desk — calls report — Mon 4 Aug 2025 — /);
    expect(byTo.get("desk@example.com")?.destination.cc.join(",")).toBe("desk-lead@example.com");
    expect(byTo.get("cfo@example.com")?.subject).toMatch(/^Finance — calls report — /);

    // Privacy options, read back from each workbook.
    const everything = await callsSheet(`${prefix}/everything`);
    const inbound = await callsSheet(`${prefix}/inbound`);
    const finance = await callsSheet(`${prefix}/finance`);
    expect(everything.headers).toContain("Transcript");
    expect(everything.rows.some((row) => typeof row.Transcript === "string" && row.Transcript.length > 0)).toBe(true);
    expect(inbound.headers).not.toContain("Transcript");
    expect(finance.headers).not.toContain("Transcript");
    expect(inbound.rows.every((row) => row.Type === "inbound")).toBe(true);
    expect(finance.rows.every((row) => row.Status === "completed")).toBe(true);
    expect(everything.rows.some((row) => /^\+\d{6,}$/.test(String(row["Client number"])))).toBe(true);
    expect(finance.rows.length).toBeGreaterThan(0);
    expect(finance.rows.every((row) => /^\+\d{1,3}\*+\d{4}$/.test(String(row["Client number"])))).toBe(true);
  });

  it("fetches an id filter once for all reports that share it, and keeps each report's calls to its ids", async () => {
    stage({
      REPORTS: JSON.stringify([
        { name: "team", recipients: { to: ["team@example.com"] }, filters: { assistantIds: [812] } },
        {
          name: "team-inbound",
          recipients: { to: ["lead@example.com"] },
          filters: { assistantIds: [812], callTypes: ["inbound"] },
        },
      ]),
    });
    const before = simulator.requests.length;
    await handler({ date: DATE });
    const pages = pageRequests(before);
    expect(pages.every((request) => request.query.assistant_id === "812")).toBe(true);
    expect(new Set(pages.map((request) => request.query.page)).size).toBe(pages.length);
    const team = await summaryAt(`${prefix}/team`);
    expect(team.assistants.map((group) => group.name)).toEqual(["Sales Assistant"]);
    const inbound = await summaryAt(`${prefix}/team-inbound`);
    expect(inbound.totals.calls).toBe(team.byType.inbound ?? 0);
  });

  it("sends the other reports when SES refuses one, fails the run naming it, and a re-run sends only that one", async () => {
    stage({ REPORTS: JSON.stringify(REPORTS) });
    sesProxy.refuse("desk@example.com");

    await expect(handler({ date: DATE })).rejects.toThrow(
      /1 of 3 reports of 2025-08-04 failed: inbound: SES refused .*MessageRejected/,
    );
    expect((await ses.messages()).map(toOf).sort()).toEqual(["cfo@example.com", "head@example.com"]);

    sesProxy.refuse(null);
    const again = await handler({ date: DATE });
    expect(again.reports.map(({ report, email }) => [report, email])).toEqual([
      ["everything", "already-sent"],
      ["inbound", "sent"],
      ["finance", "already-sent"],
    ]);
    expect((await ses.messages()).map(toOf).sort()).toEqual([
      "cfo@example.com",
      "desk@example.com",
      "head@example.com",
    ]);
  });

  it("runs only the reports a manual event names, and links each report's own archive", async () => {
    stage({ REPORTS: JSON.stringify(REPORTS) });
    const result = await handler({ date: DATE, reports: ["finance"] });

    expect(result.reports.map(({ report }) => report)).toEqual(["finance"]);
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
    const stored = (listed.Contents ?? []).map((object) => object.Key).filter((key) => !key?.includes("/_work/"));
    expect(stored.every((key) => key?.startsWith(`${prefix}/finance/2025/08/04/`))).toBe(true);

    const [email] = await ses.messages();
    const archive = /https:\/\/links\.example\.com\/archive\?[^"\s<>]+/.exec(email?.body.html ?? "")?.[0];
    expect(archive).toBeDefined();
    const url = new URL((archive as string).replace(/&amp;/g, "&"));
    expect(url.searchParams.get("report")).toBe("finance");
    const check = checkLink(url.pathname, url.searchParams, [HARNESS_LINK_KEY], { now: 0, prefix });
    expect(check).toMatchObject({ ok: true, target: { kind: "archive", prefix: `${prefix}/finance` } });
    // The same link made out for another report's folder is refused.
    url.searchParams.set("report", "everything");
    expect(checkLink(url.pathname, url.searchParams, [HARNESS_LINK_KEY], { now: 0, prefix })).toEqual({
      ok: false,
      reason: "tampered",
    });
  });
});
