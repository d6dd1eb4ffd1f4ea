import { describe, expect, it } from "vitest";
import {
  InvalidPeriodError,
  isoWeekOf,
  isoWeeksInYear,
  lastFinishedPeriod,
  periodContaining,
  periodFileStem,
  periodFromLabel,
  periodTitle,
  periodWindow,
  periodWindows,
  previousFinishedPeriod,
  previousPeriod,
  samePeriodLastYear,
} from "../../lambda/report/period.js";

const HOUR_MS = 60 * 60 * 1000;

describe("isoWeekOf", () => {
  // Expected values from ISO 8601's rule (the week holding the year's first Thursday is week 1),
  // checked against a calendar by hand.
  it.each([
    ["2021-01-01", 2020, 53], // a Friday: its Thursday is 2020-12-31
    ["2021-01-03", 2020, 53], // the Sunday of that week
    ["2021-01-04", 2021, 1], // the Monday after
    ["2024-12-30", 2025, 1], // a Monday whose Thursday is 2025-01-02
    ["2026-12-31", 2026, 53], // 2026 starts on a Thursday: 53 weeks
    ["2027-01-01", 2026, 53],
    ["2025-12-31", 2026, 1], // a Wednesday: its Thursday is 2026-01-01
    ["2025-08-04", 2025, 32],
    ["2025-08-10", 2025, 32],
  ])("puts %s in %i-W%i", (date, isoYear, week) => {
    expect(isoWeekOf(date)).toEqual({ isoYear, week });
  });

  it("counts 53 weeks in years that start (or, in leap years, end) on a Thursday", () => {
    expect([2015, 2020, 2021, 2024, 2025, 2026].map(isoWeeksInYear)).toEqual([53, 53, 52, 52, 52, 53]);
  });
});

describe("periodContaining", () => {
  it("is the Monday-to-Sunday ISO week of a date, labelled by its week-year", () => {
    const week = periodContaining("week", "2021-01-01");
    expect(week).toMatchObject({ kind: "week", label: "2020-W53", firstDate: "2020-12-28", lastDate: "2021-01-03" });
    expect(week.dates).toEqual([
      "2020-12-28",
      "2020-12-29",
      "2020-12-30",
      "2020-12-31",
      "2021-01-01",
      "2021-01-02",
      "2021-01-03",
    ]);
  });

  it("labels week 1 of a week-year that begins in the previous December", () => {
    expect(periodContaining("week", "2024-12-31")).toMatchObject({
      label: "2025-W01",
      firstDate: "2024-12-30",
      lastDate: "2025-01-05",
    });
  });

  it("has 29 days in February of a leap year and 28 otherwise", () => {
    const leap = periodContaining("month", "2024-02-10");
    expect(leap).toMatchObject({ label: "2024-02", firstDate: "2024-02-01", lastDate: "2024-02-29" });
    expect(leap.dates).toHaveLength(29);
    const common = periodContaining("month", "2025-02-28");
    expect(common).toMatchObject({ label: "2025-02", lastDate: "2025-02-28" });
    expect(common.dates).toHaveLength(28);
    // 1900 is not a leap year (divisible by 100, not by 400); 2000 is.
    expect(periodContaining("month", "1900-02-01").dates).toHaveLength(28);
    expect(periodContaining("month", "2000-02-01").dates).toHaveLength(29);
  });

  it("has 31 days in December and 30 in November", () => {
    expect(periodContaining("month", "2025-12-31").dates).toHaveLength(31);
    expect(periodContaining("month", "2025-11-01").dates).toHaveLength(30);
  });

  it("refuses a date that is not a calendar date", () => {
    expect(() => periodContaining("month", "2025-02-30")).toThrow(/not a calendar date/);
  });
});

