/**
 * The simulated API's wire format and vocabulary: a call row as the API sends it, the
 * documented statuses and types, and the filters it accepts.
 */
/** Snake_case as on the wire; every field the API reference documents. */
export type RawCall = {
  id: number;
  assistant_name: string;
  campaign_name: string | null;
  type: CallType;
  duration: number;
  assistant_phone_number: string;
  client_phone_number: string;
  status: CallStatus;
  transcript: string | null;
  variables: Record<string, unknown>;
  evaluation: Record<string, unknown> | null;
  webhook_response: Record<string, unknown> | null;
  carrier_cost: number;
  total_cost: number;
  answered_by: AnsweredBy;
  recording_url: string | null;
  created_at: string;
  updated_at: string;
  [key: string]: unknown;
};

export const CALL_STATUSES = [
  "initiated",
  "ringing",
  "busy",
  "in-progress",
  "ended",
  "completed",
  "ended_by_customer",
  "ended_by_assistant",
  "no-answer",
  "failed",
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const CALL_TYPES = ["inbound", "outbound", "web"] as const;
export type CallType = (typeof CALL_TYPES)[number];

export type AnsweredBy = "human" | "machine" | "unknown";

/** The filters the API applies, already validated. */
export interface CallFilter {
  status?: string;
  type?: string;
  phoneNumber?: string;
  assistantId?: number;
  campaignId?: number;
}
