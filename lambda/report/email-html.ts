/**
 * The email's HTML part, built for mail clients, not browsers — table layout, inline
 * styles, 600 px wide, no images — and every interpolated value goes through `escape-html`
 * via the `html` tagged template (html-markup.ts, shared with the link pages), so data can never
 * become markup.
 */
import type { RenderEmailInput } from "./email.js";
import { DAY_BARS_DARK_MODE, dayBarsChart } from "./email-day-bars.js";
import { TREND_DAYS, trendBars } from "./email-days.js";
import { emailDocument } from "./email-document.js";
import {
  archiveFacts,
  bars,
  busiestHour,
  dataQualityNotes,
  dayHeading,
  filterNotes,
  groupRowFacts,
  headlineFigures,
  reportLabel,
  TOP_GROUPS,
  type WorkbookFacts,
  workbookFacts,
} from "./email-facts.js";
import { formatCount, formatPercent } from "./email-format.js";
import { type DeltaView, dayBaselines, headlineKpis, type KpiBaseline, kpiDeltas } from "./email-kpis.js";
import { COLOR, FONT, sectionTitle } from "./email-style.js";
import { formatDay } from "./format.js";
import { html, type SafeHtml } from "./html-markup.js";
import { type Counts, type GroupStats, isEmptyDay, type Summary } from "./summary.js";

/** 24 shades from light to the bar colour; hours without calls stay grey. */
function hourShade(count: number, max: number): string {
  if (count === 0 || max === 0) return COLOR.emptyHour;
  const strength = 0.15 + 0.85 * (count / max);
  const light = [0xdc, 0xe6, 0xf7];
  const dark = [0x1d, 0x3f, 0x9e];
  const channel = (i: number) =>
    Math.round((light[i] ?? 0) + ((dark[i] ?? 0) - (light[i] ?? 0)) * strength)
      .toString(16)
      .padStart(2, "0");
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

function deltaMarkup(view: DeltaView): SafeHtml {
  const color = COLOR[view.tone];
  return html`<div class="cr-${view.tone}" style="font-size:12px;line-height:16px;color:${color};">${view.arrow} ${view.text} <span class="cr-muted" style="color:${COLOR.muted};white-space:nowrap;">${view.against}</span></div>`;
}

export function kpiTiles(summary: Summary, baselines: KpiBaseline[]): SafeHtml {
  // Inline-block tiles wrap by themselves: three to a row at 600 px, two at 375 px. Outlook
  // (Word engine) ignores max-width, so it gets a fixed table through conditional comments.
  const tiles = headlineKpis(summary).map((kpi, index) => {
    const msoRowBreak = index === 3 ? html`<!--[if mso]></td></tr><tr><td width="184" valign="top"><![endif]-->` : "";
    const msoCell = index > 0 && index !== 3 ? html`<!--[if mso]></td><td width="184" valign="top"><![endif]-->` : "";
    return html`${msoRowBreak}${msoCell}<div class="cr-tile" style="display:inline-block;width:100%;max-width:168px;vertical-align:top;margin:0 4px 8px;text-align:left;">
<table role="presentation" class="cr-rule" width="100%" cellpadding="0" cellspacing="0" border="0" style="border:1px solid ${COLOR.rule};border-radius:6px;"><tr><td style="padding:10px 12px;font-family:${FONT};">
<div class="cr-muted" style="font-size:12px;line-height:16px;color:${COLOR.muted};text-transform:uppercase;letter-spacing:0.04em;">${kpi.label}</div>
<div class="cr-text" style="font-size:22px;line-height:28px;font-weight:700;color:${COLOR.text};">${kpi.value}</div>
${kpi.detail ? html`<div class="cr-muted" style="font-size:12px;line-height:16px;color:${COLOR.muted};">${kpi.detail}</div>` : ""}
${kpiDeltas(baselines, kpi).map(deltaMarkup)}
</td></tr></table></div>`;
  });
  return html`<tr><td align="center" style="padding:8px 20px 4px;font-size:0;">
<!--[if mso]><table role="presentation" width="552" cellpadding="0" cellspacing="0"><tr><td width="184" valign="top"><![endif]-->
${tiles}
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>`;
}

export function barChart(title: string, counts: Counts): SafeHtml {
  const rows = bars(counts);
  if (rows.length === 0) return html``;
  const max = Math.max(...rows.map((row) => row.share));
  return html`${sectionTitle(title)}<tr><td style="padding:0 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-family:${FONT};font-size:13px;color:${COLOR.text};">
${rows.map((row) => {
  // Bars are scaled to the largest value so the chart uses its full width.
  const width = Math.max(1, Math.round((row.share / max) * 100));
  return html`<tr>
<td class="cr-text" width="34%" style="padding:3px 8px 3px 0;word-break:break-word;color:${COLOR.text};">${row.label}</td>
<td style="padding:3px 0;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td width="${width}%" style="background-color:${COLOR.bar};height:12px;font-size:0;line-height:0;border-radius:2px;">&nbsp;</td>
${width < 100 ? html`<td style="font-size:0;line-height:0;">&nbsp;</td>` : ""}
</tr></table></td>
<td class="cr-muted" width="96" align="right" style="padding:3px 0 3px 8px;white-space:nowrap;color:${COLOR.muted};">${formatCount(row.count)} · ${formatPercent(row.share)}</td>
</tr>`;
})}
</table></td></tr>`;
}

export function hourlyStrip(summary: Summary): SafeHtml {
  const max = Math.max(0, ...summary.hourly);
  const cells = summary.hourly.map(
    (count, hour) =>
      html`<td class="${count === 0 ? "cr-hour cr-hour-empty" : "cr-hour"}" title="${String(hour).padStart(2, "0")}:00 — ${formatCount(count)} calls" width="4%" style="background-color:${hourShade(count, max)};height:28px;font-size:0;line-height:0;border-right:1px solid ${COLOR.card};">&nbsp;</td>`,
  );
  const labels = [0, 3, 6, 9, 12, 15, 18, 21].map(
    (hour) =>
      html`<td colspan="3" class="cr-muted" style="font-family:${FONT};font-size:11px;color:${COLOR.muted};padding-top:3px;">${String(hour).padStart(2, "0")}</td>`,
  );
  const busiest = busiestHour(summary);
  return html`${sectionTitle(`Activity by hour (${summary.timezone})`)}<tr><td style="padding:0 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:fixed;"><tr>${cells}</tr><tr>${labels}</tr></table>
${busiest ? html`<div class="cr-muted" style="font-family:${FONT};font-size:12px;color:${COLOR.muted};padding-top:4px;">${busiest}</div>` : ""}
</td></tr>`;
}

export function groupTable(title: string, groups: GroupStats[]): SafeHtml {
  if (groups.length === 0) return html``;
  const shown = groups.slice(0, TOP_GROUPS);
  const more = groups.length - shown.length;
  const cell = `padding:5px 0 5px 8px;border-bottom:1px solid ${COLOR.rule};white-space:nowrap;`;
  const head = `padding:0 0 4px 8px;font-size:11px;text-transform:uppercase;color:${COLOR.muted};font-weight:600;`;
  return html`${sectionTitle(title)}<tr><td style="padding:0 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-family:${FONT};font-size:13px;color:${COLOR.text};">
<tr><td class="cr-muted" style="${head}padding-left:0;">Name</td><td class="cr-muted" align="right" style="${head}">Calls</td><td class="cr-muted" align="right" style="${head}">Connected</td><td class="cr-muted" align="right" style="${head}">Cost</td><td class="cr-muted" align="right" style="${head}">Score</td></tr>
${shown.map((group) => {
  const row = groupRowFacts(group);
  return html`<tr><td class="cr-text cr-rule" width="40%" style="padding:5px 0;border-bottom:1px solid ${COLOR.rule};word-break:break-word;color:${COLOR.text};">${row.name}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.calls}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.connected}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.cost}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.score}</td></tr>`;
})}
</table>
${more > 0 ? html`<div class="cr-muted" style="font-family:${FONT};font-size:12px;color:${COLOR.muted};padding-top:4px;">and ${formatCount(more)} more in the workbook</div>` : ""}
</td></tr>`;
}

