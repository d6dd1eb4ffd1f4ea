/**
 * `--only reports` (#17's benchmark): ten reports over a 100k-call day against one report, in the
 * same run. The ten share one unfiltered fetch (their filters are types and statuses, filtered
 * locally), so the API is read once; what ten cost beyond one is ten aggregators in the fetch's
 * pass and ten workbooks, summaries and emails. An extra variant adds two reports with id
 * filters, each an API fetch of its own, to show what an id filter costs.
 *
 * Every run is a fresh child (bench/scenarios/reports.ts), so each peak RSS is that run's alone;
 * the variants alternate within each round, so a noisy neighbour hits them alike.
 */
import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../../demo/simulator.js";
import { DEFAULT_CONCURRENCY } from "../../lambda/autocalls/client.js";
import type { ReportDefinition } from "../../lambda/report/report-definition.js";
import { reportDefinition } from "../../test/support/report-definitions.js";
import { startS3Emulator } from "../../test/support/s3-emulator.js";
import { runChild } from "../child.js";
import type { ProfileSummary } from "../profile-summary.js";
import type { ReportsMeasurement } from "../scenarios/reports.js";
import { bytesMb, count, mb, median, pass, ratio, seconds, spread, table } from "../stats.js";
import { DAY, type Flags, log, type Measured, PER_PAGE, profiled, ROOT, type Targets, TOKEN } from "./common.js";
import { describeMachine, machineLine } from "./machine.js";
import { profileTables } from "./profiles.js";

const CALLS = 100_000;
/** #17's goal: the fetch is shared, so ten reports cost at most this many times one report's time. */
const TIME_GOAL = 3;
/** Ten aggregators and one publish at a time: ten reports should hold little more than one. */
const RSS_RATIO_GOAL = 1.5;
/** Half the prod function's 1,024 MB (cdk.json), so the stage keeps its headroom with ten reports. */
const RSS_LIMIT_MB = 512;

const report = reportDefinition;

/** The head of sales' report: every call, transcripts, numbers in clear — what the one-report run sends. */
const EVERYTHING = report("everything", {});

/** Ten audiences of one stage, none with an id filter, so all ten share the one unfiltered fetch. */
export const TEN_REPORTS: ReportDefinition[] = [
  EVERYTHING,
  report("inbound", { callTypes: ["inbound"] }, { includeTranscripts: false }),
  report("outbound", { callTypes: ["outbound"] }),
  report("completed", { callStatuses: ["completed"] }, { maskPhoneNumbers: true }),
  report("unanswered", { callTypes: ["outbound"], callStatuses: ["no-answer", "busy", "failed"] }),
  report("finance", {}, { includeTranscripts: false, maskPhoneNumbers: true }),
  report("inbound-completed", { callTypes: ["inbound"], callStatuses: ["completed"] }, { maskPhoneNumbers: true }),
  report("hang-ups", { callStatuses: ["ended_by_customer", "ended_by_assistant"] }),
  report("compliance", {}, { maskPhoneNumbers: true }),
  report("outbound-completed", { callTypes: ["outbound"], callStatuses: ["completed"] }, { includeTranscripts: false }),
];

/** The ten plus two a manager per assistant or campaign would want: each id filter is a fetch of its own. */
const WITH_ID_FILTERS: ReportDefinition[] = [
  ...TEN_REPORTS,
  report("assistant-812", { assistantIds: [812] }),
  report("campaign-57", { campaignIds: [57] }, { includeTranscripts: false }),
];

type ReportsRun = Measured<ReportsMeasurement> & {
  /** Requests the simulator logged during the run, and those it answered 200. */
  requests: number;
  okRequests: number;
};

interface Variant {
  label: string;
  reports: ReportDefinition[];
  runs: ReportsRun[];
}

export interface ReportsResults {
  variants: Variant[];
  /** Pages of the day's unfiltered fetch: ⌈calls / per page⌉. */
  pages: number;
  profile: ProfileSummary | null;
  loadAtStart: number;
  loadAtEnd: number;
}

