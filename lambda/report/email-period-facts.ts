/**
 * What a week's or a month's email says about its period — its name, the subject, what the
 * tiles are set against, the note on approximate figures — for both its parts (email-period.ts).
 */
import type { EmailDelivery } from "./email.js";
import { dayBars, type StoredDay } from "./email-days.js";
import { reportLabel } from "./email-facts.js";
import { cleanText, formatCount, formatTalkTime, formatUsd } from "./email-format.js";
import type { KpiBaseline } from "./email-kpis.js";
import { formatDay } from "./format.js";
import { type Delta, type HeadlineKpi, isEmptyDay, type Summary } from "./summary.js";

/** The reported period, as the period domain names it. */
export interface EmailPeriod {
  kind: "week" | "month";
  /** `2025-W32` (ISO week) or `2025-08`. */
  label: string;
  firstDate: string;
  lastDate: string;
  /** Every date of the period, oldest first. */
  dates: string[];
}

/** The period against an earlier one: that period's label (`2025-W31`, `2024-08`) and the headline deltas. */
export interface PeriodComparison {
  label: string;
  deltas: Record<HeadlineKpi, Delta>;
}

export interface PeriodEmailInput extends EmailDelivery {
  period: EmailPeriod;
  /** The period's merged summary: its `comparison` (day against day) is not shown. */
  summary: Summary;
  /** The period's days; a date of the period without one is drawn as a gap. */
  days: readonly StoredDay[];
  /** Figures merged from older summaries that could not make them exact; empty when all are exact. */
  approximate: readonly string[];
  comparison: { previousPeriod: PeriodComparison | null; samePeriodLastYear: PeriodComparison | null };
}

const weekNumber = (label: string) => Number(/W(\d{1,2})$/.exec(label)?.[1] ?? Number.NaN);
const labelYear = (label: string) => label.slice(0, 4);

/** `4–10 Aug 2025`, `28 Jul – 3 Aug 2025`, `29 Dec 2025 – 4 Jan 2026`. */
export function dateRange(firstDate: string, lastDate: string): string {
  const sameYear = firstDate.slice(0, 4) === lastDate.slice(0, 4);
  const sameMonth = sameYear && firstDate.slice(5, 7) === lastDate.slice(5, 7);
  const from = formatDay(firstDate, sameMonth ? "d" : sameYear ? "d MMM" : "d MMM yyyy");
  return `${from}${sameMonth ? "–" : " – "}${formatDay(lastDate, "d MMM yyyy")}`;
}

/** How the period is named in the subject and the heading: `week 32 · 4–10 Aug 2025`, `August 2025`. */
export function periodName(period: EmailPeriod): string {
  if (period.kind === "month") return formatDay(period.firstDate, "MMMM yyyy");
  return `week ${weekNumber(period.label)} · ${dateRange(period.firstDate, period.lastDate)}`;
}

/** An earlier period as a tile names it: `vs week 31`, `vs week 52 2024`, `vs 2024` (the same week), `vs Jul 2025`. */
function againstPeriod(kind: EmailPeriod["kind"], label: string, current: EmailPeriod): string {
  if (kind === "month") return `vs ${formatDay(`${label}-01`, "MMM yyyy")}`;
  // The same week a year ago is just its year: "vs week 32 2024" would wrap in a tile.
  if (weekNumber(label) === weekNumber(current.label)) return `vs ${labelYear(label)}`;
  const year = labelYear(label) === labelYear(current.label) ? "" : ` ${labelYear(label)}`;
  return `vs week ${weekNumber(label)}${year}`;
}

export function periodBaselines(input: Pick<PeriodEmailInput, "period" | "comparison">): KpiBaseline[] {
  const { previousPeriod, samePeriodLastYear } = input.comparison;
  return [previousPeriod, samePeriodLastYear].flatMap((comparison) =>
    comparison
      ? [{ against: againstPeriod(input.period.kind, comparison.label, input.period), deltas: comparison.deltas }]
      : [],
  );
}

export function periodSubject(input: Pick<PeriodEmailInput, "period" | "summary">, environment: string | null): string {
  const tag = environment ? `[${environment}] ` : "";
  const name = periodName(input.period);
  const label = reportLabel(input.summary);
  if (isEmptyDay(input.summary)) return `${tag}${label} — ${name} — no calls`;
  const t = input.summary.totals;
  const calls = `${formatCount(t.calls)} call${t.calls === 1 ? "" : "s"}`;
  return `${tag}${label} — ${name} — ${calls} · ${formatTalkTime(t.durationSeconds)} talk · ${formatUsd(t.totalCost)}`;
}

/** The note on approximate figures, or null when every figure is exact. */
export function approximateNote(approximate: readonly string[]): string | null {
  if (approximate.length === 0) return null;
  const names = approximate.map(cleanText).join(", ");
  return `${names} ${approximate.length === 1 ? "is" : "are"} approximate: some days were stored by an earlier version that did not keep what an exact period figure needs`;
}

/** "Weekly calls report", or "Sales — weekly calls report" for a named report. */
export function periodKicker(period: EmailPeriod, summary: Pick<Summary, "report">): string {
  const cadence = period.kind === "week" ? "weekly" : "monthly";
  const title = summary.report?.title;
  return title
    ? `${cleanText(title)} — ${cadence} calls report`
    : `${cadence === "weekly" ? "Weekly" : "Monthly"} calls report`;
}

/** The period's bar per day (none highlighted). */
export const periodBars = (input: PeriodEmailInput) => dayBars(input.period.dates, input.days, input.summary);
