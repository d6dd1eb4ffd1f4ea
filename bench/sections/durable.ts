/**
 * Section 6: the report as a Lambda durable function (#15). A day under a 60 requests/min limit
 * runs through the real durable handler in simulated time; the section reports its wall time
 * against the limit's bound, the compute it would bill, its memory per step and its price.
 */
import { runChild } from "../child.js";
import type { DurableMeasurement, StepSample } from "../scenarios/durable.js";
import { count, mb, pass, seconds, table } from "../stats.js";
import { DAY, log, PER_PAGE, type Targets, TOKEN } from "./common.js";
import { type CommittedDurableRows, renderCommittedDurable } from "./durable-committed.js";
import { type DayCost, dayCost, type FunctionSizing, PRICE_SOURCES, PRICES, usd } from "./durable-cost.js";

export const DURABLE_LIMIT_PER_MINUTE = 60;
/** #15's goal for a 1M-call day: the simulated wall time within 2% of what the limit allows at best. */
const WALL_GOAL = 1.02;
/** What Lambda tells an invocation at its start: the stages' 15-minute timeout. */
const REMAINING_MS = 15 * 60_000;

export type DurableRun = DurableMeasurement & { maxRssMb: number; cpuMs: number };

export interface DurableResults {
  runs: DurableRun[];
  sizing: FunctionSizing;
  /** The committed 1M rows, when this run did not measure 1M. */
  committedMillion?: CommittedDurableRows | null;
}

/** `(pages − R) / R` minutes: the first R requests go at once, then R a minute. */
export function boundMs(pages: number, limitPerMinute: number): number {
  return (Math.max(0, pages - limitPerMinute) / limitPerMinute) * 60_000;
}

