/**
 * One request for a page, bounded by its timeout, and what its answer or failure says: the
 * pieces the client's retry loop decides on. A failure worth repeating is a RetryableFailure;
 * the waiting between repeats is lambda/backoff.ts.
 */

/** An HTTP answer with its body read. */
export interface Answer {
  status: number;
  headers: Headers;
  body: string;
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
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timedOut.aborted) {
      throw new RetryableFailure("network", `no answer within ${options.timeoutMs} ms`);
    }
    const kind = UNREACHABLE_CODES.has(errorCode(error) ?? "") ? "unreachable" : "network";
    throw new RetryableFailure(kind, `network error: ${options.redact(describeError(error))}`, { cause: error });
  } finally {
    answered.abort();
  }
}

export function looksLikeHtml(answer: Answer): boolean {
  const type = answer.headers.get("content-type") ?? "";
  return type.includes("text/html") || /^\s*</.test(answer.body);
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
