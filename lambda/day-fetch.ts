/**
 * The day's fetch as checkpointed parts. Each part is one step: it fetches at most
 * `maxPagesPerPart` pages, de-duplicates against every earlier part of the day, aggregates its
 * own calls, stores them (and its ids and partial aggregate) in the part store, and returns only
 * counts. A rate-limit pause of `pauseStepFromMs` or more ends the part early and becomes a
 * wait of the step runner — in AWS a durable wait that bills nothing. After a crash or a
 * timeout the execution replays: finished parts return their recorded results and the fetch
 * goes on with the first unfinished one.
 *
 * Completeness is judged over the whole day, as the client's one-pass fetch does: every part's
 * pages must state the `total` and `last_page` of the pass's first page, and the unique ids of
 * all parts must add up to the API's total — else the pages are read again from page 1 (new
 * parts; ids already seen count as duplicates), at most `maxRefetches` times, then a loud failure.
 */
import { AutocallsIncompleteError, AutocallsPauseTooLongError } from "./autocalls/errors.js";
import { fetchPart, type PartInput, type PartResult } from "./fetch-part.js";
import type { CallsQuery, FetchOptions, PacerSnapshot, PagedCallsSource, PartStore } from "./ports.js";
import { type AggregatorOptions, DayAggregator } from "./report/aggregate.js";
import { type CallFilters, emptyFetchStats, type FetchStats } from "./report/call.js";
import {
  DEFAULT_REPORT_NAME,
  type ReportDefinition,
  type ReportFilters,
  singleValueFilters,
} from "./report/report-definition.js";
import type { StepOptions, StepRunner } from "./steps.js";

export { forgetPartIds } from "./fetch-part.js";

/** A report fed from a fetch: what its aggregator is scoped to, and the calls it takes (type, status). */
export interface ReportTap {
  name: string;
  aggregation: AggregatorOptions;
  filters: ReportFilters;
}

/** The one report of a run that is not split (tests, the single-report path). */
export function singleReportTap(aggregation: AggregatorOptions): ReportTap[] {
  return [{ name: DEFAULT_REPORT_NAME, aggregation, filters: {} }];
}

export interface DayFetchOptions {
  date: string;
  /** Keep transcripts in the parts: some report of the fetch shows them. */
  includeTranscripts: boolean;
  /** Epoch ms by which the whole fetch must be done (the CLI's --fetch-timeout); none in AWS. */
  fetchDeadline?: number;
  onProgress?: FetchOptions["onProgress"];
  onPause?: FetchOptions["onPause"];
}

export interface DayFetchTuning {
  /** Pages per part: bounds a step's run time and what a replay repeats. */
  maxPagesPerPart: number;
  /** A rate-limit wait at least this long ends the part and becomes a wait of the step runner. */
  pauseStepFromMs: number;
  /** Extra passes from page 1 when the day's calls did not add up. */
  maxRefetches: number;
  /** Asked before each part: epoch ms by which the part's fetch must end (the invocation's time left). */
  partDeadline?: () => number | undefined;
  /** Whether a failed part is tried again, and after how long. */
  partRetry?: StepOptions["retry"];
}

/** 100 pages of 100 calls: seconds of fetching without a rate limit, a few MB of gzip NDJSON. */
export const DEFAULT_TUNING: DayFetchTuning = { maxPagesPerPart: 100, pauseStepFromMs: 5_000, maxRefetches: 2 };

export interface DayFetchPorts {
  calls: PagedCallsSource;
  parts: PartStore;
  /** The clock a part's `resumeAt` is read against (the client's). */
  now?: () => number;
  logger?: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
  };
}

/** What the fetch leaves for the report: where the parts are and how the fetch went. */
export interface FetchedDay {
  runId: string;
  date: string;
  parts: number;
  stats: FetchStats;
  /** Calls stored in the parts (in the window, unique). */
  calls: number;
  bytes: number;
  /** Durable waits taken for the rate limit, and their seconds. */
  pauses: number;
  pausedSeconds: number;
  /** The rate-limit state at the end, for the next day of a backfill (same token, same budget). */
  pacer: PacerSnapshot | null;
}

/** The options every part aggregates with, so that their partial aggregates merge. */
export function aggregatorOptions(options: {
  window: AggregatorOptions["window"];
  apiTimezone: string;
  filters: CallFilters;
}): AggregatorOptions {
  return {
    window: options.window,
    apiTimezone: options.apiTimezone,
    filters: {
      assistantId: options.filters.assistantId ?? null,
      campaignId: options.filters.campaignId ?? null,
      type: options.filters.type ?? null,
      status: options.filters.status ?? null,
    },
  };
}

/** What a report's aggregator is scoped to: the day, its single-valued filters, and its name and lists. */
export function reportAggregation(
  window: AggregatorOptions["window"],
  apiTimezone: string,
  report: ReportDefinition,
): AggregatorOptions {
  return {
    ...aggregatorOptions({ window, apiTimezone, filters: {} }),
    filters: singleValueFilters(report.filters),
    ...(report.title === null ? {} : { report: { name: report.name, title: report.title, filters: report.filters } }),
  };
}

