/**
 * What the report is about, independent of how it was fetched: the client maps the API's JSON
 * into these types (lambda/autocalls/schema.ts) and the domain reads only them.
 */

/**
 * One Autocalls call, normalised from the API's snake_case JSON into what the report needs.
 * Money is carried as integer micro-dollars so that sums are exact (0.1 + 0.2 drift is the
 * first thing a manager checking an invoice would notice).
 */
export interface Call {
  id: number;
  /** `created_at` exactly as the API sent it: `YYYY-MM-DD HH:MM:SS` in the API's timezone. */
  createdAt: string;
  updatedAt: string | null;
  assistantName: string | null;
  /** Null when the call is not part of a campaign. */
  campaignName: string | null;
  /** `inbound` | `outbound` | `web`, or whatever new value the API starts sending. */
  type: string | null;
  /** One of the documented statuses, or an unknown one (counted, never dropped). */
  status: string | null;
  /** Seconds; 0 for calls that never connected. */
  durationSeconds: number;
  assistantPhoneNumber: string | null;
  clientPhoneNumber: string | null;
  transcript: string | null;
  variables: Record<string, unknown>;
  /** Usually `{ sentiment, outcome, score }`; may carry other keys; null when missing. */
  evaluation: Record<string, unknown> | null;
  totalCostMicros: number;
  carrierCostMicros: number;
  /** `human` | `machine` | `unknown`. */
  answeredBy: string | null;
  recordingUrl: string | null;
}

/** The filters the API accepts besides the date range (all optional, passed through). */
export interface CallFilters {
  assistantId?: number;
  campaignId?: number;
  type?: string;
  status?: string;
}

/** How a fetch went; final once the stream has ended. Goes into the summary's dataQuality. */
export interface FetchStats {
  /** Pages the API reported (`last_page`) on the final pass. */
  pages: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Requests that were repeated after a 429, 5xx, network error or timeout. */
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Call rows received across all pages, duplicates included. */
  received: number;
  /** Rows whose `id` had been seen already (page drift). */
  duplicates: number;
  /** The API's `total` on the final pass. */
  apiTotal: number;
  /** Extra passes made because `total`/`last_page` changed or calls were missing. */
  refetches: number;
}

/** The stats of a fetch before its first request. */
export function emptyFetchStats(): FetchStats {
  return { pages: 0, requests: 0, retries: 0, rateLimited: 0, received: 0, duplicates: 0, apiTotal: 0, refetches: 0 };
}

/** Adds one fetch's stats to another's: a report drawing on several (disjoint) API queries. */
export function addFetchStats(into: FetchStats, from: FetchStats): FetchStats {
  for (const key of Object.keys(into) as Array<keyof FetchStats>) into[key] += from[key];
  return into;
}
