import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { CallSpool } from "./call-spool.js";
import type {
  CallsSource,
  Clock,
  ComposedEmail,
  EmailClaim,
  FetchOptions,
  Mailer,
  ReportStore,
  StoredObject,
  WorkbookWriter,
} from "./ports.js";
import { DayAggregator } from "./report/aggregate.js";
import type { Call, CallFilters } from "./report/call.js";
import { type EmailRecipients, type RecipientSettingNames, reportEmail } from "./report/email-content.js";
import { isEmptyDay, type Summary } from "./report/summary.js";
import { apiDateRange, reportWindow, shiftDate } from "./report/window.js";

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
  calls: CallsSource;
  store: ReportStore;
  mailer: Mailer;
  clock: Clock;
  /** Writes the workbook's bytes (the xlsx adapter). */
  workbookWriter: WorkbookWriter;
  logger?: PipelineLogger;
  /** Where the day's calls are parked between fetch and workbook; default os.tmpdir(). */
  spoolDir?: string;
}

export type EmailOutcome =
  | { status: "sent"; messageIds: string[]; attached: boolean; subject: string }
  | { status: "skipped-empty" }
  | { status: "already-sent"; sentAt: string | null };

export interface ReportResult {
  date: string;
  summary: Summary;
  workbook: StoredObject;
  summaryObject: StoredObject;
  email: EmailOutcome;
  /** Milliseconds spent per stage. */
  timings: { fetchMs: number; workbookMs: number; emailMs: number };
}

export class EmailInDoubtError extends Error {
  override name = "EmailInDoubtError";
}

/** A send failed for sure, but the marker could not record that: re-runs will see it in doubt. */
export class EmailFailureNotRecordedError extends Error {
  override name = "EmailFailureNotRecordedError";
}

/** The email went out but the marker could not record it: a retry must not send it again. */
export class EmailNotRecordedError extends Error {
  override name = "EmailNotRecordedError";
}

/** Workbooks up to this size are kept in memory for attaching; base64 makes 7.5 MB about 10 MB. */
const ATTACHMENT_CAPTURE_LIMIT_BYTES = 7.5 * 1024 * 1024;

const noopLogger: PipelineLogger = { info() {}, warn() {} };

/**
 * The daily report: fetch → aggregate → workbook → store → email. Nothing is stored until the
 * fetch is known complete, and the email goes out only after the workbook and summary are
 * stored, at most once per day unless `force`.
 */
