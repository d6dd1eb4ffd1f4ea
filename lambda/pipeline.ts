import { randomUUID } from "node:crypto";
import { LocalPartStore } from "./call-spool.js";
import {
  type DayFetchTuning,
  type FetchedDay,
  fetchDayInParts,
  type ReportTap,
  reportAggregation,
} from "./day-fetch.js";
import type { EmailOutcome } from "./email-delivery.js";
import type {
  Clock,
  FetchOptions,
  Mailer,
  PacerSnapshot,
  PagedCallsSource,
  PartStore,
  ReportStore,
  StoredObject,
  WorkbookWriter,
} from "./ports.js";
import { publish } from "./publish.js";
import type { CallFilters } from "./report/call.js";
import type { EmailRecipients, RecipientSettingNames } from "./report/email-content.js";
import { fetchPlan, type ReportDefinition, singleReport } from "./report/report-definition.js";
import type { Summary } from "./report/summary.js";
import { apiDateRange, reportWindow } from "./report/window.js";
import { inProcessSteps, type StepRunner } from "./steps.js";

// The email step's outcomes and errors are part of what runReport answers with.
export {
  EmailFailureNotRecordedError,
  EmailInDoubtError,
  EmailNotRecordedError,
  type EmailOutcome,
} from "./email-delivery.js";

/** What to report and how; the same for the Lambda and the CLI. */
export interface ReportOptions {
  /** The local report day, `YYYY-MM-DD`. */
  date: string;
  /** IANA timezone the day is read in. */
  timezone: string;
  /** Timezone of the API's `created_at` strings and `date_from`/`date_to` filters. */
  apiTimezone: string;
  filters: CallFilters;
  /** Stage name, shown in the email unless it is `prod` or null. */
  environment: string | null;
  recipients: EmailRecipients;
  /** How the user sets each address (`MAIL_TO`…): named when one is not an address. */
  recipientSettings: RecipientSettingNames;
  /** On a day without calls: send a short "no calls" email, or nothing. */
  emptyDay: "send" | "skip";
  /** Attach the workbook when the message stays under SES's size limit. */
  attachWorkbook: boolean;
  includeTranscripts: boolean;
  maskPhoneNumbers: boolean;
  /** Send again even when the day's email went out already. */
  force: boolean;
  /**
   * A partial report of a day not over yet: stored under preview names, labelled partial,
   * and sent without claiming the day's email, so the finished day's run still sends.
   */
  preview?: boolean;
  /** False: store the report but send no email (a day built for a week or a month). Default true. */
  email?: boolean;
  /** Epoch ms by which the fetch must be done, leaving time to write and send. */
  fetchDeadline?: number;
  onProgress?: FetchOptions["onProgress"];
  /** Told of rate-limit waits of a few seconds or more, so that a long one is not a silent stall. */
  onPause?: FetchOptions["onPause"];
}

export interface PipelineLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface ReportPorts {
  calls: PagedCallsSource;
  store: ReportStore;
  mailer: Mailer;
  clock: Clock;
  /** Writes the workbook's bytes (the xlsx adapter). */
  workbookWriter: WorkbookWriter;
  logger?: PipelineLogger;
  /** Where the fetched parts wait for the workbook; default: local disk, removed after the run. */
  parts?: PartStore;
  /** Where the local parts go when `parts` is not given; default os.tmpdir(). */
  spoolDir?: string;
}

/** How the run is carried out: by which step runner, in parts of what size. */
export interface RunControl {
  /** Default: in this process (the CLI). The Lambda passes its durable execution's steps. */
  steps?: StepRunner;
  tuning?: DayFetchTuning;
  /** Names the run's parts; default a random UUID (recorded by the first step, so a replay keeps it). */
  runId?: () => string;
  /** The rate-limit state the previous day of a backfill ended with. */
  pacer?: PacerSnapshot | undefined;
  /**
   * Wait a second before publishing: with a durable runner the wait ends the invocation, so the
   * publish step starts in a new one with the whole timeout, not what the last part left.
   */
  publishInFreshInvocation?: boolean;
}

