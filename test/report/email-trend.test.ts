import { describe, expect, it } from "vitest";
import { type RenderEmailInput, renderEmail } from "../../lambda/report/email.js";
import { reportEmail } from "../../lambda/report/email-content.js";
import { type StoredDay, trendDates } from "../../lambda/report/email-days.js";
import type { Summary } from "../../lambda/report/summary.js";
import { emptySummaryFixture, summaryFixture } from "../support/email-fixtures.js";

const CALLS_PIXELS = 56;
const RATE_PIXELS = 24;

/** A stored day with `calls` calls of which `connected` connected. */
function stored(date: string, calls: number, connected = Math.round(calls * 0.6), overrides: Partial<Summary> = {}) {
  const base = summaryFixture();
  const totals = { ...base.totals, calls, connectedCalls: connected, connectRate: calls ? connected / calls : null };
  return { date, summary: summaryFixture({ date, totals, ...overrides }) };
}

/** The 13 days before Mon 4 Aug 2025: 1,000 + 50 a day, with Sun 27 Jul stored as null and Thu 31 Jul as a day of no calls. */
function history(): StoredDay[] {
  return trendDates("2025-08-04")
    .slice(0, -1)
    .map((date, index) => {
      if (date === "2025-07-27") return { date, summary: null };
      if (date === "2025-07-31") return stored(date, 0);
      return stored(date, 1000 + 50 * index);
    });
}

function render(overrides: Partial<RenderEmailInput> = {}) {
  return renderEmail({
    summary: summaryFixture(),
    link: null,
    environment: null,
    attached: true,
    workbookFileName: "calls-report-2025-08-04.xlsx",
    trend: history(),
    ...overrides,
  });
}

interface Column {
  classes: string;
  title: string;
  markup: string;
}

