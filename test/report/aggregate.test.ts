import { describe, expect, it } from "vitest";
import { CallDataError, DayAggregator } from "../../lambda/report/aggregate.js";
import type { Call, FetchStats } from "../../lambda/report/call.js";
import type { Summary } from "../../lambda/report/summary.js";
import { reportWindow } from "../../lambda/report/window.js";
import { makeCall, makeFetchStats } from "../support/call-factory.js";
import { seededRandom } from "../support/seeded-random.js";

const NO_FILTERS: Summary["filters"] = { assistantId: null, campaignId: null, type: null, status: null };

interface DayOptions {
  date?: string;
  timezone?: string;
  apiTimezone?: string;
}

function aggregator({ date = "2025-08-04", timezone = "UTC", apiTimezone = "UTC" }: DayOptions = {}): DayAggregator {
  return new DayAggregator({ window: reportWindow(date, timezone), apiTimezone, filters: NO_FILTERS });
}

function finish(day: DayAggregator, fetch: FetchStats = makeFetchStats()): Summary {
  return day.finish({
    fetch,
    generatedAt: new Date("2025-08-05T06:00:00Z"),
    previousDay: null,
    sameWeekdayLastWeek: null,
  });
}

function summarise(calls: Call[], options: DayOptions = {}): Summary {
  const day = aggregator(options);
  for (const call of calls) day.add(call);
  return finish(day);
}

/** Calls created at these API-time timestamps, nothing else varied. */
function callsAt(...createdAt: string[]): Call[] {
  return createdAt.map((timestamp) => makeCall({ createdAt: timestamp }));
}

describe("DayAggregator on a normal day", () => {
  const calls = [
    makeCall({ durationSeconds: 120, totalCostMicros: 100_000, carrierCostMicros: 40_000, answeredBy: "human" }),
    makeCall({ durationSeconds: 60, totalCostMicros: 50_000, carrierCostMicros: 20_000, answeredBy: "machine" }),
    makeCall({ durationSeconds: 0, totalCostMicros: 10_000, carrierCostMicros: 10_000, answeredBy: "unknown" }),
    makeCall({ durationSeconds: 300, totalCostMicros: 200_000, carrierCostMicros: 80_000, answeredBy: "human" }),
  ];

  it("counts calls, connected calls (duration > 0) and human answers with their rates", () => {
    const { totals } = summarise(calls);
    expect(totals).toMatchObject({ calls: 4, connectedCalls: 3, connectRate: 0.75, humanAnswered: 2, humanRate: 0.5 });
  });

  it("measures talk time over connected calls only", () => {
    const { totals } = summarise(calls);
    expect(totals).toMatchObject({
      durationSeconds: 480,
      averageDurationSeconds: 160,
      medianDurationSeconds: 120,
      p90DurationSeconds: 300,
    });
  });

  it("splits cost into carrier and platform (total − carrier) in exact micros and USD", () => {
    const { totals } = summarise(calls);
    expect(totals).toMatchObject({
      totalCostMicros: 360_000,
      carrierCostMicros: 150_000,
      platformCostMicros: 210_000,
      totalCost: 0.36,
      carrierCost: 0.15,
      platformCost: 0.21,
    });
  });

  it("divides cost by calls and by connected minutes", () => {
    const { totals } = summarise(calls);
    expect(totals.costPerCall).toBeCloseTo(0.09, 12);
    expect(totals.costPerConnectedMinute).toBeCloseTo(0.36 / 8, 12);
  });

  it("counts the answered_by mix", () => {
    expect(summarise(calls).byAnsweredBy).toEqual({ human: 2, machine: 1, unknown: 1 });
  });

  it("records the day, its window, the timezones, the filters and when it was computed", () => {
    const day = new DayAggregator({
      window: reportWindow("2025-08-04", "Europe/Berlin"),
      apiTimezone: "UTC",
      filters: { assistantId: 7, campaignId: null, type: "outbound", status: null },
    });
    const summary = finish(day);
    expect(summary).toMatchObject({
      schemaVersion: 2,
      date: "2025-08-04",
      timezone: "Europe/Berlin",
      window: { start: "2025-08-03T22:00:00.000Z", end: "2025-08-04T22:00:00.000Z" },
      apiTimezone: "UTC",
      generatedAt: "2025-08-05T06:00:00.000Z",
      filters: { assistantId: 7, campaignId: null, type: "outbound", status: null },
    });
  });

  it("merges the fetch statistics into dataQuality", () => {
    const day = aggregator();
    day.add(makeCall({ evaluation: null }));
    day.add(makeCall({ createdAt: "2025-08-05 00:00:00" }));
    const stats = makeFetchStats({
      pages: 3,
      requests: 5,
      retries: 2,
      rateLimited: 1,
      received: 3,
      duplicates: 1,
      apiTotal: 2,
      refetches: 1,
    });
    expect(finish(day, stats).dataQuality).toEqual({
      received: 3,
      duplicates: 1,
      outsideWindow: 1,
      apiTotal: 2,
      missingEvaluations: 1,
      pages: 3,
      requests: 5,
      retries: 2,
      rateLimited: 1,
      refetches: 1,
    });
  });
});

