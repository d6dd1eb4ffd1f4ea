import { describe, expect, it } from "vitest";
import {
  fetchPlan,
  idQueries,
  matchesReport,
  selectReports,
  singleValueFilters,
} from "../../lambda/report/report-definition.js";
import { reportDefinition } from "../support/report-definitions.js";

const report = reportDefinition;

describe("fetchPlan", () => {
  it("serves every report without id filters from one unfiltered fetch, type and status filtered locally", () => {
    const plan = fetchPlan([
      report("all"),
      report("inbound", { callTypes: ["inbound"] }),
      report("failed", { callStatuses: ["failed", "no-answer"] }),
    ]);
    expect(plan).toEqual([{ key: "all", query: {}, reports: ["all", "inbound", "failed"] }]);
  });

  it("fetches each distinct assistant × campaign query once and shares it", () => {
    const plan = fetchPlan([
      report("head", {}),
      report("team-a", { assistantIds: [12, 13] }),
      report("team-b", { assistantIds: [13], campaignIds: [5] }),
      report("a13", { assistantIds: [13, 13] }),
    ]);
    expect(plan.map(({ key, reports }) => [key, reports])).toEqual([
      ["all", ["head"]],
      ["assistant-12", ["team-a"]],
      ["assistant-13", ["team-a", "a13"]],
      ["assistant-13-campaign-5", ["team-b"]],
    ]);
    expect(plan[3]?.query).toEqual({ assistantId: 13, campaignId: 5 });
  });

  it("asks the API for a type or status only when every report of the fetch wants exactly that one", () => {
    const [alone] = fetchPlan([
      report("in", { assistantIds: [7], callTypes: ["inbound"], callStatuses: ["completed"] }),
    ]);
    expect(alone?.query).toEqual({ assistantId: 7, type: "inbound", status: "completed" });
    const [shared] = fetchPlan([
      report("in", { callTypes: ["inbound"] }),
      report("in-done", { callTypes: ["inbound"], callStatuses: ["completed"] }),
    ]);
    // Both want inbound only; one takes every status, so status stays local.
    expect(shared?.query).toEqual({ type: "inbound" });
    const [mixed] = fetchPlan([report("in", { callTypes: ["inbound"] }), report("out", { callTypes: ["outbound"] })]);
    expect(mixed?.query).toEqual({});
  });

  it("splits a report's ids into disjoint queries, one per pair", () => {
    expect(idQueries({ assistantIds: [1, 2], campaignIds: [5] })).toEqual([
      { assistantId: 1, campaignId: 5 },
      { assistantId: 2, campaignId: 5 },
    ]);
    expect(idQueries({})).toEqual([{}]);
  });
});

describe("matchesReport", () => {
  it("takes a call when its type and status are in the report's lists (absent lists take all)", () => {
    const filters = { callTypes: ["inbound", "web"], callStatuses: ["completed"] };
    expect(matchesReport(filters, { type: "web", status: "completed" })).toBe(true);
    expect(matchesReport(filters, { type: "outbound", status: "completed" })).toBe(false);
    expect(matchesReport(filters, { type: "inbound", status: "failed" })).toBe(false);
    expect(matchesReport(filters, { type: null, status: "completed" })).toBe(false);
    expect(matchesReport({}, { type: null, status: null })).toBe(true);
  });
});

describe("singleValueFilters and selectReports", () => {
  it("keeps a value only where a list has exactly one", () => {
    expect(singleValueFilters({ assistantIds: [3], campaignIds: [1, 2], callTypes: ["web", "web"] })).toEqual({
      assistantId: 3,
      campaignId: null,
      type: "web",
      status: null,
    });
  });

  it("runs all reports, or the named ones in definition order", () => {
    const reports = [report("a"), report("b"), report("c")];
    expect(selectReports(reports, null).map((r) => r.name)).toEqual(["a", "b", "c"]);
    expect(selectReports(reports, ["c", "a"]).map((r) => r.name)).toEqual(["a", "c"]);
  });
});
