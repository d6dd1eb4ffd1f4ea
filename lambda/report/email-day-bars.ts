/**
 * A bar per day as an email can carry it: table cells of fixed pixel heights, no images, SVG
 * or CSS that Outlook's Word engine drops. Each day is a column — a grey track with the calls
 * bar standing at its foot, a smaller connect-rate bar on a 0–100% scale below — and a day
 * without a report is a column with no track at all and a dash: a hole, not a zero.
 */
import type { DayBar } from "./email-days.js";
import { barHeight, dayBarsCaption } from "./email-days.js";
import { formatCount, formatPercent } from "./email-format.js";
import { COLOR, FONT, sectionTitle } from "./email-style.js";
import { formatDay } from "./format.js";
import { html, type SafeHtml } from "./html-markup.js";

export const CALLS_BAR_PIXELS = 56;
export const RATE_BAR_PIXELS = 24;
/** More days than this (a month) get a date under Mondays only: two digits do not fit a phone's narrow column. */
const EVERY_DATE_UP_TO = 16;

/** The track's colour in dark mode, for emails that draw day bars (a line of the frame's dark-mode rules). */
export const DAY_BARS_DARK_MODE = "  .cr-track { background-color: #2a313b !important; }\n";

const flat = "font-size:0;line-height:0;mso-line-height-rule:exactly;";

/** A column's content: the track above, the bar of `height` px below, `pixels` high in all. */
function column(height: number, pixels: number, color: string): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${
    height < pixels
      ? html`<tr><td class="cr-track" height="${pixels - height}" style="height:${pixels - height}px;background-color:${COLOR.barTrack};${flat}">&nbsp;</td></tr>`
      : ""
  }${
    height > 0
      ? html`<tr><td class="cr-bar" height="${height}" style="height:${height}px;background-color:${color};${flat}">&nbsp;</td></tr>`
      : ""
  }</table>`;
}

function dayTitle(bar: DayBar): string {
  const day = formatDay(bar.date);
  if (bar.figures === null) return `${day}: no report stored`;
  const rate = bar.figures.connectRate === null ? "" : ` · ${formatPercent(bar.figures.connectRate)} connected`;
  return `${day}: ${formatCount(bar.figures.calls)} calls${rate}`;
}

function rowCaption(text: string, columns: number, top: number): SafeHtml {
  return html`<tr><td colspan="${columns}" class="cr-muted" style="padding:${top}px 0 3px;font-size:11px;line-height:14px;color:${COLOR.muted};">${text}</td></tr>`;
}

export function dayBarsChart(title: string, bars: readonly DayBar[]): SafeHtml {
  const columns = bars.length;
  const width = `${(100 / columns).toFixed(2)}%`;
  const maxCalls = Math.max(0, ...bars.map((bar) => bar.figures?.calls ?? 0));
  // Without a highlighted day every bar is the report's own; beside one, the others step back.
  const highlighting = bars.some((bar) => bar.highlighted);
  const color = (bar: DayBar) => (bar.highlighted || !highlighting ? COLOR.bar : COLOR.barQuiet);
  const cell = (pixels: number) => `height:${pixels}px;padding:0 1px;`;

  const callCells = bars.map((bar) => {
    const kind = bar.figures === null ? " cr-day-gap" : bar.highlighted ? " cr-day-today" : "";
    const content =
      bar.figures === null
        ? "–"
        : column(barHeight(bar.figures.calls, maxCalls, CALLS_BAR_PIXELS), CALLS_BAR_PIXELS, color(bar));
    const gapStyle =
      bar.figures === null ? `font-size:13px;line-height:16px;font-weight:700;color:${COLOR.muted};` : "";
    return html`<td class="cr-day${kind}" title="${dayTitle(bar)}" width="${width}" height="${CALLS_BAR_PIXELS}" align="center" valign="bottom" style="${cell(CALLS_BAR_PIXELS)}${gapStyle}">${content}</td>`;
  });
  const rateCells = bars.map((bar) => {
    const rate = bar.figures === null ? null : (bar.figures.connectRate ?? 0);
    const content = rate === null ? "" : column(barHeight(rate, 1, RATE_BAR_PIXELS), RATE_BAR_PIXELS, color(bar));
    return html`<td class="cr-rate" width="${width}" height="${RATE_BAR_PIXELS}" valign="bottom" style="${cell(RATE_BAR_PIXELS)}">${content}</td>`;
  });
  const label = (bar: DayBar, text: string) =>
    html`<td align="center" class="${bar.highlighted ? "cr-text" : "cr-muted"}" style="padding-top:3px;font-size:10px;line-height:12px;white-space:nowrap;overflow:hidden;color:${bar.highlighted ? COLOR.text : COLOR.muted};${bar.highlighted ? "font-weight:700;" : ""}">${text}</td>`;
  const weekdays = bars.map((bar) => label(bar, formatDay(bar.date, "EEEEE")));
  const dates = bars.map((bar) =>
    label(bar, columns <= EVERY_DATE_UP_TO || formatDay(bar.date, "i") === "1" ? formatDay(bar.date, "d") : ""),
  );
  const caption = dayBarsCaption(bars);

  return html`${sectionTitle(title)}<tr><td style="padding:0 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:fixed;font-family:${FONT};">
${rowCaption("Calls", columns, 0)}
<tr>${callCells}</tr>
${rowCaption("Connect rate (0–100%)", columns, 6)}
<tr>${rateCells}</tr>
<tr>${weekdays}</tr>
<tr>${dates}</tr>
</table>
${caption ? html`<div class="cr-muted" style="font-family:${FONT};font-size:12px;line-height:16px;color:${COLOR.muted};padding-top:6px;">${caption}</div>` : ""}
</td></tr>`;
}
