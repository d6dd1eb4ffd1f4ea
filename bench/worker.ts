/**
 * One measurement in a fresh process: `node worker.mjs <scenario> '<json args>'`, forked by
 * bench/run.ts from an esbuild bundle so that neither tsx nor earlier runs inflate the peak RSS.
 * Sends `{ ok, result }` over IPC, with the process's own RSS high-water mark and CPU time.
 */
import { measureFetch } from "./scenarios/fetch.js";
import { measurePipeline } from "./scenarios/pipeline.js";
import { measureLowerBound, measureNaive } from "./scenarios/reference.js";
import { measureReports } from "./scenarios/reports.js";
import { measureWorkbook } from "./scenarios/workbook.js";

// biome-ignore lint/suspicious/noExplicitAny: each scenario checks its own arguments' shape by use.
const scenarios: Record<string, (args: any) => Promise<object>> = {
  idle: async () => ({}),
  pipeline: measurePipeline,
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
}

const MB = 1024 * 1024;
const peaks = { heapUsed: 0, heapTotal: 0, external: 0 };
function samplePeaks(): void {
  const usage = process.memoryUsage();
  peaks.heapUsed = Math.max(peaks.heapUsed, usage.heapUsed);
  peaks.heapTotal = Math.max(peaks.heapTotal, usage.heapTotal);
  peaks.external = Math.max(peaks.external, usage.external);
}

async function main(): Promise<void> {
  const [name = "", json = "{}"] = process.argv.slice(2);
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`Unknown scenario "${name}"; one of ${Object.keys(scenarios).join(", ")}.`);
  const sampler = setInterval(samplePeaks, 20).unref();
  const result = await scenario(JSON.parse(json));
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

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
