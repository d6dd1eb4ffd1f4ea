import { describe, expect, it } from "vitest";
import { resolveStage, StageConfigError } from "../../lib/stage-config.js";

/** The smallest valid stage, plus the keys under test. */
function resolveDev(overrides: Record<string, unknown> = {}) {
  return resolveStage("dev", {
    dev: {
      timezone: "Europe/Berlin",
      recipients: { to: ["manager@example.com"] },
      sender: "r@example.com",
      ...overrides,
    },
  });
}

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof StageConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a StageConfigError, nothing was thrown");
}

describe("weekly and monthly stage settings", () => {
  it("are absent unless the stage asks for them: no such schedule", () => {
    const stage = resolveDev();

    expect(stage.weekly).toBeUndefined();
    expect(stage.monthly).toBeUndefined();
  });

  it("read a weekday and a day of the month, each with its local time", () => {
    const stage = resolveDev({ weekly: { weekday: "sunday", time: "07:00" }, monthly: { day: 28, time: "07:30" } });

    expect(stage.weekly).toEqual({ weekday: "sunday", time: "07:00" });
    expect(stage.monthly).toEqual({ day: 28, time: "07:30" });
  });

  it.each(["Monday", "mon", "weekday"])("refuse the weekday %j, listing the ones that work", (weekday) => {
    expect(messageOf(() => resolveDev({ weekly: { weekday, time: "07:00" } }))).toContain(
      'stages.dev.weekly.weekday: needs one of "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" (lower case)',
    );
  });

  it.each([29, 30, 31])("refuse day %i of the month, which not every month has", (day) => {
    const message = messageOf(() => resolveDev({ monthly: { day, time: "07:00" } }));

    expect(message).toContain(`stages.dev.monthly.day: is ${day}, and not every month has a ${day}`);
    expect(message).toContain("pick 1 to 28; the run reports the previous calendar month whichever day it runs");
  });

  it.each([0, 1.5, 32, "1"])("refuse the day %j, which is no day of a month", (day) => {
    expect(messageOf(() => resolveDev({ monthly: { day, time: "07:00" } }))).toContain("stages.dev.monthly.day: ");
    expect(messageOf(() => resolveDev({ monthly: { day, time: "07:00" } }))).toMatch(/whole number from 1 to 28/);
  });

  it.each([
    ["weekly", { weekday: "monday", time: "7:00" }],
    ["monthly", { day: 1, time: "24:00" }],
  ])("refuse a malformed %s time", (key, setting) => {
    expect(messageOf(() => resolveDev({ [key]: setting }))).toContain(
      `stages.dev.${key}.time: needs a 24-hour local time "HH:MM"`,
    );
  });

  it("want a time, since at the daily run's time both would build the period's last day at once", () => {
    expect(messageOf(() => resolveDev({ weekly: { weekday: "monday" } }))).toContain(
      'stages.dev.weekly.time: is missing — add "time": "HH:MM"',
    );
  });

  it("refuse a time that clocks skip when they spring forward, since Scheduler then skips the run", () => {
    const message = messageOf(() =>
      resolveDev({
        timezone: "America/New_York",
        monthly: { day: 1, time: "02:30" },
        weekly: { weekday: "monday", time: "02:15" },
      }),
    );

    expect(message).toContain('stages.dev.monthly.time: "02:30" does not exist in America/New_York');
    expect(message).toContain('stages.dev.weekly.time: "02:15" does not exist in America/New_York');
  });

  it("refuse a time before the period's last day has settled", () => {
    expect(messageOf(() => resolveDev({ weekly: { weekday: "monday", time: "00:10" } }))).toContain(
      'stages.dev.weekly.time: "00:10" is less than 15 minutes after midnight',
    );
  });

  it("refuse keys they do not have", () => {
    expect(messageOf(() => resolveDev({ weekly: { weekday: "monday", time: "07:00", day: 1 } }))).toContain(
      'stages.dev.weekly (unknown key "day")',
    );
  });
});
