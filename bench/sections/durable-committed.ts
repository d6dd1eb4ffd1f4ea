/**
 * The durable 1M row of the last `--only durable` run, for the default `npm run bench`: at 1M
 * calls section 6 takes ~4 minutes of real time on top of a ~7 minute run, so the default run
 * shows the committed figure, named as such, instead of measuring it again.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { count } from "../stats.js";
import { ROOT } from "./common.js";

export interface CommittedDurableRows {
  file: string;
  calls: number;
  /** The header and the row of each of section 6's tables that has one for `calls`, by table title. */
  tables: Array<{ title: string; header: string[]; row: string }>;
}

/** The newest `bench/results/YYYY-MM-DD-durable*.md` that holds rows for `calls`, or null. */
export async function committedDurableRows(calls: number): Promise<CommittedDurableRows | null> {
  const names = (await readdir(join(ROOT, "bench/results")))
    .filter((name) => /^\d{4}-\d{2}-\d{2}-durable.*\.md$/.test(name))
    .sort()
    .reverse();
  for (const name of names) {
    const lines = (await readFile(join(ROOT, "bench/results", name), "utf8")).split("\n");
    const tables: CommittedDurableRows["tables"] = [];
    let title = "";
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] as string;
      if (line.startsWith("##")) title = line.replace(/^#+\s*/, "");
      if (!line.startsWith(`| ${count(calls)} |`)) continue;
      let headerAt = index;
      while (headerAt > 0 && (lines[headerAt - 1] as string).startsWith("|")) headerAt--;
      tables.push({ title, header: [lines[headerAt] as string, lines[headerAt + 1] as string], row: line });
    }
    if (tables.length > 0) return { file: `bench/results/${name}`, calls, tables };
  }
  return null;
}

export function renderCommittedDurable(committed: CommittedDurableRows, out: string[]): void {
  out.push(
    "",
    `### ${count(committed.calls)} calls: the committed figures (not run by default)`,
    "",
    `Section 6 at ${count(committed.calls)} calls takes ~4 minutes of real time, so the default run leaves it out; ` +
      `these rows are copied from [${committed.file}](${committed.file.replace("bench/results/", "")}), measured on the ` +
      "code of that day. `npm run bench -- --only durable` measures 10k, 100k and 1M again (with the 100k pipeline " +
      "beside them) and writes `bench/results/<date>-durable.md`; `npm run bench -- --full` adds 1M to the whole run.",
  );
  for (const table of committed.tables) out.push("", `*${table.title}*`, "", ...table.header, table.row);
}
