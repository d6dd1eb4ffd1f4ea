import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SESClient } from "@aws-sdk/client-ses";
import type { Context } from "aws-lambda";
import { S3ReportStore } from "./adapters/s3-store.js";
import { ApiTokenSecret } from "./adapters/secrets.js";
import { SesMailer } from "./adapters/ses-mailer.js";
import { xlsxWorkbookWriter } from "./adapters/xlsx/workbook-writer.js";
import { AutocallsClient } from "./autocalls/client.js";
import { type LambdaEnv, parseLambdaEnv } from "./config.js";
import { eventShape, parseReportEvent, type ReportRequest } from "./events.js";
import { type ReportResult, runReport } from "./pipeline.js";
import { SETTINGS } from "./settings.js";

/** A bad address is fixed where the operator set it: the stage's settings in cdk.json. */
const stageSetting = (setting: { stageKey: string }) => `the stage setting ${setting.stageKey}`;
const RECIPIENT_SETTINGS = {
  from: stageSetting(SETTINGS.mailFrom),
  to: stageSetting(SETTINGS.mailTo),
  cc: stageSetting(SETTINGS.mailCc),
  bcc: stageSetting(SETTINGS.mailBcc),
};

const logger = new Logger({ serviceName: "callreport" });
/** The Powertools logger behind the plain `(message, fields)` interface the pipeline and client use. */
const log = {
  debug: (message: string, fields: object = {}) => logger.debug(message, { ...fields }),
  info: (message: string, fields: object = {}) => logger.info(message, { ...fields }),
  warn: (message: string, fields: object = {}) => logger.warn(message, { ...fields }),
};

/**
 * Where the day's calls are spooled. /tmp outlives the process: an invocation that timed out
 * leaves its spool behind, and a few of those would fill the ephemeral storage. A Lambda
 * environment runs one invocation at a time and starts a new process after a timeout, so
 * whatever is in this folder when the process starts is left over and is cleared.
 */
const SPOOL_ROOT = join(tmpdir(), "callreport-spool");

/** Time kept back from the fetch for writing the workbook, storing and sending. */
const MIN_FINISH_MARGIN_MS = 60_000;

/** Limits on one SendRawEmail: reaching SES, and the whole request and answer. */
const SES_CONNECTION_TIMEOUT_MS = 5_000;
const SES_REQUEST_TIMEOUT_MS = 30_000;

interface Runtime {
  config: LambdaEnv;
  s3: S3Client;
  ses: SESClient;
  secret: ApiTokenSecret;
}

let runtime: Runtime | undefined;

