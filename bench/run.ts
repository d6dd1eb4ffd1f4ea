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
 * --sizes=1000,10000 (override the pipeline sizes), --out=PATH.
 */
import { execFile, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { startSimulator } from "../demo/simulator.js";
import { DEFAULT_CONCURRENCY } from "../lambda/autocalls/client.js";
import { type S3Emulator, startS3Emulator } from "../test/support/s3-emulator.js";
import { s3EmulatorClient } from "../test/support/s3-emulator-client.js";
import { buildLambdaBundle, buildWorker, type LambdaBundle } from "./bundle.js";
import { killRunningChildren, runChild } from "./child.js";
import { type ProfileSummary, summariseProfile } from "./profile-summary.js";
import type { FetchMeasurement } from "./scenarios/fetch.js";
import type { PipelineMeasurement } from "./scenarios/pipeline.js";
import type { LowerBoundMeasurement, NaiveMeasurement } from "./scenarios/reference.js";
import type { WorkbookMeasurement } from "./scenarios/workbook.js";
import { readSheetRows, type SheetRows } from "./sheet-rows.js";
import { bytesMb, count, mb, median, pass, ratio, seconds, spread, table } from "./stats.js";
import type { WorkerReport } from "./worker.js";
import { extractZipEntry } from "./xlsx-entry.js";

const ROOT = new URL("..", import.meta.url).pathname;
const TOKEN = "bench-token";
/** A fixed Monday; the simulator serves it like any other day. */
const DAY = "2025-08-04";
const PER_PAGE = 100;
/** The Lambda's default AUTOCALLS_CONCURRENCY (lambda/config.ts). */

/** The Calls sheet: Summary, Assistants, Campaigns, Hourly come first. */
const CALLS_SHEET_ENTRY = "xl/worksheets/sheet5.xml";

interface Flags {
  quick: boolean;
  full: boolean;
  excelLimitOnly: boolean;
  naive: boolean;
  cpuProf: boolean;
  sizes: number[] | null;
  out: string | null;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    quick: false,
    full: false,
    excelLimitOnly: false,
    naive: true,
    cpuProf: false,
    sizes: null,
    out: null,
  };
  for (const arg of argv) {
    if (arg === "--quick") flags.quick = true;
    else if (arg === "--full" || arg === "--1m") flags.full = true;
    else if (arg === "--excel-limit") flags.excelLimitOnly = true;
    else if (arg === "--no-naive") flags.naive = false;
    else if (arg === "--cpu-prof") flags.cpuProf = true;
    else if (arg.startsWith("--sizes=")) flags.sizes = arg.slice(8).split(",").map(Number);
    else if (arg.startsWith("--out=")) flags.out = arg.slice(6);
    else
      throw new Error(
        `Unknown flag ${arg}: use --quick, --full (--1m), --excel-limit, --no-naive, --cpu-prof, --sizes=…, --out=…`,
      );
  }
  return flags;
}

type Measured<T> = T & WorkerReport;

interface SizeResult {
  calls: number;
  pipeline: Measured<PipelineMeasurement>[];
  lower: Measured<LowerBoundMeasurement>[];
  naive: Measured<NaiveMeasurement> | null;
  naiveSkipped: string | null;
  sheetXmlBytes: number;
  profile: ProfileSummary | null;
}

interface FetchEfficiency {
  sequential: Measured<FetchMeasurement>[];
  concurrent: Array<{ concurrency: number; runs: Measured<FetchMeasurement>[] }>;
  latencyMs: number;
  calls: number;
}

interface RateLimited {
  limitPerMinute: number;
  latencyMs: number;
  pages: number;
  run: Measured<FetchMeasurement>;
  served: number;
  tooManyRequests: number;
  requestsRightAfter429: number;
  busiestWindow: number;
  idealMs: number;
}

interface WorkbookRow {
  calls: number;
  transcripts: boolean;
  runs: Measured<WorkbookMeasurement>[];
  profile: ProfileSummary | null;
}

interface ExcelLimit {
  calls: number;
  run: Measured<WorkbookMeasurement>;
  readMs: number;
  sheets: SheetRows[];
}

interface ColdStart {
  bundle: LambdaBundle;
  importMs: number[];
  processMs: number[];
  importRssMb: number[];
  error: string | null;
}

interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  date: string;
  idleWorkerRssMb: number;
  bareNodeRssMb: number;
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
  const lambdaDir = join(workDir, "lambda");
  await mkdir(lambdaDir);
  const bundle = await buildLambdaBundle(lambdaDir);

  const s3 = await startS3Emulator("callreport-bench");
  cleanups.push(() => s3.close());

  const machine = await describeMachine(worker);
  log(`machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}`);

  const sizes = flags.sizes ?? (flags.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]);
  if (flags.full && !sizes.includes(1_000_000)) sizes.push(1_000_000);
  const sizeResults: SizeResult[] = [];
  for (const calls of sizes) {
    sizeResults.push(await measureSize(worker, s3, calls, workDir, profileDir));
  }

  const fetchEfficiency = await measureFetchEfficiency(worker);
  const rateLimited = flags.quick ? null : await measureRateLimited(worker);
  const workbooks = await measureWorkbooks(worker, workDir, profileDir);
  const coldStart = await measureColdStart(bundle);
  const excelLimit = flags.full ? await measureExcelLimit(worker, workDir) : null;

  const elapsedMs = Date.now() - startedAt;
  const markdown = render({
    machine,
    sizeResults,
    fetchEfficiency,
    rateLimited,
    workbooks,
    coldStart,
    excelLimit,
    elapsedMs,
  });
  const outPath = flags.out ?? join(ROOT, "bench/results", `${machine.date}.md`);
  await writeFile(outPath, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`written to ${outPath} in ${seconds(elapsedMs)} s`);
}

// ——— 1 + 2: the pipeline and its reference rows ————————————————————————————————————————

async function measureSize(
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
    const pipelineRuns: Measured<PipelineMeasurement>[] = [];
    const lowerRuns: Measured<LowerBoundMeasurement>[] = [];
    let sheetXmlPath: string | null = null;
    let sheetXmlBytes = 0;
    // Pipeline and lower bound alternate, so a noisy neighbour hits both rows alike.
    for (let run = 0; run < runs; run++) {
      const measured = await runChild<PipelineMeasurement>(worker, "pipeline", pipelineArgs(`${run}`), {
        timeoutMs,
      });
      pipelineRuns.push(measured);
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
          `(fetch ${seconds(lower.fetchMs)} + deflate ${seconds(lower.deflateMs)})`,
      );
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
    return { calls, pipeline: pipelineRuns, lower: lowerRuns, naive, naiveSkipped, sheetXmlBytes, profile };
  } finally {
    await simulator.close();
  }
}

