/**
 * The two reference rows every pipeline figure is compared with, in the same run:
 * - the lower bound: the same pages fetched with the same concurrency and only decoded, a call at a
 *   time as the client decodes them (page-split.ts), plus the Calls sheet's XML deflated at zlib
 *   level 6 — what any implementation must pay. The same fetch decoded the ordinary way
 *   (`Response.text()` + `JSON.parse` of the page) is timed too, as earlier results used it;
 *   it pays for a large-object string per page that the pipeline no longer makes;
 * - the naive baseline: one page at a time, every call held in memory, exceljs's in-memory
 *   Workbook and `writeBuffer`, one PutObject — what the obvious implementation costs.
 */
import { createReadStream } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createDeflateRaw } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import ExcelJS from "exceljs";
import { composeMimeMessages } from "../../lambda/adapters/mime-message.js";
import { AutocallsClient } from "../../lambda/autocalls/client.js";
import { decodePage } from "../../lambda/autocalls/page-split.js";
import { collectDay } from "../../lambda/pipeline.js";
import type { Call } from "../../lambda/report/call.js";
import { reportEmail } from "../../lambda/report/email-content.js";
import { parseApiTimestamp, wallClock } from "../../lambda/report/window.js";
import { truncateCellText, workbookFileName } from "../../lambda/report/workbook.js";
import { s3EmulatorClient } from "../../test/support/s3-emulator-client.js";

export interface LowerBoundArgs {
  baseUrl: string;
  token: string;
  date: string;
  concurrency: number;
  perPage: number;
  /** The Calls sheet's XML, unzipped from the workbook the pipeline produced for the same N. */
  sheetXmlPath: string;
}

export interface LowerBoundMeasurement {
  wallMs: number;
  fetchMs: number;
  /** The same fetch with each page decoded as one string (`Response.text()` + `JSON.parse`). */
  wholePageFetchMs: number;
  deflateMs: number;
  pages: number;
  calls: number;
  bodyBytes: number;
  sheetXmlBytes: number;
  deflatedBytes: number;
}

export async function measureLowerBound(args: LowerBoundArgs): Promise<LowerBoundMeasurement> {
  const url = (page: number) =>
    `${args.baseUrl}/user/calls?date_from=${args.date}&date_to=${args.date}&per_page=${args.perPage}&page=${page}`;
  let calls = 0;
  let bodyBytes = 0;
  const request = async (page: number) => {
    const response = await fetch(url(page), {
      headers: { Authorization: `Bearer ${args.token}`, Accept: "application/json" },
    });
    if (response.status !== 200) throw new Error(`page ${page}: HTTP ${response.status}`);
    return response;
  };
  const wholePage = async (page: number) => {
    const body = await (await request(page)).text();
    return (JSON.parse(body) as { last_page: number }).last_page;
  };
  const byCall = async (page: number) => {
    const bytes = Buffer.from(await (await request(page)).arrayBuffer());
    const decoded = decodePage(bytes);
    if (decoded === null) throw new Error(`page ${page} did not decode a call at a time`);
    bodyBytes += bytes.length;
    calls += decoded.elements.length;
    return decoded.page.last_page as number;
  };
  const fetchAll = async (fetchPage: (page: number) => Promise<number>) => {
    const started = performance.now();
    const lastPage = await fetchPage(1);
    let next = 2;
    const worker = async () => {
      while (next <= lastPage) await fetchPage(next++);
    };
    await Promise.all(Array.from({ length: Math.min(args.concurrency, Math.max(0, lastPage - 1)) }, worker));
    return { lastPage, ms: performance.now() - started };
  };

  const wholePageFetchMs = (await fetchAll(wholePage)).ms;
  const { lastPage, ms: fetchMs } = await fetchAll(byCall);

  const deflateStarted = performance.now();
  let sheetXmlBytes = 0;
  let deflatedBytes = 0;
  const source = createReadStream(args.sheetXmlPath, { highWaterMark: 1 << 20 });
  source.on("data", (chunk) => {
    sheetXmlBytes += chunk.length;
  });
  await pipeline(
    source,
    createDeflateRaw({ level: 6 }),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        deflatedBytes += chunk.length;
        done();
      },
    }),
  );
  const deflateMs = performance.now() - deflateStarted;
  return {
    wallMs: fetchMs + deflateMs,
    fetchMs,
    wholePageFetchMs,
    deflateMs,
    pages: lastPage,
    calls,
    bodyBytes,
    sheetXmlBytes,
    deflatedBytes,
  };
}