/** Fetches the day in parts through `steps`; resolves once the parts hold every call of the day. */
export async function fetchDayInParts(
  steps: StepRunner,
  run: { runId: string; pacer?: PacerSnapshot | undefined },
  query: CallsQuery,
  taps: readonly ReportTap[],
  options: DayFetchOptions,
  ports: DayFetchPorts,
  tuning: DayFetchTuning = DEFAULT_TUNING,
): Promise<FetchedDay> {
  const stats = emptyFetchStats();
  let pacer: PacerSnapshot | undefined = run.pacer;
  let part = 0;
  let calls = 0;
  let bytes = 0;
  let pauses = 0;
  let pausedSeconds = 0;
  const progress = { pagesDone: 0, pagesTotal: 0 };
  let previousCommit: string | null = null;
  for (let pass = 0; ; pass++) {
    let nextPage = 1;
    let expected: PartInput["expected"] = null;
    let change: PartResult["change"] = null;
    let last: PartResult | undefined;
    for (;;) {
      part += 1;
      const input: PartInput = {
        ref: { runId: run.runId, date: options.date, part },
        previousCommit,
        firstPage: nextPage,
        expected,
        pacer,
        progress: { ...progress },
      };
      const result = await steps.step(
        `fetch part ${part}`,
        () => fetchPart(input, query, taps, options, ports, tuning),
        tuning.partRetry ? { retry: tuning.partRetry } : {},
      );
      last = result;
      previousCommit = last.commit;
      pacer = last.pacer;
      stats.requests += last.requests;
      stats.retries += last.retries;
      stats.rateLimited += last.rateLimited;
      stats.received += last.received;
      stats.duplicates += last.duplicates;
      stats.apiTotal = last.lastTotal;
      calls += last.inWindow;
      bytes += last.bytes;
      progress.pagesDone += last.pages;
      if (expected === null && last.pages > 0) {
        expected = { total: last.firstTotal, lastPage: last.firstLastPage };
        stats.pages = last.firstLastPage;
        progress.pagesTotal += Math.max(1, last.firstLastPage);
      }
      change ??= last.change;
      if (last.stopped) {
        nextPage = last.stopped.nextPage;
        if (options.fetchDeadline !== undefined && last.stopped.resumeAt > options.fetchDeadline) {
          throw new AutocallsPauseTooLongError(
            last.stopped.waitSeconds * 1000,
            last.stopped.resumeAt,
            last.stopped.reason === "rateLimited" ? "Retry-After" : "X-RateLimit-Remaining: 0",
          );
        }
        pauses += 1;
        pausedSeconds += last.stopped.waitSeconds;
        // Told here (the CLI's pause line), not logged: code outside a step runs again on every
        // replay, and the part's own log line already names the wait.
        options.onPause?.({
          ms: last.stopped.waitSeconds * 1000,
          until: last.stopped.resumeAt,
          reason: last.stopped.reason,
        });
        await steps.wait(`rate limit pause ${pauses}`, last.stopped.waitSeconds);
        continue;
      }
      if (last.pages === 0) throw new Error(`Part ${part} of ${options.date} fetched no page and did not stop.`);
      nextPage = last.firstPage + last.pages;
      // A page that disagrees with the pass's first ends the pass at once: the day is read again
      // from page 1 anyway, and a shrunken last_page would otherwise cost a step per page.
      if (expected === null || nextPage > expected.lastPage || change !== null) break;
    }
    const unique = last.uniqueSoFar;
    if (change === null && unique === stats.apiTotal) {
      return {
        runId: run.runId,
        date: options.date,
        parts: part,
        stats,
        calls,
        bytes,
        pauses,
        pausedSeconds,
        pacer: pacer ?? null,
      };
    }
    if (pass >= tuning.maxRefetches) {
      throw new AutocallsIncompleteError(unique, stats.apiTotal, stats.refetches, change ?? undefined);
    }
    stats.refetches += 1;
    ports.logger?.warn("autocalls result inconsistent, fetching all pages again", {
      date: options.date,
      reason: change === null ? "some calls were missing" : "the total changed while paging",
      uniqueReceived: unique,
      apiTotal: stats.apiTotal,
      refetch: stats.refetches,
    });
  }
}

/** The day's calls, part after part, in page order. */
export async function* readDayCalls(store: PartStore, fetched: Pick<FetchedDay, "runId" | "date" | "parts">) {
  for (let part = 1; part <= fetched.parts; part++) {
    yield* store.readCalls({ runId: fetched.runId, date: fetched.date, part });
  }
}

/**
 * A report's aggregate: its partial aggregates merged in fetch and part order. A report whose ids
 * span several fetches (disjoint API queries) absorbs each of them.
 */
export async function mergedDay(
  store: PartStore,
  fetched: Pick<FetchedDay, "runId" | "date" | "parts"> | ReadonlyArray<Pick<FetchedDay, "runId" | "date" | "parts">>,
  aggregation: AggregatorOptions,
  report: string = DEFAULT_REPORT_NAME,
): Promise<DayAggregator> {
  const aggregator = new DayAggregator(aggregation);
  for (const fetch of Array.isArray(fetched) ? fetched : [fetched]) {
    for (let part = 1; part <= fetch.parts; part++) {
      const manifest = await store.readManifest({ runId: fetch.runId, date: fetch.date, part });
      const partial = manifest.aggregates[report];
      if (partial === undefined) {
        throw new Error(`Part ${part} of run ${fetch.runId} has no aggregate for report "${report}".`);
      }
      aggregator.absorb(partial);
    }
  }
  return aggregator;
}
