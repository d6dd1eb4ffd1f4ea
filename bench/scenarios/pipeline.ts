/**
 * The whole report as the Lambda runs it: the real HTTP client against the simulated API, the
 * real aggregation and spool, the streamed workbook into a multipart upload to the S3
 * emulator, and the real email composition — only the mailer is swapped for one that counts bytes.
 */

import { xlsxWorkbookWriter } from "../../lambda/adapters/xlsx/workbook-writer.js";
import { AutocallsClient } from "../../lambda/autocalls/client.js";
import { type ReportOptions, runReport } from "../../lambda/pipeline.js";
import { benchOutputs } from "./outputs.js";

/** Where a run of the report finds the simulated API and the S3 emulator, and what day it reports. */
export interface DayRunArgs {
  baseUrl: string;
  token: string;
  s3Endpoint: string;
  bucket: string;
  /** A fresh prefix per run, so each report claims its own email marker like a first run of the day. */
  prefix: string;
  date: string;
  concurrency: number;
}

export interface PipelineArgs extends DayRunArgs {
  includeTranscripts: boolean;
}

export interface PipelineMeasurement {
  wallMs: number;
  fetchMs: number;
  workbookMs: number;
  emailMs: number;
  calls: number;
  pages: number;
  requests: number;
  retries: number;
  rateLimited: number;
  workbookBytes: number;
  emailBytes: number;
  emailMessages: number;
  attached: boolean;
  workbookKey: string;
}

/** The report the bench runs: the day in UTC, transcripts as asked, the workbook attached when it fits. */
export function reportOptions(args: PipelineArgs): ReportOptions {
  return {
    date: args.date,
    timezone: "UTC",
    apiTimezone: "UTC",
    filters: {},
    environment: "bench",
    recipients: { from: "reports@example.com", to: ["manager@example.com"], cc: [], bcc: [] },
    recipientSettings: { from: "MAIL_FROM", to: "MAIL_TO", cc: "MAIL_CC", bcc: "MAIL_BCC" },
    emptyDay: "send",
    attachWorkbook: true,
    includeTranscripts: args.includeTranscripts,
    maskPhoneNumbers: false,
    force: false,
  };
}

export async function measurePipeline(args: PipelineArgs): Promise<PipelineMeasurement> {
  const clock = { now: () => new Date() };
  const { store: storeFor, mailer, email, close } = benchOutputs(args, clock);
  const store = storeFor();
  const calls = new AutocallsClient({ baseUrl: args.baseUrl, token: args.token, concurrency: args.concurrency });
  try {
    const started = performance.now();
    const result = await runReport(reportOptions(args), {
      calls,
      store,
      mailer,
      clock,
      workbookWriter: xlsxWorkbookWriter,
    });
    const wallMs = performance.now() - started;
    const quality = result.summary.dataQuality;
    return {
      wallMs,
      ...result.timings,
      calls: result.summary.totals.calls,
      pages: quality.pages,
      requests: quality.requests,
      retries: quality.retries,
      rateLimited: quality.rateLimited,
      workbookBytes: result.workbook.bytes,
      emailBytes: email.bytes,
      emailMessages: email.messages,
      attached: result.email.status === "sent" && result.email.attached,
      workbookKey: result.workbook.location.replace(/^s3:\/\/[^/]+\//, ""),
    };
  } finally {
    close();
  }
}
