/**
 * The small interfaces the pipeline talks through. The Lambda plugs S3, SES and the HTTP
 * client in; the CLI plugs a local folder, an `.eml` writer and the same HTTP client.
 */
import type { Writable } from "node:stream";
import type { PartialAggregate } from "./report/aggregate.js";
import type { Call, CallFilters, FetchStats } from "./report/call.js";
import type { RecipientSettingNames, ReportEmail } from "./report/email-content.js";
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

/** One API page of a part, validated, in the order the API paged. */
export interface FetchedPage {
  page: number;
  /** The API's `total` and `last_page` as this page stated them. */
  total: number;
  lastPage: number;
  calls: Call[];
}

/**
 * The rate-limit state one part hands to the next (same token, same budget): plain JSON the
 * pipeline carries through a checkpoint without reading it.
 */
export interface PacerSnapshot {
  version: 1;
  [field: string]: unknown;
}

export interface PartFetchOptions extends FetchOptions {
  /** The previous part's rate-limit state. */
  pacer?: PacerSnapshot;
  /** A wait of at least this many ms is not slept: the part stops and says when to resume. */
  stopForPausesFromMs?: number;
}

/** The pages of one part; iterating to the end yields every page of the range or sets `stopped`. */
export interface PageStream extends AsyncIterable<FetchedPage> {
  readonly stats: FetchStats;
  /** Null when every page of the range was yielded; else the first page not fetched and when to go on. */
  readonly stopped: { nextPage: number; resumeAt: number; reason: FetchPause["reason"] } | null;
  pacerSnapshot(): PacerSnapshot;
}

/** The port the checkpointed fetch reads through: a bounded range of pages per part. */
export interface PagedCallsSource {
  /**
   * Page `range.first`, then the following pages up to `range.maxPages` in all (never past the
   * API's `last_page`), in order. No de-duplication: the caller does that across the day.
   */
  fetchPages(query: CallsQuery, range: { first: number; maxPages: number }, options?: PartFetchOptions): PageStream;
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
  /** Every call id the part received (in or outside the window), for de-duplication across parts. */
  ids: number[];
  aggregate: PartialAggregate;
}

export interface PartWriter {
  /** Appends one in-window call. */
  write(call: Call): Promise<void>;
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
  /** The part's calls in the order they were written. */
  readCalls(ref: PartRef): AsyncIterable<Call>;
}

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
  /** A summary stored by an earlier run, for the deltas; null when there is none. */
  readSummary(date: string): Promise<Summary | null>;
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
  /** Exactly-once guard for the email (a conditional marker in S3; always granted locally). */
  claimEmail(date: string, options: { force: boolean }): Promise<EmailClaim>;
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
}

export interface Clock {
  now(): Date;
}
