/**
 * The email step of the pipeline: compose, claim the day's exactly-once marker, send batch by
 * batch and record each batch, so that no failure — a refused send, a send with no answer, a
 * marker write that fails — ever leads a retry to send a copy, or leaves a day blocked when
 * nothing went out.
 */

import type { ReportOptions, ReportPorts } from "./pipeline.js";
import type { ComposedEmail, DownloadLink, EmailClaim, StoredObject } from "./ports.js";
import { type ReportEmail, type ReportEmailInput, reportEmail } from "./report/email-content.js";
import { isEmptyDay, type Summary } from "./report/summary.js";

export type EmailOutcome =
  | { status: "sent"; messageIds: string[]; attached: boolean; subject: string }
  | { status: "skipped-empty" }
  /** A day a weekly or monthly report built on the way: stored, its own email left to the day's run. */
  | { status: "not-requested" }
  | { status: "already-sent"; sentAt: string | null };

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

/** What the email says, given the links the store made: the daily email unless a caller says otherwise. */
export type ComposeEmail = (parts: {
  link: DownloadLink | null;
  archive: DownloadLink | null;
  base: Pick<ReportEmailInput, "workbookFileName" | "environment" | "recipients" | "attachWorkbook">;
}) => ReportEmail;

/**
 * Sends the report's email at most once for `options.date` — a day, or a period's file stem
 * (`week-2025-W32`), which names its own marker.
 */
export async function sendEmail(
  options: ReportOptions,
  ports: ReportPorts,
  summary: Summary,
  workbook: StoredObject,
  workbookBytes: Buffer | null,
  /** The run sending it: a replay of the same run is never forced past what it sent. */
  runId?: string,
  compose: ComposeEmail = ({ link, archive, base }) => reportEmail({ ...base, summary, link, archive }),
): Promise<EmailOutcome> {
  if (options.emptyDay === "skip" && isEmptyDay(summary)) return { status: "skipped-empty" };

  // Compose before claiming: a bad address or template failure must not leave a claim behind.
  const [link, archive] = await Promise.all([ports.store.downloadLink(workbook), ports.store.archiveLink()]);
  const content = compose({
    link,
    archive,
    base: {
      workbookFileName: workbook.fileName,
      environment: options.environment,
      recipients: options.recipients,
      attachWorkbook: options.attachWorkbook,
    },
  });
  const email: ComposedEmail = await ports.mailer.prepare(content, {
    workbook: workbookBytes,
    settingNames: options.recipientSettings,
    sentAt: ports.clock.now(),
  });

  const claim = options.preview
    ? PREVIEW_CLAIM
    : await ports.store.claimEmail(options.date, {
        force: options.force,
        ...(runId === undefined ? {} : { runId }),
      });
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
      if (!deliveryUnknown) await markFailed(claim, error, options.date, messageIds.length > 0);
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
async function markFailed(
  claim: Extract<EmailClaim, { status: "claimed" }>,
  error: unknown,
  date: string,
  sentThisRun: boolean,
) {
  try {
    await claim.fail(error instanceof Error ? error : new Error(String(error)));
  } catch (markerError) {
    throw new EmailFailureNotRecordedError(
      `${errorMessage(error)} Recording that failure failed too (${errorMessage(markerError)}), so re-runs of ` +
        `${date} will report the email in doubt — nothing went out in this batch: re-run with force${
          claim.alreadySent.length > 0 || sentThisRun
            ? " once you have checked who got the batches sent before it (force sends every batch)"
            : ""
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
