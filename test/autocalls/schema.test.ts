import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCallsPage, toCall } from "../../lambda/autocalls/schema.js";

// The API reference's example page (shared/fixtures/calls-page.json), copied into the repo so
// that a clone tests the same thing wherever it is checked out.
const referencePage = JSON.parse(readFileSync(new URL("../fixtures/calls-page.json", import.meta.url), "utf8")) as {
  data: Record<string, unknown>[];
};

function rawCall(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(referencePage.data[0] as Record<string, unknown>), ...overrides };
}

function pageOf(calls: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { current_page: 1, data: calls, last_page: 1, per_page: 100, total: calls.length, ...overrides };
}

function problemOf(body: unknown): string {
  const result = parseCallsPage(body);
  if (result.ok) throw new Error("expected the page to be rejected");
  return result.problem;
}

describe("parseCallsPage", () => {
  it("accepts and rejects the same pages whether or not they are common ones (the fast check agrees with the schema)", () => {
    const call = rawCall();
    const verdicts = [
      pageOf([call]),
      pageOf([call], { current_page: undefined }),
      pageOf([call], { current_page: null }),
      pageOf([call], { current_page: 1.5 }),
      pageOf([call], { total: -1 }),
      pageOf([call], { total: "1" }),
      pageOf([call], { last_page: 2 ** 53 }),
      pageOf([{ ...call, id: 1.5 }]),
      pageOf([{ ...call, id: "7" }]),
      pageOf([{ ...call, created_at: "2025-08-04T09:15:00.000000Z" }]),
      pageOf([{ ...call, created_at: "04/08/2025 09:15" }]),
      pageOf([[call]]),
      pageOf([null]),
      { data: {}, total: 0, last_page: 0 },
    ].map((page) => parseCallsPage(page).ok);
    expect(verdicts).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it("maps the reference example page into calls and the paginator's counts", () => {
    const result = parseCallsPage(referencePage);

    expect(result).toEqual({
      ok: true,
      page: {
        total: 150,
        lastPage: 10,
        currentPage: 1,
        calls: [
          {
            id: 123,
            createdAt: "2025-08-04 14:30:00",
            updatedAt: "2025-08-04 14:34:05",
            assistantName: "Sales Assistant",
            campaignName: "Q4 Outreach Campaign",
            type: "outbound",
            status: "completed",
            durationSeconds: 245,
            assistantPhoneNumber: "+1234567890",
            clientPhoneNumber: "+1987654321",
            transcript: "Hello, this is Sarah from Autocalls. How are you doing today?...",
            variables: { customer_name: "John Smith", interest_level: "high", follow_up_date: "2025-08-15" },
            evaluation: { sentiment: "positive", outcome: "qualified_lead", score: 8.5 },
            totalCostMicros: 25_000,
            carrierCostMicros: 20_000,
            answeredBy: "human",
            recordingUrl: "https://recordings.autocalls.ai/calls/123.mp3",
          },
        ],
        // The records themselves, as parts store them.
        records: referencePage.data,
      },
    });
  });

  it("ignores unknown fields on the page and on calls", () => {
    const result = parseCallsPage(pageOf([rawCall({ sentiment_v2: "great" })], { cursor: "abc" }));

    expect(result.ok && result.page.calls[0]).not.toHaveProperty("sentiment_v2");
  });

  it("accepts an empty day", () => {
    expect(parseCallsPage(pageOf([], { from: null, to: null }))).toEqual({
      ok: true,
      page: { total: 0, lastPage: 1, currentPage: 1, calls: [], records: [] },
    });
  });

  it("rejects a body without data", () => {
    expect(problemOf({ total: 3, last_page: 1 })).toMatch(/^data: missing or not an array/);
  });

  it("rejects a body without total", () => {
    expect(problemOf({ data: [], last_page: 1 })).toMatch(/^total: missing or not an integer/);
  });

  it("rejects a call without id and says which entry it is", () => {
    const { id: _id, ...withoutId } = rawCall();

    expect(problemOf(pageOf([rawCall({ id: 1 }), withoutId]))).toMatch(/^data\[1\]\.id: missing or not an integer/);
  });

  it("rejects a call whose created_at is not a timestamp and names the call's id", () => {
    expect(problemOf(pageOf([rawCall({ id: 77, created_at: "yesterday" })]))).toBe(
      "data[0].created_at: not a YYYY-MM-DD HH:MM:SS timestamp (call id 77)",
    );
  });

  it("rejects a call without created_at", () => {
    expect(problemOf(pageOf([rawCall({ created_at: null })]))).toMatch(/^data\[0\]\.created_at: missing/);
  });
});

describe("toCall", () => {
  it("keeps nulls in optional fields as nulls", () => {
    const call = toCall(
      rawCall({ campaign_name: null, transcript: null, recording_url: null, updated_at: null, answered_by: null }),
    );

    expect(call).toMatchObject({
      campaignName: null,
      transcript: null,
      recordingUrl: null,
      updatedAt: null,
      answeredBy: null,
    });
  });

  it("reads missing cost and duration as zero", () => {
    const { total_cost: _t, carrier_cost: _c, duration: _d, ...raw } = rawCall();

    expect(toCall(raw)).toMatchObject({ totalCostMicros: 0, carrierCostMicros: 0, durationSeconds: 0 });
  });

  it("reads a non-numeric cost as zero", () => {
    expect(toCall(rawCall({ total_cost: "n/a", carrier_cost: null })).totalCostMicros).toBe(0);
  });

  it("reads money sent as a decimal string", () => {
    expect(toCall(rawCall({ total_cost: "0.0125" })).totalCostMicros).toBe(12_500);
  });

  it("rounds money to whole micro-dollars, so that sums stay exact", () => {
    expect(toCall(rawCall({ total_cost: 0.1 + 0.2 })).totalCostMicros).toBe(300_000);
  });

  it("gives an empty variables object when variables are absent", () => {
    const { variables: _v, ...raw } = rawCall();

    expect(toCall(raw).variables).toEqual({});
  });

  it("reads PHP's empty array as no variables", () => {
    expect(toCall(rawCall({ variables: [] })).variables).toEqual({});
  });

  it("gives a null evaluation when it is missing or not an object", () => {
    const { evaluation: _e, ...raw } = rawCall();

    expect([toCall(raw).evaluation, toCall(rawCall({ evaluation: "pending" })).evaluation]).toEqual([null, null]);
  });

  it("keeps evaluation keys beyond sentiment, outcome and score", () => {
    expect(toCall(rawCall({ evaluation: { sentiment: "neutral", booked: true } })).evaluation).toEqual({
      sentiment: "neutral",
      booked: true,
    });
  });

  it("reads a field of an unexpected type as null instead of failing the page", () => {
    expect(toCall(rawCall({ assistant_name: { first: "Sales" } })).assistantName).toBeNull();
  });
});
