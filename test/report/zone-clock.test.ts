import { describe, expect, it } from "vitest";
import { wallClock } from "../../lambda/report/window.js";
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
