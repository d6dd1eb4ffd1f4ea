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
import type { CallsQuery, FetchOptions, PacerSnapshot, PagedCallsSource, PartRef, PartStore } from "./ports.js";
import { type AggregatorOptions, DayAggregator } from "./report/aggregate.js";
import type { CallFilters, FetchStats } from "./report/call.js";
import type { StepOptions, StepRunner } from "./steps.js";

export interface DayFetchOptions {
  date: string;
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
}

/** One part's recorded result: counts only, never calls. */
interface PartResult {
  part: number;
  firstPage: number;
  /** Pages yielded, from `firstPage` on. */
  pages: number;
  /** `total` and `last_page` as this part's first page stated them, and as its last page did. */
  firstTotal: number;
  firstLastPage: number;
  lastTotal: number;
  /** A page of the part disagreed with the pass's first page. */
  change: { from: number; to: number } | null;
  received: number;
  duplicates: number;
  /** Unique ids over the day so far, this part included. */
  uniqueSoFar: number;
  inWindow: number;
  bytes: number;
  requests: number;
  retries: number;
  rateLimited: number;
  stopped: { nextPage: number; waitSeconds: number; resumeAt: number; reason: "rateLimited" | "pacing" } | null;
  pacer: PacerSnapshot;
}

interface PartInput {
  ref: PartRef;
  firstPage: number;
  expected: { total: number; lastPage: number } | null;
  pacer: PacerSnapshot | undefined;
  progress: { pagesDone: number; pagesTotal: number };
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

/** Fetches the day in parts through `steps`; resolves once the parts hold every call of the day. */
export async function fetchDayInParts(
  steps: StepRunner,
  run: { runId: string },
  query: CallsQuery,
  aggregation: AggregatorOptions,
  options: DayFetchOptions,
  ports: DayFetchPorts,
  tuning: DayFetchTuning = DEFAULT_TUNING,
): Promise<FetchedDay> {
  const stats: FetchStats = {
    pages: 0,
    requests: 0,
    retries: 0,
    rateLimited: 0,
    received: 0,
    duplicates: 0,
    apiTotal: 0,
    refetches: 0,
  };
  let pacer: PacerSnapshot | undefined;
  let part = 0;
  let calls = 0;
  let bytes = 0;
  let pauses = 0;
  let pausedSeconds = 0;
  const progress = { pagesDone: 0, pagesTotal: 0 };
  for (let pass = 0; ; pass++) {
    let nextPage = 1;
    let expected: PartInput["expected"] = null;
    let change: PartResult["change"] = null;
    let last: PartResult | undefined;
    for (;;) {
      part += 1;
      const input: PartInput = {
        ref: { runId: run.runId, date: options.date, part },
        firstPage: nextPage,
        expected,
        pacer,
        progress: { ...progress },
      };
      const result = await steps.step(
        `fetch part ${part}`,
        () => fetchPart(input, query, aggregation, options, ports, tuning),
        tuning.partRetry ? { retry: tuning.partRetry } : {},
      );
      last = result;
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
        ports.logger?.info("fetch paused for the rate limit", {
          date: options.date,
          part,
          nextPage,
          waitSeconds: last.stopped.waitSeconds,
          reason: last.stopped.reason,
        });
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
      if (expected === null || nextPage > expected.lastPage) break;
    }
    const unique = last.uniqueSoFar;
    if (change === null && unique === stats.apiTotal) {
      return { runId: run.runId, date: options.date, parts: part, stats, calls, bytes, pauses, pausedSeconds };
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

async function fetchPart(
  input: PartInput,
  query: CallsQuery,
  aggregation: AggregatorOptions,
  options: DayFetchOptions,
  ports: DayFetchPorts,
  tuning: DayFetchTuning,
): Promise<PartResult> {
  const { ref, expected } = input;
  const seen = await idsBefore(ports.parts, ref);
  const aggregator = new DayAggregator(aggregation);
  const writer = await ports.parts.openPart(ref);
  const ids: number[] = [];
  let received = 0;
  let duplicates = 0;
  let inWindow = 0;
  let pages = 0;
  let first: { total: number; lastPage: number } | null = null;
  let lastTotal = expected?.total ?? 0;
  let change: PartResult["change"] = null;
  const partDeadline = tuning.partDeadline?.();
  const deadlines = [options.fetchDeadline, partDeadline].filter((value): value is number => value !== undefined);
  try {
    const stream = ports.calls.fetchPages(
      query,
      { first: input.firstPage, maxPages: tuning.maxPagesPerPart },
      {
        ...(input.pacer === undefined ? {} : { pacer: input.pacer }),
        stopForPausesFromMs: tuning.pauseStepFromMs,
        ...(deadlines.length === 0 ? {} : { deadline: Math.min(...deadlines) }),
        ...(options.onPause === undefined ? {} : { onPause: options.onPause }),
      },
    );
    for await (const page of stream) {
      first ??= { total: page.total, lastPage: page.lastPage };
      const reference = expected ?? first;
      if (change === null && (page.total !== reference.total || page.lastPage !== reference.lastPage)) {
        // Rows were added or removed while paging: offsets moved, so rows may have been skipped.
        change = { from: reference.total, to: page.total };
      }
      lastTotal = page.total;
      pages += 1;
      received += page.calls.length;
      const pagesTotal = input.progress.pagesTotal + (expected === null ? Math.max(1, page.lastPage) : 0);
      options.onProgress?.({ pagesDone: input.progress.pagesDone + pages, pagesTotal });
      for (const call of page.calls) {
        if (seen.has(call.id)) {
          duplicates += 1;
          continue;
        }
        seen.add(call.id);
        ids.push(call.id);
        if (aggregator.add(call)) {
          inWindow += 1;
          await writer.write(options.includeTranscripts ? call : { ...call, transcript: null });
        }
      }
    }
    const { bytes } = await writer.commit({ ids, aggregate: aggregator.partial() });
    idCache = { runId: ref.runId, date: ref.date, parts: ref.part, ids: seen };
    const stopped = stream.stopped;
    const now = (ports.now ?? Date.now)();
    return {
      part: ref.part,
      firstPage: input.firstPage,
      pages,
      firstTotal: first?.total ?? lastTotal,
      firstLastPage: first?.lastPage ?? expected?.lastPage ?? 0,
      lastTotal,
      change,
      received,
      duplicates,
      uniqueSoFar: seen.size,
      inWindow,
      bytes,
      requests: stream.stats.requests,
      retries: stream.stats.retries,
      rateLimited: stream.stats.rateLimited,
      stopped:
        stopped === null
          ? null
          : {
              ...stopped,
              // Durable waits are whole seconds; rounding up never resumes early.
              waitSeconds: Math.max(1, Math.ceil((stopped.resumeAt - now) / 1000)),
            },
      pacer: stream.pacerSnapshot(),
    };
  } catch (error) {
    idCache = undefined;
    await writer.abort().catch(() => {});
    throw error;
  }
}

/**
 * The ids of the day's earlier parts. A warm process keeps them from the previous part; after a
 * replay in a new process (or a retried part) they are read back from the parts' manifests.
 */
let idCache: { runId: string; date: string; parts: number; ids: Set<number> } | undefined;

/** Forgets the ids kept from the previous part, as a new process would. */
export function forgetPartIds(): void {
  idCache = undefined;
}

async function idsBefore(store: PartStore, ref: PartRef): Promise<Set<number>> {
  const cached = idCache;
  idCache = undefined;
  if (cached && cached.runId === ref.runId && cached.date === ref.date && cached.parts === ref.part - 1) {
    return cached.ids;
  }
  const ids = new Set<number>();
  for (let part = 1; part < ref.part; part++) {
    for (const id of (await store.readManifest({ ...ref, part })).ids) ids.add(id);
  }
  return ids;
}

/** The day's calls, part after part, in page order. */
export async function* readDayCalls(store: PartStore, fetched: Pick<FetchedDay, "runId" | "date" | "parts">) {
  for (let part = 1; part <= fetched.parts; part++) {
    yield* store.readCalls({ runId: fetched.runId, date: fetched.date, part });
  }
}

/** The day's aggregate: the parts' partial aggregates merged in part order. */
export async function mergedDay(
  store: PartStore,
  fetched: Pick<FetchedDay, "runId" | "date" | "parts">,
  aggregation: AggregatorOptions,
): Promise<DayAggregator> {
  const aggregator = new DayAggregator(aggregation);
  for (let part = 1; part <= fetched.parts; part++) {
    aggregator.absorb((await store.readManifest({ runId: fetched.runId, date: fetched.date, part })).aggregate);
  }
  return aggregator;
}
