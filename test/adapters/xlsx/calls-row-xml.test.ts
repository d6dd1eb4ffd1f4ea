import { Writable } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  CallsRowXml,
  CellType,
  columnLetters,
  escapeXmlContent,
  escapeXmlText,
  excelSerial,
  UnsupportedCellValueError,
} from "../../../lambda/adapters/xlsx/calls-row-xml.js";
import { worksheetWriterOf } from "../../../lambda/adapters/xlsx/exceljs-internals.js";
import { type CallRowsFactory, fastCallRows } from "../../../lambda/adapters/xlsx/fast-call-rows.js";
import { writeWorkbook } from "../../../lambda/adapters/xlsx/workbook-writer.js";
import type { Call } from "../../../lambda/report/call.js";
import type { WorkbookOptions } from "../../../lambda/report/workbook.js";
import type { CellValue } from "../../../lambda/report/workbook-layout.js";
import { makeCall } from "../../support/call-factory.js";
import { summaryFixture } from "../../support/email-fixtures.js";
import { exceljsCallRows } from "../../support/exceljs-call-rows.js";
import { seededRandom } from "../../support/seeded-random.js";

describe("columnLetters", () => {
  it("counts A to Z, then AA, AZ, BA… and AAA after ZZ", () => {
    expect([1, 26, 27, 52, 53, 702, 703].map(columnLetters)).toEqual(["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]);
  });
});

describe("CellType", () => {
  it("matches exceljs's ValueType, which picks the style ids", () => {
    const valueType = ExcelJS.ValueType;
    expect(CellType).toEqual({
      Null: valueType.Null,
      Number: valueType.Number,
      String: valueType.String,
      Date: valueType.Date,
      Hyperlink: valueType.Hyperlink,
      Boolean: valueType.Boolean,
    });
  });
});

describe("escapeXmlText", () => {
  it("writes the XML specials as entities", () => {
    expect(escapeXmlText(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&apos;");
  });

  it("drops the control characters XML 1.0 forbids but keeps tab, line feed and carriage return", () => {
    expect(escapeXmlText("a\u0000b\u0008c\u000bd\u001fe\u007ff\tg\nh\ri")).toBe("abcdef\tg\nh\ri");
  });

  it("leaves other text, emoji included, as it is", () => {
    expect(escapeXmlText("Grüße 😀 — ok")).toBe("Grüße 😀 — ok");
  });
});

describe("escapeXmlContent", () => {
  it("writes <, > and & as entities and leaves quotes and apostrophes, which element content allows", () => {
    expect(escapeXmlContent(`a<b>&"c'`)).toBe(`a&lt;b&gt;&amp;"c'`);
    expect(escapeXmlContent('you\'ve said "yes"')).toBe('you\'ve said "yes"');
  });

  it("drops the control characters XML 1.0 forbids, as escapeXmlText does", () => {
    const text = "a\u0000b\u0008c\u000bd\u001fe\u007ff\tg\nh\ri Grüße 😀";
    expect(escapeXmlContent(text)).toBe(escapeXmlText(text));
  });
});

describe("excelSerial", () => {
  it("counts days from Excel's 1900 epoch, the time of day as a fraction", () => {
    expect(excelSerial(new Date("1970-01-01T00:00:00Z"))).toBe(25_569);
    expect(excelSerial(new Date("2025-08-04T18:00:00Z"))).toBe(45_873.75);
  });
});

describe("CallsRowXml", () => {
  const unstyled = () => 0;

  it("writes numbers, text, booleans and dates with exceljs's cell types and style ids", () => {
    const rowXml = new CallsRowXml(4, (column, type) => (column === 3 && type === CellType.Date ? 7 : 0));
    const xml = rowXml.render(2, [1.5, "x&y", true, new Date("1970-01-02T00:00:00Z")], () => {});
    expect(xml).toBe(
      '<row r="2" spans="1:4" x14ac:dyDescent="0.25"><c r="A2"><v>1.5</v></c><c r="B2" t="str"><v>x&amp;y</v></c>' +
        '<c r="C2" t="b"><v>1</v></c><c r="D2" s="7"><v>25570</v></c></row>',
    );
  });

  it("writes an empty cell only when its column gives it a style", () => {
    const rowXml = new CallsRowXml(3, (column, type) => (column === 1 && type === CellType.Null ? 4 : 0));
    expect(rowXml.render(5, [1, null, null], () => {})).toBe(
      '<row r="5" spans="1:3" x14ac:dyDescent="0.25"><c r="A5"><v>1</v></c><c r="B5" s="4"/></row>',
    );
  });

  it("reports each link with its cell reference and writes its text", () => {
    const links: Array<[string, string]> = [];
    const xml = new CallsRowXml(2, unstyled).render(9, [null, { text: "rec", hyperlink: "https://x/1" }], (c, r, t) =>
      links.push([`${c}${r}`, t]),
    );
    expect(links).toEqual([["B9", "https://x/1"]]);
    expect(xml).toContain('<c r="B9" t="str"><v>rec</v></c>');
  });

  it("writes nothing for a row without values", () => {
    expect(new CallsRowXml(2, unstyled).render(3, [null, null], () => {})).toBeNull();
  });

  it("refuses a value the Calls sheet never writes, such as a formula", () => {
    expect(() =>
      new CallsRowXml(1, unstyled).render(2, [{ formula: "1+1" } as unknown as CellValue], () => {}),
    ).toThrow(UnsupportedCellValueError);
  });
});

// ——— the fast rows against exceljs's own rows ————————————————————————————————————————————————

const AWKWARD_TEXTS = [
  "plain",
  `<&>"' in text`,
  "Grüße, ça va — 日本語",
  "emoji 😀👍🏽 and a flag 🇺🇸",
  "controls \u0000\u0001\u0007\u000b\u001f\u007f kept out",
  "tab\tline\nreturn\r",
  "=1+2",
  "@SUM(A1)",
  "  leading and trailing spaces  ",
  "lone surrogate \ud83d end",
];

function variedCalls(count: number, seed: number): Call[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const text = (): string | null => (random() < 0.15 ? null : pick(AWKWARD_TEXTS));
  const dynamic = (): unknown =>
    pick([
      () => null,
      () => pick(AWKWARD_TEXTS),
      () => Math.round(random() * 1e6) / 100,
      () => -random(),
      () => random() < 0.5,
      () => ({ nested: { list: [1, "<two>", null], flag: true } }),
      () => [pick(AWKWARD_TEXTS), 3],
      () => "",
    ])();
  return Array.from({ length: count }, (_, index) =>
    makeCall({
      id: 1000 + index,
      createdAt: random() < 0.05 ? "not a timestamp" : `2025-08-04 ${String(index % 24).padStart(2, "0")}:17:09`,
      assistantName: text(),
      campaignName: text(),
      status: pick(["completed", "no-answer", "busy", "failed"]),
      answeredBy: random() < 0.2 ? null : pick(["human", "machine", "unknown"]),
      durationSeconds: random() < 0.1 ? 0 : Math.floor(random() * 4000),
      totalCostMicros: Math.floor(random() * 500_000),
      carrierCostMicros: Math.floor(random() * 300_000),
      clientPhoneNumber: random() < 0.1 ? null : pick(["+19876544321", "anonymous", "+44 20 7946 0958"]),
      recordingUrl: pick([null, "https://r.example/a.mp3?x=1&y=<2>", "javascript:alert(1)", "http://r.example/b", ""]),
      transcript: random() < 0.03 ? `${pick(AWKWARD_TEXTS)} `.repeat(3000) : text(),
      variables: random() < 0.1 ? {} : { name: text(), level: dynamic(), extra: dynamic(), constructor: dynamic() },
      evaluation:
        random() < 0.1 ? null : { outcome: dynamic(), sentiment: text(), score: dynamic(), reason: dynamic() },
    }),
  );
}

async function workbookBytes(
  calls: Call[],
  options: Partial<WorkbookOptions>,
  callRows?: Parameters<typeof writeWorkbook>[3],
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await writeWorkbook(
    out,
    {
      summary: summaryFixture({}),
      calls: (async function* () {
        yield* calls;
      })(),
      variableKeys: ["name", "level", "extra", "constructor", "missing"],
      evaluationKeys: ["reason"],
    },
    {
      apiTimezone: "UTC",
      includeTranscripts: true,
      maskPhoneNumbers: true,
      createdAt: new Date("2025-08-05T06:00:00Z"),
      ...options,
    },
    callRows,
  );
  return Buffer.concat(chunks);
}

/** Every cell of every sheet as read back: value, type, number format and font. */
async function readBack(bytes: Buffer): Promise<unknown[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook.worksheets.map((sheet) => {
    const cells: unknown[] = [];
    sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
      row.eachCell({ includeEmpty: true }, (cell) => {
        cells.push([rowNumber, cell.address, cell.type, cell.value, cell.numFmt, cell.font]);
      });
    });
    return { name: sheet.name, autoFilter: sheet.autoFilter, rowCount: sheet.rowCount, cells };
  });
}

describe("fast Calls rows", () => {
  it("read back exactly like exceljs's rows, sheet by sheet, for varied calls over several sheets", async () => {
    const calls = variedCalls(300, 20261125);
    // Small limits so that overflow sheets and the hyperlink cap are exercised too.
    const limits: Partial<WorkbookOptions> = { maxRowsPerSheet: 120, maxHyperlinksPerSheet: 25 };
    const fast = await readBack(await workbookBytes(calls, limits));
    const exceljs = await readBack(await workbookBytes(calls, limits, exceljsCallRows));
    expect(fast.map((sheet) => (sheet as { name: string }).name)).toEqual([
      "Summary",
      "Assistants",
      "Campaigns",
      "Hourly",
      "Calls",
      "Calls (2)",
      "Calls (3)",
    ]);
    expect(fast).toEqual(exceljs);
  });

  it("hand each Calls sheet to deflate in 256 KB buffers rather than exceljs's 64 KB", async () => {
    const bufferSizes: number[] = [];
    const watched: CallRowsFactory = (context) => {
      const sinkFor = fastCallRows(context);
      return (sheet) => {
        const sink = sinkFor(sheet);
        bufferSizes.push(worksheetWriterOf(sheet).stream.bufSize);
        return sink;
      };
    };
    await workbookBytes(variedCalls(50, 7), { maxRowsPerSheet: 20 }, watched);
    expect(bufferSizes).toEqual([256 * 1024, 256 * 1024, 256 * 1024]);
  });
});
