/**
 * The small interfaces the pipeline talks through. The Lambda plugs S3, SES and the HTTP
 * client in; the CLI plugs a local folder, an `.eml` writer and the same HTTP client.
 */
import type { Writable } from "node:stream";
import type { PartialAggregate } from "./report/aggregate.js";
import type { Call, CallFilters, FetchStats } from "./report/call.js";
import type { RecipientSettingNames, ReportEmail } from "./report/email-content.js";
import type { PeriodWorkbookLayout } from "./report/period-workbook.js";
import type { Summary } from "./report/summary.js";
import type { WorkbookInput, WorkbookOptions, WorkbookResult } from "./report/workbook.js";

/** What one fetch asks the API for: an inclusive range of API-timezone dates plus filters. */
export interface CallsQuery extends CallFilters {
  /** `YYYY-MM-DD`, inclusive, in the API's timezone. */
  dateFrom: string;
  /** `YYYY-MM-DD`, inclusive, in the API's timezone. */
  dateTo: string;
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

/**
 * What a rate-limit pacer knew when a part of a fetch ended, carried to the next part (maybe in
 * another process) so that it does not burst into a budget the previous part spent. Plain JSON;
 * times are epoch ms; nothing in it counts requests of one process. The pipeline passes it on
 * without looking inside (lambda/autocalls/pacer.ts writes and reads it).
 */
export interface PacerSnapshot {
  version: 1;
  /** When it was taken. */
  takenAt: number;
  /** `X-RateLimit-Limit`; null while the API has not said. */
  limit: number | null;
  /**
   * The budget left at `takenAt` by the API's latest `X-RateLimit-Remaining`: the reading, minus
   * the requests sent after it, plus this client's requests that left the window between the
   * reading and `takenAt`. Null when there was no reading or it had expired.
   */
  remaining: number | null;
  /** When `remaining` stops counting (the API said the budget is back then); null: until a newer reading. */
  remainingUntil: number | null;
  /** When each recent request leaves the window, ascending, all after `takenAt`. */
  windowExpiries: number[];
  /** A 429's pause: no request before this; null when none is pending. */
  pausedUntil: number | null;
  /** After a 429 the next request goes alone, as a probe, until its answer is in. */
  probeFirst: boolean;
  /** When the last request was sent; null when none was. */
  lastSentAt: number | null;
}

/** One API page as the client validated it. */
export interface FetchedPage {
  page: number;
  /** The API's count of calls matching the query, as of this page. */
  total: number;
  /** The API's `last_page` as of this page. */
  lastPage: number;
  /** Each call; its `transcript` is null when the transcript was left in `recordBytes` (`transcriptsInBytes`). */
  calls: Call[];
  /** The API's record of each call (index for index with `calls`), as decoded: what a part stores. */
  records?: readonly Record<string, unknown>[];
  /** Each record's bytes as the API sent them, when the page was decoded a call at a time. */
  recordBytes?: readonly Buffer[];
}

/** Pages `first … first + maxPages - 1` (fewer when the API has fewer). */
export interface PageRange {
  first: number;
  maxPages: number;
}

export interface PartFetchOptions extends FetchOptions {
  /** The rate-limit state the previous part ended with (`PageStream.pacerSnapshot()`). */
  pacer?: PacerSnapshot | undefined;
  /**
   * A wait before a request (pacing or a 429's pause) of at least this long is not slept: the
   * part stops instead and says in `stopped` where and when to resume — even when that is after
   * `deadline`, since the caller waits, not this run. Unset: waits are slept, as in `fetchCalls`.
   */
  stopForPausesFromMs?: number | undefined;
  /**
   * For a caller that keeps `recordBytes` and reads no transcripts (a part): a record's
   * transcript may be left in its bytes, checked but not decoded, and read as null in `calls`
   * and `records`. Never for a record without bytes, or whose bytes span lines.
   */
  transcriptsInBytes?: boolean | undefined;
}

/** Where a part stopped before the end of its range, and until when the API must be left alone. */
export interface PageStop {
  /** The first page not yielded: where the next part starts. */
  nextPage: number;
  /** Epoch ms from which requests may be sent again. */
  resumeAt: number;
  reason: FetchPause["reason"];
}

/**
 * One part of a day's fetch: its pages in order, consecutively from `range.first`, each as the
 * API sent it (no de-duplication or re-fetching: the caller reconciles the parts). Iterating
 * either ends (every page of the range yielded, or `stopped` set) or throws.
 */
export interface PageStream extends AsyncIterable<FetchedPage> {
  /**
   * This part's requests, retries and 429s; `received` counts the rows of the yielded pages;
   * `pages`/`apiTotal` are the last `last_page`/`total` seen; `duplicates`/`refetches` stay 0.
   */
  readonly stats: FetchStats;
  /**
   * Read once iteration has ended: null when every page of the range was yielded (a range that
   * starts after the last page yields just that page, without calls). A part may stop before
   * its first page, yielding nothing.
   */
  readonly stopped: PageStop | null;
  /** The rate-limit state now, for the next part; take it after iterating. */
  pacerSnapshot(): PacerSnapshot;
}

/** The port a fetch in parts goes through (the HTTP client), next to `CallsSource`. */
export interface PagedCallsSource {
  fetchPages(query: CallsQuery, range: PageRange, options?: PartFetchOptions): PageStream;
}

/** One part of a run's fetch: which run, which report day, which part. */
export interface PartRef {
  runId: string;
  date: string;
  /** 1-based, in page order (a refetch from page 1 goes on numbering). */
  part: number;
}

/** What is stored with a part besides its calls: everything the day needs without the calls. */
export interface PartManifest {
  /** What the part's lines hold: the API's record of each call (`toCall` reads it back). */
  lines: typeof PART_LINES;
  /** Every call id the part received (in or outside the window), for de-duplication across parts. */
  ids: number[];
  /** Each report's partial aggregate of the part's calls, by report name. */
  aggregates: Record<string, PartialAggregate>;
}

/** The line format of parts this version writes (older parts held the mapped `Call`). */
export const PART_LINES = "api-records";

/**
 * Whether a record's bytes as the API sent them can be a part's line as they are: NDJSON needs a
 * record on one line, so bytes the API sent over several lines are written from the decoded
 * record instead (and the client decodes such a record whole, transcript included).
 */
export function fitsOneLine(bytes: Uint8Array): boolean {
  return !bytes.includes(0x0a);
}

/**
 * A call as a part stores it: the API's record, one NDJSON line. `bytes` are the record as the
 * API sent it, stored as they are when they `fitsOneLine`: re-serialising every call cost more
 * CPU than the disk.
 */
export interface StoredCall {
  record: Record<string, unknown>;
  bytes?: Buffer;
}

export interface PartWriter {
  /** Appends one in-window call. */
  write(call: StoredCall): Promise<void>;
  /** Stores the manifest after the calls; the part exists only once this resolves. */
  commit(manifest: PartManifest): Promise<{ bytes: number }>;
  /** Leaves nothing that looks like a finished part. */
  abort(): Promise<void>;
}

/**
 * Where parts wait between the fetch and the workbook: run-scoped objects in S3 outside the
 * managers' folders (`<prefix>/_work/…`, removed by a lifecycle rule), or a local scratch folder.
 */
export interface PartStore {
  /** Starts writing a part; an existing part of the same ref (a replayed step) is replaced. */
  openPart(ref: PartRef): Promise<PartWriter>;
  readManifest(ref: PartRef): Promise<PartManifest>;
  /**
   * The part's calls in the order they were written. `mayMatch` sees each stored line before it
   * is decoded: a line it refuses is skipped unparsed (a cheap pre-check; the caller still checks
   * the calls it gets).
   */
  readCalls(ref: PartRef, mayMatch?: CallLineCheck): AsyncIterable<Call>;
}

/** Whether a stored call's JSON line may belong to a report: false only when it certainly does not. */
export type CallLineCheck = (line: Buffer) => boolean;

/** Where a stored artefact ended up. */
export interface StoredObject {
  /** `s3://bucket/key` or an absolute file path. */
  location: string;
  /** The file name a person sees (`calls-report-2025-08-04.xlsx`). */
  fileName: string;
  bytes: number;
}

// The email names the link and its validity, so the type is the domain's; stores make them.
export type { DownloadLink } from "./report/email-content.js";

import type { DownloadLink } from "./report/email-content.js";

/** The outcome of claiming the right to send one day's email. */
export type EmailClaim =
  | {
      status: "claimed";
      /** Indexes of message batches a previous, failed attempt already delivered. */
      alreadySent: number[];
      /** Records one delivered batch so that a retry does not send it again. */
      recordSent(batchIndex: number, messageId: string): Promise<void>;
      complete(): Promise<void>;
      fail(error: Error): Promise<void>;
    }
  | { status: "already-sent"; sentAt: string | null }
  | { status: "in-doubt"; claimedAt: string | null };

export interface ReportStore {
  /**
   * A summary stored by an earlier run, for the deltas, the trend and periods; null when there is
   * none. `storedOnly`: never a stand-in (the demo's simulated history), only what was written.
   */
  readSummary(date: string, options?: { storedOnly?: boolean }): Promise<Summary | null>;
  /**
   * Streams the workbook into storage. `write` produces the bytes; if it throws, nothing is
   * left behind that looks like a finished workbook.
   */
  writeWorkbook(
    date: string,
    write: (out: Writable) => Promise<void>,
    options?: { preview?: boolean },
  ): Promise<StoredObject>;
  /** Stored under a preview's own name when `summary.partialAsOf` is set. */
  writeSummary(summary: Summary): Promise<StoredObject>;
  /** A link managers can open; null when the store cannot make one. */
  downloadLink(workbook: StoredObject): Promise<DownloadLink | null>;
  /** A link to the page of past reports, valid as long as a download link; null when there is none. */
  archiveLink(): Promise<DownloadLink | null>;
  /**
   * Exactly-once guard for the email (a conditional marker in S3; always granted locally).
   * `force` takes the claim over — but not from an earlier attempt of the same `runId` (a
   * replayed publish step), which is judged as without force, so a replay never sends twice.
   */
  claimEmail(date: string, options: { force: boolean; runId?: string }): Promise<EmailClaim>;
  /**
   * A week's or a month's report (#18) lives beside the days under its file stem (`week-2025-W32`):
   * `writeWorkbook` and `claimEmail` take the stem where they take a date; its summary is this JSON.
   */
  writePeriodSummary(stem: string, body: object): Promise<StoredObject>;
  /** A period's stored JSON as written, or null when none is stored or it cannot be read. */
  readPeriodSummary(stem: string): Promise<unknown>;
  /** A link to a day's stored workbook (a period's Days sheet links each day); null when there is none. */
  dayWorkbookLink(date: string): Promise<DownloadLink | null>;
}

/** One raw MIME message and the envelope recipients it goes to (at most 50). */
export interface RawEmail {
  raw: Buffer;
  from: string;
  destinations: string[];
}

export interface ComposedEmail {
  subject: string;
  html: string;
  text: string;
  /** Whether the workbook is attached (it is left out when the message would exceed SES's limit). */
  attached: boolean;
  messages: RawEmail[];
}

export interface PrepareEmailOptions {
  /** The workbook's bytes to attach; null when the pipeline did not keep them (too big to attach anyway). */
  workbook: Buffer | null;
  /** How the user sets each address, named in the error about a bad one. */
  settingNames: RecipientSettingNames;
  /** The `Date` header; defaults to now. The demo fixes it so its output never varies. */
  sentAt?: Date;
  /** Limit for the whole encoded message; defaults to SES's `SendRawEmail` limit. */
  maxRawBytes?: number;
}

export interface Mailer {
  /**
   * Builds the messages to send, one per batch of recipients, the same batches for the same
   * recipients. Rejects before anything is sent when an address is not one.
   */
  prepare(email: ReportEmail, options: PrepareEmailOptions): Promise<ComposedEmail>;
  /**
   * Sends one message; resolves with the provider's message id. Rejects with an error that
   * has `deliveryUnknown: true` when no answer came back and the message may have gone out.
   */
  send(
    message: RawEmail,
    context: { date: string; email: ComposedEmail; batchIndex: number; preview?: boolean },
  ): Promise<string>;
}

/** Turns the day's workbook layout into XLSX bytes (lambda/adapters/xlsx/). */
export interface WorkbookWriter {
  /** Resolves once `out` has finished; on failure leaves `out` open for the caller to discard. */
  write(out: Writable, input: WorkbookInput, options: WorkbookOptions): Promise<WorkbookResult>;
  /** A week's or a month's workbook, its sheets laid out whole (lambda/report/period-workbook.ts). */
  writePeriod(out: Writable, layout: PeriodWorkbookLayout, createdAt: Date): Promise<unknown>;
}

export interface Clock {
  now(): Date;
}