/** The chart's day columns (calls row) and connect-rate columns, read from the HTML. */
function chart(html: string) {
  const callsRow = /<tr>(<td class="cr-day[\s\S]*?)<\/tr>\n/.exec(html)?.[1] ?? "";
  const rateRow = /<tr>(<td class="cr-rate[\s\S]*?)<\/tr>\n/.exec(html)?.[1] ?? "";
  const days: Column[] = callsRow.split(/(?=<td class="cr-day)/).map((markup) => {
    const [, classes = "", title = ""] = /^<td class="([^"]*)" title="([^"]*)"/.exec(markup) ?? [];
    return { classes, title, markup };
  });
  const rates = rateRow.split(/(?=<td class="cr-rate)/);
  const barHeight = (markup: string) => Number(/class="cr-bar" height="(\d+)"/.exec(markup)?.[1] ?? 0);
  return { days, rates, barHeight };
}

describe("the last 14 days in the day's email", () => {
  it("draws 14 day columns, oldest first, ending with the report day", () => {
    const { days } = chart(render().html);
    expect(days).toHaveLength(14);
    expect(days[0]?.title).toMatch(/^Tue 22 Jul 2025: /);
    expect(days[13]?.title).toBe("Mon 4 Aug 2025: 1,234 calls · 68.2% connected");
  });

  it("highlights the report day's bar, and only it", () => {
    const { days } = chart(render().html);
    const highlighted = days.filter((day) => day.classes.includes("cr-day-today"));
    expect(highlighted.map((day) => day.title)).toEqual(["Mon 4 Aug 2025: 1,234 calls · 68.2% connected"]);
    expect(highlighted[0]?.markup).toContain("background-color:#3b6fd8");
    expect(days[12]?.markup).not.toContain("background-color:#3b6fd8");
  });

  it("shows a day without a stored summary as a gap, not a zero: no track, no bar, a dash", () => {
    const html = render().html;
    const { days, rates } = chart(html);
    const gap = days.findIndex((day) => day.title.startsWith("Sun 27 Jul"));
    expect(days[gap]?.classes).toBe("cr-day cr-day-gap");
    expect(days[gap]?.title).toBe("Sun 27 Jul 2025: no report stored");
    expect(days[gap]?.markup).toMatch(/>–<\/td>$/);
    expect(days[gap]?.markup).not.toContain("cr-track");
    expect(rates[gap]).not.toContain("cr-track");
  });

  it("shows a stored day without calls as a zero: an empty track, no bar", () => {
    const { days, barHeight } = chart(render().html);
    const zero = days.find((day) => day.title.startsWith("Thu 31 Jul"));
    expect(zero?.classes).toBe("cr-day");
    expect(zero?.title).toBe("Thu 31 Jul 2025: 0 calls");
    expect(zero?.markup).toContain(`class="cr-track" height="${CALLS_PIXELS}"`);
    expect(barHeight(zero?.markup ?? "")).toBe(0);
  });

  it("treats a date the pipeline left out like a stored null: a gap", () => {
    const trend = history().filter((day) => day.date !== "2025-07-22");
    expect(chart(render({ trend }).html).days[0]?.classes).toBe("cr-day cr-day-gap");
  });

  it("sizes the calls bars in proportion to the busiest day, and the connect-rate bars on a 0–100% scale", () => {
    const trend = history();
    const { days, rates, barHeight } = chart(render({ trend }).html);
    const calls = [...trend.map((day) => day.summary?.totals.calls ?? null), 1234];
    const max = Math.max(...calls.map((n) => n ?? 0));
    expect(max).toBe(1600);
    calls.forEach((n, index) => {
      if (n === null) return;
      const column = days[index]?.markup ?? "";
      expect(barHeight(column), days[index]?.title).toBe(
        n === 0 ? 0 : Math.max(1, Math.round((n / max) * CALLS_PIXELS)),
      );
      // Bar and track always fill the column's full height.
      const track = Number(/class="cr-track" height="(\d+)"/.exec(column)?.[1] ?? 0);
      expect(track + barHeight(column)).toBe(CALLS_PIXELS);
    });
    expect(barHeight(days[13]?.markup ?? "")).toBe(43); // 1,234 / 1,600 × 56 = 43.2
    expect(barHeight(rates[13] ?? "")).toBe(Math.round((842 / 1234) * RATE_PIXELS));
    expect(barHeight(rates[0] ?? "")).toBe(Math.round(0.6 * RATE_PIXELS));
  });

  it("leaves out days that measure something else: another timezone, other filters, a preview", () => {
    const trend = history().map((day) => {
      if (day.date === "2025-07-22") return stored(day.date, 900, 500, { timezone: "Europe/Berlin" });
      if (day.date === "2025-07-23") {
        return stored(day.date, 900, 500, { filters: { assistantId: 7, campaignId: null, type: null, status: null } });
      }
      if (day.date === "2025-07-24") return stored(day.date, 900, 500, { partialAsOf: "2025-07-24T12:00:00.000Z" });
      return day;
    });
    const { days } = chart(render({ trend }).html);
    expect(days.slice(0, 3).map((day) => day.classes)).toEqual(Array(3).fill("cr-day cr-day-gap"));
  });

  it("sums up the earlier days under the chart, and says what a dash means", () => {
    // 11 days with calls (1,000 + 50 × index, without index 5 and 9) and a day of none.
    const earlier = history().flatMap((day) => (day.summary ? [day.summary.totals] : []));
    const calls = earlier.reduce((sum, t) => sum + t.calls, 0);
    const connected = earlier.reduce((sum, t) => sum + t.connectedCalls, 0);
    const average = Math.round(calls / earlier.length).toLocaleString("en-US");
    const rate = ((connected / calls) * 100).toFixed(1);
    const sentence = `The 12 earlier days with a report averaged ${average} calls · ${rate}% connected. A – marks a day without a stored report.`;
    const { html, text } = render();
    expect(html).toContain(sentence);
    expect(text).toContain(sentence);
  });

  it("gives the plain-text part a line a day, the gap and the report day marked", () => {
    const lines = render().text.split("\n");
    const start = lines.indexOf("Last 14 days: calls and connect rate");
    const days = lines.slice(start + 1, start + 15);
    expect(days[0]).toMatch(/^ {2}Tue 22 Jul +1,000 +█+ +60\.0%$/);
    expect(days[5]).toBe("  Sun 27 Jul        –  no report stored");
    expect(days[9]).toBe("  Thu 31 Jul        0");
    expect(days[13]).toMatch(/^ {2}Mon 4 Aug +1,234 +█+ +68\.2% {2}◀ this report$/);
    // The busiest day's bar is the full 16 characters; the others in proportion.
    expect(days[12]).toContain(`1,600  ${"█".repeat(16)}`);
    expect(days[13]).toContain(`1,234  ${"█".repeat(Math.round((1234 / 1600) * 16))} `);
  });

  it("stands after the workbook and before the outcomes", () => {
    const { html } = render();
    const order = ["Download", ">Last 14 days</td>", ">Outcomes</td>"].map((marker) => html.indexOf(marker));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order[1]).toBeGreaterThan(-1);
  });

  it("is there on a day without calls too: that is when the trend explains most", () => {
    const { days } = chart(render({ summary: emptySummaryFixture() }).html);
    expect(days[13]?.title).toBe("Mon 4 Aug 2025: 0 calls");
    expect(days[13]?.classes).toBe("cr-day cr-day-today");
  });

  it("is left out when no earlier day has a report: one bar says nothing", () => {
    const trend = trendDates("2025-08-04").map((date) => ({ date, summary: null }));
    const { html, text } = render({ trend });
    expect(html).not.toContain("Last 14 days");
    expect(text).not.toContain("Last 14 days");
  });

  it("is left out, with its dark-mode rule, when no trend is given (a run without history)", () => {
    const { html, text } = render({ trend: undefined });
    expect(html).not.toContain("Last 14 days");
    expect(html).not.toContain("cr-track");
    expect(text).not.toContain("Last 14 days");
  });

  it("is drawn with table cells only, no images or SVG, and escapes nothing it should not", () => {
    const { html } = render();
    expect(html).not.toMatch(/<(img|svg)/i);
    expect(html).toContain(".cr-track { background-color: #2a313b !important; }");
  });
});

describe("the trend through reportEmail", () => {
  it("reaches both the attached and the link-only email", () => {
    const email = reportEmail({
      summary: summaryFixture(),
      workbookFileName: "calls-report-2025-08-04.xlsx",
      link: null,
      environment: null,
      recipients: { from: "a@example.com", to: ["b@example.com"], cc: [], bcc: [] },
      attachWorkbook: true,
      trend: history(),
    });
    expect(email.withAttachment?.content.html).toContain(">Last 14 days</td>");
    expect(email.linkOnly.text).toContain("Last 14 days: calls and connect rate");
  });
});
