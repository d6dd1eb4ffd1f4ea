import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { LocalPartStore } from "./call-spool.js";
import {
  aggregatorOptions,
  type DayFetchTuning,
  type FetchedDay,
  fetchDayInParts,
  mergedDay,
  readDayCalls,
} from "./day-fetch.js";
import { type EmailOutcome, sendEmail } from "./email-delivery.js";
import type {
  CallsSource,
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
import { type AggregatorOptions, DayAggregator } from "./report/aggregate.js";
import type { Call, CallFilters } from "./report/call.js";
import type { EmailRecipients, RecipientSettingNames } from "./report/email-content.js";
import type { Summary } from "./report/summary.js";
import { apiDateRange, reportWindow, shiftDate } from "./report/window.js";
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
  summary: ReportDigest;
  workbook: StoredObject;
  summaryObject: StoredObject;
  email: EmailOutcome;
  fetch: Pick<FetchedDay, "parts" | "bytes" | "pauses" | "pausedSeconds" | "pacer">;
  /** Milliseconds spent per stage; the fetch's includes its rate-limit waits. */
  timings: { fetchMs: number; workbookMs: number; emailMs: number };
}

/** Workbooks up to this size are kept in memory for attaching; base64 makes 7.5 MB about 10 MB. */
const ATTACHMENT_CAPTURE_LIMIT_BYTES = 7.5 * 1024 * 1024;

const noopLogger: PipelineLogger = { info() {}, warn() {} };

/**
 * The daily report: fetch in parts → merge → workbook → store → email, as steps of `control.steps`.
 * Nothing is stored until the fetch is known complete, and the email goes out only after the
 * workbook and summary are stored, at most once per day unless `force`.
 */
