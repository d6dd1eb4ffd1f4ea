#!/usr/bin/env node
import { join } from "node:path";
/**
 * The `report` CLI: the same pipeline the Lambda runs, writing into a local folder.
 *   npm run report -- [--date YYYY-MM-DD] [--timezone IANA] [--out DIR] [--demo]
 *                     [--assistant-id N] [--campaign-id N] [--fetch-timeout MINUTES]
 *                     [--config FILE [--report NAME]...] [--period week|month]
 *                     [--preview] [--verbose]
 */
import { parseArgs } from "node:util";
import type { LocalReportFolder } from "../lambda/adapters/local-folder.js";
import type { ReportResult, ReportsPorts } from "../lambda/pipeline.js";
import type { FetchPause } from "../lambda/ports.js";
import type { ReportDefinition } from "../lambda/report/report-definition.js";
import { partialDayLabel } from "../lambda/report/summary.js";
import {
  CLI_OPTIONS,
  cliErrorMessage,
  demoCallsPerDay,
  fetchWarningLine,
  isUsageError,
  parseCliInput,
  pauseLine,
  progressLines,
  USAGE,
} from "./report-cli.js";

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const verbose = argv.includes("--verbose");
  let folder: LocalReportFolder | undefined;
  /** `--config`: one folder per report, `--out/<name>/`. */
  let folders: Map<string, LocalReportFolder> | undefined;
  let stopDemo: (() => Promise<void>) | undefined;
  // What an error message may name: the API address when it cannot be reached (not the demo's
  // own, which would not help), the --out folder the file system refuses, the --fetch-timeout to raise.
  const errorContext: Parameters<typeof cliErrorMessage>[1] = {};
  // A progress line ends in \r until the last page; an error must not be glued onto it.
  let progressLineOpen = false;
  const writeLine = (line: string) => {
    process.stderr.write(`${progressLineOpen ? "\n" : ""}${line}\n`);
    progressLineOpen = false;
  };
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  try {
    const input = parseCliInput(
      parseArgs({ args: argv, options: CLI_OPTIONS, strict: true, allowPositionals: false }).values,
      env,
    );
    errorContext.outDir = input.outDir;
    if (input.help) {
      process.stdout.write(USAGE);
      return 0;
    }

    // Loaded only once the flags are good: exceljs and friends take seconds to load, and
    // --help or a mistyped flag should answer at once.
    const [
      { LocalReportFolder },
      { AutocallsClient },
      { collectDay, runReport, runReports, ReportsFailedError },
      { xlsxWorkbookWriter },
      { collectReportDay },
      { runPeriodReports, PeriodReportsFailedError },
      { singleReport },
    ] = await Promise.all([
      import("../lambda/adapters/local-folder.js"),
      import("../lambda/autocalls/client.js"),
      import("../lambda/pipeline.js"),
      import("../lambda/adapters/xlsx/workbook-writer.js"),
      import("../lambda/collect-day.js"),
      import("../lambda/period-run.js"),
      import("../lambda/report/report-definition.js"),
    ]);
    let baseUrl = input.baseUrl;
    let token = input.token;
    if (!input.demo) errorContext.baseUrl = baseUrl;
    errorContext.fetchTimeoutMinutes = input.fetchTimeoutMinutes;
    if (input.demo) {
      // Loaded only for --demo: the simulator is a dev tool and never part of the Lambda bundle.
      const { startSimulator } = await import("../demo/simulator.js");
      const simulator = await startSimulator({ apiTimezone: input.apiTimezone, callsPerDay: demoCallsPerDay });
      stopDemo = () => simulator.close();
      baseUrl = simulator.baseUrl;
      token = "demo-token";
      const what = input.period ? `${input.period.kind} ${input.period.label}` : `day ${input.date}`;
      process.stderr.write(`Demo: simulated Autocalls API on ${simulator.baseUrl}, report ${what}\n`);
    }

    // On a laptop a refused connection is a typo more often than an outage: give up within seconds.
    const calls = new AutocallsClient({
      baseUrl,
      token: token ?? "",
      backoffCapMs: 2_000,
      logger: { debug() {}, info() {}, warn: (message, fields) => writeLine(fetchWarningLine(message, { ...fields })) },
    });
    const day = { timezone: input.timezone, apiTimezone: input.apiTimezone, filters: input.filters };
    const terminal = process.stderr.isTTY === true;
    const logLine = progressLines();
    const common = {
      date: input.date,
      timezone: input.timezone,
      apiTimezone: input.apiTimezone,
      environment: input.demo ? "demo" : "local",
      // The environment variables parseCliArgs reads the addresses from.
      recipientSettings: { from: "MAIL_FROM", to: "MAIL_TO", cc: "MAIL_CC", bcc: "MAIL_BCC" },
      force: false,
      preview: input.preview,
      onPause: (pause: FetchPause) => writeLine(pauseLine(pause)),
      fetchDeadline: Date.now() + input.fetchTimeoutMinutes * 60_000,
      onProgress: ({ pagesDone, pagesTotal }: { pagesDone: number; pagesTotal: number }) => {
        if (!terminal) {
          const line = logLine({ pagesDone, pagesTotal });
          if (line) writeLine(line);
          return;
        }
        progressLineOpen = pagesDone !== pagesTotal;
        process.stderr.write(`\rFetching calls: page ${pagesDone}/${pagesTotal}${progressLineOpen ? "" : "\n"}`);
      },
    };
    const onSignalFor = (staging: LocalReportFolder[]) => {
      onSignal = (signal) => {
        for (const each of staging) each.discardSync();
        process.exit(signal === "SIGINT" ? 130 : 143);
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    };
    const summaryLine = (name: string | null, result: ReportResult) => {
      const { totals } = result.summary;
      const partial = partialDayLabel(result.summary);
      return `Report ${name === null ? "" : `${name} `}for ${result.date} (${input.timezone}${partial ? `, ${partial}` : ""}): ${totals.calls} calls, ${totals.connectedCalls} connected, $${totals.totalCost.toFixed(2)}\n`;
    };

    /**
     * Runs reports each into a folder of its own (`--config`, `--period`): the folders are published
     * one by one as their reports succeed, so a failing report leaves the others written.
     */
    const runIntoFolders = async <R extends { report: string }>(
      reports: ReportDefinition[],
      folderFor: (report: ReportDefinition) => LocalReportFolder,
      run: (ports: Pick<ReportsPorts, "calls" | "clock" | "workbookWriter" | "spoolDir" | "outputs">) => Promise<R[]>,
      partial: (error: unknown) => R[] | undefined,
      line: (result: R) => string,
    ): Promise<number> => {
      const byName = new Map(reports.map((report) => [report.name, folderFor(report)]));
      folders = byName;
      onSignalFor([...byName.values()]);
      const spoolDir = await (byName.get(reports[0]?.name ?? "") as LocalReportFolder).scratchDir();
      let results: R[];
      let failure: unknown;
      try {
        results = await run({
          calls,
          clock: input.clock,
          workbookWriter: xlsxWorkbookWriter,
          spoolDir,
          outputs: (report) => {
            const each = byName.get(report.name) as LocalReportFolder;
            return { store: each, mailer: each };
          },
        });
      } catch (error) {
        const written = partial(error);
        if (written === undefined) throw error;
        // The reports that were written are kept; the run still fails.
        results = written;
        failure = error;
      }
      let out = "";
      for (const result of results) {
        const files = await (byName.get(result.report) as LocalReportFolder).publish();
        byName.delete(result.report);
        out += line(result);
        out += files
          .sort()
          .map((file) => `  ${file}\n`)
          .join("");
      }
      process.stdout.write(out);
      if (failure !== undefined) throw failure;
      return 0;
    };

    if (input.period !== null) {
      // --period: each report's week or month, merged from its stored days; missing days built first.
      const period = input.period;
      const named = input.reports !== null;
      const reports = input.reports ?? [
        singleReport({
          recipients: input.recipients,
          filters: input.filters,
          emptyDay: "send",
          attachWorkbook: true,
          includeTranscripts: true,
          maskPhoneNumbers: false,
        }),
      ];
      return await runIntoFolders(
        reports,
        (report) => new LocalReportFolder(named ? join(input.outDir, report.name) : input.outDir),
        (ports) => runPeriodReports({ ...common, period, from: input.recipients.from, reports }, ports),
        (error) => (error instanceof PeriodReportsFailedError ? error.results : undefined),
        (result) => {
          const note = result.approximate.length > 0 ? ` (approximate: ${result.approximate.join(", ")})` : "";
          return `Report ${named ? `${result.report} ` : ""}for ${result.period.kind} ${result.period.label} (${result.period.firstDate} to ${result.period.lastDate}, ${input.timezone}): ${result.calls} calls, $${result.totalCost.toFixed(2)}${note}\n`;
        },
      );
    }

    if (input.reports !== null) {
      // --config: every report from one fetch, each into a folder of its own, published on its own.
      const reports = input.reports;
      return await runIntoFolders(
        reports,
        (report) =>
          new LocalReportFolder(
            join(input.outDir, report.name),
            input.demo
              ? (date: string) => collectReportDay({ ...day, date }, report, { calls, clock: input.clock })
              : undefined,
          ),
        (ports) => runReports({ ...common, from: input.recipients.from, reports }, ports),
        (error) => {
          if (!(error instanceof ReportsFailedError)) return undefined;
          // Every report failed of one error (the fetch they share): that error, told once and with
          // its hint (the address to check, --fetch-timeout), as a run without --config tells it.
          const [first] = error.failures;
          if (error.results.length === 0 && error.failures.every((failed) => failed.error === first?.error)) {
            throw first?.error;
          }
          return error.results;
        },
        (result) => summaryLine(result.report, result),
      );
    }

    // The demo has history: earlier days come from the same simulated API, so deltas show.
    const simulatedHistory = input.demo
      ? async (date: string) =>
          (await collectDay({ ...day, date }, { calls, clock: input.clock }, NO_EARLIER_SUMMARIES)).summary
      : undefined;
    folder = new LocalReportFolder(input.outDir, simulatedHistory);
    // Ctrl-C would end the process at once, leaving the half-written staging folder in --out.
    onSignalFor([folder]);
    const result = await runReport(
      {
        ...common,
        filters: input.filters,
        recipients: input.recipients,
        emptyDay: "send",
        attachWorkbook: true,
        includeTranscripts: true,
        maskPhoneNumbers: false,
      },
      {
        calls,
        store: folder,
        mailer: folder,
        clock: input.clock,
        workbookWriter: xlsxWorkbookWriter,
        spoolDir: await folder.scratchDir(),
      },
    );
    const files = await folder.publish();
    process.stdout.write(
      summaryLine(null, result) +
        files
          .sort()
          .map((file) => `  ${file}\n`)
          .join(""),
    );
    return 0;
  } catch (error) {
    await folder?.discard().catch(() => {});
    for (const each of folders?.values() ?? []) await each.discard().catch(() => {});
    writeLine(cliErrorMessage(error, errorContext));
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return isUsageError(error) || (error instanceof Error && error.name === "CliUsageError") ? 2 : 1;
  } finally {
    if (onSignal) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    await stopDemo?.();
  }
}

const NO_EARLIER_SUMMARIES = { previousDay: null, sameWeekdayLastWeek: null };

process.exitCode = await main(process.argv.slice(2), process.env);