/** The figures a caller shows about the day: the summary without its long lists. */
export type ReportDigest = Pick<Summary, "date" | "timezone" | "partialAsOf" | "totals" | "dataQuality">;

/** Plain JSON: in AWS it is the publish step's recorded result. */
export interface ReportResult {
  date: string;
  /** The report's name (`daily` for a stage's single report). */
  report: string;
  summary: ReportDigest;
  workbook: StoredObject;
  summaryObject: StoredObject;
  email: EmailOutcome;
  fetch: Pick<FetchedDay, "parts" | "bytes" | "pauses" | "pausedSeconds" | "pacer">;
  /** Milliseconds spent per stage; the fetch's includes its rate-limit waits. */
  timings: { fetchMs: number; workbookMs: number; emailMs: number };
}

/** A day's run of several reports: what they share; each report brings its own audience and options. */
export interface DayRunOptions
  extends Pick<
    ReportOptions,
    | "date"
    | "timezone"
    | "apiTimezone"
    | "environment"
    | "recipientSettings"
    | "force"
    | "preview"
    | "email"
    | "fetchDeadline"
    | "onProgress"
    | "onPause"
  > {
  /** The sender every report's email goes out from. */
  from: string;
  /** The reports to run, in order; each is fetched for once, however many share a fetch. */
  reports: ReportDefinition[];
}

/** Where each report goes: its own store (its own key folder) and mailer. */
export interface ReportsPorts extends Omit<ReportPorts, "store" | "mailer"> {
  outputs(report: ReportDefinition): {
    store: ReportStore;
    mailer: Mailer;
    /** Where the report's addresses are set, when not where `recipientSettings` says. */
    recipientSettings?: RecipientSettingNames;
  };
}

/** One report that failed, and why; the others were published. */
export interface ReportFailure {
  report: string;
  error: unknown;
}

/** Some reports of a day failed; the others were stored and sent. The message names each failure. */
export class ReportsFailedError extends Error {
  override name = "ReportsFailedError";
  constructor(
    readonly date: string,
    readonly failures: ReportFailure[],
    readonly results: ReportResult[],
    total: number,
  ) {
    super(
      `${failures.length} of ${total} reports of ${date} failed: ${failures
        .map(({ report, error }) => `${report}: ${error instanceof Error ? error.message : String(error)}`)
        .join(" | ")}`,
    );
  }
}

/**
 * The day's reports: the fetch plan's fetches one after another (one token, one rate limit), each
 * feeding every report it serves in the same pass; then each report published in a step of its own.
 * A report whose fetch or publishing fails does not stop the others; the run then throws
 * ReportsFailedError (or, for a run of one report, that report's own error).
 */
