/** Section 6 (--full, --excel-limit): one call more than a sheet holds, read back with unzip. */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { runChild } from "../child.js";
import type { WorkbookMeasurement } from "../scenarios/workbook.js";
import { readSheetRows, type SheetRows } from "../sheet-rows.js";
import { bytesMb, count, mb, pass, seconds, table } from "../stats.js";
import { DAY, log, type Measured } from "./common.js";

export interface ExcelLimit {
  calls: number;
  run: Measured<WorkbookMeasurement>;
  readMs: number;
  sheets: SheetRows[];
}

/** Excel's worksheet: 1,048,576 rows, the header one of them (Excel specifications and limits). */
const EXCEL_SHEET_ROWS = 1_048_576;
const EXCEL_LIMIT_CALLS = 1_048_576;
const EXCEL_LIMIT_SHEETS = ["Summary", "Assistants", "Campaigns", "Hourly", "Calls", "Calls (2)"];

/**
 * One call more than a Calls sheet holds, through the real workbook writer into a file, read
 * back by unzip (bench/sheet-rows.ts): Calls must end on row 1,048,576, Calls (2) hold the last call.
 */
export async function measureExcelLimit(worker: string, workDir: string): Promise<ExcelLimit> {
  const calls = EXCEL_LIMIT_CALLS;
  const outPath = join(workDir, "excel-limit.xlsx");
  log(`Excel row limit: writing ${count(calls)} calls with transcripts (a minute or two)`);
  const run = await runChild<WorkbookMeasurement>(
    worker,
    "workbook",
    { calls, date: DAY, includeTranscripts: true, outPath, spoolDir: workDir },
    { timeoutMs: 1_200_000 },
  );
  log(`Excel row limit: ${count(run.rows)} rows in ${seconds(run.wallMs)} s, ${bytesMb(run.workbookBytes)} MB`);
  const started = performance.now();
  const sheets = await readSheetRows(outPath);
  const readMs = performance.now() - started;
  await rm(outPath, { force: true });
  log(
    `Excel row limit: read back with unzip in ${seconds(readMs)} s: ` +
      sheets.map((sheet) => `${sheet.name} ${count(sheet.rows)}`).join(", "),
  );
  return { calls, run, readMs, sheets };
}

export function excelLimitChecks(result: ExcelLimit): string[][] {
  const names = result.sheets.map((sheet) => sheet.name);
  const calls = result.sheets.find((sheet) => sheet.name === "Calls");
  const overflow = result.sheets.find((sheet) => sheet.name === "Calls (2)");
  return [
    [
      "sheets are Summary … Calls, Calls (2)",
      names.join(", "),
      pass(JSON.stringify(names) === JSON.stringify(EXCEL_LIMIT_SHEETS)),
    ],
    [
      `Calls is full: ${count(EXCEL_SHEET_ROWS)} rows (header + ${count(EXCEL_SHEET_ROWS - 1)} calls), the last numbered ${count(EXCEL_SHEET_ROWS)}`,
      calls ? `${count(calls.rows)} rows, last ${calls.lastRowNumber ?? "?"}` : "missing",
      pass(calls?.rows === EXCEL_SHEET_ROWS && calls.lastRowNumber === EXCEL_SHEET_ROWS),
    ],
    [
      "Calls (2) holds the last call: 2 rows (header + 1), the last numbered 2",
      overflow ? `${count(overflow.rows)} rows, last ${overflow.lastRowNumber ?? "?"}` : "missing",
      pass(overflow?.rows === 2 && overflow.lastRowNumber === 2),
    ],
  ];
}

export function renderExcelLimit(result: ExcelLimit): string[] {
  const { run } = result;
  return [
    "",
    "## 6. Excel's row limit (issue 20)",
    "",
    `${count(result.calls)} simulated calls (transcripts included) aggregated and spooled, then \`writeWorkbook\` ` +
      "streams them into a file, as in section 4. The file is read back without exceljs and without the project's code: " +
      "`unzip -p` inflates xl/workbook.xml, its rels and each sheet to a pipe, and the `<row …>` start tags are counted " +
      `as the XML streams past. Excel's sheet holds ${count(EXCEL_SHEET_ROWS)} rows, the header one of them.`,
    "",
    table(
      ["measure", "value"],
      [
        ["write s", seconds(run.wallMs)],
        ["rows/s", count(run.rowsPerSecond)],
        ["workbook MB", bytesMb(run.workbookBytes)],
        ["peak RSS MB (process / writing phase)", `${mb(run.maxRssMb)} / ${mb(run.phasePeakRssMb)}`],
        ["peak heap used MB (writing phase)", mb(run.phasePeakHeapUsedMb)],
        ["read back with unzip s", seconds(result.readMs)],
      ],
    ),
    "",
    table(
      ["sheet", "zip member", "rows (header included)", "last row number"],
      result.sheets.map((sheet) => [sheet.name, sheet.entry, count(sheet.rows), String(sheet.lastRowNumber ?? "—")]),
    ),
    "",
    table(["check", "measured", "result"], excelLimitChecks(result)),
  ];
}
