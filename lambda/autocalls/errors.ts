/**
 * What can go wrong fetching calls, one class per thing the reader must do differently.
 * Messages are one line, say what happened and what to do, and never contain the API token
 * (server-provided text is redacted by the client before it gets here).
 */
export class AutocallsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 401/403: retrying cannot help; the token must be fixed. */
export class AutocallsAuthError extends AutocallsError {
  readonly status: number;

  constructor(status: number, options?: { cause?: unknown }) {
    super(
      `The Autocalls API answered HTTP ${status}: the API token was rejected — check AUTOCALLS_API_TOKEN / the secret.`,
      options,
    );
    this.status = status;
  }
}

/** 404/422 (or another 4xx): the request itself is wrong — a filter, the base URL, a redirect. */
export class AutocallsRequestError extends AutocallsError {
  readonly status: number;

  constructor(status: number, detail: string, hint: string, options?: { cause?: unknown }) {
    super(`The Autocalls API rejected the request (HTTP ${status}${detail ? `: ${detail}` : ""}) — ${hint}.`, options);
    this.status = status;
  }
}

/** Retries exhausted on 5xx, 429, network errors or timeouts: a transient outage. */
export class AutocallsUnavailableError extends AutocallsError {
  readonly page: number;
  readonly attempts: number;
  readonly lastSeen: string;
  /** Pages received before this one failed for good. */
  readonly pagesDone: number;
  /** Whether any request of the run got an HTTP answer; if none did, the address may be wrong. */
  readonly answered: boolean;

  constructor(
    page: number,
    attempts: number,
    lastSeen: string,
    options: { cause?: unknown; pagesDone?: number; answered?: boolean } = {},
  ) {
    const pagesDone = options.pagesDone ?? 0;
    const done = pagesDone === 1 ? "page 1" : `${pagesDone} pages`;
    super(
      `The Autocalls API is unavailable: page ${page} failed ${attempts} times (last: ${lastSeen})${
        pagesDone > 0
          ? ` after ${done} succeeded — the API is slow or overloaded; retry later.`
          : " — it is worth retrying later."
      }`,
      { cause: options.cause },
    );
    this.page = page;
    this.attempts = attempts;
    this.lastSeen = lastSeen;
    this.pagesDone = pagesDone;
    this.answered = options.answered ?? false;
  }
}

/** A page that cannot be read: HTML, truncated JSON, a missing `data`/`total`, a call without `id`. */
export class AutocallsResponseError extends AutocallsError {
  readonly page: number;

  constructor(page: number, problem: string, options?: { cause?: unknown }) {
    super(
      `The Autocalls API sent an unusable response for page ${page}: ${problem} — if this persists, the API may have changed; report it with the time of the run.`,
      options,
    );
    this.page = page;
  }
}

/** The API's own count and what was received still disagree after the re-fetches. */
export class AutocallsIncompleteError extends AutocallsError {
  readonly uniqueReceived: number;
  readonly apiTotal: number;
  readonly refetches: number;
  /** Set when the last pass saw the API's `total` change between pages. */
  readonly totalChange: { from: number; to: number } | undefined;

  constructor(uniqueReceived: number, apiTotal: number, refetches: number, totalChange?: { from: number; to: number }) {
    const what = totalChange
      ? `The Autocalls API's total changed from ${totalChange.from} to ${totalChange.to} while paging (${uniqueReceived} unique calls received`
      : `Received ${uniqueReceived} unique calls but the Autocalls API reported ${apiTotal} (some calls were missing`;
    super(
      `${what}, after ${refetches} re-fetches) — the calls are changing under the fetch; run the report again later.`,
    );
    this.uniqueReceived = uniqueReceived;
    this.apiTotal = apiTotal;
    this.refetches = refetches;
    this.totalChange = totalChange;
  }
}

/** The overall deadline (the Lambda's remaining time minus a margin) was reached. */
export class AutocallsDeadlineError extends AutocallsError {
  readonly pagesDone: number;
  readonly pagesTotal: number;

  constructor(deadline: number, pagesDone: number, pagesTotal: number, lastSeen: string | undefined) {
    const progress = pagesTotal > 0 ? `${pagesDone} of ${pagesTotal} pages done` : "no page received yet";
    const last = lastSeen ? `, last: ${lastSeen}` : "";
    super(
      `Fetching calls did not finish before the deadline ${new Date(deadline).toISOString()} (${progress}${last}) — give the run more time or retry when the API is faster.`,
    );
    this.pagesDone = pagesDone;
    this.pagesTotal = pagesTotal;
  }
}

/** A 429 asked for a pause that ends after the fetch's deadline: waiting could only end in failure. */
export class AutocallsPauseTooLongError extends AutocallsError {
  readonly pauseMs: number;
  /** Epoch milliseconds when the API accepts requests again. */
  readonly resumeAt: number;

  constructor(pauseMs: number, resumeAt: number, header: string) {
    super(
      `The Autocalls API asks to wait ${formatPause(pauseMs)} (${header}) — more than this run has left; re-run after ${utcMinute(resumeAt, resumeAt - pauseMs)}.`,
    );
    this.pauseMs = pauseMs;
    this.resumeAt = resumeAt;
  }
}

/** "45 s", "60 min": how a person says a wait. */
export function formatPause(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** "15:00 UTC", with the date in front when it is not the day of `from`. */
function utcMinute(at: number, from: number): string {
  const iso = new Date(at).toISOString();
  const day = iso.slice(0, 10) === new Date(from).toISOString().slice(0, 10) ? "" : `${iso.slice(0, 10)} `;
  return `${day}${iso.slice(11, 16)} UTC`;
}
