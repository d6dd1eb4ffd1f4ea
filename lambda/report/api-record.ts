/**
 * A call as the API records it (`GET /user/calls`, snake_case) and as the report reads it (`Call`):
 * the client maps each page's records with `toCall`, and a part stores the records themselves
 * (one NDJSON line each), so reading a part back maps them again.
 */
import type { Call } from "./call.js";
import { isRecord } from "./json-checks.js";
import { MICROS_PER_USD, usdToMicros } from "./money.js";

/** Maps one raw call (already checked for `id` and `created_at`) into the report's shape. */
export function toCall(raw: Record<string, unknown>): Call {
  return {
    id: raw.id as number,
    createdAt: raw.created_at as string,
    updatedAt: text(raw.updated_at),
    assistantName: text(raw.assistant_name),
    campaignName: text(raw.campaign_name),
    type: text(raw.type),
    status: text(raw.status),
    durationSeconds: Math.round(amount(raw.duration)),
    assistantPhoneNumber: text(raw.assistant_phone_number),
    clientPhoneNumber: text(raw.client_phone_number),
    transcript: text(raw.transcript),
    variables: variables(raw.variables),
    evaluation: isRecord(raw.evaluation) ? raw.evaluation : null,
    totalCostMicros: usdToMicros(amount(raw.total_cost)),
    carrierCostMicros: usdToMicros(amount(raw.carrier_cost)),
    answeredBy: text(raw.answered_by),
    recordingUrl: text(raw.recording_url),
  };
}

/**
 * A record `toCall` maps back to exactly `call`: for a call that came without the API's record
 * (a test's source), so that every part line is a record.
 */
export function apiRecordOf(call: Call): Record<string, unknown> {
  return {
    id: call.id,
    created_at: call.createdAt,
    updated_at: call.updatedAt,
    assistant_name: call.assistantName,
    campaign_name: call.campaignName,
    type: call.type,
    status: call.status,
    duration: call.durationSeconds,
    assistant_phone_number: call.assistantPhoneNumber,
    client_phone_number: call.clientPhoneNumber,
    transcript: call.transcript,
    variables: call.variables,
    evaluation: call.evaluation,
    total_cost: call.totalCostMicros / MICROS_PER_USD,
    carrier_cost: call.carrierCostMicros / MICROS_PER_USD,
    answered_by: call.answeredBy,
    recording_url: call.recordingUrl,
  };
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Numbers, and numeric strings (Laravel's `decimal` cast serialises money as "0.025"); else 0. */
function amount(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : 0;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : 0;
  }
  return 0;
}

/** PHP encodes an empty associative array as `[]`, so an array here means "no variables". */
function variables(value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (Array.isArray(value)) return { ...value };
  return {};
}
