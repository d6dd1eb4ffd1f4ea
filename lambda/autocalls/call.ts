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

/** What one fetch asks the API for: an inclusive range of API-timezone dates plus filters. */
export interface CallsQuery extends CallFilters {
  /** `YYYY-MM-DD`, inclusive, in the API's timezone. */
  dateFrom: string;
  /** `YYYY-MM-DD`, inclusive, in the API's timezone. */
  dateTo: string;
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

export interface FetchOptions {
  /**
   * Epoch milliseconds after which the fetch gives up with a clear error; a rate-limit pause that
   * would end after it fails at once.
   */
  deadline?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { pagesDone: number; pagesTotal: number }) => void;
  /** Called before every wait of a few seconds or more (`ANNOUNCED_PAUSE_MS`). */
  onPause?: (pause: FetchPause) => void;
}

/** A wait before the next request. */
export interface FetchPause {
  ms: number;
  /** Epoch milliseconds when requests resume. */
  until: number;
  /**
   * `rateLimited`: the API answered 429 and said (or the client chose) how long to wait;
   * `pacing`: the client holds back to stay inside the API's rate-limit headers.
   */
  reason: "rateLimited" | "pacing";
}

/**
 * Unique calls in page order. Iterating to the end either completes (every call the API
 * reported was received, `stats` final) or throws — never ends short silently.
 */
export interface CallStream extends AsyncIterable<Call> {
  readonly stats: FetchStats;
}

/** The port the pipeline fetches through (the HTTP client in production and the CLI). */
export interface CallsSource {
  fetchCalls(query: CallsQuery, options?: FetchOptions): CallStream;
}
