import { describe, expect, it } from "vitest";
import { eventShape, InvalidEventError, parseReportEvent } from "../lambda/events.js";

// Noon in New York on 5 Aug 2025: the 4th is over, the 5th is not.
const NOW = new Date("2025-08-05T16:00:00Z");
const options = { timezone: "America/New_York", maxBackfillDays: 31, now: NOW };

describe("parseReportEvent", () => {
  it("reports yesterday in the report timezone for a scheduled run", () => {
    // 06:30 in New York on 5 Aug is 10:30 UTC.
    expect(parseReportEvent({ scheduledTime: "2025-08-05T10:30:00Z" }, options)).toEqual({
      trigger: "schedule",
      dates: ["2025-08-04"],
      force: false,
      preview: false,
      reports: null,
    });
  });

  it("derives the day from the schedule's time, not the clock, so a late retry reports the same day", () => {
    // Scheduled at 00:30 local on 5 Aug (04:30 UTC), retried the next day: still 4 Aug.
    expect(parseReportEvent({ scheduledTime: "2025-08-05T04:30:00Z" }, options).dates).toEqual(["2025-08-04"]);
  });

  it("reads yesterday across the UTC date line for a scheduled run", () => {
    // 01:00 UTC on 5 Aug is still 4 Aug in New York: yesterday there is 3 Aug.
    expect(parseReportEvent({ scheduledTime: "2025-08-05T01:00:00Z" }, options).dates).toEqual(["2025-08-03"]);
  });

  it("takes a manual day and the force flag", () => {
    expect(parseReportEvent({ date: "2025-08-04", force: true }, options)).toEqual({
      trigger: "manual",
      dates: ["2025-08-04"],
      force: true,
      preview: false,
      reports: null,
    });
  });

  it("expands a backfill range into independent days, across a month end", () => {
    expect(parseReportEvent({ from: "2025-07-30", to: "2025-08-02" }, options)).toEqual({
      trigger: "backfill",
      dates: ["2025-07-30", "2025-07-31", "2025-08-01", "2025-08-02"],
      force: false,
      preview: false,
      reports: null,
    });
  });

  it("takes the reports a manual run or a backfill names, and refuses a name the stage has none of", () => {
    const stage = { ...options, reportNames: ["daily", "sales", "finance"] };
    expect(parseReportEvent({ date: "2025-08-04", reports: ["sales", "sales"] }, stage).reports).toEqual(["sales"]);
    expect(parseReportEvent({ from: "2025-08-01", to: "2025-08-02", reports: ["finance"] }, stage).reports).toEqual([
      "finance",
    ]);
    expect(() => parseReportEvent({ date: "2025-08-04", reports: ["sales", "ops"] }, stage)).toThrow(
      'Invalid event: "reports" names "ops", which this stage does not have — its reports are "daily", "sales", "finance".',
    );
    expect(() => parseReportEvent({ date: "2025-08-04", reports: [] }, stage)).toThrow(
      /"reports" is empty — leave it out to run every report/,
    );
    expect(() => parseReportEvent({ scheduledTime: "2025-08-05T10:30:00Z", reports: ["sales"] }, stage)).toThrow(
      /unexpected "reports"/,
    );
  });

  it("takes a weekly or monthly period: a scheduled one is the last that ended before its own time", () => {
    // The schedule fires on Monday 11 Aug 2025 at 07:00 in New York (11:00Z): the week before is W32.
    const weekly = parseReportEvent(
      { scheduledTime: "2025-08-11T11:00:00Z", period: "week" },
      {
        ...options,
        now: new Date("2025-08-12T12:00:00Z"),
      },
    );
    expect(weekly).toMatchObject({ trigger: "schedule", dates: [], period: { kind: "week", label: "2025-W32" } });
    const monthly = parseReportEvent(
      { scheduledTime: "2025-09-01T11:30:00Z", period: "month" },
      {
        ...options,
        now: new Date("2025-09-01T11:30:00Z"),
      },
    );
    expect(monthly.period).toMatchObject({ label: "2025-08", firstDate: "2025-08-01", lastDate: "2025-08-31" });
  });

  it("takes a manual period naming any day inside it, and refuses one that has not ended", () => {
    const later = { ...options, now: new Date("2025-08-12T12:00:00Z"), reportNames: ["daily", "sales"] };
    expect(
      parseReportEvent({ period: "week", date: "2025-08-10", force: true, reports: ["sales"] }, later),
    ).toMatchObject({
      trigger: "manual",
      force: true,
      reports: ["sales"],
      period: { label: "2025-W32", firstDate: "2025-08-04", lastDate: "2025-08-10" },
    });
    expect(() => parseReportEvent({ period: "week", date: "2025-08-12" }, later)).toThrow(
      /^Invalid event: the week 2025-W33 ends on 2025-08-17, and 2025-08-17 has not ended in America\/New_York yet .* — name a day of an earlier week\.$/,
    );
    expect(() => parseReportEvent({ period: "year" }, later)).toThrow(/"period" must be "week" or "month"/);
    expect(() => parseReportEvent({ period: "week", preview: true }, later)).toThrow(/unexpected "preview"/);
  });

  it("refuses a day that has not ended, saying when it can be reported and how to ask for a preview", () => {
    expect(() => parseReportEvent({ date: "2025-08-05" }, options)).toThrow(
      'Invalid event: 2025-08-05 has not ended in America/New_York yet (it can be reported from 00:15 on 6 Aug 2025) — pick an earlier date, or add "preview":true for a partial report.',
    );
    expect(() => parseReportEvent({ date: "2099-01-01" }, options)).toThrow(InvalidEventError);
  });

  it("refuses a backfill whose last day has not ended as a whole", () => {
    expect(() => parseReportEvent({ from: "2025-08-01", to: "2025-08-05" }, options)).toThrow(
      /^Invalid event: "to": 2025-08-05 has not ended in America\/New_York yet .* — end the backfill on an earlier day\.$/,
    );
  });

  it("takes a preview of a day that has not ended", () => {
    expect(parseReportEvent({ date: "2025-08-05", preview: true }, options)).toEqual({
      trigger: "manual",
      dates: ["2025-08-05"],
      force: false,
      preview: true,
      reports: null,
    });
  });

  it("refuses a preview of a day that has ended: that is the full report", () => {
    expect(() => parseReportEvent({ date: "2025-08-04", preview: true }, options)).toThrow(
      'Invalid event: 2025-08-04 has ended in America/New_York — leave out "preview" to report the full day.',
    );
  });

  it("refuses a preview of a day that has not begun: it would be a report of nothing", () => {
    expect(() => parseReportEvent({ date: "2099-01-01", preview: true }, options)).toThrow(
      "Invalid event: 2099-01-01 has not begun in America/New_York yet — a preview shows a day under way; pick today or an earlier date.",
    );
    // Tomorrow in New York begins at 04:00Z on the 6th.
    expect(() => parseReportEvent({ date: "2025-08-06", preview: true }, options)).toThrow(/has not begun/);
    expect(
      parseReportEvent({ date: "2025-08-06", preview: true }, { ...options, now: new Date("2025-08-06T04:00:00Z") })
        .preview,
    ).toBe(true);
  });

  it("never refuses a scheduled run, even one minutes after midnight", () => {
    // 00:01 in New York on 6 Aug (04:01Z), delivered at once: the 5th ended a minute ago.
    const justAfterMidnight = new Date("2025-08-06T04:01:00Z");
    expect(
      parseReportEvent({ scheduledTime: justAfterMidnight.toISOString() }, { ...options, now: justAfterMidnight })
        .dates,
    ).toEqual(["2025-08-05"]);
  });

  it("refuses a scheduled event whose day lies in the future", () => {
    expect(() => parseReportEvent({ scheduledTime: "2099-01-02T12:00:00Z" }, options)).toThrow(
      /^Invalid event: 2099-01-01 has not ended/,
    );
  });

  it("refuses a backfill longer than the configured bound", () => {
    expect(() => parseReportEvent({ from: "2025-01-01", to: "2025-03-01" }, options)).toThrow(
      /more than 31 days — split the backfill/,
    );
  });

  it("refuses a range whose start is after its end", () => {
    expect(() => parseReportEvent({ from: "2025-08-05", to: "2025-08-01" }, options)).toThrow(/is after "to"/);
  });

  it.each([
    [{ date: "2025-02-30" }, /"date" must be a calendar date/],
    [{ date: "yesterday" }, /"date" must be a calendar date/],
    [{ scheduledTime: "not a time" }, /"scheduledTime"/],
    [{}, /expected \{"scheduledTime"/],
    ["2025-08-04", /expected \{"scheduledTime"/],
    [{ date: "2025-08-04", force: "yes" }, /"force"/],
    [{ date: "2025-08-04", extra: 1 }, /expected/],
    [{ from: "2025-08-01", to: "2025-08-02", preview: true }, /unexpected "preview"/],
  ])("rejects %j with a clear error", (event, message) => {
    expect(() => parseReportEvent(event, options)).toThrow(InvalidEventError);
    expect(() => parseReportEvent(event, options)).toThrow(message);
  });
});

describe("eventShape", () => {
  it("describes an event by its keys and value types, never its values", () => {
    expect(eventShape({ date: "4 Aug", force: "yes", token: "s3cr3t", extra: null, list: [1] })).toEqual({
      date: "string",
      force: "string",
      token: "string",
      extra: "null",
      list: "array",
    });
    expect([eventShape("s3cr3t"), eventShape(null), eventShape([1]), eventShape(undefined)]).toEqual([
      "string",
      "null",
      "array",
      "undefined",
    ]);
  });
});