/** Config and clients, built once per container and reused by warm invocations. */
function getRuntime(env: NodeJS.ProcessEnv): Runtime {
  if (runtime) return runtime;
  const config = parseLambdaEnv(env);
  rmSync(SPOOL_ROOT, { recursive: true, force: true });
  mkdirSync(SPOOL_ROOT, { recursive: true });
  // A custom endpoint (a local emulator, MinIO) cannot do virtual-hosted bucket names.
  const forcePathStyle = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  runtime = {
    config,
    s3: new S3Client({ forcePathStyle }),
    ses: new SESClient({
      // The mailer retries throttling itself, with backoff; SDK retries would stack on top.
      maxAttempts: 1,
      // Without limits a silent SES holds the send until the Lambda times out; this way the
      // mailer reports the email in doubt and the run goes on. A 10 MB message takes seconds.
      requestHandler: {
        connectionTimeout: SES_CONNECTION_TIMEOUT_MS,
        requestTimeout: SES_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    }),
    secret: new ApiTokenSecret({ client: new SecretsManagerClient({}), secretId: config.AUTOCALLS_TOKEN_SECRET_ID }),
  };
  return runtime;
}

/** Some days of a run failed; `errors` holds each failed day's error, in date order. */
export class ReportDaysFailedError extends AggregateError {
  override name = "ReportDaysFailedError";
}

export interface HandlerResult {
  trigger: string;
  reports: Array<{
    date: string;
    calls: number;
    totalCost: number;
    email: ReportResult["email"]["status"];
    workbook: string;
  }>;
}

/**
 * Scheduled, manual and backfill runs. Each day is independent: one failing day does not stop
 * the others, but the invocation fails at the end so that the alarm fires and async retries
 * run (which the per-day email marker makes safe).
 */
export async function handler(event: unknown, context: Pick<Context, "getRemainingTimeInMillis" | "awsRequestId">) {
  const { config, s3, ses, secret } = getRuntime(process.env);
  const clock = { now: () => new Date() };
  let request: ReportRequest;
  try {
    request = parseReportEvent(event, {
      timezone: config.REPORT_TIMEZONE,
      maxBackfillDays: config.MAX_BACKFILL_DAYS,
      now: clock.now(),
    });
  } catch (error) {
    logger.error("invalid event", {
      reason: (error as Error).message,
      event: eventShape(event),
      requestId: context.awsRequestId,
    });
    throw error;
  }
  logger.appendKeys({ trigger: request.trigger, requestId: context.awsRequestId });
  logger.info("report run started", { dates: request.dates, force: request.force, preview: request.preview });

  const token = await secret.token();
  const calls = new AutocallsClient({
    baseUrl: config.AUTOCALLS_BASE_URL,
    token,
    concurrency: config.AUTOCALLS_CONCURRENCY,
    logger: log,
  });
  const store = new S3ReportStore({
    client: s3,
    bucket: config.REPORT_BUCKET,
    prefix: config.REPORT_PREFIX,
    linkExpiryHours: config.LINK_EXPIRY_HOURS,
    clock,
  });
  const mailer = new SesMailer({ client: ses });

  const reports: HandlerResult["reports"] = [];
  const failures: Array<{ date: string; message: string }> = [];
  const errors: unknown[] = [];
  for (const date of request.dates) {
    logger.appendKeys({ reportDate: date });
    const remainingMs = context.getRemainingTimeInMillis();
    try {
      const result = await runReport(
        {
          date,
          timezone: config.REPORT_TIMEZONE,
          apiTimezone: config.AUTOCALLS_API_TIMEZONE,
          filters: {
            ...(config.FILTER_ASSISTANT_ID === undefined ? {} : { assistantId: config.FILTER_ASSISTANT_ID }),
            ...(config.FILTER_CAMPAIGN_ID === undefined ? {} : { campaignId: config.FILTER_CAMPAIGN_ID }),
            ...(config.FILTER_CALL_TYPE === undefined ? {} : { type: config.FILTER_CALL_TYPE }),
            ...(config.FILTER_CALL_STATUS === undefined ? {} : { status: config.FILTER_CALL_STATUS }),
          },
          environment: config.REPORT_ENVIRONMENT,
          recipients: { from: config.MAIL_FROM, to: config.MAIL_TO, cc: config.MAIL_CC, bcc: config.MAIL_BCC },
          recipientSettings: RECIPIENT_SETTINGS,
          emptyDay: config.EMPTY_DAY,
          attachWorkbook: config.ATTACH_WORKBOOK,
          includeTranscripts: config.INCLUDE_TRANSCRIPTS,
          maskPhoneNumbers: config.MASK_PHONE_NUMBERS,
          force: request.force,
          preview: request.preview,
          fetchDeadline: Date.now() + remainingMs - Math.max(MIN_FINISH_MARGIN_MS, remainingMs * 0.3),
          onPause: (pause) =>
            log.warn("autocalls fetch paused", { ...pause, until: new Date(pause.until).toISOString() }),
        },
        { calls, store, mailer, clock, workbookWriter: xlsxWorkbookWriter, logger: log, spoolDir: SPOOL_ROOT },
      );
      reports.push({
        date,
        calls: result.summary.totals.calls,
        totalCost: result.summary.totals.totalCost,
        email: result.email.status,
        workbook: result.workbook.location,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error("report day failed", { error: error as Error });
      failures.push({ date, message });
      errors.push(error);
    }
  }
  logger.removeKeys(["reportDate"]);
  logger.info("report run finished", { ok: reports.length, failed: failures.length, reports, failures });
  if (failures.length > 0) {
    throw new ReportDaysFailedError(
      errors,
      `${failures.length} of ${request.dates.length} report day(s) failed: ${failures.map((f) => `${f.date}: ${f.message}`).join(" | ")}`,
    );
  }
  return { trigger: request.trigger, reports } satisfies HandlerResult;
}

/** For tests that change the environment between cases. */
export function resetRuntimeForTests(): void {
  runtime = undefined;
}
