import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { writePeriodWorkbook } from "../../lambda/adapters/xlsx/workbook-writer.js";
import { DayAggregator } from "../../lambda/report/aggregate.js";
import type { Call } from "../../lambda/report/call.js";
import { type Period, periodFromLabel } from "../../lambda/report/period.js";
import { mergeDailySummaries, type PeriodReport } from "../../lambda/report/period-merge.js";
import {
  heatFill,
  type PeriodWorkbookInput,
  periodWorkbookFileName,
  periodWorkbookLayout,
} from "../../lambda/report/period-workbook.js";
import { readStoredSummary } from "../../lambda/report/stored-summary.js";
import type { StoredSummary } from "../../lambda/report/summary.js";
import { reportWindow } from "../../lambda/report/window.js";
import { makeCall, makeFetchStats } from "../support/call-factory.js";

const CREATED_AT = new Date("2025-08-11T05:00:00Z");
const FILTERS = { assistantId: null, campaignId: null, type: null, status: null };

function storedDay(date: string, calls: Call[]): StoredSummary {
  const day = new DayAggregator({ window: reportWindow(date, "UTC"), apiTimezone: "UTC", filters: FILTERS });
  for (const call of calls) day.add(call);
  const summary = day.finish({
    fetch: makeFetchStats(),
    generatedAt: CREATED_AT,
    previousDay: null,
    sameWeekdayLastWeek: null,
  });
  return readStoredSummary(JSON.parse(JSON.stringify(summary)));
}

/** Day n (0 = Monday) of the week: n + 1 calls at 09:xx by Ada, and on Wednesday 4 more at 14:xx by Bea. */
function callsOf(date: string, index: number): Call[] {
  const calls = Array.from({ length: index + 1 }, (_, n) =>
    makeCall({
      createdAt: `${date} 09:${String(n).padStart(2, "0")}:00`,
      assistantName: "Ada",
      totalCostMicros: 250_000,
    }),
  );
  if (index === 2) {
    for (let n = 0; n < 4; n++) {
      calls.push(makeCall({ createdAt: `${date} 14:0${n}:00`, assistantName: "Bea", totalCostMicros: 100_000 }));
    }
  }
  return calls;
}

function week(period: Period, calls: (date: string, index: number) => Call[] = callsOf): PeriodReport {
  return mergeDailySummaries(
    period,
    period.dates.map((date, index) => storedDay(date, calls(date, index))),
    { generatedAt: CREATED_AT },
  );
}

/** Writes the workbook into memory and reads it back with exceljs, as Excel would open it. */
async function writeAndRead(input: PeriodWorkbookInput): Promise<{ workbook: ExcelJS.Workbook; names: string[] }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  const names = await writePeriodWorkbook(out, periodWorkbookLayout(input), input.createdAt);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ExcelJS.Buffer);
  return { workbook, names };
}

function sheet(workbook: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const found = workbook.getWorksheet(name);
  if (!found) throw new Error(`no sheet ${name}`);
  return found;
}

/** The row whose first cell reads `label`. */
function rowLabelled(worksheet: ExcelJS.Worksheet, label: string): ExcelJS.Row {
  for (let number = 1; number <= worksheet.rowCount; number++) {
    if (worksheet.getRow(number).getCell(1).value === label) return worksheet.getRow(number);
  }
  throw new Error(`no row ${label}`);
}

const W32 = periodFromLabel("2025-W32");
const URLS = {
  "2025-08-04": "https://reports.example.com/calls-report-2025-08-04.xlsx?sig=1",
  "2025-08-05": null,
  "2025-08-06": "javascript:alert(1)",
};

describe("periodWorkbookFileName", () => {
  it("names the workbook by the period", () => {
    expect(periodWorkbookFileName(W32)).toBe("calls-report-week-2025-W32.xlsx");
    expect(periodWorkbookFileName(periodFromLabel("2025-08"))).toBe("calls-report-month-2025-08.xlsx");
  });
});

