/** Sections 1 and 2: the full pipeline at each size, and its reference rows from the same run. */
import { createWriteStream } from "node:fs";
import { open, readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism, freemem } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { startSimulator } from "../../demo/simulator.js";
import { DEFAULT_CONCURRENCY } from "../../lambda/autocalls/client.js";
import type { S3Emulator } from "../../test/support/s3-emulator.js";
import { s3EmulatorClient } from "../../test/support/s3-emulator-client.js";
import { runChild } from "../child.js";
import type { ProfileSummary } from "../profile-summary.js";
import type { AllAtOnceArgs, AllAtOnceMeasurement } from "../scenarios/all-at-once.js";
import type { PipelineMeasurement } from "../scenarios/pipeline.js";
import type { LowerBoundMeasurement, NaiveMeasurement } from "../scenarios/reference.js";
import { bytesMb, count, mb, median, pass, ratio, seconds, spread, table } from "../stats.js";
import { extractZipEntry } from "../xlsx-entry.js";
import { DAY, type Flags, log, type Measured, PER_PAGE, profiled, ROOT, type Targets, TOKEN } from "./common.js";
import { ALL_AT_ONCE_CALLS, renderReferenceRows } from "./pipeline-reference.js";

/** The Calls sheet: Summary, Assistants, Campaigns, Hourly come first. */
const CALLS_SHEET_ENTRY = "xl/worksheets/sheet5.xml";

/** A pipeline run, with the CPU the simulated API and the S3 emulator (this process) used meanwhile. */
export type PipelineRun = Measured<PipelineMeasurement> & { emulatorCpuMs: number };

export interface SizeResult {
  calls: number;
  pipeline: PipelineRun[];
  lower: Measured<LowerBoundMeasurement>[];
  /** At 100k only: the pipeline's work with the fetch and the workbook started together, the workbook on each thread. */
  allAtOnce: Record<AllAtOnceArgs["workbookIn"], Measured<AllAtOnceMeasurement>[]>;
  naive: Measured<NaiveMeasurement> | null;
  naiveSkipped: string | null;
  sheetXmlBytes: number;
  profile: ProfileSummary | null;
}