export async function measureReportRuns(
  flags: Flags,
  worker: string,
  s3: { endpoint: string; bucket: string },
  profileDir: string,
): Promise<ReportsResults> {
  const rounds = flags.quick ? 1 : 3;
  const timeoutMs = 20 * 60_000;
  const simulator = await startSimulator({ token: TOKEN, callsPerDay: CALLS, seed: 1, today: DAY });
  const loadAtStart = loadavg()[0] ?? 0;
  const variants: Variant[] = [
    { label: "one report", reports: [EVERYTHING], runs: [] },
    { label: "ten reports (one shared fetch)", reports: TEN_REPORTS, runs: [] },
    { label: "ten + two id-filtered reports (three fetches)", reports: WITH_ID_FILTERS, runs: [] },
  ];
  const argsFor = (variant: number, run: string) => ({
    baseUrl: simulator.baseUrl,
    token: TOKEN,
    s3Endpoint: s3.endpoint,
    bucket: s3.bucket,
    // A fresh prefix per run, so each report claims its own email marker like a first run of the day.
    prefix: `bench-reports/${variant}/${run}`,
    date: DAY,
    concurrency: DEFAULT_CONCURRENCY,
    reports: (variants[variant] as Variant).reports,
  });
  try {
    for (let round = 0; round < rounds; round++) {
      // The order alternates by round, so neither variant always runs on a machine the other just warmed.
      // The id-filtered variant is not part of the goal: once, in the first round, to keep the run short.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      if (round === 0) order.push(2);
      for (const index of order) {
        const variant = variants[index] as Variant;
        const before = simulator.requests.length;
        const measured = await runChild<ReportsMeasurement>(worker, "reports", argsFor(index, `${round}`), {
          timeoutMs,
        });
        const logged = simulator.requests.slice(before);
        variant.runs.push({
          ...measured,
          requests: logged.length,
          okRequests: logged.filter((request) => request.status === 200).length,
        });
        log(
          `${variant.label} #${round + 1}: ${seconds(measured.wallMs)} s (fetch ${seconds(measured.fetchMs)}), ` +
            `${mb(measured.maxRssMb)} MB, ${count(logged.length)} requests`,
        );
      }
    }
    // A profiled run is extra and left out of the medians: the profiler itself costs time.
    const profile = flags.cpuProf
      ? await profiled(worker, profileDir, "reports-ten", (execArgv) =>
          runChild(worker, "reports", argsFor(1, "profiled"), { timeoutMs, execArgv }),
        )
      : null;
    return { variants, pages: Math.ceil(CALLS / PER_PAGE), profile, loadAtStart, loadAtEnd: loadavg()[0] ?? 0 };
  } finally {
    await simulator.close();
  }
}

