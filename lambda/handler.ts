import { type DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SESClient } from "@aws-sdk/client-ses";
import { LinkSigningKeys } from "./adapters/link-keys.js";
import { S3PartStore } from "./adapters/s3-parts.js";
import { S3ReportStore } from "./adapters/s3-store.js";
import { ApiTokenSecret } from "./adapters/secrets.js";
import { SesMailer } from "./adapters/ses-mailer.js";
import { xlsxWorkbookWriter } from "./adapters/xlsx/workbook-writer.js";
import { AutocallsClient } from "./autocalls/client.js";
import { type LambdaEnv, parseLambdaEnv, stageReports } from "./config.js";
import { type DayFetchTuning, DEFAULT_TUNING } from "./day-fetch.js";
import { lazyPagedSource, retryPart } from "./durable-parts.js";
import { durableSteps } from "./durable-steps.js";
import { eventShape, parseReportEvent } from "./events.js";
import { runPeriodReports } from "./period-run.js";
import { type ReportResult, ReportsFailedError, runReports } from "./pipeline.js";
import type { PacerSnapshot } from "./ports.js";
import { DEFAULT_REPORT_NAME, type ReportDefinition, selectReports } from "./report/report-definition.js";
import { SETTINGS } from "./settings.js";
import type { StepRunner } from "./steps.js";

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
 * Time kept back from a part's fetch for storing the part before the invocation ends: a
 * minute, or a quarter of what is left when that is less (a part started late still gets most).
 */
const PART_FINISH_MARGIN_MS = 60_000;

/**
 * Parts in AWS: 100 pages (10,000 calls) is seconds of fetching without a rate limit and a
 * few MB of gzip NDJSON; a rate-limit wait of 5 s or more becomes a durable wait.
 */
const PART_PAGES = 100;
const PART_PAUSE_FROM_MS = 5_000;

/** Limits on one SendRawEmail: reaching SES, and the whole request and answer. */
const SES_CONNECTION_TIMEOUT_MS = 5_000;
const SES_REQUEST_TIMEOUT_MS = 30_000;

interface Runtime {
  config: LambdaEnv;
  s3: S3Client;
  ses: SESClient;
  secret: ApiTokenSecret;
  linkKeys: LinkSigningKeys;
}

let runtime: Runtime | undefined;

/** Config and clients, built once per container and reused by warm invocations. */
function getRuntime(env: NodeJS.ProcessEnv): Runtime {
  if (runtime) return runtime;
  const config = parseLambdaEnv(env);
  // A custom endpoint (a local emulator, MinIO) cannot do virtual-hosted bucket names.
  const forcePathStyle = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  const secrets = new SecretsManagerClient({});
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
    secret: new ApiTokenSecret({ client: secrets, secretId: config.AUTOCALLS_TOKEN_SECRET_ID }),
    linkKeys: new LinkSigningKeys({ client: secrets, secretId: config.LINK_SECRET_ID }),
  };
  return runtime;
}

/** Some days of a run failed; the message names each failed day and why. */
export class ReportDaysFailedError extends Error {
  override name = "ReportDaysFailedError";
}

export interface HandlerResult {
  trigger: string;
  /** A weekly or monthly run's reports (#18). */
  periods?: Array<{
    report: string;
    period: string;
    calls: number;
    totalCost: number;
    email: string;
    workbook: string;
  }>;
  reports: Array<{
    date: string;
    report: string;
    calls: number;
    totalCost: number;
    email: ReportResult["email"]["status"];
    workbook: string;
  }>;
}

/**
 * One durable execution per trigger: a scheduled day, a manual day or a backfill range. Each
 * day is a child context whose fetch parts, rate-limit waits and publish step are checkpointed;
 * a backfill's days run one after another (one token, one rate limit). One failing day does not
 * stop the others, but the execution fails at the end so that the alarm fires.
 */
export const reportExecution = reportExecutionWith({});

/** Only what a test cannot get from a server: pages of fewer calls, smaller parts, a look at the steps. */
export interface ExecutionOverrides {
  perPage?: number;
  tuning?: Partial<DayFetchTuning>;
  steps?: (steps: StepRunner) => StepRunner;
}

