/**
 * The HTML of two emails the demo cannot show yet, for the README's pictures: the day's email
 * with its last 14 days (a stored day missing, one without calls) and a week's email, both from
 * the test fixtures. Called by scripts/render-docs-pictures.sh, which screenshots them.
 *
 *   tsx scripts/render-email-samples.ts <output folder>   → email-trend.html, email-period.html
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderEmail } from "../lambda/report/email.js";
import { trendDates } from "../lambda/report/email-days.js";
import { renderPeriodEmail } from "../lambda/report/email-period.js";
import { fixtureDay, periodEmailInput } from "../test/support/period-email-fixtures.js";

const out = process.argv[2];
if (!out) throw new Error("usage: tsx scripts/render-email-samples.ts <output folder>");

const week = periodEmailInput();
const today = { ...fixtureDay("2025-08-04", 13), generatedAt: "2025-08-05T06:00:00.000Z" };
const trend = trendDates(today.date)
  .slice(0, -1)
  .map((date, index) => {
    if (date === "2025-07-27") return { date, summary: null };
    const summary = fixtureDay(date, index);
    return {
      date,
      summary:
        date === "2025-07-31"
          ? { ...summary, totals: { ...summary.totals, calls: 0, connectedCalls: 0, connectRate: null } }
          : summary,
    };
  });
const day = renderEmail({
  summary: today,
  trend,
  link: {
    url: "https://reports.example.com/calls-report-2025-08-04.xlsx?sig=a",
    expiresAt: new Date("2025-08-12T06:00:00Z"),
  },
  archive: { url: "https://reports.example.com/archive?sig=b", expiresAt: new Date("2025-09-04T06:00:00Z") },
  environment: null,
  attached: true,
  workbookFileName: "calls-report-2025-08-04.xlsx",
});
writeFileSync(join(out, "email-trend.html"), day.html);
writeFileSync(join(out, "email-period.html"), renderPeriodEmail(week).html);
