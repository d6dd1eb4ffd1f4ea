import type { StoredCall } from "../../lambda/ports.js";
import { apiRecordOf } from "../../lambda/report/api-record.js";
import type { Call, FetchStats } from "../../lambda/report/call.js";

let nextId = 1;

/**
 * A plausible completed, human-answered, evaluated call on 2025-08-04 (API time); override
 * only what a test is about. Ids are unique across the test run unless overridden.
 */
export function makeCall(overrides: Partial<Call> = {}): Call {
  return {
    id: nextId++,
    createdAt: "2025-08-04 14:30:00",
    updatedAt: "2025-08-04 14:34:05",
    assistantName: "Sales Assistant",
    campaignName: "Q4 Outreach Campaign",
    type: "outbound",
    status: "completed",
    durationSeconds: 245,
    assistantPhoneNumber: "+1234567890",
    clientPhoneNumber: "+1987654321",
    transcript: "Hello, this is Sarah from Autocalls. How are you doing today?",
    variables: { customer_name: "John Smith", interest_level: "high" },
    evaluation: { sentiment: "positive", outcome: "qualified_lead", score: 8.5 },
    totalCostMicros: 25_000,
    carrierCostMicros: 20_000,
    answeredBy: "human",
    recordingUrl: "https://recordings.autocalls.ai/calls/123.mp3",
    ...overrides,
  };
}

/** The stats of a clean one-page fetch; override what a test is about. */
export function makeFetchStats(overrides: Partial<FetchStats> = {}): FetchStats {
  return {
    pages: 1,
    requests: 1,
    retries: 0,
    rateLimited: 0,
    received: 0,
    duplicates: 0,
    apiTotal: 0,
    refetches: 0,
    ...overrides,
  };
}

/** A call as a part stores it when its source gave no API record: the record `toCall` maps back to it. */
export function storedCallOf(call: Call): StoredCall {
  return { record: apiRecordOf(call) };
}