export async function runReports(
  options: DayRunOptions,
  ports: ReportsPorts,
  control: RunControl = {},
): Promise<ReportResult[]> {
  const steps = control.steps ?? inProcessSteps();
  const localParts = ports.parts === undefined ? new LocalPartStore(ports.spoolDir) : undefined;
  const parts = ports.parts ?? (localParts as LocalPartStore);
  const single = options.reports.length === 1;
  try {
    const run = await steps.step("start", async () => ({
      runId: control.runId?.() ?? randomUUID(),
      startedAt: ports.clock.now().toISOString(),
    }));
    const window = reportWindow(options.date, options.timezone);
    const taps = new Map(
      options.reports.map((report): [string, ReportTap] => [
        report.name,
        {
          name: report.name,
          filters: report.filters,
          aggregation: reportAggregation(window, options.apiTimezone, report),
        },
      ]),
    );
    const plan = fetchPlan(options.reports);
    const fetched = new Map<string, FetchedDay>();
    const fetchFailures = new Map<string, unknown>();
    let pacer = control.pacer;
    for (const planned of plan) {
      const fed = options.reports.filter((report) => planned.reports.includes(report.name));
      const fetchDay = (fetchSteps: StepRunner) =>
        fetchDayInParts(
          fetchSteps,
          { runId: plan.length === 1 ? run.runId : `${run.runId}-${planned.key}`, pacer },
          { ...planned.query, ...apiDateRange(window, options.apiTimezone) },
          fed.map((report) => taps.get(report.name) as ReportTap),
          {
            date: options.date,
            includeTranscripts: fed.some((report) => report.includeTranscripts),
            ...(options.fetchDeadline === undefined ? {} : { fetchDeadline: options.fetchDeadline }),
            ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
            ...(options.onPause === undefined ? {} : { onPause: options.onPause }),
          },
          {
            calls: ports.calls,
            parts,
            now: () => ports.clock.now().getTime(),
            ...(ports.logger === undefined ? {} : { logger: ports.logger }),
          },
          control.tuning,
        );
      try {
        // A run of one fetch keeps the step names it always had; several get a child context each.
        const day = plan.length === 1 ? await fetchDay(steps) : await steps.child(`fetch ${planned.key}`, fetchDay);
        fetched.set(planned.key, day);
        pacer = day.pacer ?? pacer;
      } catch (error) {
        if (single) throw error;
        fetchFailures.set(planned.key, error);
        ports.logger?.warn("fetch failed", { date: options.date, fetch: planned.key, reports: planned.reports });
      }
    }
    if (control.publishInFreshInvocation) await steps.wait("fresh invocation for publishing", 1);

    const results: ReportResult[] = [];
    const failures: ReportFailure[] = [];
    for (const report of options.reports) {
      const sources = plan.filter((planned) => planned.reports.includes(report.name));
      const failedFetch = sources.find((planned) => fetchFailures.has(planned.key));
      if (failedFetch) {
        failures.push({ report: report.name, error: fetchFailures.get(failedFetch.key) });
        continue;
      }
      const { store, mailer, recipientSettings } = ports.outputs(report);
      const reportOptions: ReportOptions = {
        ...options,
        recipientSettings: recipientSettings ?? options.recipientSettings,
        filters: {},
        recipients: { from: options.from, ...report.recipients },
        emptyDay: report.emptyDay,
        attachWorkbook: report.attachWorkbook,
        includeTranscripts: report.includeTranscripts,
        maskPhoneNumbers: report.maskPhoneNumbers,
      };
      try {
        const result = await steps.step(single ? "publish" : `publish ${report.name}`, () =>
          publish(
            reportOptions,
            { ...ports, store, mailer, parts },
            run,
            sources.map((planned) => fetched.get(planned.key) as FetchedDay),
            taps.get(report.name) as ReportTap,
          ),
        );
        results.push(result);
      } catch (error) {
        if (single) throw error;
        failures.push({ report: report.name, error });
        ports.logger?.warn("report failed", {
          date: options.date,
          report: report.name,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (failures.length > 0) throw new ReportsFailedError(options.date, failures, results, options.reports.length);
    return results;
  } finally {
    await localParts?.dispose();
  }
}

/**
 * The daily report of one audience — fetch in parts → merge → workbook → store → email, as steps
 * of `control.steps`. Nothing is stored until the fetch is known complete, and the email goes out
 * only after the workbook and summary are stored, at most once per day unless `force`.
 */
export async function runReport(
  options: ReportOptions,
  ports: ReportPorts,
  control: RunControl = {},
): Promise<ReportResult> {
  const [result] = await runReports(
    { ...options, from: options.recipients.from, reports: [singleReport(options)] },
    { ...ports, outputs: () => ({ store: ports.store, mailer: ports.mailer }) },
    control,
  );
  return result as ReportResult;
}

// The one-pass fetch and aggregate the demo and the bench use for earlier days.
export { collectDay } from "./collect-day.js";
