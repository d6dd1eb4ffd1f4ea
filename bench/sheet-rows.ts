/**
 * Reads an .xlsx back without exceljs and without the project's code: Info-ZIP's `unzip -p`
 * inflates each member to a pipe, the sheet names come from xl/workbook.xml and its rels, and
 * the rows of each sheet are counted by scanning its XML stream for `<row …>` start tags.
 * Nothing holds a whole sheet, so a 2 GB Calls sheet reads in flat memory.
 */
import { spawn } from "node:child_process";

export interface SheetRows {
  name: string;
  /** The sheet's part in the zip, e.g. `xl/worksheets/sheet5.xml`. */
  entry: string;
  /** `<row>` elements in the sheet, the header row included. */
  rows: number;
  /** The `r` attribute of the last `<row>`: Excel's row number, 1-based. */
  lastRowNumber: number | null;
}

const ROW_TAG = Buffer.from("<row");
const TAG_END = 0x3e; // ">"

/** `unzip -p zip entry`, each chunk of the inflated member handed to `onChunk`. */
function unzipMember(zipPath: string, entry: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("unzip", ["-p", zipPath, entry], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.on("data", onChunk);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", (error) =>
      reject(new Error(`Could not run unzip (${error.message}): install it, e.g. apt-get install unzip.`)),
    );
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`unzip -p ${zipPath} ${entry} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

async function unzipText(zipPath: string, entry: string): Promise<string> {
  const chunks: Buffer[] = [];
  await unzipMember(zipPath, entry, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([\w:]+)="([^"]*)"/g)) {
    const [, name, value] = match as unknown as [string, string, string];
    found.set(
      name,
      value
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">")
        .replaceAll("&quot;", '"')
        .replaceAll("&apos;", "'")
        .replaceAll("&amp;", "&"),
    );
  }
  return found;
}

/** The sheets in workbook order, each with its part name. */
async function sheetEntries(zipPath: string): Promise<Array<{ name: string; entry: string }>> {
  const workbook = await unzipText(zipPath, "xl/workbook.xml");
  const rels = await unzipText(zipPath, "xl/_rels/workbook.xml.rels");
  const targets = new Map<string, string>();
  for (const [tag] of rels.matchAll(/<Relationship\b[^>]*>/g)) {
    const attrs = attributes(tag);
    const id = attrs.get("Id");
    const target = attrs.get("Target");
    if (id && target) targets.set(id, target.startsWith("/") ? target.slice(1) : `xl/${target}`);
  }
  return [...workbook.matchAll(/<sheet\b[^>]*>/g)].map(([tag]) => {
    const attrs = attributes(tag);
    const name = attrs.get("name");
    const entry = targets.get(attrs.get("r:id") ?? "");
    if (name === undefined || entry === undefined) throw new Error(`${zipPath}: cannot resolve the sheet ${tag}.`);
    return { name, entry };
  });
}

/** Counts the `<row …>` start tags of one sheet's XML as it streams past. */
async function countRows(zipPath: string, entry: string): Promise<{ rows: number; lastRowNumber: number | null }> {
  let rows = 0;
  let lastRowNumber: number | null = null;
  let carry = Buffer.alloc(0);
  await unzipMember(zipPath, entry, (chunk) => {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let at = 0;
    let unfinished = -1;
    for (;;) {
      const start = data.indexOf(ROW_TAG, at);
      if (start < 0) break;
      const end = data.indexOf(TAG_END, start);
      if (end < 0) {
        // The start tag goes on in the next chunk.
        unfinished = start;
        break;
      }
      const tag = data.toString("latin1", start, end + 1);
      // `<row>` or `<row …>`, not `<rowBreaks>`.
      if (/^<row[\s>/]/.test(tag)) {
        rows++;
        const number = /\sr="(\d+)"/.exec(tag)?.[1];
        lastRowNumber = number === undefined ? null : Number(number);
      }
      at = end + 1;
    }
    // Keep an unfinished tag, or the last 3 bytes in case they begin one ("<ro").
    carry = Buffer.from(data.subarray(unfinished >= 0 ? unfinished : Math.max(at, data.length - (ROW_TAG.length - 1))));
  });
  return { rows, lastRowNumber };
}

/** Every sheet of the workbook at `zipPath`, in order, with its row count. */
export async function readSheetRows(zipPath: string): Promise<SheetRows[]> {
  const sheets: SheetRows[] = [];
  for (const { name, entry } of await sheetEntries(zipPath)) {
    sheets.push({ name, entry, ...(await countRows(zipPath, entry)) });
  }
  return sheets;
}
