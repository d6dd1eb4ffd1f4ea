/**
 * What the day's email says and to whom, before any MIME: the content with the workbook
 * attached (when attaching is wanted) and the link-only content the mail adapter falls back
 * to when the workbook cannot go along. Building messages, checking addresses and SES's
 * limits belong to the mail adapters (lambda/adapters/mime-message.ts).
 */
import { type RenderedEmail, renderEmail } from "./email.js";
import type { StoredDay } from "./email-days.js";
import type { Summary } from "./summary.js";

/** The addresses as configured: `a@b.com` or `Name <a@b.com>`, checked by the mail adapter. */

/** A link to the workbook for the email, and how long it really stays valid. */
export interface DownloadLink {
  url: string;
  /** Null when the link does not expire (a local file). */
  expiresAt: Date | null;
}

export interface EmailRecipients {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
}

/**
 * How the user sets each address (`MAIL_TO`, `--to`, a stage key…), so that an error about a
 * bad address names the setting to correct.
 */
export type RecipientSettingNames = Record<keyof EmailRecipients, string>;

export interface ReportEmail {
  recipients: EmailRecipients;
  /** The email with the workbook attached, and its file name; null when attaching is turned off. */
  withAttachment: { attachmentFileName: string; content: RenderedEmail } | null;
  /** The email with the link only, saying why the workbook is not attached. */
  linkOnly: RenderedEmail;
}

export interface ReportEmailInput {
  summary: Summary;
  workbookFileName: string;
  /** The workbook's signed link with its real expiry, or a file:// path (local run). */
  link: DownloadLink | null;
  /** The stage's archive page of past reports (signed, same validity), or null (local run). */
  archive?: DownloadLink | null;
  /** Stage name; shown as a banner and subject tag unless null or "prod". */
  environment: string | null;
  recipients: EmailRecipients;
  /** Configuration: attach the workbook when the message still fits. */
  attachWorkbook: boolean;
  /** The stored summaries of the days before the report day, for the last-14-days chart (email.ts). */
  trend?: readonly StoredDay[];
}

export function reportEmail(input: ReportEmailInput): ReportEmail {
  const render = (attached: boolean, notAttachedReason: "too-large" | "disabled" | null) =>
    renderEmail({
      summary: input.summary,
      link: input.link,
      archive: input.archive ?? null,
      environment: input.environment,
      attached,
      workbookFileName: input.workbookFileName,
      notAttachedReason,
      ...(input.trend ? { trend: input.trend } : {}),
    });
  return {
    recipients: input.recipients,
    withAttachment: input.attachWorkbook
      ? { attachmentFileName: input.workbookFileName, content: render(true, null) }
      : null,
    // Wanted but left out: the bytes were not kept or the message would be over the limit.
    linkOnly: render(false, input.attachWorkbook ? "too-large" : "disabled"),
  };
}
