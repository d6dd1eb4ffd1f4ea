/**
 * One request for a page, bounded by its timeout, and what its answer or failure says: the
 * pieces the client's retry loop decides on: the page, a failure worth repeating (a
 * RetryableFailure), and the rate-limit headers. The waiting between repeats is
 * lambda/backoff.ts, the pacing that reads the headers pacer.ts.
 */
import type { FetchedPage } from "../ports.js";
import { AutocallsAuthError, AutocallsRequestError, AutocallsResponseError } from "./errors.js";
import type { RateLimitReading } from "./pacer.js";
import { type DecodeOptions, decodePage } from "./page-split.js";
import { parseCallsPage } from "./schema.js";

/** An HTTP answer with its body read, as bytes: a page is decoded a call at a time (page-split.ts). */
export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

const utf8 = new TextDecoder();

/** The body as text, as `Response.text()` decodes it (a UTF-8 byte-order mark dropped). */
export function answerText(answer: Answer): string {
  return utf8.decode(answer.bytes);
}

export interface RequestOptions {
  fetch: typeof fetch;
  token: string;
  timeoutMs: number;
  /** A signal that aborts after `ms` of real time; `cancel` aborts once the answer is in. */
  timer: (ms: number, cancel: AbortSignal) => AbortSignal;
  /** Server-provided or network text could echo the request: takes the token out of it. */
  redact: (text: string) => string;
}