/** Runs one child under `--cpu-prof` and summarises its profile while the bundle still exists. */
async function profiled(
  worker: string,
  profileDir: string,
  label: string,
  run: (execArgv: string[]) => Promise<unknown>,
): Promise<ProfileSummary> {
  // bench/results/*.cpuprofile is git-ignored: the profiles stay local, their summaries go in the results.
  const path = join(profileDir, `profile-${label}.cpuprofile`);
  await run(["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=profile-${label}.cpuprofile`]);
  const summary = await summariseProfile(path, worker);
  log(`profile ${label}: ${path} (open it in Chrome DevTools → Performance)`);
  return summary;
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
    throw new Error(`${CALLS_SHEET_ENTRY} is not the Calls sheet — update CALLS_SHEET_ENTRY in bench/run.ts.`);
  }
  await rm(xlsxPath);
  return bytes;
}

// ——— 3: fetch efficiency ———————————————————————————————————————————————————————————————————

async function measureFetchEfficiency(worker: string): Promise<FetchEfficiency> {
  const latencyMs = 50;
  const calls = 10_000;
  const simulator = await startSimulator({ token: TOKEN, callsPerDay: calls, seed: 1, today: DAY, latencyMs });
  try {
    const fetchRun = async (concurrency: number) => {
      const measured = await runChild<FetchMeasurement>(
        worker,
        "fetch",
        { baseUrl: simulator.baseUrl, token: TOKEN, date: DAY, concurrency, perPage: PER_PAGE },
        { timeoutMs: 120_000 },
      );
      log(`fetch ${count(calls)} at ${latencyMs} ms, concurrency ${concurrency}: ${seconds(measured.wallMs)} s`);
      return measured;
    };
    const runs = flags.quick ? 2 : 3;
    const sequential: Measured<FetchMeasurement>[] = [];
    const concurrent = [4, 8, DEFAULT_CONCURRENCY, 16].map((concurrency) => ({
      concurrency,
      runs: [] as Measured<FetchMeasurement>[],
    }));
    for (let run = 0; run < runs; run++) {
      sequential.push(await fetchRun(1));
      for (const row of concurrent) row.runs.push(await fetchRun(row.concurrency));
    }
    return { sequential, concurrent, latencyMs, calls };
  } finally {
    await simulator.close();
  }
}

async function measureRateLimited(worker: string): Promise<RateLimited> {
  const limitPerMinute = 60;
  const latencyMs = 150;
  // 150 pages: 60 go in the first minute's budget, 60 more when it frees, the last 30 a minute later.
  const pages = 150;
  const simulator = await startSimulator({
    token: TOKEN,
    callsPerDay: pages * PER_PAGE,
    seed: 1,
    today: DAY,
    latencyMs,
    rateLimitPerMinute: limitPerMinute,
  });
  try {
    log(`fetch ${pages} pages under ${limitPerMinute} requests/min at ${latencyMs} ms latency (~2 minutes)`);
    const run = await runChild<FetchMeasurement>(
      worker,
      "fetch",
      { baseUrl: simulator.baseUrl, token: TOKEN, date: DAY, concurrency: DEFAULT_CONCURRENCY, perPage: PER_PAGE },
      { timeoutMs: 240_000 },
    );
    const records = simulator.requests;
    const served = records.filter((record) => record.status === 200);
    const refused = records.filter((record) => record.status === 429);
    const requestsRightAfter429 = refused.reduce(
      (sum, refusal) =>
        sum +
        records.filter((record) => record.startedAt > refusal.endedAt && record.startedAt < refusal.endedAt + 1000)
          .length,
      0,
    );
    // The simulator counts a request when it answers (after the latency), so windows are over endedAt.
    const answeredAt = served.map((record) => record.endedAt).sort((a, b) => a - b);
    let busiestWindow = 0;
    for (let first = 0, last = 0; last < answeredAt.length; last++) {
      while ((answeredAt[last] as number) - (answeredAt[first] as number) >= 60_000) first++;
      busiestWindow = Math.max(busiestWindow, last - first + 1);
    }
    // The fastest any client can go under a sliding window: a full window's budget at once,
    // then the next budget a minute after the previous one was spent.
    const idealMs = Math.floor((pages - 1) / limitPerMinute) * 60_000 + latencyMs;
    log(`rate-limited fetch: ${seconds(run.wallMs)} s, ${refused.length} × 429`);
    return {
      limitPerMinute,
      latencyMs,
      pages,
      run,
      served: served.length,
      tooManyRequests: refused.length,
      requestsRightAfter429,
      busiestWindow,
      idealMs,
    };
  } finally {
    await simulator.close();
  }
}

// ——— 4: the workbook alone ———————————————————————————————————————————————————————————————

async function measureWorkbooks(worker: string, workDir: string, profileDir: string): Promise<WorkbookRow[]> {
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

// ——— 5: cold start and size ——————————————————————————————————————————————————————————————

async function measureColdStart(bundle: LambdaBundle): Promise<ColdStart> {
  const importMs: number[] = [];
  const processMs: number[] = [];
  const importRssMb: number[] = [];
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${bundle.path}`)}); const ms = performance.now() - t; process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS / 1024 }));`;
  try {
    for (let run = 0; run < 7; run++) {
      const started = performance.now();
      const output = await runNode(["--input-type=module", "-e", script]);
      processMs.push(performance.now() - started);
      const parsed = JSON.parse(output) as { ms: number; rss: number };
      importMs.push(parsed.ms);
      importRssMb.push(parsed.rss);
    }
    log(`Lambda bundle: ${count(bundle.bytes)} bytes, import ${median(importMs).toFixed(0)} ms`);
    return { bundle, importMs, processMs, importRssMb, error: null };
  } catch (error) {
    return { bundle, importMs, processMs, importRssMb, error: error instanceof Error ? error.message : String(error) };
  }
}

function runNode(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`node exited ${code}: ${stderr}`))));
  });
}

