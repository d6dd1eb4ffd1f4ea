/**
 * The manager email's content: subject, HTML and plain text, from a Summary. Pure: values
 * in, strings out. The HTML part is in email-html.ts; what both parts say, in email-facts.ts.
 */
import type { DownloadLink } from "./email-content.js";
import { dayBarsText, type StoredDay, TREND_DAYS, trendBars } from "./email-days.js";
import { dayHeading, reportLabel, subjectLine } from "./email-facts.js";
import { environmentLabel, formatCount } from "./email-format.js";
import { renderHtml } from "./email-html.js";
import { dayBaselines } from "./email-kpis.js";
import { breakdownText, closingText, headerText, kpiText, workbookText } from "./email-text.js";
import { formatDay } from "./format.js";
import { isEmptyDay, type Summary } from "./summary.js";

/** How an email reaches its reader and points to the workbook: the same for a day's and a period's email. */
export interface EmailDelivery {
  /** Whose clock the links' validity is read on, and when the numbers were made. */
  summary: Pick<Summary, "timezone" | "generatedAt">;
  link: DownloadLink | null;
  /** The archive page of past reports; null when there is none (a local run). */
  archive?: DownloadLink | null;
  /** Stage name; shown as a banner and subject tag unless null or "prod". */
  environment: string | null;
  attached: boolean;
  workbookFileName: string;
  /** Why the workbook is not attached, when it is not: said in the email so nobody looks for it. */
  notAttachedReason?: "too-large" | "disabled" | null;
}

export interface RenderEmailInput extends EmailDelivery {
  summary: Summary;
  /**
   * The stored summaries of the days before the report day (email-days.ts `trendDates`), drawn
   * as the last 14 days; a date left out or given a null summary is a gap. Without it (a run
   * with no history at hand) the email has no trend.
   */
  trend?: readonly StoredDay[];
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

function renderText(input: RenderEmailInput, environment: string | null): string {
  const { summary } = input;
  // A preview says so in the heading, the preheader and the empty-day line, not only in the subject.
  const day = dayHeading(summary);
  const lines = headerText(`${reportLabel(summary)} — ${day}`, summary, environment);
  if (isEmptyDay(summary)) {
    const previous = summary.comparison.previousDay;
    const previousCalls = previous?.deltas.calls.previous ?? null;
    lines.push(`No calls on ${day}.`);
    if (previous && previousCalls !== null)
      lines.push(`${formatDay(previous.date)} had ${formatCount(previousCalls)} calls.`);
    lines.push("");
  } else {
    lines.push(...kpiText(summary, dayBaselines(summary)));
  }
  lines.push(...workbookText(input));
  const trend = input.trend ? trendBars(summary, input.trend) : null;
  if (trend) lines.push(...dayBarsText(`Last ${TREND_DAYS} days: calls and connect rate`, trend), "");
  if (!isEmptyDay(summary)) lines.push(...breakdownText(summary));
  lines.push(...closingText(summary, input));
  return `${lines.join("\n")}\n`;
}

export function renderEmail(input: RenderEmailInput): RenderedEmail {
  const environment = environmentLabel(input.environment);
  const subject = subjectLine(input.summary, environment);
  return { subject, html: renderHtml(input, subject, environment), text: renderText(input, environment) };
}
