/**
 * A week's or a month's email: the day's ten-second layout — headline tiles against the
 * previous period and the same period a year ago, the workbook, a bar per day, outcomes,
 * hours, top assistants and campaigns — from the period's merged summary. Pure: values in,
 * strings out; the HTML part is in email-period-html.ts, what both parts say in email-period-facts.ts.
 */
import type { RenderedEmail } from "./email.js";
import { dayBarsText } from "./email-days.js";
import { environmentLabel } from "./email-format.js";
import {
  approximateNote,
  type PeriodEmailInput,
  periodBars,
  periodBaselines,
  periodKicker,
  periodName,
  periodSubject,
} from "./email-period-facts.js";
import { renderPeriodHtml } from "./email-period-html.js";
import { breakdownText, closingText, headerText, kpiText, workbookText } from "./email-text.js";
import { isEmptyDay } from "./summary.js";

export type { EmailPeriod, PeriodComparison, PeriodEmailInput } from "./email-period-facts.js";

function renderPeriodText(input: PeriodEmailInput, environment: string | null): string {
  const { summary } = input;
  const name = periodName(input.period);
  const lines = headerText(`${periodKicker(input.period, input.summary)} — ${name}`, summary, environment);
  if (isEmptyDay(summary)) lines.push(`No calls in ${name}.`, "");
  else lines.push(...kpiText(summary, periodBaselines(input)));
  lines.push(...workbookText(input));
  if (!isEmptyDay(summary)) lines.push(...dayBarsText("Calls per day: calls and connect rate", periodBars(input)), "");
  if (!isEmptyDay(summary)) lines.push(...breakdownText(summary));
  const approximate = approximateNote(input.approximate);
  if (approximate) lines.push(`Approximate: ${approximate}.`, "");
  lines.push(...closingText(summary, input));
  return `${lines.join("\n")}\n`;
}

export function renderPeriodEmail(input: PeriodEmailInput): RenderedEmail {
  const environment = environmentLabel(input.environment);
  const subject = periodSubject(input, environment);
  return {
    subject,
    html: renderPeriodHtml(input, subject, environment),
    text: renderPeriodText(input, environment),
  };
}