describe("DayAggregator percentiles (nearest rank)", () => {
  const withDurations = (...seconds: number[]) => seconds.map((durationSeconds) => makeCall({ durationSeconds }));

  it("takes the lower middle value as the median of an even count", () => {
    expect(summarise(withDurations(10, 20)).totals.medianDurationSeconds).toBe(10);
  });

  it("takes the value at rank ⌈0.9 n⌉ as p90", () => {
    const { totals } = summarise(withDurations(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    expect(totals.medianDurationSeconds).toBe(5);
    expect(totals.p90DurationSeconds).toBe(9);
  });

  it("places calls longer than two hours after the short ones", () => {
    const { totals } = summarise(withDurations(20_000, 30, 9_000, 40, 50));
    expect(totals.medianDurationSeconds).toBe(50);
    expect(totals.p90DurationSeconds).toBe(20_000);
  });

  it("ignores calls that never connected", () => {
    expect(summarise(withDurations(0, 0, 0, 100)).totals.medianDurationSeconds).toBe(100);
  });
});

describe("DayAggregator window edges", () => {
  it("keeps the first and last second of a Berlin day read from a UTC API, not the seconds around it", () => {
    const day = aggregator({ timezone: "Europe/Berlin", apiTimezone: "UTC" });
    const kept = callsAt(
      "2025-08-03 21:59:59",
      "2025-08-03 22:00:00",
      "2025-08-04 21:59:59",
      "2025-08-04 22:00:00",
    ).map((call) => day.add(call));
    expect(kept).toEqual([false, true, true, false]);
    const summary = finish(day);
    expect(summary.totals.calls).toBe(2);
    expect(summary.dataQuality.outsideWindow).toBe(2);
  });

  it("reads created_at in a non-UTC API timezone", () => {
    // A UTC day is 20:00 the evening before to 19:59:59 in New York (EDT, UTC−4).
    const day = aggregator({ timezone: "UTC", apiTimezone: "America/New_York" });
    const kept = callsAt(
      "2025-08-03 19:59:59",
      "2025-08-03 20:00:00",
      "2025-08-04 19:59:59",
      "2025-08-04 20:00:00",
    ).map((call) => day.add(call));
    expect(kept).toEqual([false, true, true, false]);
  });

  it("counts a Tokyo day that spans two UTC API dates, by Tokyo clock hour", () => {
    const summary = summarise(
      callsAt("2025-08-03 14:59:59", "2025-08-03 15:00:00", "2025-08-03 23:30:00", "2025-08-04 14:59:59"),
      { timezone: "Asia/Tokyo" },
    );
    expect(summary.totals.calls).toBe(3);
    expect(summary.dataQuality.outsideWindow).toBe(1);
    expect(summary.hourly[0]).toBe(1);
    expect(summary.hourly[8]).toBe(1);
    expect(summary.hourly[23]).toBe(1);
  });

  it("covers 23 hours on the New York spring-forward day and never fills the skipped 02:00 hour", () => {
    const summary = summarise(
      callsAt(
        "2025-03-09 04:59:59",
        "2025-03-09 05:00:00", // 00:00 EST
        "2025-03-09 06:59:59", // 01:59:59 EST
        "2025-03-09 07:00:00", // 03:00 EDT
        "2025-03-10 03:59:59", // 23:59:59 EDT
        "2025-03-10 04:00:00",
      ),
      { date: "2025-03-09", timezone: "America/New_York" },
    );
    expect(summary.window).toEqual({ start: "2025-03-09T05:00:00.000Z", end: "2025-03-10T04:00:00.000Z" });
    expect(summary.totals.calls).toBe(4);
    expect(summary.dataQuality.outsideWindow).toBe(2);
    expect(summary.hourly[2]).toBe(0);
    expect([summary.hourly[0], summary.hourly[1], summary.hourly[3], summary.hourly[23]]).toEqual([1, 1, 1, 1]);
  });

  it("covers 25 hours on the New York fall-back day", () => {
    const summary = summarise(
      callsAt("2025-11-02 03:59:59", "2025-11-02 04:00:00", "2025-11-03 04:59:59", "2025-11-03 05:00:00"),
      { date: "2025-11-02", timezone: "America/New_York" },
    );
    expect(summary.window).toEqual({ start: "2025-11-02T04:00:00.000Z", end: "2025-11-03T05:00:00.000Z" });
    expect(summary.totals.calls).toBe(2);
    expect(summary.dataQuality.outsideWindow).toBe(2);
  });

  it("counts the repeated 01:00 hour once per call on the New York fall-back day", () => {
    // 05:30 UTC is 01:30 EDT; 06:30 UTC is 01:30 EST, an hour later on the same wall clock.
    const summary = summarise(callsAt("2025-11-02 05:30:00", "2025-11-02 06:30:00"), {
      date: "2025-11-02",
      timezone: "America/New_York",
    });
    expect(summary.hourly[1]).toBe(2);
    expect(summary.hourly.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it("covers 23 hours on the Berlin spring-forward day", () => {
    const summary = summarise(
      callsAt("2025-03-29 22:59:59", "2025-03-29 23:00:00", "2025-03-30 21:59:59", "2025-03-30 22:00:00"),
      { date: "2025-03-30", timezone: "Europe/Berlin" },
    );
    expect(summary.window).toEqual({ start: "2025-03-29T23:00:00.000Z", end: "2025-03-30T22:00:00.000Z" });
    expect(summary.totals.calls).toBe(2);
    expect(summary.hourly[0]).toBe(1);
    expect(summary.hourly[23]).toBe(1);
  });

  it("covers 25 hours on the Berlin fall-back day and counts its repeated 02:00 hour once per call", () => {
    const summary = summarise(
      callsAt(
        "2025-10-25 21:59:59",
        "2025-10-25 22:00:00",
        "2025-10-26 00:30:00", // 02:30 CEST
        "2025-10-26 01:30:00", // 02:30 CET
        "2025-10-26 22:59:59",
        "2025-10-26 23:00:00",
      ),
      { date: "2025-10-26", timezone: "Europe/Berlin" },
    );
    expect(summary.window).toEqual({ start: "2025-10-25T22:00:00.000Z", end: "2025-10-26T23:00:00.000Z" });
    expect(summary.totals.calls).toBe(4);
    expect(summary.dataQuality.outsideWindow).toBe(2);
    expect(summary.hourly[2]).toBe(2);
  });

  it("refuses a call whose created_at is not a timestamp instead of guessing its day", () => {
    expect(() => aggregator().add(makeCall({ id: 42, createdAt: "soon" }))).toThrow(CallDataError);
    expect(() => aggregator().add(makeCall({ id: 42, createdAt: "soon" }))).toThrow(/Call 42/);
  });
});

describe("DayAggregator clock arithmetic", () => {
  /**
   * One call a minute (its second varying with the minute) over 48 hours of API wall clock,
   * from noon the day before the report day: both API dates the report day can touch.
   */
  function oneCallAMinute(date: string): Call[] {
    const first = Date.parse(`${date}T00:00:00Z`) - 12 * 60 * 60 * 1000;
    return Array.from({ length: 2 * 24 * 60 }, (_, minute) =>
      makeCall({
        createdAt: new Date(first + minute * 60_000 + (minute % 60) * 1000)
          .toISOString()
          .slice(0, 19)
          .replace("T", " "),
      }),
    );
  }

  const sixtyEveryHour = Array.from({ length: 24 }, () => 60);

  // Expectations worked out by hand from the zones' rules, not from the window helpers.
  const cases = [
    {
      title: "the New York fall-back day (EDT → EST at 02:00) is 25 hours, 04:00Z to 05:00Z",
      day: { date: "2025-11-02", timezone: "America/New_York", apiTimezone: "America/New_York" },
      window: { start: "2025-11-02T04:00:00.000Z", end: "2025-11-03T05:00:00.000Z" },
      // API wall-clock strings name each local minute once; the repeated 01:00 hour reads as its
      // first (EDT) pass. So 1,440 calls, 60 in every hour, and the other 1,440 minutes outside.
      hourly: sixtyEveryHour,
      outsideWindow: 1_440,
    },
    {
      title: "a Kathmandu day (UTC+05:45) read from a New York API that springs forward at 02:00",
      day: { date: "2025-03-09", timezone: "Asia/Kathmandu", apiTimezone: "America/New_York" },
      window: { start: "2025-03-08T18:15:00.000Z", end: "2025-03-09T18:15:00.000Z" },
      // In window: New York wall clock 03-08 13:15 EST to 03-09 14:14 EDT, 25 wall hours = 1,500
      // strings. 13:15–01:59 EST is Kathmandu 00:00–12:44; the skipped 02:00–02:59 reads as
      // 03:00–03:59 EDT, Kathmandu 12:45–13:44; 03:00–14:14 EDT is Kathmandu 12:45–23:59.
      // Hour 12: 45 + 15 + 15 = 75; hour 13: 45 + 60 = 105.
      hourly: [...Array.from({ length: 12 }, () => 60), 75, 105, ...Array.from({ length: 10 }, () => 60)],
      outsideWindow: 2_880 - 1_500,
    },
    {
      title: "the Lord Howe spring-forward day (+10:30 → +11:00 at 02:00) is 23½ hours, 13:30Z to 13:00Z",
      day: { date: "2025-10-05", timezone: "Australia/Lord_Howe", apiTimezone: "Australia/Lord_Howe" },
      window: { start: "2025-10-04T13:30:00.000Z", end: "2025-10-05T13:00:00.000Z" },
      // The skipped 02:00–02:29 reads as 02:30–02:59: still hour 2, so 60 in every hour.
      hourly: sixtyEveryHour,
      outsideWindow: 1_440,
    },
    {
      title: "a Berlin day (CEST) read from a Lord Howe API the day it falls back (+11:00 → +10:30)",
      day: { date: "2025-04-06", timezone: "Europe/Berlin", apiTimezone: "Australia/Lord_Howe" },
      window: { start: "2025-04-05T22:00:00.000Z", end: "2025-04-06T22:00:00.000Z" },
      // Lord Howe fell back at 2025-04-05T15:00Z, so the whole window is +10:30: wall clock
      // 04-06 08:30 to 04-07 08:29, Berlin 00:00–23:59.
      hourly: sixtyEveryHour,
      outsideWindow: 1_440,
    },
  ];

  it.each(cases)("places one call a minute on $title", ({ day, window, hourly, outsideWindow }) => {
    const summary = summarise(oneCallAMinute(day.date), day);
    expect(summary.window).toEqual(window);
    expect(summary.hourly).toEqual(hourly);
    expect(summary.dataQuality.outsideWindow).toBe(outsideWindow);
    expect(summary.totals.calls).toBe(2_880 - outsideWindow);
  });
});

describe("DayAggregator on an empty day", () => {
  it("reports zero counts and null for every ratio, without dividing by zero", () => {
    const summary = summarise([]);
    expect(summary.totals).toEqual({
      calls: 0,
      connectedCalls: 0,
      connectRate: null,
      humanAnswered: 0,
      humanRate: null,
      durationSeconds: 0,
      averageDurationSeconds: null,
      medianDurationSeconds: null,
      p90DurationSeconds: null,
      totalCost: 0,
      carrierCost: 0,
      platformCost: 0,
      totalCostMicros: 0,
      carrierCostMicros: 0,
      platformCostMicros: 0,
      costPerCall: null,
      costPerConnectedMinute: null,
    });
    expect(summary.averageScore).toBeNull();
    expect(summary.scoredCalls).toBe(0);
    expect(summary.hourly).toEqual(Array.from({ length: 24 }, () => 0));
    expect([summary.assistants, summary.campaigns]).toEqual([[], []]);
    expect(summary.byStatus).toEqual({});
  });

  it("reports null cost per connected minute when calls exist but none connected", () => {
    const { totals } = summarise([makeCall({ durationSeconds: 0 })]);
    expect(totals.costPerConnectedMinute).toBeNull();
    expect(totals.averageDurationSeconds).toBeNull();
    expect(totals.connectRate).toBe(0);
  });
});

describe("DayAggregator evaluations", () => {
  it("counts a call without evaluation as missing, under (none), and unscored", () => {
    const summary = summarise([makeCall({ evaluation: null })]);
    expect(summary.dataQuality.missingEvaluations).toBe(1);
    expect(summary.byOutcome).toEqual({ "(none)": 1 });
    expect(summary.bySentiment).toEqual({ "(none)": 1 });
    expect(summary.averageScore).toBeNull();
  });

  it("counts the parts a partial evaluation has and (none) for the rest", () => {
    const summary = summarise([makeCall({ evaluation: { outcome: "callback" } })]);
    expect(summary.byOutcome).toEqual({ callback: 1 });
    expect(summary.bySentiment).toEqual({ "(none)": 1 });
    expect(summary.scoredCalls).toBe(0);
    expect(summary.dataQuality.missingEvaluations).toBe(0);
  });

  it("averages the score over scored calls only", () => {
    const summary = summarise([
      makeCall({ evaluation: { score: 8 } }),
      makeCall({ evaluation: { score: 6 } }),
      makeCall({ evaluation: { outcome: "voicemail" } }),
      makeCall({ evaluation: null }),
    ]);
    expect(summary.averageScore).toBe(7);
    expect(summary.scoredCalls).toBe(2);
  });

  it("accepts a score sent as a decimal string and ignores one that is not a number", () => {
    const summary = summarise([
      makeCall({ evaluation: { score: "9.5" } }),
      makeCall({ evaluation: { score: "high" } }),
      makeCall({ evaluation: { score: Number.NaN } }),
      makeCall({ evaluation: { score: null } }),
    ]);
    expect(summary.averageScore).toBe(9.5);
    expect(summary.scoredCalls).toBe(1);
  });

  it("lists extra evaluation keys and variable keys from in-window calls in first-seen order", () => {
    const day = aggregator();
    day.add(makeCall({ variables: { b: 1, a: 2 }, evaluation: { score: 5, reason: "x" } }));
    day.add(makeCall({ variables: { c: 1, b: 2 }, evaluation: { summary: "y", reason: "z" } }));
    day.add(makeCall({ createdAt: "2025-08-05 10:00:00", variables: { outside: 1 }, evaluation: { late: true } }));
    expect(day.variableKeys).toEqual(["b", "a", "c"]);
    expect(day.evaluationKeys).toEqual(["reason", "summary"]);
  });
});

describe("DayAggregator groups", () => {
  it("counts unknown status, type and answered_by values under their own name and null as (unknown)", () => {
    const summary = summarise([
      makeCall({ status: "voicemail_left", type: "sms", answeredBy: "fax" }),
      makeCall({ status: null, type: null, answeredBy: null }),
      makeCall({ status: "completed", type: "outbound", answeredBy: "human" }),
    ]);
    expect(summary.byStatus).toEqual({ voicemail_left: 1, "(unknown)": 1, completed: 1 });
    expect(summary.byType).toEqual({ sms: 1, "(unknown)": 1, outbound: 1 });
    expect(summary.byAnsweredBy).toEqual({ fax: 1, "(unknown)": 1, human: 1 });
  });

  it("groups calls without campaign or assistant under a named placeholder", () => {
    const summary = summarise([makeCall({ campaignName: null, assistantName: null })]);
    expect(summary.campaigns.map((group) => group.name)).toEqual(["(no campaign)"]);
    expect(summary.assistants.map((group) => group.name)).toEqual(["(unknown assistant)"]);
  });

  it("sorts groups by calls, descending, then by name", () => {
    const summary = summarise(
      ["Bea", "Cal", "Cal", "Ada", "Dee", "Dee"].map((assistantName) => makeCall({ assistantName })),
    );
    expect(summary.assistants.map((group) => [group.name, group.calls])).toEqual([
      ["Cal", 2],
      ["Dee", 2],
      ["Ada", 1],
      ["Bea", 1],
    ]);
  });

  it("gives each assistant its calls, connected calls, talk time, cost, outcomes and average score", () => {
    const summary = summarise([
      makeCall({
        assistantName: "Ada",
        durationSeconds: 100,
        totalCostMicros: 100_000,
        evaluation: { outcome: "sale", score: 9 },
      }),
      makeCall({
        assistantName: "Ada",
        durationSeconds: 0,
        totalCostMicros: 200_000,
        evaluation: { outcome: "no_sale" },
      }),
    ]);
    expect(summary.assistants).toEqual([
      {
        name: "Ada",
        calls: 2,
        connectedCalls: 1,
        durationSeconds: 100,
        totalCost: 0.3,
        totalCostMicros: 300_000,
        byOutcome: { no_sale: 1, sale: 1 },
        averageScore: 9,
      },
    ]);
  });

  it("stores the exact sums and the duration histogram behind the rounded numbers, groups in list order (schema 2)", () => {
    const summary = summarise([
      makeCall({ assistantName: "Bea", durationSeconds: 0.5, evaluation: { score: 0.1 } }),
      makeCall({ assistantName: "Bea", durationSeconds: 30, evaluation: { score: 0.2 } }),
      makeCall({ assistantName: "Ada", durationSeconds: 30, evaluation: { score: "7" } }),
      makeCall({ assistantName: "Ada", durationSeconds: 0, evaluation: null }),
      makeCall({ assistantName: "Cy", durationSeconds: 9000, evaluation: {} }),
    ]);
    // 0.1 and 0.2 as doubles, summed without rounding: their exact binary values in decimal.
    const exactTenth = "0.1000000000000000055511151231257827021181583404541015625";
    const exactFifth = "0.200000000000000011102230246251565404236316680908203125";
    const pointThreeExactly = "0.3000000000000000166533453693773481063544750213623046875";
    expect(Number(exactTenth)).toBe(0.1);
    expect(Number(exactFifth)).toBe(0.2);
    expect(summary.assistants.map((group) => group.name)).toEqual(["Ada", "Bea", "Cy"]);
    expect(summary.exact).toEqual({
      durationSeconds: "9060.5",
      scoreSum: `7${pointThreeExactly.slice(1)}`,
      durations: [
        [0.5, 1],
        [30, 2],
        [9000, 1],
      ],
      assistants: [
        { name: "Ada", durationSeconds: "30", scoreSum: "7", scoredCalls: 1 },
        { name: "Bea", durationSeconds: "30.5", scoreSum: pointThreeExactly, scoredCalls: 2 },
        { name: "Cy", durationSeconds: "9000", scoreSum: "0", scoredCalls: 0 },
      ],
      campaigns: [
        {
          name: "Q4 Outreach Campaign",
          durationSeconds: "9060.5",
          scoreSum: `7${pointThreeExactly.slice(1)}`,
          scoredCalls: 3,
        },
      ],
    });
  });

  it("keeps a status named __proto__ as an ordinary count", () => {
    const summary = summarise([makeCall({ status: "__proto__" })]);
    expect(Object.keys(summary.byStatus)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(summary.byStatus))).toEqual({ ["__proto__"]: 1 });
  });
});

describe("DayAggregator money", () => {
  it("sums 0.1 + 0.2 dollars to exactly 0.3", () => {
    const summary = summarise([makeCall({ totalCostMicros: 100_000 }), makeCall({ totalCostMicros: 200_000 })]);
    expect(summary.totals.totalCost).toBe(0.3);
  });

  it("sums 1,234 calls of $0.025 to exactly $30.85, where float addition drifts", () => {
    const calls = Array.from({ length: 1234 }, () => makeCall({ totalCostMicros: 25_000, carrierCostMicros: 20_000 }));
    const { totals } = summarise(calls);
    expect(calls.reduce((sum) => sum + 0.025, 0)).not.toBe(30.85);
    expect(totals.totalCost).toBe(30.85);
    expect(totals.carrierCost).toBe(24.68);
    expect(totals.platformCost).toBe(6.17);
  });

  it("refuses fractional micro-dollars, which would make sums inexact", () => {
    expect(() => aggregator().add(makeCall({ totalCostMicros: 0.5 }))).toThrow(CallDataError);
  });
});

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

function randomCall(next: () => number): Call {
  const second = Math.floor(next() * 3 * 86_400) - 86_400; // the day before, the day, the day after
  const createdAt = new Date(Date.UTC(2025, 10, 2) + second * 1000).toISOString().slice(0, 19).replace("T", " ");
  const carrierCostMicros = Math.floor(next() * 50_000);
  return makeCall({
    createdAt,
    assistantName: pick(next, ["Ada", "Bea", "Cal", null]),
    campaignName: pick(next, ["Spring", "Renewals", null]),
    status: pick(next, ["completed", "no-answer", "busy", "mystery", null]),
    type: pick(next, ["inbound", "outbound", "web", null]),
    answeredBy: pick(next, ["human", "machine", "unknown", null]),
    durationSeconds: pick(next, [0, 0, 1, 59, 240, 7200, 7201, 12_000]) + (next() < 0.5 ? 0 : Math.floor(next() * 600)),
    evaluation: pick(next, [
      null,
      {},
      { outcome: "sale", sentiment: "positive", score: 9 },
      { outcome: "no_sale", score: "4.5" },
      { sentiment: "negative" },
    ]),
    carrierCostMicros,
    totalCostMicros: carrierCostMicros + Math.floor(next() * 100_000),
  });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const countSum = (counts: Record<string, number>) => sum(Object.values(counts));

describe("DayAggregator invariants over random datasets", () => {
  const seeds = Array.from({ length: 25 }, (_, i) => 1000 + i);

  it.each(seeds)("adds up groups to the totals (seed %i)", (seed) => {
    const next = seededRandom(seed);
    const calls = Array.from({ length: Math.floor(next() * 300) }, () => randomCall(next));
    const day = aggregator({ date: "2025-11-02", timezone: "America/New_York" });
    const kept = calls.filter((call) => day.add(call));
    const summary = finish(day);
    const { totals } = summary;

    expect(totals.calls).toBe(kept.length);
    expect(totals.calls + summary.dataQuality.outsideWindow).toBe(calls.length);
    for (const counts of [
      summary.byStatus,
      summary.byType,
      summary.byAnsweredBy,
      summary.byOutcome,
      summary.bySentiment,
    ]) {
      expect(countSum(counts)).toBe(totals.calls);
    }
    expect(sum(summary.hourly)).toBe(totals.calls);
    expect(totals.totalCostMicros).toBe(sum(kept.map((call) => call.totalCostMicros)));
    expect(totals.platformCostMicros).toBe(totals.totalCostMicros - totals.carrierCostMicros);

    for (const groups of [summary.assistants, summary.campaigns]) {
      expect(sum(groups.map((group) => group.calls))).toBe(totals.calls);
      expect(sum(groups.map((group) => group.connectedCalls))).toBe(totals.connectedCalls);
      expect(sum(groups.map((group) => group.durationSeconds))).toBe(totals.durationSeconds);
      expect(sum(groups.map((group) => group.totalCostMicros))).toBe(totals.totalCostMicros);
      for (const group of groups) expect(countSum(group.byOutcome)).toBe(group.calls);
    }
    if (totals.medianDurationSeconds !== null && totals.p90DurationSeconds !== null) {
      expect(totals.medianDurationSeconds).toBeLessThanOrEqual(totals.p90DurationSeconds);
    }
  });
});
