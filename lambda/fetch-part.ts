/**
 * One part of the day's fetch, the body of a checkpointed step: at most `maxPagesPerPart` pages,
 * de-duplicated against every earlier part of the day, aggregated, and stored with its ids and
 * partial aggregate. It answers with counts only (a step's result is recorded as JSON).
 */
import { randomUUID } from "node:crypto";
import type { DayFetchOptions, DayFetchPorts, DayFetchTuning, ReportTap } from "./day-fetch.js";
import {
  type CallsQuery,
  type FetchedPage,
  PART_LINES,
  type PacerSnapshot,
  type PartRef,
  type PartStore,
  type StoredCall,
} from "./ports.js";
import { DayAggregator } from "./report/aggregate.js";
import { apiRecordOf } from "./report/api-record.js";
import type { Call } from "./report/call.js";
import { matchesReport } from "./report/report-definition.js";

/** One part's recorded result: counts only, never calls. */
export interface PartResult {
  part: number;
  /** Names this part's stored manifest, so the next part trusts only ids cached from it. */
  commit: string;
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

export interface PartInput {
  ref: PartRef;
  /** The recorded commit of the part before (null for the first): which ids a cache may stand for. */
  previousCommit: string | null;
  firstPage: number;
  expected: { total: number; lastPage: number } | null;
  pacer: PacerSnapshot | undefined;
  progress: { pagesDone: number; pagesTotal: number };
}

export async function fetchPart(
  input: PartInput,
  query: CallsQuery,
  taps: readonly ReportTap[],
  options: DayFetchOptions,
  ports: DayFetchPorts,
  tuning: DayFetchTuning,
): Promise<PartResult> {
  const { ref, expected } = input;
  const seen = await idsBefore(ports.parts, ref, input.previousCommit);
  // Each report of the fetch aggregates the calls its type and status filters take.
  const reports = taps.map((tap) => ({ tap, aggregator: new DayAggregator(tap.aggregation) }));
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
        // The part stores each record's bytes and no report reads a transcript before the
        // workbook, which reads them back from the part.
        transcriptsInBytes: true,
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
      for (let index = 0; index < page.calls.length; index++) {
        const call = page.calls[index] as Call;
        if (seen.has(call.id)) {
          duplicates += 1;
          continue;
        }
        seen.add(call.id);
        ids.push(call.id);
        let kept = false;
        for (const { tap, aggregator } of reports) {
          if (matchesReport(tap.filters, call) && aggregator.add(call)) kept = true;
        }
        // Stored once however many reports take it; a call no report takes is not stored.
        if (kept) {
          inWindow += 1;
          await writer.write(storedCall(page, index, options.includeTranscripts));
        }
      }
    }
    const commit = randomUUID();
    const { bytes } = await writer.commit({
      lines: PART_LINES,
      ids,
      aggregates: Object.fromEntries(reports.map(({ tap, aggregator }) => [tap.name, aggregator.partial()])),
    });
    idCache = { runId: ref.runId, date: ref.date, commit, ids: seen };
    const stopped = stream.stopped;
    const now = (ports.now ?? Date.now)();
    // Logged inside the step, so once per part however often the execution replays.
    ports.logger?.info("part fetched", {
      date: ref.date,
      part: ref.part,
      firstPage: input.firstPage,
      pages,
      calls: inWindow,
      duplicates,
      bytes,
      requests: stream.stats.requests,
      ...(stopped === null
        ? {}
        : { rateLimitWaitSeconds: Math.max(1, Math.ceil((stopped.resumeAt - now) / 1000)), reason: stopped.reason }),
    });
    return {
      part: ref.part,
      commit,
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

/** The page's call at `index` as a part stores it: the API's bytes when they can be kept as sent. */
function storedCall(page: FetchedPage, index: number, includeTranscripts: boolean): StoredCall {
  const record = page.records?.[index] ?? apiRecordOf(page.calls[index] as Call);
  if (!includeTranscripts) return { record: { ...record, transcript: null } };
  const bytes = page.recordBytes?.[index];
  return bytes === undefined ? { record } : { record, bytes };
}

/**
 * The ids of the day's earlier parts. A warm process keeps them from the previous part; after a
 * replay in a new process (or a retried part) they are read back from the parts' manifests.
 */
let idCache: { runId: string; date: string; commit: string; ids: Set<number> } | undefined;

/** Forgets the ids kept from the previous part, as a new process would. */
export function forgetPartIds(): void {
  idCache = undefined;
}

async function idsBefore(store: PartStore, ref: PartRef, previousCommit: string | null): Promise<Set<number>> {
  const cached = idCache;
  idCache = undefined;
  // Only the ids of the very part the execution recorded as the one before: another process may
  // have committed a different attempt of it (a replay after a lost checkpoint).
  if (cached && cached.runId === ref.runId && cached.date === ref.date && cached.commit === previousCommit) {
    return cached.ids;
  }
  const ids = new Set<number>();
  for (let part = 1; part < ref.part; part++) {
    for (const id of (await store.readManifest({ ...ref, part })).ids) ids.add(id);
  }
  return ids;
}
