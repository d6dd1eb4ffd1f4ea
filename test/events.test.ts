import { describe, expect, it } from "vitest";
import { eventShape, InvalidEventError, parseReportEvent } from "../lambda/events.js";

const options = { timezone: "America/New_York", maxBackfillDays: 31 };

describe("parseReportEvent", () => {
  it("reports yesterday in the report timezone for a scheduled run", () => {
    // 06:30 in New York on 5 Aug is 10:30 UTC.
    expect(parseReportEvent({ scheduledTime: "2025-08-05T10:30:00Z" }, options)).toEqual({
      trigger: "schedule",
      dates: ["2025-08-04"],
      force: false,
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
    });
  });

  it("expands a backfill range into independent days, across a month end", () => {
    expect(parseReportEvent({ from: "2025-07-30", to: "2025-08-02" }, options)).toEqual({
      trigger: "backfill",
      dates: ["2025-07-30", "2025-07-31", "2025-08-01", "2025-08-02"],
      force: false,
    });
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