// ——— 6: Excel's row limit ——————————————————————————————————————————————————————————————————

/** Excel's worksheet: 1,048,576 rows, the header one of them (Excel specifications and limits). */
const EXCEL_SHEET_ROWS = 1_048_576;
const EXCEL_LIMIT_CALLS = 1_048_576;
const EXCEL_LIMIT_SHEETS = ["Summary", "Assistants", "Campaigns", "Hourly", "Calls", "Calls (2)"];

/**
 * One call more than a Calls sheet holds, through the real workbook writer into a file, read
 * back by unzip (bench/sheet-rows.ts): Calls must end on row 1,048,576, Calls (2) hold the last call.
 */
async function measureExcelLimit(worker: string, workDir: string): Promise<ExcelLimit> {
  const calls = EXCEL_LIMIT_CALLS;
  const outPath = join(workDir, "excel-limit.xlsx");
  log(`Excel row limit: writing ${count(calls)} calls with transcripts (a minute or two)`);
  const run = await runChild<WorkbookMeasurement>(
    worker,
    "workbook",
    { calls, date: DAY, includeTranscripts: true, outPath, spoolDir: workDir },
    { timeoutMs: 1_200_000 },
  );
  log(`Excel row limit: ${count(run.rows)} rows in ${seconds(run.wallMs)} s, ${bytesMb(run.workbookBytes)} MB`);
  const started = performance.now();
  const sheets = await readSheetRows(outPath);
  const readMs = performance.now() - started;
  await rm(outPath, { force: true });
  log(
    `Excel row limit: read back with unzip in ${seconds(readMs)} s: ` +
      sheets.map((sheet) => `${sheet.name} ${count(sheet.rows)}`).join(", "),
  );
  return { calls, run, readMs, sheets };
}

function excelLimitChecks(result: ExcelLimit): string[][] {
  const names = result.sheets.map((sheet) => sheet.name);
  const calls = result.sheets.find((sheet) => sheet.name === "Calls");
  const overflow = result.sheets.find((sheet) => sheet.name === "Calls (2)");
  return [
    [
      "sheets are Summary … Calls, Calls (2)",
      names.join(", "),
      pass(JSON.stringify(names) === JSON.stringify(EXCEL_LIMIT_SHEETS)),
    ],
    [
      `Calls is full: ${count(EXCEL_SHEET_ROWS)} rows (header + ${count(EXCEL_SHEET_ROWS - 1)} calls), the last numbered ${count(EXCEL_SHEET_ROWS)}`,
      calls ? `${count(calls.rows)} rows, last ${calls.lastRowNumber ?? "?"}` : "missing",
      pass(calls?.rows === EXCEL_SHEET_ROWS && calls.lastRowNumber === EXCEL_SHEET_ROWS),
    ],
    [
      "Calls (2) holds the last call: 2 rows (header + 1), the last numbered 2",
      overflow ? `${count(overflow.rows)} rows, last ${overflow.lastRowNumber ?? "?"}` : "missing",
      pass(overflow?.rows === 2 && overflow.lastRowNumber === 2),
    ],
  ];
}

function renderExcelLimit(result: ExcelLimit): string[] {
  const { run } = result;
  return [
    "",
    "## 6. Excel's row limit (issue 20)",
    "",
    `${count(result.calls)} simulated calls (transcripts included) aggregated and spooled, then \`writeWorkbook\` ` +
      "streams them into a file, as in section 4. The file is read back without exceljs and without the project's code: " +
      "`unzip -p` inflates xl/workbook.xml, its rels and each sheet to a pipe, and the `<row …>` start tags are counted " +
      `as the XML streams past. Excel's sheet holds ${count(EXCEL_SHEET_ROWS)} rows, the header one of them.`,
    "",
    table(
      ["measure", "value"],
      [
        ["write s", seconds(run.wallMs)],
        ["rows/s", count(run.rowsPerSecond)],
        ["workbook MB", bytesMb(run.workbookBytes)],
        ["peak RSS MB (process / writing phase)", `${mb(run.maxRssMb)} / ${mb(run.phasePeakRssMb)}`],
        ["peak heap used MB (writing phase)", mb(run.phasePeakHeapUsedMb)],
        ["read back with unzip s", seconds(result.readMs)],
      ],
    ),
    "",
    table(
      ["sheet", "zip member", "rows (header included)", "last row number"],
      result.sheets.map((sheet) => [sheet.name, sheet.entry, count(sheet.rows), String(sheet.lastRowNumber ?? "—")]),
    ),
    "",
    table(["check", "measured", "result"], excelLimitChecks(result)),
  ];
}