export async function runReport(
  options: ReportOptions,
  ports: ReportPorts,
  control: RunControl = {},
): Promise<ReportResult> {
  const steps = control.steps ?? inProcessSteps();
  const localParts = ports.parts === undefined ? new LocalPartStore(ports.spoolDir) : undefined;
  const parts = ports.parts ?? (localParts as LocalPartStore);
  try {
    const run = await steps.step("start", async () => ({
      runId: control.runId?.() ?? randomUUID(),
      startedAt: ports.clock.now().toISOString(),
    }));
    const window = reportWindow(options.date, options.timezone);
    const aggregation = aggregatorOptions({ window, apiTimezone: options.apiTimezone, filters: options.filters });
    const fetched = await fetchDayInParts(
      steps,
      { runId: run.runId, pacer: control.pacer },
      { ...options.filters, ...apiDateRange(window, options.apiTimezone) },
      aggregation,
      {
        date: options.date,
        includeTranscripts: options.includeTranscripts,
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
    if (control.publishInFreshInvocation) await steps.wait("fresh invocation for publishing", 1);
    return await steps.step("publish", () => publish(options, { ...ports, parts }, run, fetched, aggregation));
  } finally {
    await localParts?.dispose();
  }
}

/** Merge, workbook, summary and email: one step, so a replay rebuilds rather than half-publishes. */
async function publish(
  options: ReportOptions,
  ports: ReportPorts & { parts: PartStore },
  run: { runId: string; startedAt: string },
  fetched: FetchedDay,
  aggregation: AggregatorOptions,
): Promise<ReportResult> {
  const logger = ports.logger ?? noopLogger;
  const fetchMs = ports.clock.now().getTime() - Date.parse(run.startedAt);
  // A partial day set against full ones would show every figure falling: a preview compares with nothing.
  const [previousDay, sameWeekdayLastWeek] = options.preview
    ? [null, null]
    : await Promise.all([
        ports.store.readSummary(shiftDate(options.date, -1)),
        ports.store.readSummary(shiftDate(options.date, -7)),
      ]);
  const day = await mergedDay(ports.parts, fetched, aggregation);
  const summary = day.finish({
    fetch: fetched.stats,
    generatedAt: ports.clock.now(),
    partialAsOf: options.preview ? new Date(run.startedAt) : null,
    previousDay,
    sameWeekdayLastWeek,
  });
  logger.info("calls fetched", {
    date: options.date,
    calls: summary.totals.calls,
    ...summary.dataQuality,
    parts: fetched.parts,
    partBytes: fetched.bytes,
    pauses: fetched.pauses,
    fetchMs: Math.round(fetchMs),
  });

  const workbookStarted = performance.now();
  let workbookBytes: Buffer | null = null;
  const workbook = await ports.store.writeWorkbook(
    options.date,
    async (out) => {
      const capture = captureUpTo(options.attachWorkbook ? ATTACHMENT_CAPTURE_LIMIT_BYTES : 0);
      capture.stream.pipe(out);
      await ports.workbookWriter.write(
        capture.stream,
        {
          summary,
          calls: readDayCalls(ports.parts, fetched),
          variableKeys: day.variableKeys,
          evaluationKeys: day.evaluationKeys,
        },
        {
          apiTimezone: options.apiTimezone,
          includeTranscripts: options.includeTranscripts,
          maskPhoneNumbers: options.maskPhoneNumbers,
          createdAt: ports.clock.now(),
        },
      );
      await finished(out);
      workbookBytes = capture.bytes();
    },
    { preview: options.preview ?? false },
  );
  const summaryObject = await ports.store.writeSummary(summary);
  const workbookMs = performance.now() - workbookStarted;
  logger.info("report stored", {
    date: options.date,
    workbook: workbook.location,
    workbookBytes: workbook.bytes,
    summary: summaryObject.location,
    workbookMs: Math.round(workbookMs),
  });

  const emailStarted = performance.now();
  const email = await sendEmail(options, ports, summary, workbook, workbookBytes, run.runId);
  const emailMs = performance.now() - emailStarted;
  logger.info("email done", { date: options.date, ...email, emailMs: Math.round(emailMs) });

  const { date, timezone, partialAsOf, totals, dataQuality } = summary;
  return {
    date: options.date,
    summary: { date, timezone, partialAsOf: partialAsOf ?? null, totals, dataQuality },
    workbook,
    summaryObject,
    email,
    fetch: {
      parts: fetched.parts,
      bytes: fetched.bytes,
      pauses: fetched.pauses,
      pausedSeconds: fetched.pausedSeconds,
      pacer: fetched.pacer,
    },
    timings: { fetchMs, workbookMs, emailMs },
  };
}

type DayOptions = Pick<
  ReportOptions,
  "date" | "timezone" | "apiTimezone" | "filters" | "fetchDeadline" | "onProgress" | "onPause" | "preview"
>;

/**
 * Fetches one day and aggregates it in a single pass, handing each in-window call to
 * `onCall`. Throws rather than return a summary of an incomplete fetch.
 */
export async function collectDay(
  options: DayOptions,
  ports: { calls: CallsSource; clock: Clock },
  earlier: { previousDay: Summary | null; sameWeekdayLastWeek: Summary | null },
  onCall?: (call: Call) => Promise<void>,
): Promise<{ summary: Summary; variableKeys: string[]; evaluationKeys: string[] }> {
  const window = reportWindow(options.date, options.timezone);
  const fetchedAt = ports.clock.now();
  const aggregator = new DayAggregator(
    aggregatorOptions({ window, apiTimezone: options.apiTimezone, filters: options.filters }),
  );
  const calls = ports.calls.fetchCalls(
    { ...options.filters, ...apiDateRange(window, options.apiTimezone) },
    {
      ...(options.fetchDeadline === undefined ? {} : { deadline: options.fetchDeadline }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.onPause === undefined ? {} : { onPause: options.onPause }),
    },
  );
  for await (const call of calls) {
    if (aggregator.add(call)) await onCall?.(call);
  }
  return {
    summary: aggregator.finish({
      fetch: calls.stats,
      generatedAt: ports.clock.now(),
      partialAsOf: options.preview ? fetchedAt : null,
      ...earlier,
    }),
    variableKeys: aggregator.variableKeys,
    evaluationKeys: aggregator.evaluationKeys,
  };
}

/** A pass-through that also keeps a copy of what went through, while it stays under `limitBytes`. */
function captureUpTo(limitBytes: number): { stream: PassThrough; bytes(): Buffer | null } {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflowed = limitBytes <= 0;
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  stream.on("data", (chunk: Buffer) => {
    if (overflowed) return;
    size += chunk.length;
    if (size > limitBytes) {
      overflowed = true;
      chunks.length = 0;
      return;
    }
    chunks.push(chunk);
  });
  return { stream, bytes: () => (overflowed ? null : Buffer.concat(chunks)) };
}
