/**
 * The links of one Calls sheet, kept out of memory. exceljs's rels writer holds every link's
 * `{ address, rId }` until the sheet's commit and writes each relationship into the sheet's
 * `.rels` zip entry, which the archiver reads only after the sheet's own entry: at 100k calls
 * (65k links, Excel's cap) that was ~22 MB live at the end of the sheet (~7 MB of objects on the
 * heap, ~15 MB of relationship XML queued in the archiver), and the heap's growth drew the GC's
 * slack up with it. Here the relationships go to a scratch file as they come, the link cells'
 * rows to a typed array (4 bytes a link), and the `.rels` entry streams from the file when the
 * archiver reaches it. The XML is byte for byte exceljs 4.4's (lib/stream/xlsx/sheet-rels-writer.js,
 * lib/xlsx/xform/sheet/hyperlink-xform.js).
 */
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { escapeXmlText } from "./calls-row-xml.js";

const HYPERLINK_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink";
// exceljs's opening, its line break and indent included.
const RELS_OPEN = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
       <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`;
const RELS_CLOSE = "</Relationships>";
/** Relationship XML gathered before a write to the scratch file, and `<hyperlink>` XML per sheet write. */
const CHUNK_CHARS = 64 * 1024;

export class SheetLinks {
  private rows = new Int32Array(1024);
  private columnLetters: string | null = null;
  private count = 0;
  private pending = "";
  private file: WriteStream | null = null;
  private error: Error | undefined;

  /** `path`: a scratch file of its own, in a folder the workbook writer removes at the end. */
  constructor(private readonly path: string) {}

  static in(dir: string, sheetId: number): SheetLinks {
    return new SheetLinks(join(dir, `sheet${sheetId}.rels.part`));
  }

  get size(): number {
    return this.count;
  }

  /** One link cell, `columnLetters` + `row`; links arrive in sheet order, all in one column. */
  add(columnLetters: string, row: number, target: string): void {
    if (this.columnLetters === null) this.columnLetters = columnLetters;
    else if (this.columnLetters !== columnLetters) {
      throw new Error(`Calls links are expected in one column (${this.columnLetters}), not also in ${columnLetters}.`);
    }
    if (this.count === this.rows.length) {
      const grown = new Int32Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rows[this.count++] = row;
    this.pending +=
      `<Relationship Id="rId${this.count}" Type="${HYPERLINK_REL_TYPE}"` +
      ` Target="${escapeXmlText(target)}" TargetMode="External"/>`;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }

  /** The sheet's `<hyperlinks>` element, written in chunks; nothing without links. */
  writeHyperlinksXml(write: (xml: string) => unknown): void {
    if (this.count === 0) return;
    let xml = "<hyperlinks>";
    for (let index = 0; index < this.count; index++) {
      xml += `<hyperlink ref="${this.columnLetters}${this.rows[index]}" r:id="rId${index + 1}"/>`;
      if (xml.length >= CHUNK_CHARS) {
        write(xml);
        xml = "";
      }
    }
    write(`${xml}</hyperlinks>`);
  }

  /**
   * The sheet's `.rels` entry, read from the scratch file once the archiver gets to it; null
   * without links (exceljs writes no `.rels` for such a sheet).
   */
  relsEntry(): Readable | null {
    if (this.count === 0) return null;
    this.flush();
    const file = this.file as WriteStream;
    file.end();
    const { path } = this;
    const self = this;
    return Readable.from(
      (async function* () {
        await finished(file);
        if (self.error) throw self.error;
        yield Buffer.from(RELS_OPEN);
        yield* createReadStream(path, { highWaterMark: CHUNK_CHARS });
        yield Buffer.from(RELS_CLOSE);
      })(),
      { objectMode: false },
    );
  }

  /** Closes the scratch file if a failed workbook left it open; the writer removes the folder. */
  dispose(): void {
    this.file?.destroy();
  }

  private flush(): void {
    if (this.pending === "") return;
    if (this.file === null) {
      this.file = createWriteStream(this.path, { highWaterMark: CHUNK_CHARS });
      // Recorded, not thrown from an event: `relsEntry` fails with it, and the archiver with that.
      this.file.on("error", (error) => {
        this.error ??= error;
      });
    }
    this.file.write(this.pending);
    this.pending = "";
  }
}