const medianOf = (runs: ReportsRun[], pick: (run: ReportsRun) => number) => median(runs.map(pick));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export function renderReports(results: ReportsResults, out: string[], targets: Targets): void {
  const [one, ten, ids] = results.variants as [Variant, Variant, Variant];
  out.push("", `## Several reports per stage (#17): ten reports vs one over a ${count(CALLS)}-call day`, "");
  out.push(
    "`runReports` as the CLI runs it (in-process steps), with the real HTTP client against the simulated API " +
      `(unlimited, no latency, ${PER_PAGE} calls a page, concurrency ${DEFAULT_CONCURRENCY}), each report's workbook ` +
      "streamed into its own multipart upload to s3rver under `<prefix>/<report>/`, its summary stored and its email " +
      "composed (the mailer counts bytes). Report timezone = API timezone = UTC. Each run is a fresh Node process (the " +
      "worker's esbuild bundle), so its peak RSS is its own; the simulated API and s3rver run in the orchestrating " +
      "process on the same cores. One and ten reports alternate within each round (the order swapped each round); figures are medians over the rounds. The id-filtered variant runs once, in the first round.",
    "",
    `- **one report**: \`everything\` — every call, transcripts, numbers in clear (section 1's report).`,
    `- **ten reports**: ${ten.reports.map((definition) => `\`${definition.name}\` (${describe(definition)})`).join("; ")}. ` +
      "No id filter, so all ten are fed from the one unfiltered fetch; types and statuses are filtered locally.",
    `- **ten + two id-filtered**: the ten, plus ${ids.reports
      .slice(ten.reports.length)
      .map((definition) => `\`${definition.name}\` (${describe(definition)})`)
      .join(" and ")}. An id filter needs the API's own \`assistant_id\` / \`campaign_id\` query, so each is an ` +
      "**extra fetch** — this variant is here to show that cost, not as part of the goal.",
    "",
  );
  out.push(
    table(
      [
        "variant",
        "runs",
        "wall s (median)",
        "min",
        "max",
        "fetch s (all fetches, all aggregators)",
        "publish s (Σ reports)",
        "peak RSS MB (median, max)",
        "peak heap used MB",
        "CPU s",
        "API requests (200)",
        "fetches",
        "workbooks MB (Σ)",
        "emails",
        "wall / one report",
      ],
      results.variants.map((variant) => {
        const wall = spread(variant.runs.map((run) => run.wallMs));
        const rss = variant.runs.map((run) => run.maxRssMb);
        const first = variant.runs[0] as ReportsRun;
        return [
          variant.label,
          String(variant.runs.length),
          seconds(wall.median),
          seconds(wall.min),
          seconds(wall.max),
          seconds(medianOf(variant.runs, (run) => run.fetchMs)),
          seconds(medianOf(variant.runs, (run) => sum(run.reports.map((each) => each.publishMs)))),
          `${mb(median(rss))}, ${mb(Math.max(...rss))}`,
          mb(medianOf(variant.runs, (run) => run.peakHeapUsedMb)),
          seconds(medianOf(variant.runs, (run) => run.cpuMs)),
          `${count(Math.max(...variant.runs.map((run) => run.requests)))} (${count(Math.min(...variant.runs.map((run) => run.okRequests)))})`,
          first.fetches.join(", "),
          bytesMb(sum(first.reports.map((each) => each.workbookBytes))),
          String(first.emailMessages),
          ratio(wall.median / medianOf(one.runs, (run) => run.wallMs)),
        ];
      }),
    ),
  );
  out.push(
    "",
    "*Fetch s*: from the run's start to the first report's publish step — every API page fetched, parsed, " +
      "de-duplicated, fed to every report's aggregator and spooled once. *Publish s*: the reports' publish steps one " +
      "after another, each merging its parts' aggregates, re-reading the spooled calls for its Calls sheet (its own " +
      "filter applied), writing its workbook into S3 and its summary, and composing its email. *API requests*: the " +
      `simulator's request log during the run (all answered 200; no retries) — the day is ${count(results.pages)} pages.`,
  );

  out.push("", "### Each report of the ten-report runs (medians)", "");
  out.push(
    table(
      ["report", "calls", "publish s", "workbook+store s", "workbook MB", "share of the ten's publish time"],
      ten.reports.map((definition) => {
        const each = (run: ReportsRun) => run.reports.find((figures) => figures.name === definition.name);
        const publishMs = medianOf(ten.runs, (run) => each(run)?.publishMs ?? Number.NaN);
        const allPublishMs = medianOf(ten.runs, (run) => sum(run.reports.map((figures) => figures.publishMs)));
        return [
          `\`${definition.name}\``,
          count(each(ten.runs[0] as ReportsRun)?.calls ?? 0),
          seconds(publishMs),
          seconds(medianOf(ten.runs, (run) => each(run)?.workbookMs ?? Number.NaN)),
          bytesMb(each(ten.runs[0] as ReportsRun)?.workbookBytes ?? 0),
          `${((100 * publishMs) / allPublishMs).toFixed(0)}%`,
        ];
      }),
    ),
  );

  if (results.profile) {
    const profile = results.profile;
    out.push(
      "",
      `### CPU profile of one extra ten-report run (\`--cpu-prof\`, not in the medians): ${seconds(profile.totalMs)} s sampled`,
      "",
    );
    out.push(...profileTables(profile));
  }

  const oneWall = medianOf(one.runs, (run) => run.wallMs);
  const tenWall = medianOf(ten.runs, (run) => run.wallMs);
  targets.push([
    `10 reports ≤ ${TIME_GOAL}x one report's time (${count(CALLS)} calls, medians)`,
    `${ratio(tenWall / oneWall)} (${seconds(tenWall)} s / ${seconds(oneWall)} s)`,
    pass(tenWall <= TIME_GOAL * oneWall),
  ]);
  const oneRequests = Math.max(...one.runs.map((run) => run.requests));
  const tenRequests = ten.runs.map((run) => run.requests);
  targets.push([
    "10 reports: API requests = one report's (= the day's pages)",
    `${[...new Set(tenRequests)].map(count).join(", ")} vs ${count(oneRequests)} (${count(results.pages)} pages)`,
    pass(tenRequests.every((requests) => requests === oneRequests) && oneRequests === results.pages),
  ]);
  const oneRss = medianOf(one.runs, (run) => run.maxRssMb);
  const tenRss = medianOf(ten.runs, (run) => run.maxRssMb);
  targets.push([
    `10 reports: peak RSS ≤ ${RSS_RATIO_GOAL}x one report's and < ${RSS_LIMIT_MB} MB`,
    `${mb(tenRss)} MB (${ratio(tenRss / oneRss)} of ${mb(oneRss)} MB)`,
    pass(tenRss <= RSS_RATIO_GOAL * oneRss && tenRss < RSS_LIMIT_MB),
  ]);
}