describe("writePeriodWorkbook", () => {
  const current = week(W32);
  const previousWeek = week(periodFromLabel("2025-W31"), (date) => [makeCall({ createdAt: `${date} 10:00:00` })]);
  const report = mergeDailySummaries(
    W32,
    current.days.map(({ summary }) => summary),
    { generatedAt: CREATED_AT, previousPeriod: previousWeek },
  );

  it("writes Summary, Days, Assistants, Campaigns and the day × hour grid, and no Calls sheet", async () => {
    const { workbook, names } = await writeAndRead({ report, dailyWorkbookUrls: URLS, createdAt: CREATED_AT });
    expect(names).toEqual(["Summary", "Days", "Assistants", "Campaigns", "Day × hour"]);
    expect(workbook.worksheets.map((worksheet) => worksheet.name)).toEqual(names);
    expect(workbook.title).toBe("Calls report week 2025-W32");
  });

  it("shows the week's key figures against the previous week, and says when last year's is missing", async () => {
    const { workbook } = await writeAndRead({ report, dailyWorkbookUrls: URLS, createdAt: CREATED_AT });
    const summary = sheet(workbook, "Summary");
    expect(summary.getCell("A1").value).toBe("Calls report — week 2025-W32, Mon 4 Aug – Sun 10 Aug 2025");
    const header = rowLabelled(summary, "Key figures");
    expect(header.values).toEqual([
      undefined,
      "Key figures",
      "Value",
      "Δ vs 2025-W31",
      "Δ %",
      "Δ same week last year",
      "Δ %",
    ]);
    // 1 + 2 + … + 7 calls by Ada and 4 by Bea; the previous week had one call a day.
    const calls = rowLabelled(summary, "Calls");
    expect([calls.getCell(2).value, calls.getCell(3).value, calls.getCell(4).value]).toEqual([32, 25, 25 / 7]);
    expect(calls.getCell(5).value).toBeNull();
    // 28 calls at $0.25 and 4 at $0.10.
    expect(rowLabelled(summary, "Total cost").getCell(2).value).toBe(7.4);
    expect(() => rowLabelled(summary, "Approximate")).toThrow(/no row/);
  });

  it("has one row per day with real dates and each day's figures, linking the daily workbooks it may", async () => {
    const { workbook } = await writeAndRead({ report, dailyWorkbookUrls: URLS, createdAt: CREATED_AT });
    const days = sheet(workbook, "Days");
    expect(days.rowCount).toBe(8);
    const column = (header: string) => (days.getRow(1).values as unknown[]).indexOf(header);
    const dates = W32.dates.map((_, index) => days.getRow(index + 2).getCell(1).value);
    expect(dates).toEqual(W32.dates.map((date) => new Date(`${date}T00:00:00.000Z`)));
    expect(days.getRow(2).getCell(1).numFmt).toBe("ddd yyyy-mm-dd");
    const calls = W32.dates.map((_, index) => days.getRow(index + 2).getCell(column("Calls")).value);
    expect(calls).toEqual([1, 2, 7, 4, 5, 6, 7]);
    const link = column("Daily workbook");
    expect(days.getRow(2).getCell(link).value).toEqual({
      text: "calls-report-2025-08-04.xlsx",
      hyperlink: URLS["2025-08-04"],
    });
    expect(days.getRow(3).getCell(link).value).toBeNull();
    // A javascript: URL is never made clickable; a date without a URL gets no link either.
    expect(days.getRow(4).getCell(link).value).toBeNull();
    expect(days.getRow(5).getCell(link).value).toBeNull();
    expect(days.autoFilter).toBe("A1:L8");
  });

  it("shades the day × hour grid by calls, darkest at the busiest hour, and adds up the hours", async () => {
    const { workbook } = await writeAndRead({ report, dailyWorkbookUrls: URLS, createdAt: CREATED_AT });
    const grid = sheet(workbook, "Day × hour");
    expect(grid.getRow(1).getCell(2).value).toBe("00");
    const hour = (row: number, clockHour: number) => grid.getRow(row).getCell(clockHour + 2);
    // Sunday (row 8) has the busiest hour: 7 calls at 09:00.
    expect(hour(8, 9).value).toBe(7);
    expect(hour(8, 9).fill).toEqual({ type: "pattern", pattern: "solid", fgColor: { argb: "FF5B9BD5" } });
    expect(hour(2, 9).value).toBe(1);
    expect(hour(2, 9).fill).toEqual(heatFill(1, 7));
    expect(hour(2, 8).value).toBe(0);
    expect(hour(2, 8).fill ?? {}).not.toHaveProperty("fgColor");
    expect(hour(4, 14).value).toBe(4);
    expect(grid.getRow(4).getCell(26).value).toBe(7);
    const all = rowLabelled(grid, "All days");
    expect(all.getCell(9 + 2).value).toBe(28);
    expect(all.getCell(14 + 2).value).toBe(4);
    expect(all.getCell(26).value).toBe(32);
  });

  it("lists the week's assistants with their calls", async () => {
    const { workbook } = await writeAndRead({ report, dailyWorkbookUrls: {}, createdAt: CREATED_AT });
    const assistants = sheet(workbook, "Assistants");
    expect([2, 3].map((row) => [assistants.getCell(`A${row}`).value, assistants.getCell(`B${row}`).value])).toEqual([
      ["Ada", 28],
      ["Bea", 4],
    ]);
  });

  it("says which figures are estimates when some days were stored before schema 2", async () => {
    const withV1 = mergeDailySummaries(
      W32,
      current.days.map(({ summary }, index) =>
        index === 0 ? readStoredSummary({ ...JSON.parse(JSON.stringify(summary)), schemaVersion: 1 }) : summary,
      ),
      { generatedAt: CREATED_AT },
    );
    const { workbook } = await writeAndRead({ report: withV1, dailyWorkbookUrls: {}, createdAt: CREATED_AT });
    const note = rowLabelled(sheet(workbook, "Summary"), "Approximate").getCell(2).value;
    expect(note).toMatch(/summary schema 1\), so these are estimates: totals\.medianDurationSeconds, /);
  });
});

describe("heatFill", () => {
  it("runs from white towards the scale's blue and leaves empty hours unfilled", () => {
    expect(heatFill(0, 10)).toBeUndefined();
    expect(heatFill(10, 10)?.fgColor.argb).toBe("FF5B9BD5");
    // Halfway: 255 − (255 − 0x5B) / 2 = 0xAD (rounded), and so on per channel.
    expect(heatFill(5, 10)?.fgColor.argb).toBe("FFADCDEA");
  });
});