export async function measureSize(
  flags: Flags,
  worker: string,
  s3: S3Emulator,
  calls: number,
  workDir: string,
  profileDir: string,
): Promise<SizeResult> {
  const runs = calls >= 1_000_000 ? 1 : flags.quick ? 2 : calls >= 100_000 ? 3 : calls >= 10_000 ? 3 : 5;
  const timeoutMs = Math.max(120_000, calls * 5);
  const simulator = await startSimulator({ token: TOKEN, callsPerDay: calls, seed: 1, today: DAY });
  try {
    // A fresh prefix per run, so each run claims its own email marker like a first run of the day.
    const pipelineArgs = (run: string) => ({
      baseUrl: simulator.baseUrl,
      token: TOKEN,
      s3Endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix: `bench/${calls}/${run}`,
      date: DAY,
      concurrency: DEFAULT_CONCURRENCY,
      includeTranscripts: true,
    });
    const pipelineRuns: PipelineRun[] = [];
    const lowerRuns: Measured<LowerBoundMeasurement>[] = [];
    const allAtOnceRuns: SizeResult["allAtOnce"] = { main: [], thread: [] };
    let sheetXmlPath: string | null = null;
    let sheetXmlBytes = 0;
    // Pipeline and lower bound alternate, so a noisy neighbour hits both rows alike.
    for (let run = 0; run < runs; run++) {
      // The emulators run in this process, on the same 2 cores as the pipeline's.
      const emulatorCpu = process.cpuUsage();
      const measured = await runChild<PipelineMeasurement>(worker, "pipeline", pipelineArgs(`${run}`), {
        timeoutMs,
      });
      const emulatorUsage = process.cpuUsage(emulatorCpu);
      pipelineRuns.push({ ...measured, emulatorCpuMs: (emulatorUsage.user + emulatorUsage.system) / 1000 });
      log(
        `pipeline ${count(calls)} #${run + 1}: ${seconds(measured.wallMs)} s, ${mb(measured.maxRssMb)} MB, ` +
          `${bytesMb(measured.workbookBytes)} MB workbook`,
      );
      if (sheetXmlPath === null) {
        sheetXmlPath = join(workDir, `calls-${calls}.xml`);
        sheetXmlBytes = await downloadCallsSheet(
          s3,
          measured.workbookKey,
          join(workDir, `wb-${calls}.xlsx`),
          sheetXmlPath,
        );
      }
      const lower = await runChild<LowerBoundMeasurement>(
        worker,
        "lowerBound",
        {
          baseUrl: simulator.baseUrl,
          token: TOKEN,
          date: DAY,
          concurrency: DEFAULT_CONCURRENCY,
          perPage: PER_PAGE,
          sheetXmlPath,
        },
        { timeoutMs },
      );
      lowerRuns.push(lower);
      log(
        `lower bound ${count(calls)} #${run + 1}: ${seconds(lower.wallMs)} s ` +
          `(fetch ${seconds(lower.fetchMs)} + deflate ${seconds(lower.deflateMs)}; whole-page fetch ${seconds(lower.wholePageFetchMs)})`,
      );
      if (calls === ALL_AT_ONCE_CALLS) {
        for (const workbookIn of ["main", "thread"] as const) {
          const allAtOnce = await runChild<AllAtOnceMeasurement>(
            worker,
            "allAtOnce",
            { ...pipelineArgs(`all-at-once-${workbookIn}-${run}`), calls, spoolDir: workDir, workbookIn },
            { timeoutMs, execArgv: ["--expose-gc"] },
          );
          allAtOnceRuns[workbookIn].push(allAtOnce);
          log(
            `all at once (workbook ${workbookIn === "main" ? "on the main thread" : "in a worker thread"}) ${count(calls)} ` +
              `#${run + 1}: ${seconds(allAtOnce.wallMs)} s ` +
              `(report ${seconds(allAtOnce.reportMs)}, workbook ${seconds(allAtOnce.workbookMs)}), ${mb(allAtOnce.phasePeakRssMb)} MB`,
          );
        }
      }
    }

    // A profiled run is extra and left out of the medians: the profiler itself costs time.
    const profile = flags.cpuProf
      ? await profiled(worker, profileDir, `pipeline-${calls}`, (execArgv) =>
          runChild(worker, "pipeline", pipelineArgs("profiled"), { timeoutMs, execArgv }),
        )
      : null;

    let naive: Measured<NaiveMeasurement> | null = null;
    let naiveSkipped: string | null = null;
    if (!flags.naive) naiveSkipped = "--no-naive";
    else if (calls > 100_000) naiveSkipped = "not run above 100k (memory)";
    else if (calls >= 100_000 && freemem() < 8 * 1024 ** 3) naiveSkipped = "less than 8 GiB free";
    else {
      naive = await runChild<NaiveMeasurement>(
        worker,
        "naive",
        {
          baseUrl: simulator.baseUrl,
          token: TOKEN,
          s3Endpoint: s3.endpoint,
          bucket: s3.bucket,
          prefix: `bench/naive/${calls}`,
          date: DAY,
          includeTranscripts: true,
        },
        // The in-memory workbook needs far more than the default old-space limit at 100k.
        { timeoutMs: timeoutMs * 4, execArgv: ["--max-old-space-size=8192"] },
      );
      log(`naive ${count(calls)}: ${seconds(naive.wallMs)} s, ${mb(naive.maxRssMb)} MB`);
    }
    return {
      calls,
      pipeline: pipelineRuns,
      lower: lowerRuns,
      allAtOnce: allAtOnceRuns,
      naive,
      naiveSkipped,
      sheetXmlBytes,
      profile,
    };
  } finally {
    await simulator.close();
  }
}

