import { describe, expect, it } from "vitest";
import { parseApiTimestamp, wallClock } from "../../lambda/report/window.js";
import { ZoneClock } from "../../lambda/report/zone-clock.js";

const MINUTE_MS = 60_000;

describe("ZoneClock.wallClock", () => {
  it.each([
    ["America/New_York", "2025-11-02T00:00:00Z"],
    ["Europe/Berlin", "2025-03-30T00:00:00Z"],
    ["Australia/Lord_Howe", "2025-04-05T12:00:00Z"],
    ["Asia/Kathmandu", "2025-08-04T00:00:00Z"],
  ])("reads every minute of a DST or odd-offset day in %s exactly as window.ts does", (timezone, from) => {
    const clock = new ZoneClock("UTC", timezone);
    const start = Date.parse(from);
    for (let time = start; time < start + 26 * 60 * MINUTE_MS; time += MINUTE_MS + 7_000) {
      const instant = new Date(time);
      expect(clock.wallClock(instant).getTime(), instant.toISOString()).toBe(wallClock(instant, timezone).getTime());
    }
  });
});

describe("ZoneClock.instant", () => {
  const pad = (n: number) => String(n).padStart(2, "0");
  /** The API's `YYYY-MM-DD HH:MM:SS` of the UTC fields of `time`: a wall clock to read in a zone. */
  const plain = (time: number) => {
    const d = new Date(time);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  };

  it.each([
    ["America/New_York", "2025-11-02T00:00:00Z"],
    ["America/New_York", "2025-03-09T00:00:00Z"],
    ["Europe/Berlin", "2025-03-30T00:00:00Z"],
    ["Australia/Lord_Howe", "2025-04-05T12:00:00Z"],
    ["Asia/Kathmandu", "2025-08-04T00:00:00Z"],
  ])("reads every minute of a DST or odd-offset day in %s exactly as window.ts does", (apiTimezone, from) => {
    const clock = new ZoneClock(apiTimezone, "UTC");
    const start = Date.parse(from);
    // Seconds 0–59 in turn, so each minute is met first at a different second.
    for (let time = start, step = 0; time < start + 26 * 60 * MINUTE_MS; time += MINUTE_MS + 1_000, step++) {
      const text = plain(time);
      expect(clock.instant(text)?.getTime(), text).toBe(parseApiTimestamp(text, apiTimezone)?.getTime());
      // The same minute again, now from the cache.
      const again = plain(time + (step % 2 === 0 ? 1_000 : -1_000));
      expect(clock.instant(again)?.getTime(), again).toBe(parseApiTimestamp(again, apiTimezone)?.getTime());
    }
  });

  it.each([
    "2025-02-30 10:00:00",
    "2025-01-01 24:00:00",
    "2025-01-01 10:60:00",
    "2025-01-01 10:00:60",
    "2025-01-01 10:00:6x",
    "2025-01-01x10:00:00",
    "2025-01-01T10:00:00",
    "2025-01-01 10:00:00Z",
    "2025-01-01 10:00:00+02:00",
    "2025-01-01 10:00:00.5",
    "2025-01-01 10:00",
    "x025-01-01 10:00:00",
    "",
  ])("reads %j as window.ts does, valid or not", (text) => {
    const clock = new ZoneClock("Europe/Berlin", "UTC");
    // Twice: the second read comes from the minute cache.
    for (let read = 0; read < 2; read++) {
      expect(clock.instant(text)?.getTime() ?? null).toBe(parseApiTimestamp(text, "Europe/Berlin")?.getTime() ?? null);
    }
  });
});
