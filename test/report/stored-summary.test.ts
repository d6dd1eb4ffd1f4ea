import { describe, expect, it } from "vitest";
import { DayAggregator } from "../../lambda/report/aggregate.js";
import { isExactSummary, readStoredSummary, StoredSummaryError } from "../../lambda/report/stored-summary.js";
import type { Summary } from "../../lambda/report/summary.js";
import { reportWindow } from "../../lambda/report/window.js";
import { makeCall, makeFetchStats } from "../support/call-factory.js";

function storedDay(): Summary {
  const day = new DayAggregator({
    window: reportWindow("2025-08-04", "UTC"),
    apiTimezone: "UTC",
    filters: { assistantId: null, campaignId: 5, type: null, status: null },
  });
  day.add(makeCall({ assistantName: "Ada", durationSeconds: 12.5, evaluation: { score: 0.1, outcome: "__proto__" } }));
  day.add(makeCall({ assistantName: "Bea", durationSeconds: 0, status: "__proto__" }));
  return day.finish({
    fetch: makeFetchStats({ received: 2, apiTotal: 2 }),
    generatedAt: new Date("2025-08-05T06:00:00Z"),
    previousDay: null,
    sameWeekdayLastWeek: null,
  });
}

/** What a stored file reads as: the summary through JSON, edited. */
function asStored(edit: (json: Record<string, unknown>) => void = () => {}): unknown {
  const json = JSON.parse(JSON.stringify(storedDay())) as Record<string, unknown>;
  edit(json);
  return json;
}

describe("readStoredSummary", () => {
  it("reads a version-2 summary back as it was written, __proto__ keys included", () => {
    const read = readStoredSummary(asStored());
    expect(read).toEqual(storedDay());
    expect(isExactSummary(read)).toBe(true);
    expect(Object.keys(read.byStatus)).toContain("__proto__");
  });

  it("keeps a named report's name, title and filter lists, and names a bad list", () => {
    const report = { name: "finance", title: "Finance", filters: { campaignIds: [5, 6], callStatuses: ["completed"] } };
    expect(readStoredSummary(asStored((json) => Object.assign(json, { report }))).report).toEqual(report);
    expect(() =>
      readStoredSummary(
        asStored((json) => Object.assign(json, { report: { ...report, filters: { campaignIds: ["5"] } } })),
      ),
    ).toThrow("Stored summary field report.filters.campaignIds[0] is not a whole number");
  });

  it("reads a version-1 summary, without exact sums, as version 1", () => {
    const read = readStoredSummary(
      asStored((json) => {
        json.schemaVersion = 1;
        delete json.exact;
      }),
    );
    expect(read.schemaVersion).toBe(1);
    expect(isExactSummary(read)).toBe(false);
    expect("exact" in read).toBe(false);
    expect(read.totals.calls).toBe(2);
  });

  it("reads an absent partialAsOf (summaries from before previews) as null and drops unknown fields", () => {
    const read = readStoredSummary(
      asStored((json) => {
        delete json.partialAsOf;
        json.addedLater = { anything: true };
      }),
    );
    expect(read.partialAsOf).toBeNull();
    expect("addedLater" in read).toBe(false);
  });

  it("refuses a schema version it does not know, and says what to do", () => {
    expect(() => readStoredSummary(asStored((json) => (json.schemaVersion = 3)))).toThrow(
      /schemaVersion 3; this build reads 1 and 2 — rebuild that day/,
    );
  });

  it.each<[string, (json: Record<string, unknown>) => void, RegExp]>([
    [
      "a count that is not a whole number",
      (json) => ((json.totals as { calls: unknown }).calls = 1.5),
      /totals\.calls/,
    ],
    [
      "a histogram out of order",
      (json) =>
        ((json.exact as { durations: unknown }).durations = [
          [30, 1],
          [12.5, 1],
        ]),
      /exact\.durations\[1\]/,
    ],
    [
      "an exact sum that is no sum of doubles",
      (json) => ((json.exact as { scoreSum: unknown }).scoreSum = "0.1"),
      /exact\.scoreSum/,
    ],
    ["hourly without 24 hours", (json) => (json.hourly = [1, 2]), /hourly has 2 entries/],
    [
      "a date that is not a calendar date",
      (json) => (json.date = "2025-02-30"),
      /date "2025-02-30" is not a calendar date/,
    ],
    ["a version-2 summary without its exact sums", (json) => delete json.exact, /field exact is not an object/],
    [
      "exact group sums for other groups than the list shows",
      (json) => (json.exact as { assistants: unknown[] }).assistants.reverse(),
      /exact\.assistants does not name the same groups/,
    ],
  ])("refuses %s and names the field", (_, edit, message) => {
    expect(() => readStoredSummary(asStored(edit))).toThrow(StoredSummaryError);
    expect(() => readStoredSummary(asStored(edit))).toThrow(message);
  });
});