/** Fetches the workbook the pipeline stored and unzips its Calls sheet; returns the XML's size. */
async function downloadCallsSheet(s3: S3Emulator, key: string, xlsxPath: string, xmlPath: string): Promise<number> {
  const client = s3EmulatorClient(s3.endpoint);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    await pipeline(object.Body as Readable, createWriteStream(xlsxPath));
  } finally {
    client.destroy();
  }
  const bytes = await extractZipEntry(xlsxPath, CALLS_SHEET_ENTRY, xmlPath);
  // Make sure the lower bound deflates the Calls sheet and not some other one.
  const head = Buffer.alloc(4096);
  const file = await open(xmlPath, "r");
  try {
    await file.read(head, 0, head.length, 0);
  } finally {
    await file.close();
  }
  if (!head.toString("utf8").includes("Call ID")) {
    throw new Error(
      `${CALLS_SHEET_ENTRY} is not the Calls sheet — update CALLS_SHEET_ENTRY in bench/sections/pipeline-sizes.ts.`,
    );
  }
  await rm(xlsxPath);
  return bytes;
}

/** A pipeline figure from a committed results file, to compare today's run with. */
export interface CommittedFigure {
  /** e.g. `bench/results/2026-12-01.md`. */
  file: string;
  calls: number;
  /** Median wall time of `runReport` (section 1's "wall s (median)"). */
  wallMs: number;
}

/** Section 1's median wall time at `calls` in the newest `bench/results/YYYY-MM-DD.md` that has that row. */
export async function committedPipelineWall(calls: number, excluded?: string): Promise<CommittedFigure | null> {
  const names = (await readdir(join(ROOT, "bench/results")))
    .filter((name) => /^\d{4}-\d{2}-\d{2}\.md$/.test(name) && name !== excluded)
    .sort()
    .reverse();
  for (const name of names) {
    const text = await readFile(join(ROOT, "bench/results", name), "utf8");
    const section = text.slice(text.indexOf("## 1."), text.indexOf("## 2."));
    const row = section.split("\n").find((line) => line.startsWith(`| ${count(calls)} |`));
    const wallSeconds = Number(row?.split("|")[3]?.trim());
    if (Number.isFinite(wallSeconds) && wallSeconds > 0) {
      return { file: `bench/results/${name}`, calls, wallMs: wallSeconds * 1000 };
    }
  }
  return null;
}

/** The most a pipeline may slow down against the committed figure before the bench says so. */
const SLOWDOWN_LIMIT = 1.1;

