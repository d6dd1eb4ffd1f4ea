/**
 * All of the 100k pipeline's work at once (issue 19): how much overlapping the fetch with the
 * workbook could gain on this machine. The day's calls are spooled first (untimed, from the
 * simulated dataset without HTTP); then, started together in one process: the pipeline's fetch,
 * aggregation, spool, summary and email (its workbook writer writes nothing), and the day's
 * workbook streamed from the prepared spool into a multipart upload, as the pipeline writes it —
 * on the main thread beside the fetch, or in a worker thread (this bundle again, bench/worker.ts).
 * An overlapped pipeline would do a little less (it would not read and parse the spool back).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { xlsxWorkbookWriter } from "../../lambda/adapters/xlsx/workbook-writer.js";
import { AutocallsClient } from "../../lambda/autocalls/client.js";
import { CallSpool, readFileChunks, readNdjsonCalls } from "../../lambda/call-spool.js";
import { runReport } from "../../lambda/pipeline.js";
import type { WorkbookWriter } from "../../lambda/ports.js";
import type { Summary } from "../../lambda/report/summary.js";
import { benchOutputs } from "./outputs.js";
import { type PipelineArgs, reportOptions } from "./pipeline.js";
import { spoolSimulatedDay } from "./workbook.js";

export interface AllAtOnceArgs extends PipelineArgs {
  calls: number;
  spoolDir: string;
  /** Where the workbook is written: beside the fetch on the main thread, or in a worker thread. */
  workbookIn: "main" | "thread";
}

/** The workbook side's work, plain data so that a worker thread can be handed it. */
export interface DayWorkbookTask {
  s3Endpoint: string;
  bucket: string;
  prefix: string;
  date: string;
  includeTranscripts: boolean;
  spoolFile: string;
  summary: Summary;
  variableKeys: string[];
  evaluationKeys: string[];
}

/** The day's workbook from the spool file, into a multipart upload, as the pipeline writes it. */
export async function writeDayWorkbook(task: DayWorkbookTask): Promise<void> {
  const clock = { now: () => new Date() };
  const outputs = benchOutputs(task, clock);
  try {
    await outputs.store().writeWorkbook(task.date, async (out) => {
      await xlsxWorkbookWriter.write(
        out,
        {
          summary: task.summary,
          calls: readNdjsonCalls(readFileChunks(task.spoolFile, 256 * 1024)),
          variableKeys: task.variableKeys,
          evaluationKeys: task.evaluationKeys,
        },
        {
          apiTimezone: "UTC",
          includeTranscripts: task.includeTranscripts,
          maskPhoneNumbers: false,
          createdAt: clock.now(),
        },
      );
    });
  } finally {
    outputs.close();
  }
}

/** Runs `writeDayWorkbook` in a worker thread of this bundle (bench/worker.ts answers it). */
function writeDayWorkbookInThread(task: DayWorkbookTask): Promise<void> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(process.argv[1] as string, { workerData: { args: task } });
    thread.once("message", (message: { ok: boolean; error?: string }) =>
      message.ok ? resolve() : reject(new Error(message.error)),
    );
    thread.once("error", reject);
    // A thread that ends without a word (it would otherwise hang the run until the child's timeout).
    thread.once("exit", (code) =>
      reject(new Error(`The workbook thread exited with code ${code} before it answered.`)),
    );
  });
}

export interface AllAtOnceMeasurement {
  /** From the start of both until the later is done. */
  wallMs: number;
  /** The report without its workbook: fetch, aggregation, spool, summary, email. */
  reportMs: number;
  /** The workbook from the prepared spool, stored. */
  workbookMs: number;
  /** Main-thread busy time and highest RSS (sampled every 20 ms) while both ran. */
  phaseMainThreadBusyMs: number;
  phasePeakRssMb: number;
}

/** Ends the workbook at once: the report side stores an empty object and sends its email. */
const noWorkbook: WorkbookWriter = {
  async write(out) {
    out.end();
    return { callRows: 0, sheetNames: [] };
  },
  async writePeriod() {
    return [];
  },
};

export async function measureAllAtOnce(args: AllAtOnceArgs): Promise<AllAtOnceMeasurement> {
  const clock = { now: () => new Date() };
  const dir = await mkdtemp(join(args.spoolDir, "all-at-once-"));
  const spool = await CallSpool.create(dir);
  const report = benchOutputs(args, clock);
  try {
    const day = await spoolSimulatedDay(spool, args);
    const [spoolFolder] = await readdir(dir);
    const task: DayWorkbookTask = {
      s3Endpoint: args.s3Endpoint,
      bucket: args.bucket,
      date: args.date,
      includeTranscripts: args.includeTranscripts,
      prefix: `${args.prefix}-workbook`,
      spoolFile: join(dir, spoolFolder as string, "calls.ndjson"),
      summary: day.summary,
      variableKeys: day.variableKeys,
      evaluationKeys: day.evaluationKeys,
    };
    // Started from a collected heap, as the pipeline's run starts (the worker runs with --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();

    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const calls = new AutocallsClient({ baseUrl: args.baseUrl, token: args.token, concurrency: args.concurrency });
    const loop = performance.eventLoopUtilization();
    const started = performance.now();
    const since = () => performance.now() - started;
    try {
      const [reportMs, workbookMs] = await Promise.all([
        runReport(reportOptions(args), {
          calls,
          store: report.store(),
          mailer: report.mailer,
          clock,
          workbookWriter: noWorkbook,
        }).then(since),
        (args.workbookIn === "thread" ? writeDayWorkbookInThread(task) : writeDayWorkbook(task)).then(since),
      ]);
      return {
        wallMs: since(),
        reportMs,
        workbookMs,
        phaseMainThreadBusyMs: performance.eventLoopUtilization(loop).active,
        phasePeakRssMb: peakRss / 1024 / 1024,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    report.close();
    await spool.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
