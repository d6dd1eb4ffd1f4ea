/**
 * `npm run bench`: the report pipeline measured end to end at 1k / 10k / 100k calls a day
 * (1M with `--full`), against reference rows taken in the same run, plus the fetch under API
 * limits, the workbook alone, and the Lambda bundle's size and import time. Every measured
 * run is a fresh Node process running an esbuild bundle; the simulated API and the S3
 * emulator live in this process on 127.0.0.1. Prints a markdown report and writes it to
 * bench/results/<date>.md.
 *
 * Flags: --quick (1k/10k only, fewer runs, no rate-limit section), --full or --1m (adds 1M and
 * the Excel row limit), --excel-limit (only the Excel row limit: 1,048,576 calls through the
 * workbook writer, read back with unzip; written to bench/results/<date>-excel-limit.md),
 * --no-naive, --cpu-prof (profiles the pipeline children into bench/results/),
 * --sizes=1000,10000 (override the pipeline sizes), --out=PATH. Section 6 runs the durable handler
 * under a 60 requests/min limit in simulated time at 10k and 100k calls (10k with --quick, 1M
 * added by --full); --only durable runs it at 10k, 100k and 1M with the 100k pipeline beside it
 * and nothing else (written to bench/results/<date>-durable.md); --durable-sizes=… overrides its sizes.
 * --only reports runs ten reports against one over a 100k day (#17; bench/results/<date>-reports.md).
 *
 * This file parses the flags, runs the sections (bench/sections/, one module each) and writes
 * the results; every measured run is a scenario of bench/worker.ts in its own process.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startS3Emulator } from "../test/support/s3-emulator.js";
import { buildDurableWorker, buildLambdaBundle, buildWorker } from "./bundle.js";
import { killRunningChildren } from "./child.js";
import { type ColdStart, measureColdStart, renderColdStart } from "./sections/cold-start.js";
import { type Flags, log, PER_PAGE, ROOT } from "./sections/common.js";
import { type DurableResults, measureDurableRuns, renderDurable } from "./sections/durable.js";
import { committedDurableRows } from "./sections/durable-committed.js";
import { functionSizing } from "./sections/durable-cost.js";
import { type ExcelLimit, excelLimitChecks, measureExcelLimit, renderExcelLimit } from "./sections/excel-limit.js";
import {
  type FetchEfficiency,
  measureFetchEfficiency,
  measureRateLimited,
  type RateLimited,
  renderFetch,
} from "./sections/fetch.js";
import { describeMachine, type Machine, machineLine } from "./sections/machine.js";
import {
  type CommittedFigure,
  committedPipelineWall,
  measureSize,
  renderPipelineSizes,
  type SizeResult,
} from "./sections/pipeline-sizes.js";
import { renderProfiles } from "./sections/profiles.js";
import { reportsOnly } from "./sections/reports.js";
import { measureWorkbooks, renderWorkbooks, type WorkbookRow } from "./sections/workbook.js";
import { mb, pass, seconds, table } from "./stats.js";

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    quick: false,
    full: false,
    excelLimitOnly: false,
    naive: true,
    cpuProf: false,
    sizes: null,
    only: null,
    durableSizes: null,
    out: null,
  };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--quick") flags.quick = true;
    else if (arg === "--full" || arg === "--1m") flags.full = true;
    else if (arg === "--excel-limit") flags.excelLimitOnly = true;
    else if (arg === "--no-naive") flags.naive = false;
    else if (arg === "--cpu-prof") flags.cpuProf = true;
    else if (arg.startsWith("--sizes=")) flags.sizes = arg.slice(8).split(",").map(Number);
    else if (arg.startsWith("--durable-sizes=")) flags.durableSizes = arg.slice(16).split(",").map(Number);
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const section = arg === "--only" ? argv[++index] : arg.slice(7);
      if (section !== "durable" && section !== "reports")
        throw new Error(`--only ${section ?? ""}: the sections that run alone are "durable" and "reports".`);
      flags.only = section;
    } else if (arg.startsWith("--out=")) flags.out = arg.slice(6);
    else
      throw new Error(
        `Unknown flag ${arg}: use --quick, --full (--1m), --excel-limit, --only durable|reports, --no-naive, --cpu-prof, --sizes=…, --durable-sizes=…, --out=…`,
      );
  }
  return flags;
}

const flags = parseFlags(process.argv.slice(2));
const cleanups: Array<() => Promise<void>> = [];

async function main(): Promise<void> {
  const startedAt = Date.now();
  const workDir = await mkdtemp(join(tmpdir(), "callreport-bench-"));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const profileDir = join(ROOT, "bench/results");

  log("building the worker and Lambda bundles (esbuild)");
  const worker = await buildWorker(workDir);
  if (flags.excelLimitOnly) {
    const machine = await describeMachine(worker);
    const excelLimit = await measureExcelLimit(worker, workDir);
    const markdown = [
      `# callreport benchmark: Excel's row limit — ${machine.date}`,
      "",
      machineLine(machine, Date.now() - startedAt),
      ...renderExcelLimit(excelLimit),
      "",
    ].join("\n");
    const outPath = flags.out ?? join(ROOT, "bench/results", `${machine.date}-excel-limit.md`);
    await writeFile(outPath, markdown);
    process.stdout.write(`\n${markdown}\n`);
    log(`written to ${outPath} in ${seconds(Date.now() - startedAt)} s`);
    if (excelLimitChecks(excelLimit).some(([, , result]) => result !== pass(true))) process.exitCode = 1;
    return;
  }
  // #17's benchmark, ten reports vs one over a 100k day: bench/sections/reports.ts runs and writes it.
  if (flags.only === "reports") {
    await reportsOnly(flags, worker, profileDir, startedAt, cleanups);
    return;
  }
  const durableWorker = await buildDurableWorker();
  // Not today's file: this run overwrites it, and an earlier run of the day is not the committed figure.
  const committed = await committedPipelineWall(100_000, `${new Date().toISOString().slice(0, 10)}.md`);
  const s3 = await startS3Emulator("callreport-bench");
  cleanups.push(() => s3.close());

  const machine = await describeMachine(worker);
  log(`machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}`);
  if (flags.only === "durable") {
    await durableOnly(machine, worker, durableWorker, s3, workDir, profileDir, committed, startedAt);
    return;
  }
  const lambdaDir = join(workDir, "lambda");
  await mkdir(lambdaDir);
  const bundle = await buildLambdaBundle(lambdaDir);

  const sizes = flags.sizes ?? (flags.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]);
  if (flags.full && !sizes.includes(1_000_000)) sizes.push(1_000_000);
  const sizeResults: SizeResult[] = [];
  for (const calls of sizes) {
    sizeResults.push(await measureSize(flags, worker, s3, calls, workDir, profileDir));
  }

  const fetchEfficiency = await measureFetchEfficiency(flags, worker);
  const rateLimited = flags.quick ? null : await measureRateLimited(worker);
  const workbooks = await measureWorkbooks(flags, worker, workDir, profileDir);
  const coldStart = await measureColdStart(bundle);
  const durable: DurableResults = {
    runs: await measureDurableRuns(durableWorker, durableSizes()),
    sizing: await functionSizing(),
  };
  if (!durableSizes().includes(1_000_000)) durable.committedMillion = await committedDurableRows(1_000_000);
  const excelLimit = flags.full ? await measureExcelLimit(worker, workDir) : null;

  const elapsedMs = Date.now() - startedAt;
  const markdown = render({
    machine,
    sizeResults,
    fetchEfficiency,
    rateLimited,
    workbooks,
    coldStart,
    durable,
    committed,
    excelLimit,
    elapsedMs,
  });
  const outPath = flags.out ?? join(ROOT, "bench/results", `${machine.date}.md`);
  await writeFile(outPath, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`written to ${outPath} in ${seconds(elapsedMs)} s`);
}

function durableSizes(): number[] {
  if (flags.durableSizes) return flags.durableSizes;
  if (flags.only === "durable") return [10_000, 100_000, 1_000_000];
  return flags.quick ? [10_000] : flags.full ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
}

/**
 * `--only durable`: section 6, and beside it the 100k pipeline for an unlimited API (section 1's
 * runs and reference rows, no naive run) to hold against the committed figure in the same run.
 */
