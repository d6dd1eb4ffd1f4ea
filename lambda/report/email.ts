/**
 * The manager email's content: subject, HTML and plain text, from a Summary. Pure: values
 * in, strings out. The HTML part is in email-html.ts; what both parts say, in email-facts.ts.
 */
import type { DownloadLink } from "./email-content.js";
import { dayBarsText, type StoredDay, TREND_DAYS, trendBars } from "./email-days.js";
import {
  archiveFacts,
  bars,
  busiestHour,
  dataQualityNotes,
  dayHeading,
  filterNotes,
  groupRowFacts,
  subjectLine,
  TOP_GROUPS,
  workbookFacts,
} from "./email-facts.js";
import { environmentLabel, formatCount, formatInstant, formatPercent } from "./email-format.js";
import { renderHtml } from "./email-html.js";
import { dayBaselines, headlineKpis, kpiDeltas } from "./email-kpis.js";
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

// ─── Plain text ──────────────────────────────────────────────────────────────────────────

const SPARKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) =>
      value === 0 || max === 0 ? " " : SPARKS[Math.min(SPARKS.length - 1, Math.floor((value / max) * SPARKS.length))],
    )
    .join("");
}

function renderText(input: RenderEmailInput, environment: string | null): string {
  const { summary } = input;
  // A preview says so in the heading, the preheader and the empty-day line, not only in the subject.
  const day = dayHeading(summary);
  const lines: string[] = [];
  if (environment) lines.push(`Environment: ${environment} — not the production report`, "");
  lines.push(`Calls report — ${day} (${summary.timezone})`);
  const filters = filterNotes(summary);
  if (filters.length > 0) lines.push(`Filtered to ${filters.join(", ")}`);
  lines.push("");
  const facts = workbookFacts(input);

  if (isEmptyDay(summary)) {
    const previous = summary.comparison.previousDay;
    const previousCalls = previous?.deltas.calls.previous ?? null;
    lines.push(`No calls on ${day}.`);
    if (previous && previousCalls !== null)
      lines.push(`${formatDay(previous.date)} had ${formatCount(previousCalls)} calls.`);
    lines.push("");
  } else {
    for (const kpi of headlineKpis(summary)) {
      const deltas = kpiDeltas(dayBaselines(summary), kpi).map((view) => `${view.arrow} ${view.text} ${view.against}`);
      const detail = kpi.detail ? ` (${kpi.detail})` : "";
      lines.push(`${kpi.label.padEnd(14)} ${kpi.value}${detail}`);
      if (deltas.length > 0) lines.push(`${"".padEnd(14)} ${deltas.join(" · ")}`);
    }
    lines.push("");
  }

  lines.push(facts.sentence);
  if (facts.url) lines.push(facts.url);
  if (facts.validity) lines.push(`The link is ${facts.validity}.`);
  lines.push("");

  const trend = input.trend ? trendBars(summary, input.trend) : null;
  if (trend) lines.push(...dayBarsText(`Last ${TREND_DAYS} days: calls and connect rate`, trend), "");

  if (!isEmptyDay(summary)) {
    for (const [title, counts] of [
      ["Outcomes", summary.byOutcome],
      ["Call status", summary.byStatus],
    ] as const) {
      const rows = bars(counts);
      if (rows.length === 0) continue;
      lines.push(title);
      for (const row of rows)
        lines.push(`  ${row.label.padEnd(24)} ${formatCount(row.count).padStart(7)}  ${formatPercent(row.share)}`);
      lines.push("");
    }
    lines.push(`Activity by hour (${summary.timezone})`, `  00 |${sparkline(summary.hourly)}| 23`);
    const busiest = busiestHour(summary);
    if (busiest) lines.push(`  ${busiest}`);
    lines.push("");
    for (const [title, groups] of [
      ["Top assistants", summary.assistants],
      ["Top campaigns", summary.campaigns],
    ] as const) {
      if (groups.length === 0) continue;
      lines.push(title);
      for (const group of groups.slice(0, TOP_GROUPS)) {
        const row = groupRowFacts(group);
        lines.push(`  ${row.name}: ${row.calls} calls · ${row.connected} connected · ${row.cost} · score ${row.score}`);
      }
      if (groups.length > TOP_GROUPS)
        lines.push(`  and ${formatCount(groups.length - TOP_GROUPS)} more in the workbook`);
      lines.push("");
    }
  }

  const quality = dataQualityNotes(summary);
  if (quality.length > 0) lines.push(`Data quality: ${quality.join("; ")}.`, "");
  lines.push(
    "--",
    `Times are in ${summary.timezone}. Generated ${formatInstant(new Date(summary.generatedAt), summary.timezone)}.`,
  );
  const archive = archiveFacts(input);
  if (archive) lines.push(`Past reports: ${archive.url} (${archive.validity}).`);
  return `${lines.join("\n")}\n`;
}

export function renderEmail(input: RenderEmailInput): RenderedEmail {
  const environment = environmentLabel(input.environment);
  const subject = subjectLine(input.summary, environment);
  return { subject, html: renderHtml(input, subject, environment), text: renderText(input, environment) };
}
