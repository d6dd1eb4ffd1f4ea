import { describe, expect, it } from "vitest";
import { periodReportEmail } from "../../lambda/report/email-content.js";
import { renderPeriodEmail } from "../../lambda/report/email-period.js";
import { dateRange } from "../../lambda/report/email-period-facts.js";
import { emptySummaryFixture } from "../support/email-fixtures.js";
import { AUGUST_2025, periodEmailInput, WEEK_32 } from "../support/period-email-fixtures.js";

const week = () => renderPeriodEmail(periodEmailInput());
const month = () => renderPeriodEmail(periodEmailInput(AUGUST_2025));

/** The chart's day columns: class and title of each. */
function dayColumns(html: string) {
  return [...html.matchAll(/<td class="(cr-day[^"]*)" title="([^"]*)"/g)].map(([, classes = "", title = ""]) => ({
    classes,
    title,
  }));
}

describe("the period email's subject", () => {
  it("names the ISO week and its dates, then the headline numbers", () => {
    expect(week().subject).toBe("Calls report — week 32 · 4–10 Aug 2025 — 6,327 calls · 204 h talk · $1,600.75");
  });

  it("names the month", () => {
    expect(month().subject).toMatch(/^Calls report — August 2025 — [\d,]+ calls · \d+ h talk · \$[\d,.]+$/);
  });

  it("is tagged with the environment outside prod, like the day's", () => {
    expect(renderPeriodEmail(periodEmailInput(WEEK_32, { environment: "dev" })).subject).toMatch(
      /^\[dev\] Calls report — week 32 /,
    );
  });

  it("says 'no calls' for a period without any", () => {
    const input = periodEmailInput(WEEK_32, { summary: emptySummaryFixture() });
    expect(renderPeriodEmail(input).subject).toBe("Calls report — week 32 · 4–10 Aug 2025 — no calls");
  });

  it("writes a week across months and years in full", () => {
    expect(dateRange("2025-07-28", "2025-08-03")).toBe("28 Jul – 3 Aug 2025");
    expect(dateRange("2025-12-29", "2026-01-04")).toBe("29 Dec 2025 – 4 Jan 2026");
  });
});

describe("the period email's layout", () => {
  it("heads the email with the cadence and the period", () => {
    const { html, text } = week();
    expect(html).toContain(">Weekly calls report</div>");
    expect(html).toContain(">Week 32 · 4–10 Aug 2025</h1>");
    expect(text).toContain("Weekly calls report — week 32 · 4–10 Aug 2025 (UTC)");
    expect(month().html).toContain(">Monthly calls report</div>");
  });

  it("sets the tiles against the previous period and the same period a year ago", () => {
    const { html, text } = week();
    expect(html).toMatch(/▲ 6\.4% <span[^>]*>vs week 31<\/span>/);
    expect(html).toMatch(/▲ 23\.5% <span[^>]*>vs 2024<\/span>/);
    expect(text).toContain("▲ 6.4% vs week 31 · ▲ 23.5% vs 2024");
    expect(month().text).toMatch(/vs Jul 2025 · .* vs Aug 2024/);
  });

  it("shows no deltas when no earlier period is stored", () => {
    const input = periodEmailInput(WEEK_32, { comparison: { previousPeriod: null, samePeriodLastYear: null } });
    expect(renderPeriodEmail(input).text).not.toMatch(/[▲▼]/);
  });

  it("draws a bar per day of the period, none highlighted", () => {
    const days = dayColumns(week().html);
    expect(days.map((day) => day.title.slice(0, 10))).toEqual([
      "Mon 4 Aug ",
      "Tue 5 Aug ",
      "Wed 6 Aug ",
      "Thu 7 Aug ",
      "Fri 8 Aug ",
      "Sat 9 Aug ",
      "Sun 10 Aug",
    ]);
    expect(days.every((day) => day.classes === "cr-day")).toBe(true);
    expect(dayColumns(month().html)).toHaveLength(31);
  });

  it("draws a day of the period without a summary as a gap", () => {
    const input = periodEmailInput();
    const days = input.days.map((day) => (day.date === "2025-08-06" ? { ...day, summary: null } : day));
    const columns = dayColumns(renderPeriodEmail({ ...input, days }).html);
    expect(columns[2]).toEqual({ classes: "cr-day cr-day-gap", title: "Wed 6 Aug 2025: no report stored" });
  });

  it("names the busiest and the quietest day in both parts", () => {
    const { html, text } = week();
    const sentence = "Busiest day Wed 6 Aug (1,346 calls), quietest Sun 10 Aug (162 calls).";
    expect(html).toContain(sentence);
    expect(text).toContain(sentence);
    expect(text).toMatch(/\n {2}Wed 6 Aug +1,346 +█{16} +66\.0%\n/);
  });

  it("keeps the day's sections in the day's order", () => {
    const { html } = week();
    const markers = [
      "Download the workbook",
      ">Calls per day</td>",
      ">Outcomes</td>",
      "Activity by hour",
      ">Top assistants</td>",
    ];
    const positions = markers.map((marker) => html.indexOf(marker));
    expect(positions.every((position) => position > -1)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("links the period's workbook and the archive", () => {
    const { html, text } = week();
    expect(html).toContain('href="https://reports.example.com/calls-report-week-2025-W32.xlsx?sig=a"');
    expect(text).toContain("calls-report-week-2025-W32.xlsx is attached and can also be downloaded.");
    expect(text).toContain("Past reports: https://reports.example.com/archive?sig=b");
  });

  it("says which figures are approximate, only when some are", () => {
    expect(week().text).not.toContain("Approximate");
    const input = periodEmailInput(WEEK_32, { approximate: ["median talk time", "p90 talk time"] });
    const { html, text } = renderPeriodEmail(input);
    const note = "median talk time, p90 talk time are approximate: some days were stored by an earlier version";
    expect(html).toContain(`<strong>Approximate:</strong> ${note}`);
    expect(text).toContain(`Approximate: ${note}`);
  });

  it("says there were no calls and skips the tiles and the chart in an empty period", () => {
    const { html, text } = renderPeriodEmail(periodEmailInput(WEEK_32, { summary: emptySummaryFixture() }));
    expect(html).toContain("No calls in week 32 · 4–10 Aug 2025 (UTC).");
    expect(html).not.toContain("Calls per day");
    expect(text).toContain("No calls in week 32 · 4–10 Aug 2025.");
  });

  it("is built of table cells, no images or SVG, with the bars' dark-mode rule", () => {
    const { html } = month();
    expect(html).not.toMatch(/<(img|svg)/i);
    expect(html).toContain(".cr-track { background-color: #2a313b !important; }");
  });
});

describe("periodReportEmail", () => {
  it("gives the attached and the link-only period email, like the day's", () => {
    const input = periodEmailInput();
    const email = periodReportEmail({
      ...input,
      recipients: { from: "a@example.com", to: ["b@example.com"], cc: [], bcc: [] },
      attachWorkbook: true,
    });
    expect(email.withAttachment?.attachmentFileName).toBe("calls-report-week-2025-W32.xlsx");
    expect(email.withAttachment?.content.subject).toMatch(/^Calls report — week 32 /);
    expect(email.linkOnly.text).toContain(
      "Download calls-report-week-2025-W32.xlsx with the link below. It is too large to attach",
    );
  });
});
