/**
 * What the day's email says and to whom, before any MIME: the content with the workbook
 * attached (when attaching is wanted) and the link-only content the mail adapter falls back
 * to when the workbook cannot go along. Building messages, checking addresses and SES's
 * limits belong to the mail adapters (lambda/adapters/mime-message.ts).
 */
import { type RenderedEmail, renderEmail } from "./email.js";
import type { StoredDay } from "./email-days.js";
import { type PeriodEmailInput, renderPeriodEmail } from "./email-period.js";
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

type Variant = { attached: boolean; notAttachedReason: "too-large" | "disabled" | null };

/** The email with the workbook attached (when wanted) and the link-only fallback, rendered by `render`. */
function withAndWithoutAttachment(
  input: Pick<ReportEmailInput, "recipients" | "attachWorkbook" | "workbookFileName">,
  render: (variant: Variant) => RenderedEmail,
): ReportEmail {
  return {
    recipients: input.recipients,
    withAttachment: input.attachWorkbook
      ? {
          attachmentFileName: input.workbookFileName,
          content: render({ attached: true, notAttachedReason: null }),
        }
      : null,
    // Wanted but left out: the bytes were not kept or the message would be over the limit.
    linkOnly: render({ attached: false, notAttachedReason: input.attachWorkbook ? "too-large" : "disabled" }),
  };
}

export function reportEmail(input: ReportEmailInput): ReportEmail {
  return withAndWithoutAttachment(input, (variant) =>
    renderEmail({
      summary: input.summary,
      link: input.link,
      archive: input.archive ?? null,
      environment: input.environment,
      workbookFileName: input.workbookFileName,
      ...variant,
      ...(input.trend ? { trend: input.trend } : {}),
    }),
  );
}

/** A week's or a month's email: the period's workbook, merged summary and days (email-period.ts). */
export interface PeriodReportEmailInput
  extends Omit<ReportEmailInput, "summary" | "trend">,
    Pick<PeriodEmailInput, "period" | "summary" | "days" | "approximate" | "comparison"> {}

export function periodReportEmail(input: PeriodReportEmailInput): ReportEmail {
  return withAndWithoutAttachment(input, (variant) =>
    renderPeriodEmail({
      period: input.period,
      summary: input.summary,
      days: input.days,
      approximate: input.approximate,
      comparison: input.comparison,
      link: input.link,
      archive: input.archive ?? null,
      environment: input.environment,
      workbookFileName: input.workbookFileName,
      ...variant,
    }),
  );
}