export function workbookBlock(facts: WorkbookFacts): SafeHtml {
  const button = facts.url
    ? html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin-top:10px;"><tr><td style="border-radius:6px;background-color:${COLOR.button};"><a href="${facts.url}" target="_blank" style="display:inline-block;padding:10px 18px;font-family:${FONT};font-size:14px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;">Download the workbook</a></td></tr></table>`
    : "";
  const validity = facts.validity
    ? html`<div class="cr-muted" style="font-size:12px;color:${COLOR.muted};padding-top:6px;">Link ${facts.validity}.</div>`
    : "";
  return html`<tr><td class="cr-text" style="padding:12px 24px 4px;font-family:${FONT};font-size:14px;line-height:20px;color:${COLOR.text};">${facts.sentence}${button}${validity}</td></tr>`;
}

export function renderHtml(input: RenderEmailInput, subject: string, environment: string | null): string {
  const { summary } = input;
  const empty = isEmptyDay(summary);
  // A preview says so in the heading, the preheader and the empty-day line, not only in the subject.
  const day = dayHeading(summary);
  const quality = dataQualityNotes(summary);
  const filters = filterNotes(summary);
  const facts = workbookFacts(input);
  const archive = archiveFacts(input);
  const preheader = empty
    ? `No calls on ${day}.`
    : `${summary.partialAsOf ? `${day}: ` : ""}${headlineFigures(summary)}`;
  const previous = summary.comparison.previousDay;
  const previousCalls = previous?.deltas.calls.previous ?? null;
  const trend = input.trend ? trendBars(summary, input.trend) : null;
  // Joined without a line break of its own, so that an email without a trend stays byte for byte what it was.
  const trendChart = trend ? html`\n${dayBarsChart(`Last ${TREND_DAYS} days`, trend)}` : "";

  const body = empty
    ? html`<tr><td class="cr-text" style="padding:16px 24px 4px;font-family:${FONT};font-size:16px;line-height:24px;color:${COLOR.text};">No calls on ${day} (${summary.timezone}).${
        previous && previousCalls !== null
          ? html` <span class="cr-muted" style="color:${COLOR.muted};">${formatDay(previous.date)} had ${formatCount(previousCalls)} calls.</span>`
          : ""
      }</td></tr>
${workbookBlock(facts)}${trendChart}`
    : html`${kpiTiles(summary, dayBaselines(summary))}
${workbookBlock(facts)}${trendChart}
${barChart("Outcomes", summary.byOutcome)}
${barChart("Call status", summary.byStatus)}
${hourlyStrip(summary)}
${groupTable("Top assistants", summary.assistants)}
${groupTable("Top campaigns", summary.campaigns)}`;

  return emailDocument({
    subject,
    environment,
    preheader,
    kicker: reportLabel(summary),
    heading: day,
    filters,
    body,
    quality,
    summary,
    archive,
    ...(trend ? { darkModeRules: DAY_BARS_DARK_MODE } : {}),
  });
}
