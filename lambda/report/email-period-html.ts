/** A week's or a month's email as HTML: the day's frame and blocks (email-html.ts) around a bar per day. */
import { DAY_BARS_DARK_MODE, dayBarsChart } from "./email-day-bars.js";
import { emailDocument } from "./email-document.js";
import { archiveFacts, dataQualityNotes, filterNotes, headlineFigures, workbookFacts } from "./email-facts.js";
import { barChart, groupTable, hourlyStrip, kpiTiles, workbookBlock } from "./email-html.js";
import {
  approximateNote,
  type PeriodEmailInput,
  periodBars,
  periodBaselines,
  periodKicker,
  periodName,
} from "./email-period-facts.js";
import { COLOR, FONT } from "./email-style.js";
import { html } from "./html-markup.js";
import { isEmptyDay } from "./summary.js";

export function renderPeriodHtml(input: PeriodEmailInput, subject: string, environment: string | null): string {
  const { summary } = input;
  const name = periodName(input.period);
  const facts = workbookFacts(input);
  const approximate = approximateNote(input.approximate);
  const note = approximate
    ? html`<tr><td class="cr-muted" style="padding:16px 24px 0;font-family:${FONT};font-size:12px;line-height:18px;color:${COLOR.muted};"><strong>Approximate:</strong> ${approximate}.</td></tr>`
    : "";
  const body = isEmptyDay(summary)
    ? html`<tr><td class="cr-text" style="padding:16px 24px 4px;font-family:${FONT};font-size:16px;line-height:24px;color:${COLOR.text};">No calls in ${name} (${summary.timezone}).</td></tr>
${workbookBlock(facts)}${note}`
    : html`${kpiTiles(summary, periodBaselines(input))}
${workbookBlock(facts)}
${dayBarsChart("Calls per day", periodBars(input))}
${barChart("Outcomes", summary.byOutcome)}
${barChart("Call status", summary.byStatus)}
${hourlyStrip(summary)}
${groupTable("Top assistants", summary.assistants)}
${groupTable("Top campaigns", summary.campaigns)}${note}`;
  return emailDocument({
    subject,
    environment,
    preheader: isEmptyDay(summary) ? `No calls in ${name}.` : `${name}: ${headlineFigures(summary)}`,
    kicker: periodKicker(input.period, input.summary),
    heading: input.period.kind === "week" ? name.replace(/^week/, "Week") : name,
    filters: filterNotes(summary),
    body,
    quality: dataQualityNotes(summary),
    summary,
    archive: archiveFacts(input),
    darkModeRules: DAY_BARS_DARK_MODE,
  });
}
