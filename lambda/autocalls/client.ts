/**
 * The Autocalls API client. About 490 lines, over the house's ~350, because what stays here
 * shares one fetch's state: the passes and refetches, a part's pages and where it stopped, each
 * page's retry decisions. The request with its timeout and the reading of its answer (page,
 * errors, rate-limit headers) are in answer.ts, the waiting between retries in lambda/backoff.ts,
 * the pacing in pacer.ts, the concurrent pages of a range in page-range.ts, the addresses in
 * calls-url.ts.
 */
import { setMaxListeners } from "node:events";
import { backoffDelayMs, sleep } from "../backoff.js";
import type {
  CallStream,
  CallsQuery,
  CallsSource,
  FetchedPage,
  FetchOptions,
  PagedCallsSource,
  PageRange,
  PageStop,
  PageStream,
  PartFetchOptions,
} from "../ports.js";
import { type Call, emptyFetchStats, type FetchStats } from "../report/call.js";
import { type RateLimitAnswer, RetryableFailure, readCallsPage, readRateLimit, requestAnswer } from "./answer.js";
import { callsEndpoint, callsPageUrl } from "./calls-url.js";
import {
  AutocallsDeadlineError,
  AutocallsError,
  AutocallsIncompleteError,
  AutocallsPauseTooLongError,
  AutocallsResponseError,
  AutocallsUnavailableError,
} from "./errors.js";
import { type PacerStop, RequestPacer } from "./pacer.js";
import { pageRange } from "./page-range.js";

export interface AutocallsLogger {
  debug(message: string, fields?: object): void;
  info(message: string, fields?: object): void;
  warn(message: string, fields?: object): void;
}

export interface AutocallsClientOptions {
  /** `https://app.autocalls.ai/api`; the client requests `${baseUrl}/user/calls`. */
  baseUrl: string;
  token: string;
  /** Most pages in flight (and buffered ahead of the consumer) at once. */
  concurrency?: number;
  /** The API caps it at 100; tests lower it to get many pages from few calls. */
  perPage?: number;
  requestTimeoutMs?: number;
  /** Retries per request after a 429, 5xx, network error or timeout. */
  maxRetries?: number;
  /** Extra passes over all pages when the count did not add up. */
  maxRefetches?: number;
  /** First backoff step; the n-th retry waits half to all of `min(cap, base * 2^n)` (lambda/backoff.ts). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** The rate limiter's window (the headers do not say; Laravel counts per minute). */
  rateLimitWindowMs?: number;
  /** Never receives the token. */
  logger?: AutocallsLogger;
  /** Only for faults a server cannot produce. */
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Real-time limits on waiting for the network — each request's timeout and the fetch's
   * deadline: a signal that aborts when the limit is reached. `cancel` aborts once the limit no
   * longer matters. By default `AbortSignal.timeout` (nothing to cancel: its timer does not keep
   * the process alive); tests end them on an event instead.
   */
  timer?: (ms: number, cancel: AbortSignal) => AbortSignal;
  random?: () => number;
  now?: () => number;
}

/**
 * Pages in flight by default. At 50 ms latency 8 fetched a 100-page day 5.9–6.2x faster than
 * one at a time across bench runs, 12 6.8x; 10 keeps the ≥6x design target with margin. The
 * pacer keeps any concurrency inside the API's rate-limit headers.
 */
export const DEFAULT_CONCURRENCY = 10;

const DEFAULTS = {
  concurrency: DEFAULT_CONCURRENCY,
  perPage: 100,
  requestTimeoutMs: 30_000,
  maxRetries: 6,
  maxRefetches: 2,
  backoffBaseMs: 500,
  backoffCapMs: 20_000,
  rateLimitWindowMs: 60_000,
};

// A 200 with a broken body (a proxy cutting the stream) is retried, but fewer times than an
// outage: if the same page keeps coming back unreadable, the API has changed.
const MAX_BODY_RETRIES = 3;
// Two tries, not one: a DNS answer can fail once in passing.
const UNREACHABLE_TRIES = 2;