export function reportExecutionWith(overrides: ExecutionOverrides) {
  return (event: unknown, context: DurableContext) => runExecution(event, context, overrides);
}

async function runExecution(
  event: unknown,
  context: DurableContext,
  overrides: ExecutionOverrides,
): Promise<HandlerResult> {
  const { config, s3, ses, secret, linkKeys } = getRuntime(process.env);
  const clock = { now: () => new Date() };
  const steps = overrides.steps ? overrides.steps(durableSteps(context)) : durableSteps(context);
  const requestId = context.lambdaContext?.awsRequestId;
  const definitions = stageReports(config);
  // Read once and recorded: a replay hours later must not judge the day against a later clock.
  const request = await steps.step("read event", async () => {
    try {
      return parseReportEvent(event, {
        timezone: config.REPORT_TIMEZONE,
        maxBackfillDays: config.MAX_BACKFILL_DAYS,
        now: clock.now(),
        reportNames: definitions.map((report) => report.name),
      });
    } catch (error) {
      logger.error("invalid event", { reason: (error as Error).message, event: eventShape(event), requestId });
      throw error;
    }
  });
  logger.appendKeys({ trigger: request.trigger, requestId });
  logger.info("report run started", { dates: request.dates, force: request.force, preview: request.preview });

  // The token is read inside each part's step (cached for 15 minutes): a Secrets Manager hiccup
  // then retries that part, where outside a step it would end the whole execution.
  const calls = lazyPagedSource(
    async () =>
      new AutocallsClient({
        baseUrl: config.AUTOCALLS_BASE_URL,
        token: await secret.token(),
        concurrency: config.AUTOCALLS_CONCURRENCY,
        logger: log,
        ...(overrides.perPage === undefined ? {} : { perPage: overrides.perPage }),
      }),
  );
  const storeOptions = {
    client: s3,
    bucket: config.REPORT_BUCKET,
    prefix: config.REPORT_PREFIX,
    links: {
      baseUrl: config.LINK_BASE_URL,
      // Signed with the current key; the endpoint also accepts the previous one after a rotation.
      signingKey: async () => (await linkKeys.accepted())[0] as string,
      expiryDays: config.LINK_EXPIRY_DAYS,
    },
    clock,
  };
  const parts = new S3PartStore({ client: s3, bucket: config.REPORT_BUCKET, prefix: config.REPORT_PREFIX });
  const mailer = new SesMailer({ client: ses });
  const tuning: DayFetchTuning = {
    ...DEFAULT_TUNING,
    maxPagesPerPart: PART_PAGES,
    pauseStepFromMs: PART_PAUSE_FROM_MS,
    partDeadline: () => {
      const remainingMs = context.lambdaContext.getRemainingTimeInMillis();
      return Date.now() + remainingMs - Math.min(PART_FINISH_MARGIN_MS, remainingMs / 4);
    },
    partRetry: retryPart,
    ...overrides.tuning,
  };

  const reports: HandlerResult["reports"] = [];
  const failures: Array<{ date: string; message: string }> = [];
  const selected = selectReports(definitions, request.reports);
  const outputs = (report: ReportDefinition) => ({
    store: new S3ReportStore({
      ...storeOptions,
      // The stage's single report (and a report named `daily`) stays where reports always were.
      ...(report.name === DEFAULT_REPORT_NAME ? {} : { report: report.name }),
    }),
    mailer,
    recipientSettings: report.title === null ? RECIPIENT_SETTINGS : reportRecipientSettings(definitions, report),
  });
  // What every day and period of this run shares.
  const run = {
    timezone: config.REPORT_TIMEZONE,
    apiTimezone: config.AUTOCALLS_API_TIMEZONE,
    environment: config.REPORT_ENVIRONMENT,
    from: config.MAIL_FROM,
    recipientSettings: RECIPIENT_SETTINGS,
    force: request.force,
    reports: selected,
  };
  if (request.period) {
    const periods = await runPeriodReports(
      { ...run, period: request.period },
      { calls, parts, outputs, clock, workbookWriter: xlsxWorkbookWriter, logger: log },
      { steps, tuning, publishInFreshInvocation: true },
    );
    logger.info("period run finished", { period: request.period.label, periods });
    return {
      trigger: request.trigger,
      reports: [],
      periods: periods.map(({ report, period, calls: callCount, totalCost, email, workbook }) => ({
        report,
        period: `${period.kind} ${period.label}`,
        calls: callCount,
        totalCost,
        email: email.status,
        workbook: workbook.location,
      })),
    } satisfies HandlerResult;
  }

  // One token, one rate limit: each day starts with what the day before left of the budget.
  let pacer: PacerSnapshot | undefined;
  for (const date of request.dates) {
    logger.appendKeys({ reportDate: date });
    try {
      // The durable SDK hands out what a child context throws as a ChildContextError, so a day
      // some of whose reports failed is a result of the child: the reports that went out stay listed.
      const day = await steps.child(`report ${date}`, async (daySteps) => {
        try {
          const results = await runReports(
            { ...run, date, preview: request.preview },
            { calls, parts, outputs, clock, workbookWriter: xlsxWorkbookWriter, logger: log },
            { steps: daySteps, tuning, pacer, publishInFreshInvocation: true },
          );
          return { results, failed: null };
        } catch (error) {
          if (error instanceof ReportsFailedError) return { results: error.results, failed: error.message };
          throw error;
        }
      });
      for (const result of day.results) reports.push(handlerReport(result));
      pacer = latestPacer(day.results) ?? pacer;
      // The reports that went out are listed; the failed ones fail the day.
      if (day.failed !== null) throw new ReportsFailedMessage(day.failed);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error("report day failed", { error: error as Error });
      failures.push({ date, message });
    }
  }
  logger.removeKeys(["reportDate"]);
  logger.info("report run finished", { ok: reports.length, failed: failures.length, reports, failures });
  if (failures.length > 0) {
    throw new ReportDaysFailedError(
      `${failures.length} of ${request.dates.length} report day(s) failed: ${failures.map((f) => `${f.date}: ${f.message}`).join(" | ")}`,
    );
  }
  return { trigger: request.trigger, reports } satisfies HandlerResult;
}