export function renderPipelineSizes(
  sizeResults: SizeResult[],
  out: string[],
  targets: Targets,
  committed: CommittedFigure | null = null,
): void {
  out.push("", "## 1. Full pipeline (fetch → aggregate → spool → streamed XLSX → S3 multipart → email)", "");
  out.push(
    `Report timezone = API timezone = UTC, so the day is one API date; transcripts included; concurrency ${DEFAULT_CONCURRENCY}; ` +
      "the mailer counts bytes. Wall time is `runReport` from start to email. Heap and external peaks are sampled every " +
      "20 ms: RSS well above the heap in use plus external memory is garbage V8 has not collected yet, not data held. " +
      "*CPU s* counts every thread (zlib's deflate, V8's garbage-collector helpers, file I/O); *main thread busy s* is the " +
      "time the event loop was not waiting (JavaScript, garbage collection on it, native calls), which no scheduling can " +
      "overlap with itself: the wall time cannot go below it. The simulated API and the S3 emulator run in the " +
      "orchestrating process on the same cores; *simulated API + S3 CPU s* is what that process used during the run.",
    "",
  );
  out.push(
    table(
      [
        "calls/day",
        "runs",
        "wall s (median)",
        "min",
        "max",
        "calls/s",
        "fetch s",
        "workbook+store s",
        "peak RSS MB (median, max)",
        "peak heap used / reserved MB",
        "peak external MB",
        "CPU s",
        "main thread busy s",
        "simulated API + S3 CPU s",
        "workbook MB",
        "email KB",
        "pages",
        "requests",
        "retries",
      ],
      sizeResults.map((size) => {
        const wall = spread(size.pipeline.map((run) => run.wallMs));
        const first = size.pipeline[0] as Measured<PipelineMeasurement>;
        const rss = size.pipeline.map((run) => run.maxRssMb);
        return [
          count(size.calls),
          String(size.pipeline.length),
          seconds(wall.median),
          seconds(wall.min),
          seconds(wall.max),
          count(first.calls / (wall.median / 1000)),
          seconds(median(size.pipeline.map((run) => run.fetchMs))),
          seconds(median(size.pipeline.map((run) => run.workbookMs))),
          `${mb(median(rss))}, ${mb(Math.max(...rss))}`,
          `${mb(median(size.pipeline.map((run) => run.peakHeapUsedMb)))} / ${mb(median(size.pipeline.map((run) => run.peakHeapTotalMb)))}`,
          mb(median(size.pipeline.map((run) => run.peakExternalMb))),
          seconds(median(size.pipeline.map((run) => run.cpuMs))),
          seconds(median(size.pipeline.map((run) => run.mainThreadBusyMs))),
          seconds(median(size.pipeline.map((run) => run.emulatorCpuMs))),
          bytesMb(first.workbookBytes),
          `${count(first.emailBytes / 1024)}${first.attached ? " (attached)" : ""}`,
          count(first.pages),
          count(Math.max(...size.pipeline.map((run) => run.requests))),
          count(Math.max(...size.pipeline.map((run) => run.retries))),
        ];
      }),
    ),
  );

  renderReferenceRows(sizeResults, out);

  const at = (calls: number) => sizeResults.find((size) => size.calls === calls);
  const at10k = at(10_000);
  const at100k = at(100_000);
  if (at100k) {
    const pipelineMs = median(at100k.pipeline.map((run) => run.wallMs));
    const lowerMs = median(at100k.lower.map((run) => run.wallMs));
    const busyMs = median(at100k.pipeline.map((run) => run.mainThreadBusyMs));
    // Every process of the run shares the machine's cores: no schedule finishes before their CPU
    // time spread over all of them.
    const allCpuMs = median(at100k.pipeline.map((run) => run.cpuMs + run.emulatorCpuMs));
    const cores = availableParallelism();
    targets.push([
      "100k: pipeline ≤ 1.5x lower bound",
      `${ratio(pipelineMs / lowerMs)} (${seconds(pipelineMs)} s, goal ${seconds(1.5 * lowerMs)} s; ` +
        `main thread busy ${seconds(busyMs)} s; all processes ${seconds(allCpuMs)} CPU-s, ≥ ${seconds(allCpuMs / cores)} s on ${cores} cores` +
        allAtOnceNote(at100k, lowerMs),
      pass(pipelineMs / lowerMs <= 1.5),
    ]);
    if (at100k.naive) {
      targets.push([
        "100k: naive ≥ 3x slower than pipeline",
        ratio(at100k.naive.wallMs / pipelineMs),
        pass(at100k.naive.wallMs / pipelineMs >= 3),
      ]);
    }
    if (committed && committed.calls === 100_000) {
      targets.push([
        `100k pipeline (unlimited API) ≤ ${SLOWDOWN_LIMIT.toFixed(2)}x the committed median (${committed.file}: ${seconds(committed.wallMs)} s)`,
        `${seconds(pipelineMs)} s (${ratio(pipelineMs / committed.wallMs)})`,
        pass(pipelineMs <= SLOWDOWN_LIMIT * committed.wallMs),
      ]);
    }
    const rss100k = median(at100k.pipeline.map((run) => run.maxRssMb));
    targets.push(["100k: pipeline peak RSS < 256 MB", `${mb(rss100k)} MB`, pass(rss100k < 256)]);
    if (at10k) {
      const rss10k = median(at10k.pipeline.map((run) => run.maxRssMb));
      targets.push([
        "pipeline peak RSS 100k ≤ 1.5x 10k",
        `${ratio(rss100k / rss10k)} (${mb(rss100k)} / ${mb(rss10k)} MB)`,
        pass(rss100k / rss10k <= 1.5),
      ]);
    }
  }
}

/** The 1.5x target's note on section 2's all-at-once runs: what overlapping could have given. */
function allAtOnceNote(size: SizeResult, lowerMs: number): string {
  const { main, thread } = size.allAtOnce;
  if (main.length === 0 || thread.length === 0) return ")";
  const mainMs = median(main.map((run) => run.wallMs));
  const threadMs = median(thread.map((run) => run.wallMs));
  return (
    `; all its work at once ${seconds(mainMs)} s (${ratio(mainMs / lowerMs)}), ` +
    `with the workbook in a worker thread ${seconds(threadMs)} s (${ratio(threadMs / lowerMs)}))`
  );
}