async function durableOnly(
  machine: Machine,
  worker: string,
  durableWorker: string,
  s3: Awaited<ReturnType<typeof startS3Emulator>>,
  workDir: string,
  profileDir: string,
  committed: CommittedFigure | null,
  startedAt: number,
): Promise<void> {
  const loadAtStart = loadavg()[0] ?? 0;
  const pipeline = await measureSize({ ...flags, naive: false }, worker, s3, 100_000, workDir, profileDir);
  const durable: DurableResults = {
    runs: await measureDurableRuns(durableWorker, durableSizes()),
    sizing: await functionSizing(),
  };
  const targets: string[][] = [];
  const out: string[] = [`# callreport benchmark: durable execution (#15) — ${machine.date}`, ""];
  out.push(machineLine(machine, Date.now() - startedAt), "");
  out.push(
    `Load average (1 min) when the measurements started and ended: ${loadAtStart.toFixed(1)} and ` +
      `${(loadavg()[0] ?? 0).toFixed(1)} on ${machine.cores} cores — other work shares this machine.`,
    "",
  );
  out.push(
    "Sections 1–2 at 100k only (no naive run), beside section 6, so that the parts-based pipeline's figure for an " +
      "unlimited API is held against the committed one in the same run. Baseline RSS: bare `node` " +
      `${mb(machine.bareNodeRssMb)} MB; the worker bundle loaded and idle ${mb(machine.idleWorkerRssMb)} MB.`,
  );
  renderPipelineSizes([pipeline], out, targets, committed);
  if (!committed) out.push("", "No committed 100k figure found in bench/results/YYYY-MM-DD.md to compare with.");
  renderDurable(durable, out, targets);
  out.push("", "## Targets", "", table(["target", "measured", "result"], targets), "");
  const markdown = out.join("\n");
  const outPath = flags.out ?? join(ROOT, "bench/results", `${machine.date}-durable.md`);
  await writeFile(outPath, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`written to ${outPath} in ${seconds(Date.now() - startedAt)} s`);
}

