import { createRequire } from "node:module";
import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { stylesOf, worksheetWriterOf, zipOf } from "../../../lambda/adapters/xlsx/exceljs-internals.js";
import packageJson from "../../../package.json" with { type: "json" };

/**
 * The fast Calls rows write behind exceljs's back. These tests fail, naming the internal that
 * moved, before an exceljs upgrade can break a report at run time.
 */
function openWriter() {
  const out = new PassThrough();
  out.resume();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet("Calls");
  sheet.addRow(["Call ID"]).commit();
  return { workbook, sheet };
}

describe("the exceljs internals the xlsx adapter relies on", () => {
  it("come from the exceljs version package.json pins exactly", () => {
    const installed = (createRequire(import.meta.url)("exceljs/package.json") as { version: string }).version;
    expect(packageJson.dependencies.exceljs, "exceljs must be pinned to one exact version").toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed, "the installed exceljs is not the pinned one").toBe(packageJson.dependencies.exceljs);
  });

  it("include the workbook writer's archiver: on, unpipe, abort, append (WorkbookWriter.zip)", () => {
    const { workbook } = openWriter();
    expect(() => zipOf(workbook)).not.toThrow();
  });

  it("include the style registry: styles.addStyleModel, returning a numeric style id", () => {
    const { workbook } = openWriter();
    const id = stylesOf(workbook).addStyleModel({ numFmt: "0.0%" }, ExcelJS.ValueType.Number);
    expect(id, "styles.addStyleModel no longer returns a style id").toBeGreaterThan(0);
  });

  it("include the worksheet writer's id, stream, _rowZero, _rows, _writeHyperlinks and _sheetRelsWriter.count", () => {
    const { sheet } = openWriter();
    const writer = worksheetWriterOf(sheet);
    expect(writer.id, "id is no longer the sheet's number").toBe(1);
    expect(writer._rowZero, "_rowZero is no longer the next row's number").toBe(2);
    expect(writer._rows, "_rows is no longer the list of rows not yet written").toEqual([]);
    expect(typeof writer.stream.write, "stream.write").toBe("function");
    expect(typeof writer._writeHyperlinks, "_writeHyperlinks").toBe("function");
    expect(writer._sheetRelsWriter.count, "_sheetRelsWriter.count").toBe(0);
  });

  it("hand the archiver the sheet stream's buffers of stream.bufSize bytes, so a bigger size means fewer deflate jobs", async () => {
    const { sheet } = openWriter();
    const writer = worksheetWriterOf(sheet);
    expect(writer.stream.bufSize, "exceljs no longer opens sheet streams with 64 KB buffers").toBe(64 * 1024);
    // The archiver pipes the entry's stream once it reaches it: sheet 1 is its first entry.
    await expect.poll(() => writer.stream.pipes.length, { interval: 5, timeout: 2_000 }).toBe(1);
    const input = writer.stream.pipes[0] as unknown as { write(chunk: Buffer, done: () => void): boolean };
    const write = input.write.bind(input);
    const sizes: number[] = [];
    input.write = (chunk, done) => {
      sizes.push(chunk.length);
      return write(chunk, done);
    };
    writer.stream.bufSize = 256 * 1024;
    const row = `<row>${"x".repeat(1000)}</row>`;
    for (let written = 0; written < 800 * 1024; written += row.length) writer.stream.write(row);
    // The 64 KB buffer already open is filled first; every buffer after it has the new size.
    expect(sizes.slice(0, 1), "the buffer open before the change").toEqual([64 * 1024]);
    expect(sizes.slice(1), "buffers opened after stream.bufSize changed").toEqual([256 * 1024, 256 * 1024]);
  });

  it("copy a Buffer written into the sheet stream before write returns, so the fast rows may fill it again", async () => {
    const { sheet } = openWriter();
    const writer = worksheetWriterOf(sheet);
    await expect.poll(() => writer.stream.pipes.length, { interval: 5, timeout: 2_000 }).toBe(1);
    const input = writer.stream.pipes[0] as unknown as { write(chunk: Buffer, done: () => void): boolean };
    const write = input.write.bind(input);
    const handed: Buffer[] = [];
    input.write = (chunk, done) => {
      handed.push(Buffer.from(chunk));
      return write(chunk, done);
    };
    const reused = Buffer.alloc(40 * 1024, "@");
    writer.stream.write(reused);
    reused.fill("~");
    writer.stream.write(reused);
    sheet.commit();
    const bytes = Buffer.concat(handed).toString("latin1");
    expect(bytes.match(/@+/g)?.join("").length, "the first write's bytes were not kept").toBe(40 * 1024);
    expect(bytes.match(/~+/g)?.join("").length).toBe(40 * 1024);
  });

  it("call _writeHyperlinks while committing the sheet, before its stream ends", () => {
    const { sheet } = openWriter();
    const writer = worksheetWriterOf(sheet);
    const written: string[] = [];
    writer._writeHyperlinks = () => {
      written.push("<hyperlinks/>");
    };
    sheet.commit();
    expect(written, "the sheet's commit no longer writes its <hyperlinks> through _writeHyperlinks").toEqual([
      "<hyperlinks/>",
    ]);
  });

  it("are reported by name when missing", () => {
    const { sheet } = openWriter();
    delete (sheet as unknown as { _rowZero?: number })._rowZero;
    expect(() => worksheetWriterOf(sheet)).toThrow(/WorksheetWriter\._rowZero/);
  });
});
