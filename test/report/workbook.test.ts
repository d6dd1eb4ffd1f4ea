import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkbookOutputError, writeWorkbook } from "../../lambda/adapters/xlsx/workbook-writer.js";
import type { Call } from "../../lambda/report/call.js";
import { SUMMARY_SCHEMA_VERSION, type Summary } from "../../lambda/report/summary.js";
import {
  maskPhoneNumber,
  sanitizeSheetName,
  truncateCellText,
  type WorkbookInput,
  type WorkbookOptions,
  workbookFileName,
} from "../../lambda/report/workbook.js";
import { makeCall } from "../support/call-factory.js";

function makeSummary(overrides: Partial<Summary> = {}): Summary {
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    date: "2025-08-04",
    timezone: "America/New_York",
    window: { start: "2025-08-04T04:00:00.000Z", end: "2025-08-05T04:00:00.000Z" },
    apiTimezone: "UTC",
    generatedAt: "2025-08-05T06:00:00.000Z",
    filters: { assistantId: null, campaignId: null, type: null, status: null },
    totals: {
      calls: 2,
      connectedCalls: 1,
      connectRate: 0.5,
      humanAnswered: 1,
      humanRate: 0.5,
      durationSeconds: 245,
      averageDurationSeconds: 245,
      medianDurationSeconds: 245,
      p90DurationSeconds: 245,
      totalCost: 0.05,
      carrierCost: 0.04,
      platformCost: 0.01,
      totalCostMicros: 50_000,
      carrierCostMicros: 40_000,
      platformCostMicros: 10_000,
      costPerCall: 0.025,
      costPerConnectedMinute: 0.0122,
    },
    byStatus: { completed: 1, "no-answer": 1 },
    byType: { outbound: 2 },
    byAnsweredBy: { human: 1, unknown: 1 },
    byOutcome: { qualified_lead: 1, "(none)": 1 },
    bySentiment: { positive: 1, "(none)": 1 },
    averageScore: 8.5,
    scoredCalls: 1,
    assistants: [
      {
        name: "Sales Assistant",
        calls: 2,
        connectedCalls: 1,
        durationSeconds: 245,
        totalCost: 0.05,
        totalCostMicros: 50_000,
        byOutcome: { qualified_lead: 1, "(none)": 1 },
        averageScore: 8.5,
      },
    ],
    campaigns: [],
    hourly: Array.from({ length: 24 }, (_, hour) => (hour === 10 ? 2 : 0)),
    dataQuality: {
      received: 2,
      duplicates: 0,
      outsideWindow: 0,
      apiTotal: 2,
      missingEvaluations: 1,
      pages: 1,
      requests: 1,
      retries: 0,
      rateLimited: 0,
      refetches: 0,
    },
    comparison: { previousDay: null, sameWeekdayLastWeek: null },
    exact: {
      durationSeconds: "245",
      scoreSum: "8.5",
      durations: [[245, 1]],
      assistants: [{ name: "Sales Assistant", durationSeconds: "245", scoreSum: "8.5", scoredCalls: 1 }],
      campaigns: [],
    },
    ...overrides,
  };
}

async function* streamOf(calls: Call[]): AsyncGenerator<Call> {
  yield* calls;
}

const OPTIONS: WorkbookOptions = {
  apiTimezone: "UTC",
  includeTranscripts: true,
  maskPhoneNumbers: false,
  createdAt: new Date("2025-08-05T06:00:00Z"),
};

let directory: string;
let fileCount = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "workbook-test-"));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface Written {
  workbook: ExcelJS.Workbook;
  result: Awaited<ReturnType<typeof writeWorkbook>>;
}

async function writeAndRead(
  calls: Call[],
  options: Partial<WorkbookOptions> = {},
  input: Partial<WorkbookInput> = {},
): Promise<Written> {
  const path = join(directory, `workbook-${++fileCount}.xlsx`);
  const out = createWriteStream(path);
  const result = await writeWorkbook(
    out,
    { summary: makeSummary(), calls: streamOf(calls), variableKeys: [], evaluationKeys: [], ...input },
    { ...OPTIONS, ...options },
  );
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return { workbook, result };
}

function callsSheet(workbook: ExcelJS.Workbook, name = "Calls"): ExcelJS.Worksheet {
  const sheet = workbook.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  return sheet;
}

