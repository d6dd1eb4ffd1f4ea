/**
 * One measurement in a fresh process: `node worker.mjs <scenario> '<json args>'`, forked by
 * bench/run.ts from an esbuild bundle so that neither tsx nor earlier runs inflate the peak RSS.
 * Sends `{ ok, result }` over IPC, with the process's own RSS high-water mark and CPU time.
 */
import { performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { measureAllAtOnce, writeDayWorkbook } from "./scenarios/all-at-once.js";
import { measureFetch } from "./scenarios/fetch.js";
import { measurePipeline } from "./scenarios/pipeline.js";
import { measureLowerBound, measureNaive } from "./scenarios/reference.js";
import { measureReports } from "./scenarios/reports.js";
import { measureWorkbook } from "./scenarios/workbook.js";

// biome-ignore lint/suspicious/noExplicitAny: each scenario checks its own arguments' shape by use.
const scenarios: Record<string, (args: any) => Promise<object>> = {
  idle: async () => ({}),
  pipeline: measurePipeline,
  allAtOnce: measureAllAtOnce,
  lowerBound: measureLowerBound,
  naive: measureNaive,
  fetch: measureFetch,
  workbook: measureWorkbook,
  reports: measureReports,
};

export interface WorkerReport {
  maxRssMb: number;
  cpuMs: number;
  heapUsedMb: number;
  /** Highest V8 heap in use / reserved, sampled every 20 ms: RSS far above it is garbage not yet collected. */
  peakHeapUsedMb: number;
  peakHeapTotalMb: number;
  /** Highest memory outside the V8 heap (Buffers: zip output, S3 parts, spool chunks), sampled every 20 ms. */
  peakExternalMb: number;
  /** Time the main thread was busy (not waiting for I/O or timers) over the scenario: JS, GC, native calls. */
  mainThreadBusyMs: number;
}

const MB = 1024 * 1024;
const peaks = { heapUsed: 0, heapTotal: 0, external: 0 };
// V8's own statistics: `process.memoryUsage()` also reads the RSS from /proc, a system call
// that took 0.1 s of the 100k pipeline's main thread over its 20 ms samples on a busy machine.
// The peak RSS comes from the kernel's high-water mark at the end.
function samplePeaks(): void {
  const heap = getHeapStatistics();
  peaks.heapUsed = Math.max(peaks.heapUsed, heap.used_heap_size);
  peaks.heapTotal = Math.max(peaks.heapTotal, heap.total_heap_size);
  peaks.external = Math.max(peaks.external, heap.external_memory);
}

async function main(): Promise<void> {
  const [name = "", json = "{}"] = process.argv.slice(2);
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`Unknown scenario "${name}"; one of ${Object.keys(scenarios).join(", ")}.`);
  const sampler = setInterval(samplePeaks, 20).unref();
  const loopBefore = performance.eventLoopUtilization();
  const result = await scenario(JSON.parse(json));
  const loop = performance.eventLoopUtilization(loopBefore);
  clearInterval(sampler);
  samplePeaks();
  const usage = process.resourceUsage();
  const report: WorkerReport = {
    // maxRSS is in KiB on Linux.
    maxRssMb: usage.maxRSS / 1024,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    heapUsedMb: process.memoryUsage().heapUsed / MB,
    peakHeapUsedMb: peaks.heapUsed / MB,
    peakHeapTotalMb: peaks.heapTotal / MB,
    peakExternalMb: peaks.external / MB,
    mainThreadBusyMs: loop.active,
  };
  await send({ ok: true, result: { ...result, ...report } });
}

function send(message: object): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}

/** What the orchestrator (or the thread's parent) is told of a failure: the stack when there is one. */
function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

// A worker thread of a scenario (all-at-once.ts) runs this bundle too, for its one task.
if (isMainThread) {
  main().then(
    () => process.exit(0),
    async (error: unknown) => {
      await send({ ok: false, error: describeError(error) });
      process.exit(1);
    },
  );
} else {
  writeDayWorkbook(workerData.args).then(
    () => parentPort?.postMessage({ ok: true }),
    (error: unknown) => parentPort?.postMessage({ ok: false, error: describeError(error) }),
  );
}