export interface NaiveArgs {
  baseUrl: string;
  token: string;
  s3Endpoint: string;
  bucket: string;
  prefix: string;
  date: string;
  includeTranscripts: boolean;
}

export interface NaiveMeasurement {
  wallMs: number;
  fetchMs: number;
  workbookMs: number;
  calls: number;
  workbookBytes: number;
}

/** The Calls sheet columns of the real workbook, written the obvious way. */
const NAIVE_HEADERS = [
  "Call ID",
  "Created at",
  "Assistant",
  "Campaign",
  "Type",
  "Status",
  "Answered by",
  "Duration (s)",
  "Duration",
  "Total cost",
  "Carrier cost",
  "Outcome",
  "Sentiment",
  "Score",
  "Client number",
  "Assistant number",
  "Recording",
  "Transcript",
];

export async function measureNaive(args: NaiveArgs): Promise<NaiveMeasurement> {
  const clock = { now: () => new Date() };
  const client = new AutocallsClient({ baseUrl: args.baseUrl, token: args.token, concurrency: 1 });
  const s3 = s3EmulatorClient(args.s3Endpoint);
  try {
    const started = performance.now();
    const calls: Call[] = [];
    const day = await collectDay(
      { date: args.date, timezone: "UTC", apiTimezone: "UTC", filters: {} },
      { calls: client, clock },
      { previousDay: null, sameWeekdayLastWeek: null },
      async (call) => {
        calls.push(call);
      },
    );
    const fetchMs = performance.now() - started;

    const workbookStarted = performance.now();
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Calls");
    const variableKeys = day.variableKeys;
    sheet.addRow([...NAIVE_HEADERS, ...variableKeys.map((key) => `var: ${key}`)]);
    for (const call of calls) {
      const createdAt = parseApiTimestamp(call.createdAt, "UTC");
      const evaluation = call.evaluation ?? {};
      sheet.addRow([
        call.id,
        createdAt ? wallClock(createdAt, "UTC") : call.createdAt,
        call.assistantName,
        call.campaignName,
        call.type,
        call.status,
        call.answeredBy,
        call.durationSeconds,
        call.durationSeconds / 86_400,
        call.totalCostMicros / 1e6,
        call.carrierCostMicros / 1e6,
        String(evaluation.outcome ?? ""),
        String(evaluation.sentiment ?? ""),
        typeof evaluation.score === "number" ? evaluation.score : null,
        call.clientPhoneNumber,
        call.assistantPhoneNumber,
        call.recordingUrl ? { text: "recording", hyperlink: call.recordingUrl } : null,
        args.includeTranscripts && call.transcript ? truncateCellText(call.transcript) : null,
        ...variableKeys.map((key) => {
          const value = call.variables[key];
          return value === undefined || value === null ? null : String(value);
        }),
      ]);
    }
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    await s3.send(
      new PutObjectCommand({ Bucket: args.bucket, Key: `${args.prefix}/${workbookFileName(args.date)}`, Body: buffer }),
    );
    const email = reportEmail({
      summary: day.summary,
      workbookFileName: workbookFileName(args.date),
      link: null,
      environment: "bench",
      recipients: { from: "reports@example.com", to: ["manager@example.com"], cc: [], bcc: [] },
      attachWorkbook: true,
    });
    await composeMimeMessages(email, {
      workbook: buffer.length < 7.5 * 1024 * 1024 ? buffer : null,
      settingNames: { from: "MAIL_FROM", to: "MAIL_TO", cc: "MAIL_CC", bcc: "MAIL_BCC" },
    });
    const workbookMs = performance.now() - workbookStarted;
    return {
      wallMs: performance.now() - started,
      fetchMs,
      workbookMs,
      calls: calls.length,
      workbookBytes: buffer.length,
    };
  } finally {
    s3.destroy();
  }
}
