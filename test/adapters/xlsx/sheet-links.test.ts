import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SheetLinks } from "../../../lambda/adapters/xlsx/sheet-links.js";
import { writeWorkbook } from "../../../lambda/adapters/xlsx/workbook-writer.js";
import type { Call } from "../../../lambda/report/call.js";
import { makeCall } from "../../support/call-factory.js";
import { summaryFixture } from "../../support/email-fixtures.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sheet-links-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("SheetLinks", () => {
  it("writes the <hyperlinks> list and the .rels entry as exceljs's rels writer does", async () => {
    const links = new SheetLinks(join(dir, "links"));
    links.add("P", 2, "https://r.example/a.mp3?x=1&y=<2>");
    links.add("P", 5, "http://r.example/b");
    const xml: string[] = [];
    links.writeHyperlinksXml((chunk) => xml.push(chunk));
    expect(xml.join("")).toBe(
      '<hyperlinks><hyperlink ref="P2" r:id="rId1"/><hyperlink ref="P5" r:id="rId2"/></hyperlinks>',
    );
    const type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink";
    expect(await text(links.relsEntry() as NodeJS.ReadableStream)).toBe(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
        '       <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        `<Relationship Id="rId1" Type="${type}" Target="https://r.example/a.mp3?x=1&amp;y=&lt;2&gt;" TargetMode="External"/>` +
        `<Relationship Id="rId2" Type="${type}" Target="http://r.example/b" TargetMode="External"/>` +
        "</Relationships>",
    );
  });

  it("writes neither list nor .rels entry for a sheet without links", () => {
    const links = new SheetLinks(join(dir, "links"));
    const xml: string[] = [];
    links.writeHyperlinksXml((chunk) => xml.push(chunk));
    expect(xml).toEqual([]);
    expect(links.relsEntry()).toBeNull();
  });
});

describe("the workbook's scratch files", () => {
  const withLinks = (count: number): Call[] =>
    Array.from({ length: count }, (_, index) =>
      makeCall({ id: index + 1, recordingUrl: `https://r.example/${index}` }),
    );
  const input = (calls: AsyncIterable<Call>) => ({
    summary: summaryFixture({}),
    calls,
    variableKeys: [],
    evaluationKeys: [],
  });
  const options = { apiTimezone: "UTC", includeTranscripts: true, maskPhoneNumbers: false, createdAt: new Date(0) };
  const scratchFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith("callreport-workbook-"));
  let previousTmp: string | undefined;
  beforeEach(() => {
    previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = dir;
  });
  afterEach(() => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
  });

  it("are removed once the workbook is written", async () => {
    const out = new Writable({ write: (_chunk, _encoding, done) => done() });
    await writeWorkbook(
      out,
      input(
        (async function* () {
          yield* withLinks(50);
        })(),
      ),
      options,
    );
    expect(scratchFolders()).toEqual([]);
  });

  it("are removed when the calls fail midway", async () => {
    const out = new PassThrough();
    out.resume();
    const calls = (async function* () {
      yield* withLinks(50);
      throw new Error("the spool broke");
    })();
    await expect(writeWorkbook(out, input(calls), options)).rejects.toThrow("the spool broke");
    expect(scratchFolders()).toEqual([]);
  });
});