/** A report's filters and options in a few words, for the variants' list. */
function describe(definition: ReportDefinition): string {
  const { filters } = definition;
  const parts = [
    ...(filters.assistantIds ? [`assistant ${filters.assistantIds.join(", ")}`] : []),
    ...(filters.campaignIds ? [`campaign ${filters.campaignIds.join(", ")}`] : []),
    ...(filters.callTypes ? [filters.callTypes.join("/")] : []),
    ...(filters.callStatuses ? [filters.callStatuses.join("/")] : []),
  ];
  if (parts.length === 0) parts.push("all calls");
  if (!definition.includeTranscripts) parts.push("no transcripts");
  if (definition.maskPhoneNumbers) parts.push("masked numbers");
  return parts.join(", ");
}

/** The whole `--only reports` run: its own S3 emulator, the measurements, the results file. */
export async function reportsOnly(
  flags: Flags,
  worker: string,
  profileDir: string,
  startedAt: number,
  cleanups: Array<() => Promise<void>>,
): Promise<void> {
  const s3 = await startS3Emulator("callreport-bench-reports");
  cleanups.push(() => s3.close());
  const machine = await describeMachine(worker);
  log(`machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}`);
  const results = await measureReportRuns(flags, worker, s3, profileDir);
  const targets: Targets = [];
  const out: string[] = [`# callreport benchmark: several reports per stage (#17) — ${machine.date}`, ""];
  out.push(machineLine(machine, Date.now() - startedAt), "");
  out.push(
    `Load average (1 min) when the measurements started and ended: ${results.loadAtStart.toFixed(1)} and ` +
      `${results.loadAtEnd.toFixed(1)} on ${machine.cores} cores — other work shares this machine, so absolute times ` +
      "are noisy; the ratio of runs alternated in one run is the figure to read. Baseline RSS: bare `node` " +
      `${mb(machine.bareNodeRssMb)} MB; the worker bundle loaded and idle ${mb(machine.idleWorkerRssMb)} MB.`,
  );
  renderReports(results, out, targets);
  out.push("", "## Targets", "", table(["target", "measured", "result"], targets), "");
  const markdown = out.join("\n");
  const outPath = flags.out ?? join(ROOT, "bench/results", `${machine.date}-reports.md`);
  await writeFile(outPath, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`written to ${outPath} in ${seconds(Date.now() - startedAt)} s`);
}