/** A day's failed reports, as recorded by its child context (the error itself does not survive it). */
class ReportsFailedMessage extends Error {
  override name = "ReportsFailedError";
}

/**
 * The rate-limit state the day's fetches ended with: the newest of its reports'. A report's is that
 * of its own last fetch, which need not be the day's last (reports a, b, a of assistants 1, 2, 1).
 */
function latestPacer(results: readonly ReportResult[]): PacerSnapshot | undefined {
  let latest: PacerSnapshot | undefined;
  for (const { fetch } of results) {
    if (fetch.pacer !== null && (latest === undefined || fetch.pacer.takenAt > latest.takenAt)) latest = fetch.pacer;
  }
  return latest;
}

function handlerReport(result: ReportResult): HandlerResult["reports"][number] {
  return {
    date: result.date,
    report: result.report,
    calls: result.summary.totals.calls,
    totalCost: result.summary.totals.totalCost,
    email: result.email.status,
    workbook: result.workbook.location,
  };
}

/** A named report's addresses are fixed in its entry of the stage's `reports`. */
function reportRecipientSettings(definitions: readonly ReportDefinition[], report: ReportDefinition) {
  const at = `the stage setting ${SETTINGS.reports.stageKey}[${definitions.indexOf(report)}]`;
  return {
    from: RECIPIENT_SETTINGS.from,
    to: `${at}.recipients.to`,
    cc: `${at}.recipients.cc`,
    bcc: `${at}.recipients.bcc`,
  };
}

/** What Lambda runs: the report as a durable execution. */
export const handler = withDurableExecution(reportExecution);

/** For tests that change the environment between cases. */
export function resetRuntimeForTests(): void {
  runtime = undefined;
}