export async function runReport(options: ReportOptions, ports: ReportPorts): Promise<ReportResult> {
  const logger = ports.logger ?? noopLogger;
  // A partial day set against full ones would show every figure falling: a preview compares with nothing.
  const [previousDay, sameWeekdayLastWeek] = options.preview
    ? [null, null]
    : await Promise.all([
        ports.store.readSummary(shiftDate(options.date, -1)),
        ports.store.readSummary(shiftDate(options.date, -7)),
      ]);

  const spool = await CallSpool.create(ports.spoolDir);
  try {
    const fetchStarted = performance.now();
    const day = await collectDay(options, ports, { previousDay, sameWeekdayLastWeek }, (call) =>
      spool.write(options.includeTranscripts ? call : { ...call, transcript: null }),
    );
    const { summary } = day;
    const fetchMs = performance.now() - fetchStarted;
    logger.info("calls fetched", {
      date: options.date,
      calls: summary.totals.calls,
      ...summary.dataQuality,
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
            calls: spool.read(),
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
    const email = await sendEmail(options, ports, summary, workbook, workbookBytes);
    const emailMs = performance.now() - emailStarted;
    logger.info("email done", { date: options.date, ...email, emailMs: Math.round(emailMs) });

    return { date: options.date, summary, workbook, summaryObject, email, timings: { fetchMs, workbookMs, emailMs } };
  } finally {
    await spool.dispose();
  }
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
  ports: Pick<ReportPorts, "calls" | "clock">,
  earlier: { previousDay: Summary | null; sameWeekdayLastWeek: Summary | null },
  onCall?: (call: Call) => Promise<void>,
): Promise<{ summary: Summary; variableKeys: string[]; evaluationKeys: string[] }> {
  const window = reportWindow(options.date, options.timezone);
  const fetchedAt = ports.clock.now();
  const aggregator = new DayAggregator({
    window,
    apiTimezone: options.apiTimezone,
    filters: {
      assistantId: options.filters.assistantId ?? null,
      campaignId: options.filters.campaignId ?? null,
      type: options.filters.type ?? null,
      status: options.filters.status ?? null,
    },
  });
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

async function sendEmail(
  options: ReportOptions,
  ports: ReportPorts,
  summary: Summary,
  workbook: StoredObject,
  workbookBytes: Buffer | null,
): Promise<EmailOutcome> {
  if (options.emptyDay === "skip" && isEmptyDay(summary)) return { status: "skipped-empty" };

  // Compose before claiming: a bad address or template failure must not leave a claim behind.
  const link = await ports.store.downloadLink(workbook);
  const content = reportEmail({
    summary,
    workbookFileName: workbook.fileName,
    link,
    environment: options.environment,
    recipients: options.recipients,
    attachWorkbook: options.attachWorkbook,
  });
  const email: ComposedEmail = await ports.mailer.prepare(content, {
    workbook: workbookBytes,
    settingNames: options.recipientSettings,
    sentAt: ports.clock.now(),
  });

  const claim = options.preview ? PREVIEW_CLAIM : await ports.store.claimEmail(options.date, { force: options.force });
  if (claim.status === "already-sent") return { status: "already-sent", sentAt: claim.sentAt };
  if (claim.status === "in-doubt") {
    throw new EmailInDoubtError(
      `The ${options.date} email was claimed at ${claim.claimedAt ?? "an unknown time"} by a run that never confirmed it — ` +
        `check whether managers received it, then re-run with force to send it again.`,
    );
  }
  const messageIds: string[] = [];
  // A marker write that fails after a send must not stop the other batches (their recipients
  // would get nothing) nor let the claim be marked failed (a retry would send the unrecorded
  // batch again): the claim stays open, so re-runs report the day in doubt.
  let notRecorded: unknown;
  const record = async (write: () => Promise<void>) => {
    if (notRecorded !== undefined) return;
    try {
      await write();
    } catch (error) {
      notRecorded = error;
    }
  };
  const notRecordedError = (sendFailure?: unknown) =>
    new EmailNotRecordedError(
      `The ${options.date} email went out (message ids ${messageIds.join(", ")}) but recording that failed: ` +
        `${errorMessage(notRecorded)} — ` +
        (sendFailure === undefined
          ? "the managers have it: do not re-send it with force (re-runs of the day report it in doubt)."
          : `then a later batch failed (${errorMessage(sendFailure)}): some recipients have it, so re-runs report ` +
            "the day in doubt; check who got it before re-sending with force."),
      { cause: notRecorded },
    );
  for (const [batchIndex, message] of email.messages.entries()) {
    if (claim.alreadySent.includes(batchIndex)) continue;
    let messageId: string;
    try {
      messageId = await ports.mailer.send(message, {
        date: options.date,
        email,
        batchIndex,
        preview: options.preview ?? false,
      });
    } catch (error) {
      if (notRecorded !== undefined) throw notRecordedError(error);
      // A send whose outcome is unknown keeps the claim open, so the retry reports it in doubt
      // instead of risking a second copy; a definite refusal lets the retry send what is left.
      const deliveryUnknown = (error as { deliveryUnknown?: unknown } | null)?.deliveryUnknown === true;
      if (!deliveryUnknown) await markFailed(claim, error, options.date);
      throw error;
    }
    messageIds.push(messageId);
    await record(() => claim.recordSent(batchIndex, messageId));
  }
  await record(() => claim.complete());
  if (notRecorded !== undefined) throw notRecordedError();
  return { status: "sent", messageIds, attached: email.attached, subject: email.subject };
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Records a definite send failure so the retry may send what is left. If that record cannot be
 * written either, the claim stays open and re-runs would call the day in doubt: the error says
 * that this batch provably went nowhere, so forcing is safe for it.
 */
async function markFailed(claim: Extract<EmailClaim, { status: "claimed" }>, error: unknown, date: string) {
  try {
    await claim.fail(error instanceof Error ? error : new Error(String(error)));
  } catch (markerError) {
    throw new EmailFailureNotRecordedError(
      `${errorMessage(error)} Recording that failure failed too (${errorMessage(markerError)}), so re-runs of ` +
        `${date} will report the email in doubt — nothing went out in this batch: re-run with force${
          claim.alreadySent.length > 0 ? " once you have checked the batches sent before it" : ""
        }.`,
      { cause: error },
    );
  }
}

/** A preview is not the day's email: it claims nothing, so the finished day's run still sends. */
const PREVIEW_CLAIM: EmailClaim = {
  status: "claimed",
  alreadySent: [],
  async recordSent() {},
  async complete() {},
  async fail() {},
};

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
