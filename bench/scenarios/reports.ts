/**
 * Several reports of one day (#17) as the Lambda runs them: `runReports` with the real HTTP
 * client against the simulated API, one fetch plan, every report's workbook streamed into its own
 * multipart upload to the S3 emulator under `<prefix>/<report>/`, and its email composed — only
 * the mailer is swapped for one that counts bytes. The reports to run come as definitions, so
 * the orchestrator decides the mix (bench/sections/reports.ts).
 */

import { xlsxWorkbookWriter } from "../../lambda/adapters/xlsx/workbook-writer.js";
import { AutocallsClient } from "../../lambda/autocalls/client.js";
import { runReports } from "../../lambda/pipeline.js";
import { fetchPlan, type ReportDefinition } from "../../lambda/report/report-definition.js";
import { inProcessSteps, type StepRunner } from "../../lambda/steps.js";
import { benchOutputs } from "./outputs.js";
import type { DayRunArgs } from "./pipeline.js";

export interface ReportsArgs extends DayRunArgs {
  reports: ReportDefinition[];
}

export interface ReportFigures {
  name: string;
  calls: number;
  /** The report's own step: merge, workbook and summary stored, email sent. */
  publishMs: number;
  workbookMs: number;
  workbookBytes: number;
}

export interface ReportsMeasurement {
  wallMs: number;
  /** From the run's start to the first publish step: every fetch of the plan, every report aggregating. */
  fetchMs: number;
  /** The fetch plan's keys (`all`, `assistant-812`…): one API fetch each. */
  fetches: string[];
  /** The pages of the day's fetches, from each fetch's data quality (a report spanning several adds them). */
  pagesByFetch: Record<string, number>;
  reports: ReportFigures[];
  emailMessages: number;
  emailBytes: number;
}

export async function measureReports(args: ReportsArgs): Promise<ReportsMeasurement> {
  const clock = { now: () => new Date() };
  const { store, mailer, email, close } = benchOutputs(args, clock);
  const calls = new AutocallsClient({ baseUrl: args.baseUrl, token: args.token, concurrency: args.concurrency });
  const plan = fetchPlan(args.reports);
  // Each report's publish step, timed around its body (the steps run one after another).
  const publishSpans: Array<{ name: string; startMs: number; ms: number }> = [];
  const inner = inProcessSteps();
  const steps: StepRunner = {
    async step(name, fn, options) {
      if (!name.startsWith("publish")) return inner.step(name, fn, options);
      const startMs = performance.now();
      try {
        return await inner.step(name, fn, options);
      } finally {
        publishSpans.push({ name, startMs, ms: performance.now() - startMs });
      }
    },
    wait: (name, seconds) => inner.wait(name, seconds),
    child: (_name, fn) => fn(steps),
  };
  try {
    const started = performance.now();
    const results = await runReports(
      {
        date: args.date,
        timezone: "UTC",
        apiTimezone: "UTC",
        environment: "bench",
        from: "reports@example.com",
        recipientSettings: { from: "MAIL_FROM", to: "MAIL_TO", cc: "MAIL_CC", bcc: "MAIL_BCC" },
        force: false,
        reports: args.reports,
      },
      {
        calls,
        clock,
        workbookWriter: xlsxWorkbookWriter,
        outputs: (report) => ({ store: store(report.name), mailer }),
      },
      { steps },
    );
    const wallMs = performance.now() - started;
    // The first publish step starts when the last fetch has ended.
    const fetchMs = (publishSpans[0]?.startMs ?? Number.NaN) - started;
    const pagesByFetch: Record<string, number> = {};
    for (const planned of plan) {
      // A report fed by this fetch alone states the fetch's own pages.
      const alone = results.find(
        (result) =>
          planned.reports.includes(result.report) &&
          plan.filter((other) => other.reports.includes(result.report)).length === 1,
      );
      pagesByFetch[planned.key] = alone?.summary.dataQuality.pages ?? Number.NaN;
    }
    return {
      wallMs,
      fetchMs,
      fetches: plan.map((planned) => planned.key),
      pagesByFetch,
      reports: results.map((result) => ({
        name: result.report,
        calls: result.summary.totals.calls,
        // A run of one report names its step "publish", several "publish <name>".
        publishMs:
          publishSpans.find((span) => span.name === `publish ${result.report}` || span.name === "publish")?.ms ??
          Number.NaN,
        workbookMs: result.timings.workbookMs,
        workbookBytes: result.workbook.bytes,
      })),
      emailMessages: email.messages,
      emailBytes: email.bytes,
    };
  } finally {
    close();
  }
}
