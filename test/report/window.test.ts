import { describe, expect, it } from "vitest";
import {
  apiDateRange,
  InvalidDateError,
  InvalidTimezoneError,
  isInWindow,
  localHour,
  parseApiTimestamp,
  previousLocalDate,
  reportWindow,
  shiftDate,
  unfinishedDayReason,
  wallClock,
} from "../../lambda/report/window.js";

const HOUR_MS = 60 * 60 * 1000;

function hoursLong(window: { start: Date; end: Date }): number {
  return (window.end.getTime() - window.start.getTime()) / HOUR_MS;
}

function iso(window: { start: Date; end: Date }): { start: string; end: string } {
  return { start: window.start.toISOString(), end: window.end.toISOString() };
}

describe("reportWindow", () => {
  it("is the UTC calendar day on a normal day in UTC", () => {
    const window = reportWindow("2025-08-04", "UTC");
    expect(iso(window)).toEqual({ start: "2025-08-04T00:00:00.000Z", end: "2025-08-05T00:00:00.000Z" });
    expect(window).toMatchObject({ date: "2025-08-04", timezone: "UTC" });
  });

  it("starts at local midnight in the report timezone (Berlin summer time is UTC+2)", () => {
    expect(iso(reportWindow("2025-08-04", "Europe/Berlin"))).toEqual({
      start: "2025-08-03T22:00:00.000Z",
      end: "2025-08-04T22:00:00.000Z",
    });
  });

  it("is 23 hours long on the spring-forward day in America/New_York", () => {
    const window = reportWindow("2025-03-09", "America/New_York");
    expect(iso(window)).toEqual({ start: "2025-03-09T05:00:00.000Z", end: "2025-03-10T04:00:00.000Z" });
    expect(hoursLong(window)).toBe(23);
  });

  it("is 25 hours long on the fall-back day in America/New_York", () => {
    const window = reportWindow("2025-11-02", "America/New_York");
    expect(iso(window)).toEqual({ start: "2025-11-02T04:00:00.000Z", end: "2025-11-03T05:00:00.000Z" });
    expect(hoursLong(window)).toBe(25);
  });

  it("is 23 hours long on the spring-forward day in Europe/Berlin", () => {
    const window = reportWindow("2025-03-30", "Europe/Berlin");
    expect(iso(window)).toEqual({ start: "2025-03-29T23:00:00.000Z", end: "2025-03-30T22:00:00.000Z" });
    expect(hoursLong(window)).toBe(23);
  });

  it("is 25 hours long on the fall-back day in Europe/Berlin", () => {
    const window = reportWindow("2025-10-26", "Europe/Berlin");
    expect(iso(window)).toEqual({ start: "2025-10-25T22:00:00.000Z", end: "2025-10-26T23:00:00.000Z" });
    expect(hoursLong(window)).toBe(25);
  });

  it("starts at the first instant that exists when local midnight is skipped (America/Santiago)", () => {
    // Chile springs forward at 00:00: the day begins at 01:00 -03 and is 23 hours long.
    const window = reportWindow("2025-09-07", "America/Santiago");
    expect(iso(window)).toEqual({ start: "2025-09-07T04:00:00.000Z", end: "2025-09-08T03:00:00.000Z" });
    expect(hoursLong(window)).toBe(23);
  });

  it("ends at the next year's first midnight on December 31st", () => {
    expect(reportWindow("2025-12-31", "UTC").end.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("rejects a date that is not on the calendar, saying the expected format", () => {
    expect(() => reportWindow("2025-02-30", "UTC")).toThrow(InvalidDateError);
    expect(() => reportWindow("04.08.2025", "UTC")).toThrow(/YYYY-MM-DD/);
  });

  it("rejects a timezone the runtime does not know, with an example of a valid one", () => {
    expect(() => reportWindow("2025-08-04", "Mars/Base")).toThrow(InvalidTimezoneError);
    expect(() => reportWindow("2025-08-04", "Mars/Base")).toThrow(/Europe\/Berlin/);
  });
});

describe("apiDateRange", () => {
  it("fetches two UTC dates for a Tokyo day, which starts at 15:00 UTC the day before", () => {
    const window = reportWindow("2025-08-04", "Asia/Tokyo");
    expect(window.start.toISOString()).toBe("2025-08-03T15:00:00.000Z");
    expect(apiDateRange(window, "UTC")).toEqual({ dateFrom: "2025-08-03", dateTo: "2025-08-04" });
  });

  it("fetches two UTC dates for a Los Angeles day, which ends at 07:00 UTC the day after", () => {
    expect(apiDateRange(reportWindow("2025-08-04", "America/Los_Angeles"), "UTC")).toEqual({
      dateFrom: "2025-08-04",
      dateTo: "2025-08-05",
    });
  });

  it("fetches one date when the API speaks the report timezone", () => {
    expect(apiDateRange(reportWindow("2025-08-04", "Asia/Tokyo"), "Asia/Tokyo")).toEqual({
      dateFrom: "2025-08-04",
      dateTo: "2025-08-04",
    });
  });

  it("fetches one date for a UTC day from a UTC API (the end instant itself belongs to the next day)", () => {
    expect(apiDateRange(reportWindow("2025-08-04", "UTC"), "UTC")).toEqual({
      dateFrom: "2025-08-04",
      dateTo: "2025-08-04",
    });
  });
});

describe("isInWindow", () => {
  const window = reportWindow("2025-08-04", "Europe/Berlin");

  it("includes the first second and the last second of the day", () => {
    expect(isInWindow(new Date("2025-08-03T22:00:00Z"), window)).toBe(true);
    expect(isInWindow(new Date("2025-08-04T21:59:59Z"), window)).toBe(true);
  });

  it("excludes the second before the day and the end instant itself", () => {
    expect(isInWindow(new Date("2025-08-03T21:59:59Z"), window)).toBe(false);
    expect(isInWindow(new Date("2025-08-04T22:00:00Z"), window)).toBe(false);
  });
});

describe("parseApiTimestamp", () => {
  it("reads the API's zone-less timestamp in UTC", () => {
    expect(parseApiTimestamp("2025-08-04 14:30:00", "UTC")?.toISOString()).toBe("2025-08-04T14:30:00.000Z");
  });

  it("reads the same string in a configured non-UTC API timezone", () => {
    expect(parseApiTimestamp("2025-08-04 14:30:00", "America/New_York")?.toISOString()).toBe(
      "2025-08-04T18:30:00.000Z",
    );
  });

  it("honours an explicit Z or offset over the API timezone (Laravel's ISO serialisation)", () => {
    expect(parseApiTimestamp("2025-08-04T14:30:00.000000Z", "Asia/Tokyo")?.toISOString()).toBe(
      "2025-08-04T14:30:00.000Z",
    );
    expect(parseApiTimestamp("2025-08-04T14:30:00+02:00", "UTC")?.toISOString()).toBe("2025-08-04T12:30:00.000Z");
    expect(parseApiTimestamp("2025-08-04T14:30:00-0530", "UTC")?.toISOString()).toBe("2025-08-04T20:00:00.000Z");
  });

  it("reads the repeated fall-back hour as its earlier instant", () => {
    expect(parseApiTimestamp("2025-11-02 01:30:00", "America/New_York")?.toISOString()).toBe(
      "2025-11-02T05:30:00.000Z",
    );
  });

  it("returns null for text that is not a timestamp", () => {
    expect(parseApiTimestamp("yesterday", "UTC")).toBeNull();
    expect(parseApiTimestamp("2025-08-04", "UTC")).toBeNull();
    expect(parseApiTimestamp("2025-08-04 24:00:00", "UTC")).toBeNull();
  });

  it("returns null for a date that is not on the calendar instead of rolling it over", () => {
    expect(parseApiTimestamp("2025-02-30 10:00:00", "UTC")).toBeNull();
    expect(parseApiTimestamp("2025-13-01 10:00:00", "UTC")).toBeNull();
  });
});

describe("calendar helpers", () => {
  it("shifts dates across month and year ends", () => {
    expect(shiftDate("2025-03-01", -1)).toBe("2025-02-28");
    expect(shiftDate("2025-01-03", -7)).toBe("2024-12-27");
  });

  it("takes yesterday from the manager's clock, not UTC's", () => {
    // 23:30 UTC on Aug 4th is already 08:30 on Aug 5th in Tokyo.
    expect(previousLocalDate(new Date("2025-08-04T23:30:00Z"), "Asia/Tokyo")).toBe("2025-08-04");
    expect(previousLocalDate(new Date("2025-08-04T23:30:00Z"), "UTC")).toBe("2025-08-03");
  });

  it("gives both passes of the repeated fall-back hour local hour 1", () => {
    expect(localHour(new Date("2025-11-02T05:30:00Z"), "America/New_York")).toBe(1);
    expect(localHour(new Date("2025-11-02T06:30:00Z"), "America/New_York")).toBe(1);
  });

  it("encodes the local wall clock in the UTC fields for spreadsheets", () => {
    expect(wallClock(new Date("2025-08-04T22:15:30Z"), "Europe/Berlin").toISOString()).toBe("2025-08-05T00:15:30.000Z");
  });
});

describe("unfinishedDayReason", () => {
  const berlin = "Europe/Berlin";
  // 1 Dec 2026 ends at 2 Dec 00:00 in Berlin (CET, UTC+1) = 1 Dec 23:00Z; +15 min settling.
  it("refuses the day while it is still going on, saying from when it can be reported", () => {
    expect(unfinishedDayReason("2026-12-01", berlin, new Date("2026-12-01T12:00:00Z"))).toBe(
      "2026-12-01 has not ended in Europe/Berlin yet (it can be reported from 00:15 on 2 Dec 2026)",
    );
  });

  it("refuses it for the settling margin after midnight, and accepts it from then on", () => {
    expect(unfinishedDayReason("2026-12-01", berlin, new Date("2026-12-01T23:14:59Z"))).toMatch(
      "2026-12-01 has only just ended in Europe/Berlin (it can be reported from 00:15 on 2 Dec 2026)",
    );
    expect(unfinishedDayReason("2026-12-01", berlin, new Date("2026-12-01T23:15:00Z"))).toBeNull();
  });

  it("counts the 25-hour fall-back day to its real end", () => {
    // 25 Oct 2026 in Berlin: 24 Oct 22:00Z to 25 Oct 23:00Z.
    expect(unfinishedDayReason("2026-10-25", berlin, new Date("2026-10-25T23:10:00Z"))).not.toBeNull();
    expect(unfinishedDayReason("2026-10-25", berlin, new Date("2026-10-25T23:15:00Z"))).toBeNull();
  });
});
