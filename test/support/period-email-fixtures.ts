/**
 * Period-email inputs for the tests and the README's pictures: a week (2025-W32) or a month
 * (August 2025) of made-up days — busy weekdays, quiet weekends — merged by hand into one summary.
 */
import type { StoredDay } from "../../lambda/report/email-days.js";
import type { EmailPeriod, PeriodComparison, PeriodEmailInput } from "../../lambda/report/email-period.js";
import type { Summary } from "../../lambda/report/summary.js";
import { shiftDate } from "../../lambda/report/window.js";
import { comparison, groupStats, summaryFixture } from "./email-fixtures.js";

export const WEEK_32: EmailPeriod = {
  kind: "week",
  label: "2025-W32",
  firstDate: "2025-08-04",
  lastDate: "2025-08-10",
  dates: Array.from({ length: 7 }, (_, i) => shiftDate("2025-08-04", i)),
};

export const AUGUST_2025: EmailPeriod = {
  kind: "month",
  label: "2025-08",
  firstDate: "2025-08-01",
  lastDate: "2025-08-31",
  dates: Array.from({ length: 31 }, (_, i) => shiftDate("2025-08-01", i)),
};

/** A day of the fixture: weekdays 1,000–1,380 calls, weekends 150–220, connect rate 62–71%. */
export function fixtureDay(date: string, index: number): Summary {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const calls = weekend ? 150 + ((index * 37) % 70) : 1000 + ((index * 173) % 380);
  const connectedCalls = Math.round(calls * (0.62 + ((index * 7) % 10) / 100));
  const base = summaryFixture().totals;
  const totalCost = Math.round(calls * 25.3) / 100;
  return summaryFixture({
    date,
    totals: {
      ...base,
      calls,
      connectedCalls,
      connectRate: connectedCalls / calls,
      durationSeconds: connectedCalls * 175,
      totalCost,
      totalCostMicros: Math.round(totalCost * 1e6),
    },
  });
}

/** The merged summary of `days`: the totals that the email shows added up, the rest scaled from the fixture. */
function merged(days: Summary[]): Summary {
  const sum = (pick: (day: Summary) => number) => days.reduce((total, day) => total + pick(day), 0);
  const calls = sum((day) => day.totals.calls);
  const connectedCalls = sum((day) => day.totals.connectedCalls);
  const durationSeconds = sum((day) => day.totals.durationSeconds);
  const totalCost = Math.round(sum((day) => day.totals.totalCost) * 100) / 100;
  const base = summaryFixture();
  const scale = calls / base.totals.calls;
  const scaled = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, Math.round(n * scale)]));
  return summaryFixture({
    date: days[0]?.date ?? base.date,
    // The morning after the period's last day.
    generatedAt: `${shiftDate(days[days.length - 1]?.date ?? base.date, 1)}T07:00:00.000Z`,
    totals: {
      ...base.totals,
      calls,
      connectedCalls,
      connectRate: connectedCalls / calls,
      humanAnswered: Math.round(calls * 0.57),
      humanRate: 0.57,
      durationSeconds,
      averageDurationSeconds: durationSeconds / connectedCalls,
      totalCost,
      carrierCost: Math.round(totalCost * 80) / 100,
      platformCost: Math.round(totalCost * 20) / 100,
      totalCostMicros: Math.round(totalCost * 1e6),
      costPerCall: totalCost / calls,
      costPerConnectedMinute: totalCost / (durationSeconds / 60),
    },
    byStatus: scaled(base.byStatus),
    byOutcome: scaled(base.byOutcome),
    scoredCalls: Math.round(base.scoredCalls * scale),
    hourly: base.hourly.map((n) => Math.round(n * scale)),
    assistants: [
      groupStats("Sales Assistant", Math.round(calls * 0.62)),
      groupStats("Support Assistant", Math.round(calls * 0.26)),
      groupStats("Renewals", calls - Math.round(calls * 0.62) - Math.round(calls * 0.26)),
    ],
    campaigns: [
      groupStats("Q4 Outreach Campaign", Math.round(calls * 0.73)),
      groupStats("(no campaign)", calls - Math.round(calls * 0.73)),
    ],
  });
}

/** The period's email input: every day stored, compared with the period before and a year ago. */
export function periodEmailInput(period: EmailPeriod = WEEK_32, overrides: Partial<PeriodEmailInput> = {}) {
  const summaries = period.dates.map(fixtureDay);
  const days: StoredDay[] = summaries.map((summary) => ({ date: summary.date, summary }));
  const summary = merged(summaries);
  const t = summary.totals;
  const against = (label: string, ratio: number): PeriodComparison => ({
    label,
    deltas: comparison(
      label,
      {
        calls: Math.round(t.calls * ratio),
        connectedCalls: Math.round(t.connectedCalls * ratio),
        connectRate: (t.connectRate ?? 0) - 0.012,
        durationSeconds: Math.round(t.durationSeconds * ratio),
        totalCost: Math.round(t.totalCost * ratio * 1.02 * 100) / 100,
        averageScore: 7.2,
      },
      summary,
    ).deltas,
  });
  const week = period.kind === "week";
  const input: PeriodEmailInput = {
    period,
    summary,
    days,
    approximate: [],
    comparison: {
      previousPeriod: against(week ? "2025-W31" : "2025-07", 0.94),
      samePeriodLastYear: against(week ? "2024-W32" : "2024-08", 0.81),
    },
    link: {
      url: `https://reports.example.com/calls-report-${period.kind}-${period.label}.xlsx?sig=a`,
      expiresAt: new Date(Date.parse(summary.generatedAt) + 7 * 86_400_000),
    },
    archive: {
      url: "https://reports.example.com/archive?sig=b",
      expiresAt: new Date(Date.parse(summary.generatedAt) + 30 * 86_400_000),
    },
    environment: null,
    attached: true,
    workbookFileName: `calls-report-${period.kind}-${period.label}.xlsx`,
    ...overrides,
  };
  return input;
}