// ——— the machine ————————————————————————————————————————————————————————————————————————————

async function describeMachine(worker: string): Promise<Machine> {
  const idle: number[] = [];
  for (let run = 0; run < 3; run++) idle.push((await runChild(worker, "idle", {}, { timeoutMs: 30_000 })).maxRssMb);
  const bare = JSON.parse(await runNode(["-e", "process.stdout.write(String(process.resourceUsage().maxRSS / 1024))"]));
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const { stdout } = await promisify(execFile)("lscpu", [], { timeout: 5_000 });
    cpu = /Model name:\s*(.+)/.exec(stdout)?.[1]?.trim() ?? cpu;
  } catch {
    // lscpu is optional; os.cpus() named the model already.
  }
  return {
    cores: cpus().length,
    cpu,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    idleWorkerRssMb: median(idle),
    bareNodeRssMb: bare as number,
  };
}

// ——— the report ————————————————————————————————————————————————————————————————————————————

interface Results {
  machine: Machine;
  sizeResults: SizeResult[];
  fetchEfficiency: FetchEfficiency;
  rateLimited: RateLimited | null;
  workbooks: WorkbookRow[];
  coldStart: ColdStart;
  excelLimit: ExcelLimit | null;
  elapsedMs: number;
}

function render(results: Results): string {
  const { machine, sizeResults, fetchEfficiency, rateLimited, workbooks, coldStart, excelLimit } = results;
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

  out.push("", "## 1. Full pipeline (fetch → aggregate → spool → streamed XLSX → S3 multipart → email)", "");
  out.push(
    `Report timezone = API timezone = UTC, so the day is one API date; transcripts included; concurrency ${DEFAULT_CONCURRENCY}; ` +
      "the mailer counts bytes. Wall time is `runReport` from start to email. Heap and external peaks are sampled every " +
      "20 ms: RSS well above the heap in use plus external memory is garbage V8 has not collected yet, not data held.",
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
          bytesMb(first.workbookBytes),
          `${count(first.emailBytes / 1024)}${first.attached ? " (attached)" : ""}`,
          count(first.pages),
          count(Math.max(...size.pipeline.map((run) => run.requests))),
          count(Math.max(...size.pipeline.map((run) => run.retries))),
        ];
      }),
    ),
  );

  out.push("", "## 2. Reference rows (same run, same pages, same machine)", "");
  out.push(
    "Lower bound = the same pages fetched with the same concurrency and only `JSON.parse`d, plus the Calls sheet's XML " +
      "(unzipped from the workbook the pipeline stored) deflated with node:zlib level 6. " +
      "Naive = one page at a time, every call in an array, exceljs's in-memory `Workbook` + `writeBuffer`, one PutObject " +
      "(Calls sheet only, so it does less than the pipeline).",
    "",
  );
  out.push(
    table(
      [
        "calls/day",
        "pipeline s",
        "lower bound s (fetch + deflate)",
        "sheet XML MB",
        "pipeline / lower bound",
        "naive s",
        "naive peak RSS MB",
        "naive / pipeline (time)",
        "naive / pipeline (RSS)",
      ],
      sizeResults.map((size) => {
        const pipelineMs = median(size.pipeline.map((run) => run.wallMs));
        const lowerMs = median(size.lower.map((run) => run.wallMs));
        const pipelineRss = median(size.pipeline.map((run) => run.maxRssMb));
        return [
          count(size.calls),
          seconds(pipelineMs),
          `${seconds(lowerMs)} (${seconds(median(size.lower.map((run) => run.fetchMs)))} + ${seconds(median(size.lower.map((run) => run.deflateMs)))})`,
          bytesMb(size.sheetXmlBytes),
          ratio(pipelineMs / lowerMs),
          size.naive ? seconds(size.naive.wallMs) : `— (${size.naiveSkipped})`,
          size.naive ? mb(size.naive.maxRssMb) : "—",
          size.naive ? ratio(size.naive.wallMs / pipelineMs) : "—",
          size.naive ? ratio(size.naive.maxRssMb / pipelineRss) : "—",
        ];
      }),
    ),
  );

  const at = (calls: number) => sizeResults.find((size) => size.calls === calls);
  const at10k = at(10_000);
  const at100k = at(100_000);
  if (at100k) {
    const pipelineMs = median(at100k.pipeline.map((run) => run.wallMs));
    const lowerMs = median(at100k.lower.map((run) => run.wallMs));
    targets.push(["100k: pipeline ≤ 1.5x lower bound", ratio(pipelineMs / lowerMs), pass(pipelineMs / lowerMs <= 1.5)]);
    if (at100k.naive) {
      targets.push([
        "100k: naive ≥ 3x slower than pipeline",
        ratio(at100k.naive.wallMs / pipelineMs),
        pass(at100k.naive.wallMs / pipelineMs >= 3),
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

  out.push("", "## 3. Fetch efficiency", "");
  const sequentialMs = median(fetchEfficiency.sequential.map((run) => run.wallMs));
  out.push(
    `Simulator at ${fetchEfficiency.latencyMs} ms latency, no rate limit, ${count(fetchEfficiency.calls)} calls ` +
      `(${fetchEfficiency.sequential[0]?.pages ?? "?"} pages of ${PER_PAGE}); the client alone, draining the stream.`,
    "",
  );
  out.push(
    table(
      ["concurrency", "fetch s (median, min–max)", "speedup vs 1", "requests"],
      [{ concurrency: 1, runs: fetchEfficiency.sequential }, ...fetchEfficiency.concurrent].map(
        ({ concurrency, runs }) => {
          const wall = spread(runs.map((run) => run.wallMs));
          return [
            String(concurrency),
            `${seconds(wall.median)} (${seconds(wall.min)}–${seconds(wall.max)})`,
            ratio(sequentialMs / wall.median),
            count(Math.max(...runs.map((run) => run.requests))),
          ];
        },
      ),
    ),
  );
  for (const row of fetchEfficiency.concurrent) {
    const speedup = sequentialMs / median(row.runs.map((run) => run.wallMs));
    targets.push([
      `10k at 50 ms: concurrent ≥ 6x one-page-at-a-time (concurrency ${row.concurrency}${row.concurrency === DEFAULT_CONCURRENCY ? ", the default" : ""})`,
      ratio(speedup),
      pass(speedup >= 6),
    ]);
  }

  if (rateLimited) {
    const { run, limitPerMinute, pages } = rateLimited;
    const averagePerMinute = run.requests / (run.wallMs / 60_000);
    const pagesOverRateMs = (pages / limitPerMinute) * 60_000;
    out.push(
      "",
      `Under a limit: ${pages} pages (per_page ${PER_PAGE}), ${rateLimited.latencyMs} ms latency, ${limitPerMinute} requests/min ` +
        "(the simulator's sliding 60 s window, with `X-RateLimit-*` headers and `Retry-After` on 429), default concurrency.",
      "",
    );
    out.push(
      table(
        ["measure", "value"],
        [
          ["fetch time", `${seconds(run.wallMs)} s`],
          ["pages / R", `${seconds(pagesOverRateMs)} s (fetch time ${ratio(run.wallMs / pagesOverRateMs)} of it)`],
          [
            "fastest possible under a sliding window (a window's budget at once, then the next a minute later)",
            `${seconds(rateLimited.idealMs)} s (fetch time ${ratio(run.wallMs / rateLimited.idealMs)} of it)`,
          ],
          ["requests sent / answered 200", `${run.requests} / ${rateLimited.served}`],
          ["average requests/min over the fetch", averagePerMinute.toFixed(1)],
          [
            "busiest 60 s window (answers)",
            `${rateLimited.busiestWindow} of ${limitPerMinute} (${((100 * rateLimited.busiestWindow) / limitPerMinute).toFixed(0)}%)`,
          ],
          ["429s provoked", String(rateLimited.tooManyRequests)],
          ["requests sent within 1 s after a 429", String(rateLimited.requestsRightAfter429)],
        ],
      ),
    );
    targets.push([
      `${limitPerMinute}/min: ≥ 95% of the allowed rate (busiest window)`,
      `${((100 * rateLimited.busiestWindow) / limitPerMinute).toFixed(0)}%`,
      pass(rateLimited.busiestWindow >= 0.95 * limitPerMinute),
    ]);
    targets.push([
      `${limitPerMinute}/min: no 429 storm (429s, requests right after one)`,
      `${rateLimited.tooManyRequests}, ${rateLimited.requestsRightAfter429}`,
      pass(rateLimited.requestsRightAfter429 === 0),
    ]);
    targets.push([
      `${limitPerMinute}/min: fetch time within 10% of pages/R`,
      ratio(run.wallMs / pagesOverRateMs),
      pass(run.wallMs <= 1.1 * pagesOverRateMs),
    ]);
  } else {
    out.push("", "Rate-limited fetch: skipped (--quick).");
  }

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

  out.push("", "## 5. Lambda bundle: size and cold import", "");
  out.push(
    `lambda/handler.ts bundled like ReportFunction's NodejsFunction: esbuild --bundle, ESM, platform node, target ${coldStart.bundle.target}, ` +
      "minify, external source map without sources, main fields module,main, the createRequire banner, AWS SDK bundled. " +
      `Import time: \`await import()\` of the bundle in a fresh \`node\` (${machine.node} here; Lambda runs ${coldStart.bundle.target}), ${coldStart.importMs.length} runs.`,
    "",
  );
  out.push(
    table(
      ["measure", "value"],
      [
        ["index.mjs", `${count(coldStart.bundle.bytes)} bytes (${bytesMb(coldStart.bundle.bytes)} MB)`],
        ["index.mjs.map (deployed too, not loaded)", `${count(coldStart.bundle.sourceMapBytes)} bytes`],
        ...(coldStart.error
          ? [["import", `failed: ${coldStart.error.split("\n")[0]}`]]
          : [
              [
                "import time (median, min–max)",
                `${median(coldStart.importMs).toFixed(0)} ms (${Math.min(...coldStart.importMs).toFixed(0)}–${Math.max(...coldStart.importMs).toFixed(0)})`,
              ],
              ["whole process: spawn → import → exit (median)", `${median(coldStart.processMs).toFixed(0)} ms`],
              ["RSS after import (median)", `${mb(median(coldStart.importRssMb))} MB`],
            ]),
      ],
    ),
  );
  targets.push([
    "Lambda bundle ≤ 3 MB minified",
    `${bytesMb(coldStart.bundle.bytes)} MB`,
    pass(coldStart.bundle.bytes <= 3 * 1024 * 1024),
  ]);

  const profiles: Array<[string, ProfileSummary]> = [
    ...sizeResults.flatMap(
      (size): Array<[string, ProfileSummary]> =>
        size.profile ? [[`pipeline, ${count(size.calls)} calls`, size.profile]] : [],
    ),
    ...workbooks.flatMap(
      (row): Array<[string, ProfileSummary]> =>
        row.profile ? [[`workbook alone, ${count(row.calls)} calls with transcripts`, row.profile]] : [],
    ),
  ];
  if (profiles.length > 0) {
    out.push("", "## CPU profiles (`--cpu-prof`, one extra run each, not in the medians)", "");
    for (const [label, profile] of profiles) {
      out.push(
        `${label}: ${seconds(profile.totalMs)} s sampled (whole process). Self time by module, then hottest functions:`,
        "",
      );
      out.push(
        table(
          ["module", "self s", "share"],
          profile.byModule.map((entry) => [entry.module, seconds(entry.selfMs), `${(100 * entry.share).toFixed(1)}%`]),
        ),
        "",
      );
      out.push(
        table(
          ["function (bundle line)", "self s", "share"],
          profile.byFunction.map((entry) => [
            `\`${entry.name}\``,
            seconds(entry.selfMs),
            `${(100 * entry.share).toFixed(1)}%`,
          ]),
        ),
        "",
      );
    }
  }

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

function machineLine(machine: Machine, elapsedMs: number): string {
  return (
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ` +
    `${process.platform}/${process.arch}. Whole run: ${seconds(elapsedMs)} s. ` +
    `Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\`.`
  );
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
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