const silentLogger: AutocallsLogger = { debug() {}, info() {}, warn() {} };

/** State shared by the requests of one `fetchCalls` or `fetchPages`. */
interface Run {
  signal: AbortSignal;
  stats: FetchStats;
  pacer: RequestPacer;
  deadline: number | undefined;
  /** A part's: a 429's pause this long is not slept, so it cannot be too long for the deadline. */
  stopForPausesFromMs: number | undefined;
  /** A part's: transcripts may stay in the records' bytes (`PartFetchOptions.transcriptsInBytes`). */
  transcriptsInBytes: boolean;
  lastSeen: string | undefined;
  /** Some request got an HTTP answer: the address is right, network errors are an outage. */
  answered: boolean;
  pagesDone: number;
  pagesTotal: number;
}

/**
 * Fetches one query's calls from `GET /user/calls`: page 1 first (it tells how many pages
 * there are), then the rest concurrently, yielding unique calls in page order. Or one part of
 * them, a range of pages, for a fetch spread over several runs (`fetchPages`).
 */
export class AutocallsClient implements CallsSource, PagedCallsSource {
  private readonly endpoint: URL;
  private readonly token: string;
  private readonly concurrency: number;
  private readonly perPage: number;
  private readonly requestTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRefetches: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly rateLimitWindowMs: number;
  private readonly logger: AutocallsLogger;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly timer: (ms: number, cancel: AbortSignal) => AbortSignal;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: AutocallsClientOptions) {
    this.endpoint = callsEndpoint(options.baseUrl);
    // Secrets copied from a dashboard often carry a trailing newline; anything else that is not
    // a visible ASCII character would make fetch throw an error that quotes the header value.
    this.token = options.token.trim();
    if (!/^[\x21-\x7e]+$/.test(this.token)) {
      throw new AutocallsError(
        "The Autocalls API token is empty or contains spaces or non-ASCII characters — check AUTOCALLS_API_TOKEN / the secret.",
      );
    }
    this.concurrency = positiveInt(options.concurrency, DEFAULTS.concurrency, "concurrency");
    this.perPage = positiveInt(options.perPage, DEFAULTS.perPage, "perPage");
    this.requestTimeoutMs = positiveInt(options.requestTimeoutMs, DEFAULTS.requestTimeoutMs, "requestTimeoutMs");
    this.maxRetries = nonNegativeInt(options.maxRetries, DEFAULTS.maxRetries, "maxRetries");
    this.maxRefetches = nonNegativeInt(options.maxRefetches, DEFAULTS.maxRefetches, "maxRefetches");
    this.backoffBaseMs = nonNegativeInt(options.backoffBaseMs, DEFAULTS.backoffBaseMs, "backoffBaseMs");
    this.backoffCapMs = nonNegativeInt(options.backoffCapMs, DEFAULTS.backoffCapMs, "backoffCapMs");
    this.rateLimitWindowMs = positiveInt(options.rateLimitWindowMs, DEFAULTS.rateLimitWindowMs, "rateLimitWindowMs");
    this.logger = options.logger ?? silentLogger;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? sleep;
    this.timer = options.timer ?? ((ms) => AbortSignal.timeout(ms));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  fetchCalls(query: CallsQuery, options: FetchOptions = {}): CallStream {
    const stats = emptyFetchStats();
    let started = false;
    return {
      stats,
      [Symbol.asyncIterator]: () => {
        // The stats belong to one pass over the API; a second loop would silently double them.
        if (started) throw new AutocallsError("A call stream can be iterated only once — call fetchCalls again.");
        started = true;
        // A whole fetch sleeps every wait and yields calls with their transcripts, whatever else
        // the options object carries.
        const whole: PartFetchOptions = {
          ...options,
          pacer: undefined,
          stopForPausesFromMs: undefined,
          transcriptsInBytes: undefined,
        };
        return this.run(whole, stats, this.pacer(whole), (run) => this.passes(query, options, run));
      },
    };
  }

  /**
   * One part of a fetch spread over several runs (durable execution): pages `range.first …`,
   * at most `range.maxPages`, in order and as the API sent them — the caller de-duplicates and
   * reconciles with `total`. `options.pacer` carries the previous part's rate-limit state over;
   * with `options.stopForPausesFromMs` a long wait ends the part (see `stopped`) instead of
   * being slept. Progress and the deadline error count the pages of this part's range.
   */
  fetchPages(query: CallsQuery, range: PageRange, options: PartFetchOptions = {}): PageStream {
    const wholeFrom1 = (value: number) => Number.isSafeInteger(value) && value >= 1;
    if (!wholeFrom1(range.first) || !(wholeFrom1(range.maxPages) || range.maxPages === Number.POSITIVE_INFINITY)) {
      throw new AutocallsError(
        `The page range from ${range.first}, at most ${range.maxPages} pages, needs whole numbers from 1.`,
      );
    }
    const stats = emptyFetchStats();
    const pacer = this.pacer(options);
    let stopped: PageStop | null = null;
    let started = false;
    return {
      stats,
      get stopped() {
        return stopped;
      },
      pacerSnapshot: () => pacer.snapshot(),
      [Symbol.asyncIterator]: () => {
        if (started) throw new AutocallsError("A page stream can be iterated only once — call fetchPages again.");
        started = true;
        const onStop = (stop: PageStop) => {
          stopped = stop;
        };
        return this.run(options, stats, pacer, (run) => this.part(query, range, options, run, onStop));
      },
    };
  }

  private pacer(options: PartFetchOptions): RequestPacer {
    return new RequestPacer({
      windowMs: this.rateLimitWindowMs,
      sleep: this.sleep,
      now: this.now,
      restore: options.pacer,
      stopForPausesFromMs: options.stopForPausesFromMs,
      ...(options.onPause === undefined ? {} : { onPause: options.onPause }),
    });
  }

  /** Runs `work` under the caller's signal and deadline, surfacing why it was aborted. */
  private async *run<T>(
    options: PartFetchOptions,
    stats: FetchStats,
    pacer: RequestPacer,
    work: (run: Run) => AsyncIterable<T>,
  ): AsyncGenerator<T> {
    const controller = new AbortController();
    // Every request and wait listens on it; with a high concurrency Node would warn of a leak.
    setMaxListeners(0, controller.signal);
    const run: Run = {
      signal: controller.signal,
      stats,
      pacer,
      deadline: options.deadline,
      stopForPausesFromMs: options.stopForPausesFromMs,
      transcriptsInBytes: options.transcriptsInBytes ?? false,
      lastSeen: undefined,
      answered: false,
      pagesDone: 0,
      pagesTotal: 0,
    };
    const onCallerAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) onCallerAbort();
    options.signal?.addEventListener("abort", onCallerAbort, { once: true });
    const deadlineTimer = new AbortController();
    if (options.deadline !== undefined) {
      const deadline = options.deadline;
      // Aborting cancels every request in flight and every wait, so nothing outlives the deadline.
      const expire = () =>
        controller.abort(new AutocallsDeadlineError(deadline, run.pagesDone, run.pagesTotal, run.lastSeen));
      const remainingMs = deadline - this.now();
      if (remainingMs <= 0) expire();
      // The listener (which also keeps a timeout signal from being collected) goes when the run ends.
      else
        this.timer(remainingMs, deadlineTimer.signal).addEventListener("abort", expire, {
          signal: deadlineTimer.signal,
        });
    }
    try {
      yield* work(run);
    } catch (error) {
      // After an abort, what surfaces is whatever the fetch or sleep threw; the reason says why.
      if (controller.signal.aborted && controller.signal.reason instanceof AutocallsError) {
        throw controller.signal.reason;
      }
      throw error;
    } finally {
      // Also runs when the consumer stops early: nothing keeps fetching in the background.
      deadlineTimer.abort();
      options.signal?.removeEventListener("abort", onCallerAbort);
      if (!controller.signal.aborted) controller.abort(new AutocallsError("The call stream was closed."));
    }
  }

  /** All pages, again while the count does not add up; each call once. */
  private async *passes(query: CallsQuery, options: FetchOptions, run: Run): AsyncGenerator<Call> {
    const stats = run.stats;
    const seen = new Set<number>();
    const startedAt = this.now();
    this.logger.info("autocalls fetch started", {
      dateFrom: query.dateFrom,
      dateTo: query.dateTo,
      concurrency: this.concurrency,
    });
    for (let pass = 0; ; pass++) {
      let totalChange: { from: number; to: number } | undefined;
      let total = 0;
      let lastPage = 0;
      for await (const fetched of this.pages(query, { first: 1, maxPages: Number.POSITIVE_INFINITY }, run)) {
        if (fetched.page === 1) {
          total = fetched.total;
          lastPage = fetched.lastPage;
          stats.pages = lastPage;
          run.pagesTotal += Math.max(lastPage, 1);
        } else if (fetched.total !== total || fetched.lastPage !== lastPage) {
          // Rows were added or removed while paging: offsets moved, so rows may have been skipped.
          totalChange = { from: total, to: fetched.total };
        }
        stats.apiTotal = fetched.total;
        stats.received += fetched.calls.length;
        run.pagesDone++;
        options.onProgress?.({ pagesDone: run.pagesDone, pagesTotal: run.pagesTotal });
        for (const call of fetched.calls) {
          if (seen.has(call.id)) {
            stats.duplicates++;
            continue;
          }
          seen.add(call.id);
          yield call;
        }
      }
      if (totalChange === undefined && seen.size === stats.apiTotal) break;
      const reason = totalChange === undefined ? "some calls were missing" : "the total changed while paging";
      if (pass >= this.maxRefetches) {
        throw new AutocallsIncompleteError(seen.size, stats.apiTotal, stats.refetches, totalChange);
      }
      stats.refetches++;
      this.logger.warn("autocalls result inconsistent, fetching all pages again", {
        reason,
        uniqueReceived: seen.size,
        apiTotal: stats.apiTotal,
        refetch: stats.refetches,
      });
    }
    this.logger.info("autocalls fetch finished", { ...stats, durationMs: this.now() - startedAt });
  }

  /** A part's pages as they come; progress counts the pages of its range. */
  private async *part(
    query: CallsQuery,
    range: PageRange,
    options: FetchOptions,
    run: Run,
    onStop: (stop: PageStop) => void,
  ): AsyncGenerator<FetchedPage> {
    const stats = run.stats;
    let refused: { page: number; stop: PacerStop } | undefined;
    const pages = this.pages(query, range, run, (page, stop) => {
      refused = { page, stop };
    });
    for await (const fetched of pages) {
      if (fetched.page === range.first) {
        run.pagesTotal = Math.max(1, Math.min(range.maxPages, fetched.lastPage - range.first + 1));
      }
      stats.pages = fetched.lastPage;
      stats.apiTotal = fetched.total;
      stats.received += fetched.calls.length;
      run.pagesDone++;
      options.onProgress?.({ pagesDone: run.pagesDone, pagesTotal: run.pagesTotal });
      yield fetched;
    }
    let stopped: PageStop | null = null;
    if (refused !== undefined) {
      // Answers that came in after the refusal may have moved the time to resume.
      const { resumeAt, reason } = run.pacer.stopped() ?? refused.stop;
      stopped = { nextPage: refused.page, resumeAt, reason };
      onStop(stopped);
    }
    this.logger.info("autocalls part finished", { first: range.first, ...stats, stopped });
  }

  private pages(query: CallsQuery, range: PageRange, run: Run, onStop?: (page: number, stop: PacerStop) => void) {
    return pageRange({
      range,
      concurrency: this.concurrency,
      fetchPage: (page, signal) => this.fetchPage(query, page, run, signal),
      signal: run.signal,
      ...(onStop === undefined ? {} : { onStop }),
    });
  }

  /** One page, with retries; resolves with the validated page or rejects with an AutocallsError. */
  private async fetchPage(query: CallsQuery, page: number, run: Run, signal: AbortSignal): Promise<FetchedPage> {
    const url = this.pageUrl(query, page);
    let bodyFailures = 0;
    for (let attempt = 0; ; attempt++) {
      const seq = await run.pacer.acquire(signal);
      run.stats.requests++;
      if (attempt > 0) run.stats.retries++;
      const sentAt = this.now();
      let reading: RateLimitAnswer = { limit: undefined, remaining: undefined };
      let failure: RetryableFailure;
      try {
        const answer = await requestAnswer(url, signal, {
          fetch: this.fetchImpl,
          token: this.token,
          timeoutMs: this.requestTimeoutMs,
          timer: this.timer,
          redact: (text) => this.redact(text),
        });
        run.answered = true;
        reading = readRateLimit(answer.status, answer.headers, this.now());
        this.logger.debug("autocalls page answered", {
          page,
          attempt,
          status: answer.status,
          durationMs: this.now() - sentAt,
          rateLimitRemaining: reading.remaining,
        });
        const fetched = readCallsPage(page, answer, (text) => this.redact(text), {
          deferTranscripts: run.transcriptsInBytes,
        });
        run.pacer.settle(seq, reading);
        return fetched;
      } catch (error) {
        if (!(error instanceof RetryableFailure)) {
          run.pacer.settle(seq, reading);
          throw error;
        }
        failure = error;
      }

      run.lastSeen = failure.message;
      let pauseMs: number | undefined;
      if (failure.kind === "rateLimited") {
        run.stats.rateLimited++;
        pauseMs = reading.resetAt === undefined ? this.backoffMs(attempt) : Math.max(0, reading.resetAt - this.now());
      }
      run.pacer.settle(seq, reading, pauseMs);
      // Waiting past the deadline could only end in the deadline error, later and saying less.
      const stops = pauseMs !== undefined && pauseMs >= (run.stopForPausesFromMs ?? Infinity);
      if (
        pauseMs !== undefined &&
        !stops &&
        reading.resetAt !== undefined &&
        reading.resetAt > (run.deadline ?? Infinity)
      ) {
        throw new AutocallsPauseTooLongError(pauseMs, reading.resetAt, reading.resetBy ?? "Retry-After");
      }
      if (failure.kind === "body" && ++bodyFailures > MAX_BODY_RETRIES) {
        throw new AutocallsResponseError(page, failure.message, { cause: failure.cause });
      }
      // Refused before the API ever answered: most likely a wrong address, not worth 7 tries.
      const unreachable = failure.kind === "unreachable" && !run.answered && attempt >= UNREACHABLE_TRIES - 1;
      if (attempt >= this.maxRetries || unreachable) {
        throw new AutocallsUnavailableError(page, attempt + 1, failure.message, {
          cause: failure.cause,
          pagesDone: run.pagesDone,
          answered: run.answered,
        });
      }
      this.logger.warn("autocalls request failed, retrying", { page, attempt, problem: failure.message, pauseMs });
      // A 429 pauses every request in the pacer; other failures back off just this page.
      if (pauseMs === undefined) await this.sleep(this.backoffMs(attempt), signal);
    }
  }

  private pageUrl(query: CallsQuery, page: number): URL {
    return callsPageUrl(this.endpoint, query, this.perPage, page);
  }

  private backoffMs(attempt: number): number {
    return backoffDelayMs(attempt, { baseMs: this.backoffBaseMs, capMs: this.backoffCapMs, random: this.random });
  }

  /** Server-provided text could echo the request; the token must not travel on in a message. */
  private redact(text: string): string {
    return text.split(this.token).join("[redacted]");
  }
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) {
    throw new AutocallsError(`AutocallsClient option ${name} must be a positive integer, got ${value}.`);
  }
  return result;
}

function nonNegativeInt(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 0) {
    throw new AutocallsError(`AutocallsClient option ${name} must be a non-negative integer, got ${value}.`);
  }
  return result;
}