function headers(sheet: ExcelJS.Worksheet): string[] {
  const values = sheet.getRow(1).values as unknown[];
  return values.slice(1).map(String);
}

/** The cell of `header`'s column in data row `index` (0-based) of a Calls sheet. */
function callCell(sheet: ExcelJS.Worksheet, header: string, index = 0): ExcelJS.Cell {
  const column = headers(sheet).indexOf(header) + 1;
  if (column === 0) throw new Error(`no column ${header}`);
  return sheet.getRow(index + 2).getCell(column);
}

describe("workbookFileName", () => {
  it("names the file after the report day", () => {
    expect(workbookFileName("2025-08-04")).toBe("calls-report-2025-08-04.xlsx");
  });
});

describe("writeWorkbook", () => {
  it("writes the sheets in the order Summary, Assistants, Campaigns, Hourly, Calls", async () => {
    const { workbook, result } = await writeAndRead([makeCall()]);
    const names = workbook.worksheets.map((sheet) => sheet.name);
    expect(names).toEqual(["Summary", "Assistants", "Campaigns", "Hourly", "Calls"]);
    expect(result.sheetNames).toEqual(names);
    expect(result.callRows).toBe(1);
  });

  it("sets the workbook's title, creator and created date", async () => {
    const { workbook } = await writeAndRead([]);
    expect(workbook.title).toBe("Calls report 2025-08-04");
    expect(workbook.creator).toBe("callreport");
    expect(workbook.created).toEqual(OPTIONS.createdAt);
  });

  it("starts the Calls header with Call ID and adds var: and eval: columns after the transcript", async () => {
    const { workbook } = await writeAndRead(
      [makeCall()],
      {},
      { variableKeys: ["customer_name"], evaluationKeys: ["summary"] },
    );
    expect(headers(callsSheet(workbook))).toEqual([
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
      "var: customer_name",
      "eval: summary",
    ]);
  });

  it("freezes and filters the Calls header row and makes it bold", async () => {
    const { workbook } = await writeAndRead([makeCall(), makeCall()]);
    const sheet = callsSheet(workbook);
    expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(sheet.autoFilter).toBe("A1:R3");
    expect(sheet.getCell("A1").font?.bold).toBe(true);
  });

  it("writes created at as a date-time showing the wall clock of the report timezone", async () => {
    // 14:30 UTC is 10:30 in New York (EDT) on 4 August.
    const { workbook } = await writeAndRead([makeCall({ createdAt: "2025-08-04 14:30:00" })]);
    const cell = callCell(callsSheet(workbook), "Created at");
    expect(cell.value).toBeInstanceOf(Date);
    expect((cell.value as Date).toISOString()).toBe("2025-08-04T10:30:00.000Z");
    expect(cell.numFmt).toBe("yyyy-mm-dd hh:mm:ss");
  });

  it("writes per-call money as USD numbers with four decimals", async () => {
    const { workbook } = await writeAndRead([makeCall({ totalCostMicros: 25_300, carrierCostMicros: 20_000 })]);
    const sheet = callsSheet(workbook);
    expect(callCell(sheet, "Total cost").value).toBe(0.0253);
    expect(callCell(sheet, "Total cost").numFmt).toBe("$#,##0.0000");
    expect(callCell(sheet, "Carrier cost").value).toBe(0.02);
  });

  it("writes the duration both as seconds and as an [h]:mm:ss fraction of a day", async () => {
    const { workbook } = await writeAndRead([makeCall({ durationSeconds: 3_725 })]);
    const sheet = callsSheet(workbook);
    expect(callCell(sheet, "Duration (s)").value).toBe(3_725);
    expect(callCell(sheet, "Duration").numFmt).toBe("[h]:mm:ss");
    // Readers see a day fraction with a time format as a time: 1:02:05 after Excel's epoch.
    expect(callCell(sheet, "Duration").value).toEqual(new Date("1899-12-30T01:02:05Z"));
  });

  it("links an https recording", async () => {
    const url = "https://recordings.autocalls.ai/calls/123.mp3";
    const { workbook } = await writeAndRead([makeCall({ recordingUrl: url })]);
    const cell = callCell(callsSheet(workbook), "Recording");
    expect(cell.type).toBe(ExcelJS.ValueType.Hyperlink);
    expect(cell.value).toEqual({ text: url, hyperlink: url });
  });

  it("writes a javascript: recording url as plain text, not a link", async () => {
    const { workbook } = await writeAndRead([makeCall({ recordingUrl: "javascript:alert(1)" })]);
    const cell = callCell(callsSheet(workbook), "Recording");
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe("javascript:alert(1)");
  });

  it("stops linking recordings after the per-sheet hyperlink limit and writes the rest as text", async () => {
    const calls = [1, 2, 3].map((id) => makeCall({ id, recordingUrl: `https://r.example/${id}.mp3` }));
    const { workbook } = await writeAndRead(calls, { maxHyperlinksPerSheet: 2 });
    const sheet = callsSheet(workbook);
    expect(callCell(sheet, "Recording", 1).type).toBe(ExcelJS.ValueType.Hyperlink);
    expect(callCell(sheet, "Recording", 2).value).toBe("https://r.example/3.mp3");
  });

  it("keeps formula-looking values as plain strings", async () => {
    const inputs = ["=1+1", "+SUM(A1)", "@cmd", "-2+3"];
    const calls = inputs.map((text) =>
      makeCall({ assistantName: text, transcript: text, variables: { note: text }, evaluation: { outcome: text } }),
    );
    const { workbook } = await writeAndRead(calls, {}, { variableKeys: ["note"] });
    const sheet = callsSheet(workbook);
    for (const [index, text] of inputs.entries()) {
      for (const header of ["Assistant", "Transcript", "var: note", "Outcome"]) {
        const cell = callCell(sheet, header, index);
        expect(cell.type).toBe(ExcelJS.ValueType.String);
        expect(cell.value).toBe(text);
        expect(cell.formula).toBeUndefined();
      }
    }
  });

  it("writes variables as typed cells: numbers, booleans, and objects as JSON text", async () => {
    const call = makeCall({ variables: { age: 42, callback: true, address: { city: "Oslo" }, tags: ["a", "b"] } });
    const { workbook } = await writeAndRead(
      [call],
      {},
      { variableKeys: ["age", "callback", "address", "tags", "absent"] },
    );
    const sheet = callsSheet(workbook);
    expect(callCell(sheet, "var: age").value).toBe(42);
    expect(callCell(sheet, "var: callback").value).toBe(true);
    expect(callCell(sheet, "var: address").value).toBe('{"city":"Oslo"}');
    expect(callCell(sheet, "var: tags").value).toBe('["a","b"]');
    expect(callCell(sheet, "var: absent").value).toBeNull();
  });

  it("leaves a variable empty when the call lacks the key, even for keys like constructor", async () => {
    const { workbook } = await writeAndRead(
      [makeCall({ variables: {} })],
      {},
      { variableKeys: ["constructor", "__proto__"] },
    );
    const sheet = callsSheet(workbook);
    expect(callCell(sheet, "var: constructor").value).toBeNull();
    expect(callCell(sheet, "var: __proto__").value).toBeNull();
  });

  it("writes an object with a formula key as JSON text, not a formula", async () => {
    const call = makeCall({ variables: { trap: { formula: "1+1" } } });
    const { workbook } = await writeAndRead([call], {}, { variableKeys: ["trap"] });
    const cell = callCell(callsSheet(workbook), "var: trap");
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe('{"formula":"1+1"}');
  });

  it("truncates a transcript over Excel's cell limit with a visible marker", async () => {
    const { workbook } = await writeAndRead([makeCall({ transcript: "a".repeat(40_000) })]);
    const value = callCell(callsSheet(workbook), "Transcript").value as string;
    expect(value.length).toBeLessThanOrEqual(32_767);
    expect(value).toMatch(/… \[truncated: 40,000 characters total\]$/);
  });

  it("continues on Calls (2) with the same header when a sheet is full", async () => {
    const calls = [1, 2, 3, 4, 5].map((id) => makeCall({ id }));
    const { workbook, result } = await writeAndRead(calls, { maxRowsPerSheet: 3 });
    const first = callsSheet(workbook);
    const second = callsSheet(workbook, "Calls (2)");
    expect(result.sheetNames).toEqual(["Summary", "Assistants", "Campaigns", "Hourly", "Calls", "Calls (2)"]);
    expect(result.callRows).toBe(5);
    expect(headers(second)).toEqual(headers(first));
    expect(first.actualRowCount).toBe(4);
    expect([2, 3].map((row) => second.getRow(row).getCell(1).value)).toEqual([4, 5]);
  });

  it("masks client numbers but not assistant numbers when asked", async () => {
    const call = makeCall({ clientPhoneNumber: "+19876544321", assistantPhoneNumber: "+1234567890" });
    const { workbook } = await writeAndRead([call], { maskPhoneNumbers: true });
    const sheet = callsSheet(workbook);
    expect(callCell(sheet, "Client number").value).toBe("+1******4321");
    expect(callCell(sheet, "Assistant number").value).toBe("+1234567890");
  });

  it("leaves the transcript column out when transcripts are excluded", async () => {
    const { workbook } = await writeAndRead([makeCall({ transcript: "secret" })], { includeTranscripts: false });
    const sheet = callsSheet(workbook);
    expect(headers(sheet)).not.toContain("Transcript");
    const texts = (sheet.getRow(2).values as unknown[]).filter((value) => value === "secret");
    expect(texts).toEqual([]);
  });

  it("writes a valid workbook with a header-only Calls sheet for an empty day", async () => {
    const summary = makeSummary({ assistants: [], byStatus: {}, hourly: Array(24).fill(0) });
    const { workbook, result } = await writeAndRead([], {}, { summary });
    expect(result.callRows).toBe(0);
    expect(callsSheet(workbook).actualRowCount).toBe(1);
    expect(headers(callsSheet(workbook))[0]).toBe("Call ID");
  });

  it("titles the Summary with the day and shows money as numbers", async () => {
    const { workbook } = await writeAndRead([]);
    const sheet = callsSheet(workbook, "Summary");
    expect(sheet.getCell("A1").value).toBe("Calls report — Mon 4 Aug 2025");
    const rows = sheet.getSheetValues() as unknown[][];
    const totalCost = rows.find((row) => row?.[1] === "Total cost");
    expect(totalCost?.[2]).toBe(0.05);
  });

  it("shows day-over-day deltas when the summary has a comparison", async () => {
    const delta = (current: number, previous: number) => ({
      current,
      previous,
      change: current - previous,
      changeRatio: (current - previous) / previous,
    });
    const summary = makeSummary({
      comparison: {
        previousDay: {
          date: "2025-08-03",
          deltas: {
            calls: delta(2, 4),
            connectedCalls: delta(1, 2),
            connectRate: delta(0.5, 0.5),
            durationSeconds: delta(245, 125),
            totalCost: delta(0.05, 0.04),
            averageScore: delta(8.5, 8),
          },
        },
        sameWeekdayLastWeek: null,
      },
    });
    const { workbook } = await writeAndRead([], {}, { summary });
    const rows = callsSheet(workbook, "Summary").getSheetValues() as unknown[][];
    const calls = rows.find((row) => row?.[1] === "Calls");
    // Value, change and change ratio against the previous day; no week-ago comparison: blank.
    expect(calls?.slice(2, 7)).toEqual([2, -2, -0.5]);
  });

  it("writes 24 hourly rows", async () => {
    const { workbook } = await writeAndRead([]);
    const sheet = callsSheet(workbook, "Hourly");
    expect(sheet.actualRowCount).toBe(25);
    expect(sheet.getCell("A12").value).toBe("10:00–11:00");
    expect(sheet.getCell("B12").value).toBe(2);
    expect(sheet.autoFilter).toBe("A1:D25");
  });

  it("rejects with the calls' error and leaves the output open for the caller to discard", async () => {
    const failure = new Error("fetch broke");
    async function* failing(): AsyncGenerator<Call> {
      yield makeCall();
      throw failure;
    }
    const out = new PassThrough();
    out.resume();
    const writing = writeWorkbook(
      out,
      { summary: makeSummary(), calls: failing(), variableKeys: [], evaluationKeys: [] },
      OPTIONS,
    );
    await expect(writing).rejects.toBe(failure);
    expect(out.writableEnded).toBe(false);
    out.destroy();
  });

  it("keeps pace with a slow output that asks it to wait for drain", async () => {
    const chunks: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 256,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        setTimeout(done, 1);
      },
    });
    const calls = Array.from({ length: 40 }, (_, index) => makeCall({ id: index + 1, transcript: "x".repeat(2_000) }));
    const result = await writeWorkbook(
      slow,
      { summary: makeSummary(), calls: streamOf(calls), variableKeys: [], evaluationKeys: [] },
      OPTIONS,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ExcelJS.Buffer);
    expect(result.callRows).toBe(40);
    expect(callsSheet(workbook).actualRowCount).toBe(41);
  });

  it("rejects with a WorkbookOutputError carrying the cause when the output fails", async () => {
    const diskFull = new Error("disk full");
    const failing = new Writable({
      write(_chunk, _encoding, done) {
        done(diskFull);
      },
    });
    const writing = writeWorkbook(
      failing,
      { summary: makeSummary(), calls: streamOf([makeCall(), makeCall()]), variableKeys: [], evaluationKeys: [] },
      OPTIONS,
    );
    await expect(writing).rejects.toThrow(WorkbookOutputError);
    await expect(writing).rejects.toMatchObject({ cause: diskFull });
  });

  it("rejects instead of hanging when the output closes before the workbook is complete", async () => {
    const out = new PassThrough();
    const writing = writeWorkbook(
      out,
      { summary: makeSummary(), calls: streamOf([]), variableKeys: [], evaluationKeys: [] },
      OPTIONS,
    );
    out.destroy();
    await expect(writing).rejects.toThrow(/closed before the workbook was complete/);
  });

  it("resolves only after the output has finished", async () => {
    const out = new PassThrough();
    out.resume();
    await writeWorkbook(
      out,
      { summary: makeSummary(), calls: streamOf([makeCall()]), variableKeys: [], evaluationKeys: [] },
      OPTIONS,
    );
    expect(out.writableFinished).toBe(true);
    await finished(out);
  });
});

