/** Section 4: the workbook writer alone, at 10k and 100k calls, with and without transcripts. */
import { join } from "node:path";
import { runChild } from "../child.js";
import type { ProfileSummary } from "../profile-summary.js";
import type { WorkbookMeasurement } from "../scenarios/workbook.js";
import { bytesMb, count, mb, median, pass, ratio, seconds, table } from "../stats.js";
import { DAY, type Flags, log, type Measured, profiled, type Targets } from "./common.js";

export interface WorkbookRow {
  calls: number;
  transcripts: boolean;
  runs: Measured<WorkbookMeasurement>[];
  profile: ProfileSummary | null;
}

export async function measureWorkbooks(
  flags: Flags,
  worker: string,
  workDir: string,
  profileDir: string,
): Promise<WorkbookRow[]> {
  const rows: WorkbookRow[] = [];
  for (const calls of [10_000, 100_000]) {
    for (const transcripts of [true, false]) {
      const runs = flags.quick ? 1 : calls >= 100_000 ? 2 : 3;
      const row: WorkbookRow = { calls, transcripts, runs: [], profile: null };
      const args = {
        calls,
        date: DAY,
        includeTranscripts: transcripts,
        outPath: join(workDir, `workbook-${calls}-${transcripts}.xlsx`),
        spoolDir: workDir,
      };
      for (let run = 0; run < runs; run++) {
        const measured = await runChild<WorkbookMeasurement>(worker, "workbook", args, { timeoutMs: 300_000 });
        row.runs.push(measured);
        log(
          `workbook ${count(calls)} ${transcripts ? "with" : "without"} transcripts #${run + 1}: ` +
            `${count(measured.rowsPerSecond)} rows/s, peak ${mb(measured.maxRssMb)} MB`,
        );
      }
      if (flags.cpuProf && transcripts && calls >= 100_000) {
        row.profile = await profiled(worker, profileDir, `workbook-${calls}`, (execArgv) =>
          runChild(worker, "workbook", args, { timeoutMs: 300_000, execArgv }),
        );
      }
      rows.push(row);
    }
  }
  return rows;
}

export function renderWorkbooks(workbooks: WorkbookRow[], out: string[], targets: Targets): void {
  out.push("", "## 4. Workbook alone (issue 5)", "");
  out.push(
    "Simulated calls aggregated and spooled first (untimed), then `writeWorkbook` streams them from the spool into a file. " +
      "Peak RSS is the process's high-water mark (generation included); phase peaks (RSS, V8 heap in use, external " +
      "Buffers) are sampled every 20 ms while writing.",
    "",
  );
  out.push(
    table(
      [
        "calls",
        "transcripts",
        "runs",
        "rows/s (median)",
        "write s",
        "workbook MB",
        "RSS before MB",
        "phase peak RSS MB",
        "phase peak heap used MB",
        "phase peak external MB",
        "peak RSS MB",
      ],
      workbooks.map((row) => [
        count(row.calls),
        row.transcripts ? "yes" : "no",
        String(row.runs.length),
        count(median(row.runs.map((run) => run.rowsPerSecond))),
        seconds(median(row.runs.map((run) => run.wallMs))),
        bytesMb((row.runs[0] as Measured<WorkbookMeasurement>).workbookBytes),
        mb(median(row.runs.map((run) => run.maxRssBeforeMb))),
        mb(median(row.runs.map((run) => run.phasePeakRssMb))),
        mb(median(row.runs.map((run) => run.phasePeakHeapUsedMb))),
        mb(median(row.runs.map((run) => run.phasePeakExternalMb))),
        mb(median(row.runs.map((run) => run.maxRssMb))),
      ]),
    ),
  );
  for (const transcripts of [true, false]) {
    const small = workbooks.find((row) => row.calls === 10_000 && row.transcripts === transcripts);
    const large = workbooks.find((row) => row.calls === 100_000 && row.transcripts === transcripts);
    if (!small || !large) continue;
    const rssSmall = median(small.runs.map((run) => run.maxRssMb));
    const rssLarge = median(large.runs.map((run) => run.maxRssMb));
    const label = transcripts ? "with" : "without";
    targets.push([
      `workbook ${label} transcripts: peak RSS 100k ≤ 1.5x 10k`,
      `${ratio(rssLarge / rssSmall)} (${mb(rssLarge)} / ${mb(rssSmall)} MB)`,
      pass(rssLarge / rssSmall <= 1.5),
    ]);
    targets.push([`workbook ${label} transcripts: peak RSS 100k < 200 MB`, `${mb(rssLarge)} MB`, pass(rssLarge < 200)]);
  }
}