// ——— the report ————————————————————————————————————————————————————————————————————————————

interface Results {
  machine: Machine;
  sizeResults: SizeResult[];
  fetchEfficiency: FetchEfficiency;
  rateLimited: RateLimited | null;
  workbooks: WorkbookRow[];
  coldStart: ColdStart;
  durable: DurableResults;
  committed: CommittedFigure | null;
  excelLimit: ExcelLimit | null;
  elapsedMs: number;
}

function render(results: Results): string {
  const { machine, sizeResults, fetchEfficiency, rateLimited, workbooks, coldStart, durable, committed, excelLimit } =
    results;
  const targets: string[][] = [];
  const out: string[] = [];
  out.push(`# callreport benchmark — ${machine.date}`);
  out.push("");
  out.push(machineLine(machine, results.elapsedMs));
  out.push("");
  out.push(
    `Every run is a fresh Node process running an esbuild bundle (no tsx); the simulated API (no latency, ` +
      `${PER_PAGE} calls a page) and the S3 emulator (s3rver) run in the orchestrating process on 127.0.0.1, on the same 2 cores. ` +
      `Baseline RSS: bare \`node\` ${mb(machine.bareNodeRssMb)} MB; the worker bundle loaded and idle ${mb(machine.idleWorkerRssMb)} MB.`,
  );

  renderPipelineSizes(sizeResults, out, targets, committed);
  renderFetch(fetchEfficiency, rateLimited, out, targets);
  renderWorkbooks(workbooks, out, targets);
  renderColdStart(coldStart, machine, out, targets);
  renderDurable(durable, out, targets);
  renderProfiles(sizeResults, workbooks, out);

  if (excelLimit) {
    out.push(...renderExcelLimit(excelLimit));
    targets.push(
      ...excelLimitChecks(excelLimit).map(([check, measured, result]) => [
        `Excel limit: ${check}`,
        measured ?? "",
        result ?? "",
      ]),
    );
  }

  out.push("", "## Targets", "");
  out.push(table(["target", "measured", "result"], targets));
  out.push("");
  return out.join("\n");
}
async function cleanUp(): Promise<void> {
  killRunningChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping children and servers`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
