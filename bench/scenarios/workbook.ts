/**
 * The workbook writer alone (issue 5): simulated calls are aggregated and spooled first
 * (untimed), then `writeWorkbook` streams them into a file; rows/s and the RSS of that phase.
 */

import { createWriteStream } from "node:fs";
import { performance } from "node:perf_hooks";
import { SimulatedDataset } from "../../demo/simulated-calls.js";
import { writeWorkbook } from "../../lambda/adapters/xlsx/workbook-writer.js";
import { CallSpool } from "../../lambda/call-spool.js";
import { collectDay } from "../../lambda/pipeline.js";
import type { CallStream, CallsSource } from "../../lambda/ports.js";
import { apiRecordOf, toCall } from "../../lambda/report/api-record.js";
import type { Call, FetchStats } from "../../lambda/report/call.js";

export interface WorkbookArgs {
  calls: number;
  date: string;
  includeTranscripts: boolean;
  outPath: string;
  spoolDir: string;
}

export interface WorkbookMeasurement {
  wallMs: number;
  rows: number;
  rowsPerSecond: number;
  workbookBytes: number;
  /** RSS high-water mark before the workbook phase (generation, aggregation, spool). */
  maxRssBeforeMb: number;
  /** Highest RSS sampled every 20 ms during the workbook phase. */
  phasePeakRssMb: number;
  /** Highest V8 heap in use and memory outside it (Buffers), sampled alongside. */
  phasePeakHeapUsedMb: number;
  phasePeakExternalMb: number;
  /** Time the main thread was busy during the workbook phase (the rest is waiting, e.g. on deflate). */
  phaseMainThreadBusyMs: number;
}

/** The simulator's day as a CallsSource, without HTTP: newest call first, like the API's pages. */
function simulatedSource(count: number): CallsSource {
  const dataset = new SimulatedDataset({ seed: 1, callsPerDay: count, apiTimezone: "UTC" });
  return {
    fetchCalls(query): CallStream {
      const stats: FetchStats = {
        pages: Math.ceil(count / 100),
        requests: Math.ceil(count / 100),
        retries: 0,
        rateLimited: 0,
        received: count,
        duplicates: 0,
        apiTotal: count,
        refetches: 0,
      };
      return {
        stats,
        async *[Symbol.asyncIterator](): AsyncGenerator<Call> {
          for (let index = count - 1; index >= 0; index--) {
            yield toCall(dataset.call(query.dateFrom, index) as unknown as Record<string, unknown>);
          }
        },
      };
    },
  };
}

/**
 * The simulated day of `calls` calls aggregated and written to `spool`, which is closed after:
 * the untimed preparation of the scenarios that write its workbook.
 */
export async function spoolSimulatedDay(
  spool: CallSpool,
  day: { calls: number; date: string; includeTranscripts: boolean },
): Promise<Awaited<ReturnType<typeof collectDay>>> {
  const collected = await collectDay(
    { date: day.date, timezone: "UTC", apiTimezone: "UTC", filters: {} },
    { calls: simulatedSource(day.calls), clock: { now: () => new Date() } },
    { previousDay: null, sameWeekdayLastWeek: null },
    (call) => spool.write({ record: apiRecordOf(day.includeTranscripts ? call : { ...call, transcript: null }) }),
  );
  await spool.close();
  return collected;
}

export async function measureWorkbook(args: WorkbookArgs): Promise<WorkbookMeasurement> {
  const clock = { now: () => new Date() };
  const spool = await CallSpool.create(args.spoolDir);
  try {
    const day = await spoolSimulatedDay(spool, args);
    const maxRssBeforeMb = process.resourceUsage().maxRSS / 1024;

    const phasePeak = { rss: 0, heapUsed: 0, external: 0 };
    const sample = () => {
      const usage = process.memoryUsage();
      phasePeak.rss = Math.max(phasePeak.rss, usage.rss);
      phasePeak.heapUsed = Math.max(phasePeak.heapUsed, usage.heapUsed);
      phasePeak.external = Math.max(phasePeak.external, usage.external);
    };
    sample();
    const sampler = setInterval(sample, 20);
    const out = createWriteStream(args.outPath, { highWaterMark: 1 << 20 });
    const started = performance.now();
    const loopBefore = performance.eventLoopUtilization();
    const result = await writeWorkbook(
      out,
      {
        summary: day.summary,
        calls: spool.read(),
        variableKeys: day.variableKeys,
        evaluationKeys: day.evaluationKeys,
      },
      {
        apiTimezone: "UTC",
        includeTranscripts: args.includeTranscripts,
        maskPhoneNumbers: false,
        createdAt: clock.now(),
      },
    );
    const wallMs = performance.now() - started;
    const phaseMainThreadBusyMs = performance.eventLoopUtilization(loopBefore).active;
    clearInterval(sampler);
    sample();
    return {
      wallMs,
      rows: result.callRows,
      rowsPerSecond: result.callRows / (wallMs / 1000),
      workbookBytes: out.bytesWritten,
      maxRssBeforeMb,
      phasePeakRssMb: phasePeak.rss / 1024 / 1024,
      phasePeakHeapUsedMb: phasePeak.heapUsed / 1024 / 1024,
      phasePeakExternalMb: phasePeak.external / 1024 / 1024,
      phaseMainThreadBusyMs,
    };
  } finally {
    await spool.dispose();
  }
}