describe("truncateCellText", () => {
  it("keeps text within the limit unchanged", () => {
    expect(truncateCellText("short", 10)).toBe("short");
  });

  it("never splits a surrogate pair at the cut", () => {
    const marker = "… [truncated: 44 characters total]";
    // The cut falls between the two halves of the second emoji.
    const text = `${"a".repeat(5)}😀😀${"b".repeat(35)}`;
    const limit = marker.length + 8;
    const result = truncateCellText(text, limit);
    expect(result).toBe(`aaaaa😀${marker}`);
    expect(result.length).toBeLessThanOrEqual(limit);
  });
});

describe("maskPhoneNumber", () => {
  it("keeps the country code and the last four digits", () => {
    expect(maskPhoneNumber("+19876544321")).toBe("+1******4321");
  });

  it("recognises two- and three-digit country codes", () => {
    expect(maskPhoneNumber("+4915112345678")).toBe("+49*******5678");
    expect(maskPhoneNumber("+353851234567")).toBe("+353*****4567");
  });

  it("masks every digit but the last four of a national number", () => {
    expect(maskPhoneNumber("0301234567")).toBe("******4567");
  });

  it("masks a short number completely", () => {
    expect(maskPhoneNumber("+11234")).toBe("+1****");
  });

  it("leaves a value without digits as it is", () => {
    expect(maskPhoneNumber("anonymous")).toBe("anonymous");
  });
});

describe("sanitizeSheetName", () => {
  it("replaces characters Excel forbids", () => {
    expect(sanitizeSheetName("a[b]c:d*e?f/g\\h")).toBe("a_b_c_d_e_f_g_h");
  });

  it("cuts names to 31 characters", () => {
    expect(sanitizeSheetName("x".repeat(40))).toHaveLength(31);
  });

  it("makes names unique regardless of case, within 31 characters", () => {
    expect(sanitizeSheetName("calls", ["Calls"])).toBe("calls (2)");
    expect(sanitizeSheetName("y".repeat(40), ["y".repeat(31)])).toBe(`${"y".repeat(27)} (2)`);
  });

  it("strips leading and trailing apostrophes and names an empty result", () => {
    expect(sanitizeSheetName("'quoted'")).toBe("quoted");
    expect(sanitizeSheetName("''")).toBe("Sheet");
  });

  it("avoids the reserved name History", () => {
    expect(sanitizeSheetName("History")).not.toMatch(/^history$/i);
  });
});