const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Why a request's `answered` signal aborts: an answer came, the timer may stop. One shared reason,
 * as nothing reads it: `abort()` without one builds a DOMException and its stack trace per
 * request (~0.05 s of main thread over a 100k-call day's 1,000 requests).
 */
const ANSWERED = Object.freeze({ answered: true });

/** A request that failed in a way worth repeating, and what to say if repeats run out. */
export class RetryableFailure extends Error {
  /** "unreachable": refused or not resolved — no server listens at the address, or not yet. */
  readonly kind: "rateLimited" | "server" | "network" | "unreachable" | "body";

  constructor(kind: RetryableFailure["kind"], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/** GETs `url`; rejects with `signal`'s reason when it aborts, or a RetryableFailure on no answer. */
export async function requestAnswer(url: URL, signal: AbortSignal, options: RequestOptions): Promise<Answer> {
  signal.throwIfAborted();
  const answered = new AbortController();
  // Read again after the await, which keeps it alive: AbortSignal.any holds its sources weakly.
  const timedOut = options.timer(options.timeoutMs, answered.signal);
  try {
    const response = await options.fetch(url, {
      headers: { Authorization: `Bearer ${options.token}`, Accept: "application/json" },
      signal: AbortSignal.any([signal, timedOut]),
      // Never let fetch carry the token to wherever a redirect points.
      redirect: "manual",
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timedOut.aborted) {
      throw new RetryableFailure("network", `no answer within ${options.timeoutMs} ms`);
    }
    const kind = UNREACHABLE_CODES.has(errorCode(error) ?? "") ? "unreachable" : "network";
    throw new RetryableFailure(kind, `network error: ${options.redact(describeError(error))}`, { cause: error });
  } finally {
    answered.abort(ANSWERED);
  }
}

/**
 * Turns an HTTP answer into a page, a fatal error, or a RetryableFailure; `redact` cleans server
 * text. With `deferTranscripts`, a record's transcript may stay in its bytes (see decodePage).
 */
export function readCallsPage(
  page: number,
  answer: Answer,
  redact: (text: string) => string,
  decode: DecodeOptions = {},
): FetchedPage {
  const { status } = answer;
  // A page that splits is decoded a call at a time; anything else whole, which words the error.
  const split = status >= 200 && status < 300 ? decodePage(answer.bytes, decode) : null;
  if (split !== null) return pageOf(page, split.page, redact, split.elements);
  const body = answerText(answer);
  const html = looksLikeHtml(answer, body);
  if (status >= 200 && status < 300) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(body);
    } catch (error) {
      const what = html
        ? "an HTML page instead of JSON"
        : body.length === 0
          ? "an empty body"
          : `truncated or invalid JSON (${body.length} characters)`;
      throw new RetryableFailure("body", what, { cause: error });
    }
    return pageOf(page, decoded, redact);
  }
  if (status === 401 || status === 403) throw new AutocallsAuthError(status);
  if (status === 429) throw new RetryableFailure("rateLimited", "HTTP 429 (rate limited)");
  if (status === 408 || status >= 500) {
    throw new RetryableFailure("server", `HTTP ${status}${html ? " with an HTML error page" : ""}`);
  }
  if (status >= 300 && status < 400) {
    const location = safeLocation(answer.headers.get("location"));
    throw new AutocallsRequestError(
      status,
      `a redirect${location ? ` to ${location}` : ""}`,
      "set AUTOCALLS_BASE_URL to the API's final address (e.g. https://app.autocalls.ai/api)",
    );
  }
  const hint =
    status === 404
      ? "check AUTOCALLS_BASE_URL (it should end in /api, e.g. https://app.autocalls.ai/api)"
      : "check the report date and the assistant/campaign/type/status filters";
  throw new AutocallsRequestError(status, redact(laravelMessage(body, html)), hint);
}

/**
 * The decoded body checked and mapped, or the AutocallsResponseError naming what is wrong with it.
 * The page keeps the records (what parts store) and, when split, each record's bytes.
 */
function pageOf(page: number, decoded: unknown, redact: (text: string) => string, elements?: Buffer[]): FetchedPage {
  const parsed = parseCallsPage(decoded);
  if (!parsed.ok) throw new AutocallsResponseError(page, redact(parsed.problem));
  if (parsed.page.currentPage !== undefined && parsed.page.currentPage !== page) {
    throw new AutocallsResponseError(page, `the API answered with page ${parsed.page.currentPage}`);
  }
  const { total, lastPage, calls, records } = parsed.page;
  return { page, total, lastPage, calls, records, ...(elements === undefined ? {} : { recordBytes: elements }) };
}

export function looksLikeHtml(answer: Answer, body: string): boolean {
  const type = answer.headers.get("content-type") ?? "";
  return type.includes("text/html") || /^\s*</.test(body);
}

/** Laravel's `{ message, errors: { field: [..] } }`, flattened to one line. */
export function laravelMessage(body: string, html: boolean): string {
  if (html) return "an HTML error page";
  let decoded: unknown;
  try {
    decoded = JSON.parse(body);
  } catch {
    return oneLine(body);
  }
  if (typeof decoded !== "object" || decoded === null) return oneLine(body);
  const { message, errors } = decoded as { message?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (typeof message === "string") parts.push(message);
  if (typeof errors === "object" && errors !== null) {
    for (const [field, messages] of Object.entries(errors)) {
      parts.push(`${field}: ${Array.isArray(messages) ? messages.join(" ") : String(messages)}`);
    }
  }
  return oneLine(parts.length > 0 ? parts.join("; ") : body);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** The redirect target without its query (which could carry anything). */
export function safeLocation(location: string | null): string | undefined {
  if (!location) return undefined;
  try {
    const url = new URL(location);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  return cause ? `${error.message} (${errorCode(error) ?? cause.message})` : error.message;
}

/** fetch's "fetch failed" carries the system error (ECONNREFUSED…) as its cause. */
function errorCode(error: unknown): string | undefined {
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === "string" ? code : undefined;
}

// Retry-After is whole seconds, rounded by the server; the slack keeps the first request after
// the pause from arriving just before the window resets.
const RETRY_AFTER_MARGIN_MS = 250;

/** A reading, and which header said when the budget is back. */
export interface RateLimitAnswer extends RateLimitReading {
  resetBy?: "Retry-After" | "X-RateLimit-Reset";
}

/**
 * What an answer's headers say about the rate limit. `resetAt` is when the API says the budget
 * is back: a 429's `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3), else
 * `X-RateLimit-Reset` (epoch seconds), plus a little slack; a time already past says nothing.
 */
export function readRateLimit(status: number, headers: Headers, now: number): RateLimitAnswer {
  const reading: RateLimitAnswer = {
    limit: headerInt(headers, "x-ratelimit-limit"),
    remaining: headerInt(headers, "x-ratelimit-remaining"),
  };
  const retryAfter = status === 429 ? headers.get("retry-after")?.trim() : undefined;
  const reset = headerInt(headers, "x-ratelimit-reset");
  const [resetAt, resetBy] = retryAfter
    ? [/^\d+$/.test(retryAfter) ? now + Number(retryAfter) * 1000 : Date.parse(retryAfter), "Retry-After" as const]
    : [reset === undefined ? Number.NaN : reset * 1000, "X-RateLimit-Reset" as const];
  if (resetAt >= now) Object.assign(reading, { resetAt: resetAt + RETRY_AFTER_MARGIN_MS, resetBy });
  return reading;
}

function headerInt(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}