export async function measureDurableRuns(worker: string, sizes: number[]): Promise<DurableRun[]> {
  const runs: DurableRun[] = [];
  for (const calls of sizes) {
    const pages = Math.ceil(calls / PER_PAGE);
    log(
      `durable ${count(calls)} calls (${count(pages)} pages) under ${DURABLE_LIMIT_PER_MINUTE}/min: ` +
        `≥ ${(boundMs(pages, DURABLE_LIMIT_PER_MINUTE) / 60_000).toFixed(0)} simulated minutes`,
    );
    const run = (await runChild<DurableMeasurement>(
      worker,
      "durable",
      {
        calls,
        perPage: PER_PAGE,
        rateLimitPerMinute: DURABLE_LIMIT_PER_MINUTE,
        date: DAY,
        token: TOKEN,
        remainingMs: REMAINING_MS,
      },
      { timeoutMs: Math.max(300_000, calls * 3), quiet: true },
    )) as DurableRun;
    log(
      `durable ${count(calls)}: ${run.status}, ${seconds(run.realMs)} s real for ${(run.simulatedMs / 60_000).toFixed(1)} ` +
        `simulated min, ${run.parts} parts, ${run.waits} waits, ${run.invocationMs.length} invocations`,
    );
    runs.push(run);
  }
  return runs;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const ofKind = (run: DurableRun, kind: string) => run.steps.filter((step) => step.kind === kind);
const otherSteps = (run: DurableRun) =>
  run.steps.filter((step) => step.kind !== "fetch part" && step.kind !== "publish");

/** Parts other than the day's last that fetched fewer than a window's pages, and how many pages those fetched. */
function shortParts(run: DurableRun, limit: number): string {
  const short = run.partPages.slice(0, -1).filter((pages) => pages < limit);
  if (short.length === 0) return `${run.parts} (none)`;
  return `${run.parts} (${short.length}: ${Math.min(...short)}–${Math.max(...short)})`;
}

/** Each invocation's time outside step bodies: the first (no replay), the last (the longest replay), the most. */
function outsideSteps(run: DurableRun): string {
  const outside = run.invocationMs.map(
    (ms, invocation) => ms - sum(run.steps.filter((step) => step.invocation === invocation).map((step) => step.ms)),
  );
  return `${(outside[0] ?? 0).toFixed(0)}, ${(outside.at(-1) ?? 0).toFixed(0)}, ${Math.max(0, ...outside).toFixed(0)}`;
}

/** Every call reported, every page fetched once, no 429, one email. */
function complete(run: DurableRun): boolean {
  const pages = Math.ceil(run.calls / PER_PAGE);
  return (
    run.status === "SUCCEEDED" &&
    run.pages === pages &&
    run.requests === pages &&
    run.pagesServedTwice === 0 &&
    run.tooManyRequests === 0 &&
    run.emailsSent === 1
  );
}

function memoryCells(steps: StepSample[]): string {
  if (steps.length === 0) return "—";
  const peak = Math.max(...steps.map((step) => step.peakRssMb));
  const rise = Math.max(...steps.map((step) => step.peakRssMb - step.rssStartMb));
  const heap = Math.max(...steps.map((step) => step.peakHeapUsedMb));
  return `${mb(peak)} / +${mb(rise)} / ${mb(heap)}`;
}

export function renderDurable(results: DurableResults, out: string[], targets: Targets): void {
  const { runs, sizing } = results;
  const memoryMb = sizing.memoryMbByStage.prod ?? 1024;
  const limit = DURABLE_LIMIT_PER_MINUTE;
  const costs = new Map<DurableRun, DayCost>(runs.map((run) => [run, dayCost(run, memoryMb, sizing.retentionDays)]));
  out.push("", `## 6. Durable execution (#15): a day under ${limit} requests/min, in simulated time`, "");
  out.push(
    "`withDurableExecution(reportExecutionWith(…))` — the handler Lambda runs — driven by the durable SDK's " +
      "`LocalDurableTestRunner` with time skipping, one fresh process per size (an esbuild bundle; the SDK, its testing " +
      "package, s3rver and aws-ses-v2-local stay in node_modules). The simulated API (sliding 60 s window of " +
      `${limit} requests, \`X-RateLimit-*\` headers, ${PER_PAGE} calls a page, no latency), s3rver, the SES emulator and ` +
      "the Secrets Manager stand-in run **in the same process and thread**, because they must read the one faked clock. " +
      "The prod stage's report settings: transcripts, masked numbers, the workbook attached when it fits. Parts of at " +
      "most 100 pages; a rate-limit pause of 5 s or more ends a part and becomes a durable wait; every invocation is " +
      `told ${REMAINING_MS / 60_000} minutes are left. Real time is read from the clock taken before the runner fakes it.`,
    "",
  );

  out.push(
    table(
      [
        "calls/day",
        "pages",
        "parts (short ones: pages)",
        "durable waits (Σ min)",
        "simulated wall min",
        "bound (pages − R)/R min",
        "simulated / bound",
        "real time of the run min",
        "complete",
      ],
      runs.map((run) => {
        const pages = Math.ceil(run.calls / PER_PAGE);
        const bound = boundMs(pages, limit);
        return [
          count(run.calls),
          count(run.pages),
          shortParts(run, limit),
          `${run.waits} (${(run.waitSeconds / 60).toFixed(2)})`,
          (run.simulatedMs / 60_000).toFixed(2),
          (bound / 60_000).toFixed(2),
          `${(run.simulatedMs / bound).toFixed(3)}x`,
          (run.realMs / 60_000).toFixed(2),
          complete(run)
            ? "yes"
            : `${run.status}; ${run.pages} pages, ${run.tooManyRequests} × 429, ${run.emailsSent} emails`,
        ];
      }),
    ),
  );
  out.push(
    "",
    "*Simulated wall*: the faked clock from the execution's start to its result. It jumps by the skipped waits and " +
      "otherwise runs at the real clock's pace (the bench keeps it there), so a part's fetch and the publish step count " +
      `as they would in AWS at this machine's speed. *Bound*: (pages − R)/R minutes with R = ${limit}/min — ` +
      "the first R requests go at once, then R a minute; a sliding window allows bursts only on whole minutes, so the " +
      "last burst starts at ⌈pages/R − 1⌉ minutes, a little later than the formula for pages not a multiple of R. " +
      "The simulated wall is about the waits plus the real time of the run: every wait is whole seconds, rounded up. " +
      `*Short parts*: parts other than the last that fetched fewer than R pages — the part resumed before the whole ` +
      "window had freed, fetched what had, and stopped for another wait (one more part, wait and invocation each).",
  );

  out.push("", "### Compute billed", "");
  out.push(
    table(
      [
        "calls/day",
        "fetch parts Σ s (mean, max)",
        "publish s",
        "other steps s",
        "outside steps s (ms per invocation: first, last, max)",
        "invocations measured / in AWS",
        "billed s (est.)",
        `GB-s at ${memoryMb} MB`,
        "process CPU s",
      ],
      runs.map((run) => {
        const parts = ofKind(run, "fetch part").map((step) => step.ms);
        const cost = costs.get(run) as DayCost;
        const stepMs = sum(run.steps.map((step) => step.ms));
        return [
          count(run.calls),
          `${seconds(sum(parts))} (${seconds(sum(parts) / Math.max(1, parts.length))}, ${seconds(Math.max(0, ...parts))})`,
          seconds(sum(ofKind(run, "publish").map((step) => step.ms))),
          seconds(sum(otherSteps(run).map((step) => step.ms))),
          `${seconds(sum(run.invocationMs) - stepMs)} (${outsideSteps(run)})`,
          `${run.invocationMs.length} / ${cost.awsInvocations}`,
          seconds(cost.billedSeconds * 1000),
          cost.gbSeconds.toFixed(1),
          seconds(run.cpuMs),
        ];
      }),
    ),
  );
  out.push(
    "",
    "- *Steps*: each step body that actually ran, timed around the body inside the step runner " +
      "(`reportExecutionWith({ steps })`); a replayed step returns its recorded result without running and is not " +
      "counted. A retried step counts each attempt.",
    "- *Outside steps*: each handler invocation's real duration minus the step bodies it ran: the SDK's start and " +
      "replay of the operations recorded so far, the handler's code between steps, the checkpoint calls (to the " +
      "runner's checkpoint server, a thread of this process) and the SDK's 20 ms wait before it suspends.",
    "- *Invocations*: in AWS every durable wait ends the invocation (the SDK suspends 20 ms after every operation is " +
      "waiting) and the next one replays the handler from the start: 1 + waits + retries. The local runner dates a " +
      "wait's end by the real clock, behind the faked one, and the SDK would find the wait over and go on in the same " +
      "invocation; so while a wait starts the bench tells the SDK it has 0.5 s left, and it suspends as in AWS. " +
      "*Billed (est.)* is the measured invocations' real time, plus — should the runner still have saved some — the " +
      "missing ones at the mean time outside steps.",
    "- **Included but not billed in AWS**: the simulated API's page generation, s3rver storing the parts and the " +
      "workbook and serving the parts back, and the SES emulator parsing the email all run on the same thread and " +
      "inside the step bodies, so the step times overstate the function's own compute. Section 1 (fetch on the other " +
      "core) is the cross-check: its *CPU s* is the pipeline's own compute for an unlimited API.",
    "- **Billed in AWS but not here**: network time to the API, S3, SES and the checkpoint API (Lambda bills wall " +
      "time). Under the limit each part sends its 60 requests 10 at a time, so API latency L adds about " +
      "⌈pages/10⌉ × L (1M calls at L = 150 ms: ~150 s). And one cold start per run (INIT is billed; section 5's " +
      "import time, ~0.5 s here).",
    "- *Process CPU s*: the whole process (handler, servers, runner, GC, zlib's thread pool), for scale.",
  );

  out.push("", "### Memory per step", "");
  out.push(
    table(
      [
        "calls/day",
        "RSS: handler modules loaded / + servers up and idle MB",
        "fetch part: peak RSS / max rise in a step / peak heap used MB",
        "publish: peak RSS / rise / peak heap used MB",
        "process max RSS MB",
      ],
      runs.map((run) => [
        count(run.calls),
        `${mb(run.modulesRssMb)} / ${mb(run.baselineRssMb)}`,
        memoryCells(ofKind(run, "fetch part")),
        memoryCells(ofKind(run, "publish")),
        mb(run.maxRssMb),
      ]),
    ),
  );
  out.push(
    "",
    "RSS, heap in use and external memory are sampled every 20 ms (a real timer) and charged to the step running. " +
      "They are the whole process's: the servers' buffers and garbage land in the same heap, and RSS rarely shrinks, " +
      "so a step's *peak RSS* is mostly what the process grew to before it (the *rise* is the step's own growth). The " +
      "servers' idle share is the second baseline figure minus the first. In Lambda the process holds the handler " +
      "alone: an upper bound, not the Lambda's figure; section 1's peak RSS is the pipeline without the servers.",
  );

  out.push("", `### Lambda cost of a day and of a month (30 daily runs), arm64, ${memoryMb} MB`, "");
  const stages = Object.entries(sizing.memoryMbByStage)
    .map(([stage, size]) => `${stage} ${size} MB`)
    .join(", ");
  out.push(
    table(
      [
        "calls/day",
        "billed s",
        "GB-s",
        "duration",
        "requests",
        "durable operations",
        "data written (KB)",
        "data retained",
        "a day",
        "a month (30 days)",
      ],
      runs.map((run) => {
        const cost = costs.get(run) as DayCost;
        return [
          count(run.calls),
          seconds(cost.billedSeconds * 1000),
          cost.gbSeconds.toFixed(1),
          usd(cost.computeUsd),
          `${cost.awsInvocations}: ${usd(cost.requestUsd)}`,
          `${cost.operations}: ${usd(cost.operationUsd)}`,
          `${(run.checkpointBytes / 1024).toFixed(0)}: ${usd(cost.writtenUsd)}`,
          usd(cost.retainedUsd),
          usd(cost.totalUsd),
          usd(cost.totalUsd * 30),
        ];
      }),
    ),
  );
  out.push(
    "",
    `Memory from cdk.json (${stages}; the stage schema's default where a stage sets none). Formula: GB-s = billed s × ` +
      `MB/1024; duration = GB-s × $${PRICES.armPerGbSecond}; requests = invocations × $${PRICES.requestPerMillion}/M; ` +
      `durable operations = (operations recorded + step retries) × $${PRICES.durableOperationPerMillion}/M; data written ` +
      `= checkpointed results (steps, child contexts, the execution's) × $${PRICES.durableWrittenPerGb}/GB; retained = ` +
      `the same × ${sizing.retentionDays} days of history (ReportFunction's default) × $${PRICES.durableRetainedPerGbMonth}/GB-month. ` +
      "No free tier (1M requests and 400,000 GB-s a month would cover all of this). Not included: S3 requests and " +
      "storage for the parts, CloudWatch Logs, SES.",
    "",
    "Prices (US East (N. Virginia), the prod stage's region):",
    "",
    ...PRICE_SOURCES.map((source) => `- ${source}`),
  );

  if (results.committedMillion) renderCommittedDurable(results.committedMillion, out);

  for (const run of runs) {
    targets.push([
      `durable ${count(run.calls)}: every call reported, each page fetched once, no 429, one email`,
      `${run.status}, ${count(run.calls)} calls, ${count(run.requests)} requests for ${count(run.pages)} pages, ${run.tooManyRequests} × 429, ${run.emailsSent} email`,
      pass(complete(run)),
    ]);
  }
  const million = runs.find((run) => run.calls === 1_000_000);
  if (million) {
    const bound = boundMs(Math.ceil(million.calls / PER_PAGE), limit);
    targets.push([
      `durable 1M at ${limit}/min: simulated wall ≤ ${WALL_GOAL}x (pages − R)/R`,
      `${(million.simulatedMs / bound).toFixed(4)}x (${(million.simulatedMs / 1000).toFixed(1)} s; ≤ ${((WALL_GOAL * bound) / 1000).toFixed(1)} s allowed)`,
      pass(million.simulatedMs <= WALL_GOAL * bound),
    ]);
  }
}