describe("previous and finished periods", () => {
  it("steps back one week across a year boundary", () => {
    expect(previousPeriod(periodFromLabel("2021-W01")).label).toBe("2020-W53");
    expect(previousPeriod(periodFromLabel("2025-W01")).label).toBe("2024-W52");
  });

  it("steps back one month across a year boundary", () => {
    expect(previousPeriod(periodFromLabel("2025-01"))).toMatchObject({ label: "2024-12", lastDate: "2024-12-31" });
  });

  it("takes the week that ended yesterday on a Monday, and the same week on its Sunday's next Sunday", () => {
    expect(previousFinishedPeriod("week", "2025-08-11").label).toBe("2025-W32");
    // Sunday 2025-08-17 is still inside W33, so the last finished week is W32.
    expect(previousFinishedPeriod("week", "2025-08-17").label).toBe("2025-W32");
  });

  it("takes the previous month on the 1st", () => {
    expect(previousFinishedPeriod("month", "2025-03-01")).toMatchObject({ label: "2025-02", lastDate: "2025-02-28" });
  });

  it("reads today in the report timezone: 02:00 UTC on a Monday is still Sunday in New York", () => {
    const now = new Date("2025-08-11T02:00:00Z");
    expect(lastFinishedPeriod("week", now, "Europe/Berlin").label).toBe("2025-W32");
    expect(lastFinishedPeriod("week", now, "America/New_York").label).toBe("2025-W31");
  });
});

describe("samePeriodLastYear", () => {
  it("is the same month of the previous year", () => {
    expect(samePeriodLastYear(periodFromLabel("2025-02"))).toMatchObject({ label: "2024-02", lastDate: "2024-02-29" });
  });

  it("is the same ISO week number of the previous week-year", () => {
    expect(samePeriodLastYear(periodFromLabel("2025-W32"))).toMatchObject({
      label: "2024-W32",
      firstDate: "2024-08-05",
    });
  });

  it("is null for week 53 when the previous year had 52 weeks", () => {
    expect(samePeriodLastYear(periodFromLabel("2026-W53"))).toBeNull();
    expect(samePeriodLastYear(periodFromLabel("2020-W53"))).toBeNull();
  });
});

describe("periodFromLabel", () => {
  it("reads week and month labels back", () => {
    for (const label of ["2020-W53", "2025-W01", "2025-W32", "2024-02", "2025-12"]) {
      expect(periodFromLabel(label).label).toBe(label);
    }
  });

  it.each(["2025-W53", "2025-W00", "2025-13", "2025-00", "2025-8", "W32"])("refuses %s", (label) => {
    expect(() => periodFromLabel(label)).toThrow(InvalidPeriodError);
  });

  it("titles a week with its days and a month with its name", () => {
    expect(periodTitle(periodFromLabel("2025-W32"))).toBe("week 2025-W32, Mon 4 Aug – Sun 10 Aug 2025");
    expect(periodTitle(periodFromLabel("2020-W53"))).toBe("week 2020-W53, Mon 28 Dec – Sun 3 Jan 2021");
    expect(periodTitle(periodFromLabel("2024-02"))).toBe("February 2024");
  });

  it("names the files by kind and label", () => {
    expect(periodFileStem(periodFromLabel("2025-W32"))).toBe("week-2025-W32");
    expect(periodFileStem(periodFromLabel("2025-08"))).toBe("month-2025-08");
  });
});

describe("period windows", () => {
  it("covers a week over New York's fall-back change with its seven local days: 169 hours, no gap", () => {
    // 2025-11-02 01:59:59 EDT is followed by 01:00:00 EST; the week is Monday 27 Oct to Sunday 2 Nov.
    const week = periodContaining("week", "2025-11-02");
    expect(week.label).toBe("2025-W44");
    const windows = periodWindows(week, "America/New_York");
    expect(windows.map((window) => window.date)).toEqual(week.dates);
    const hours = windows.map((window) => (window.end.getTime() - window.start.getTime()) / HOUR_MS);
    expect(hours).toEqual([24, 24, 24, 24, 24, 24, 25]);
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.start).toEqual(windows[i - 1]?.end);
    const whole = periodWindow(week, "America/New_York");
    expect(whole.start.toISOString()).toBe("2025-10-27T04:00:00.000Z");
    expect(whole.end.toISOString()).toBe("2025-11-03T05:00:00.000Z");
    expect((whole.end.getTime() - whole.start.getTime()) / HOUR_MS).toBe(169);
  });

  it("covers a week over the spring-forward change with 167 hours", () => {
    const windows = periodWindows(periodContaining("week", "2025-03-09"), "America/New_York");
    const total = windows.reduce((sum, window) => sum + window.end.getTime() - window.start.getTime(), 0);
    expect(total / HOUR_MS).toBe(167);
  });
});
