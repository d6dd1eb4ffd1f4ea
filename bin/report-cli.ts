import type { z } from "zod";
import { formatPause } from "../lambda/autocalls/errors.js";
import type { Clock, FetchPause } from "../lambda/ports.js";
import type { CallFilters } from "../lambda/report/call.js";
import type { Period } from "../lambda/report/period.js";
import type { ReportDefinition } from "../lambda/report/report-definition.js";
import {
  assertCalendarDate,
  InvalidDateError,
  previousLocalDate,
  type ReportDayProblem,
  reportDayProblem,
  reportWindow,
} from "../lambda/report/window.js";
import {
  apiBaseUrlSchema,
  DEFAULT_API_BASE_URL,
  DEFAULTS,
  entityIdTextSchema,
  NOT_A_WHOLE_NUMBER,
  SETTINGS,
  splitAddressList,
  timezoneSchema,
} from "../lambda/settings.js";
import { checkPeriodEnded, cliPeriod, configReports } from "./report-config.js";

/** A hung API ends in a clear error after this long; in AWS a part has its invocation's time instead. */
export const DEFAULT_FETCH_TIMEOUT_MINUTES = 10;

export const USAGE = `Usage: npm run report -- [--date YYYY-MM-DD] [--timezone IANA] [--out DIR] [--demo]
                         [--assistant-id N] [--campaign-id N] [--fetch-timeout MINUTES]
                         [--config FILE [--report NAME]...] [--period week|month]
                         [--preview] [--verbose]

  --date          report day in --timezone (default: yesterday there; ${"--demo"}: 2025-08-04)
  --timezone      IANA timezone the day is read in (default: UTC)
  --out           folder for the report files (default: ./reports)
  --demo          run against a built-in simulated Autocalls API (no token needed)
  --assistant-id  only calls of this assistant
  --campaign-id   only calls of this campaign
  --fetch-timeout minutes the fetch may take before it gives up (default: ${DEFAULT_FETCH_TIMEOUT_MINUTES})
  --config        a JSON file with a list of named reports (a stage's "reports"): each is
                  run from one fetch and written into --out/<name>/
  --report        with --config: run only this report (repeat for several)
  --period        a weekly or monthly report of the week or month holding --date (default:
                  the last one that ended; --demo: the one holding 2025-08-04), merged from
                  the stored daily summaries; missing days are built first
  --preview       report a day that has not ended yet, as a partial day (files named …-preview)
  --verbose       show stack traces on errors

Environment:
  AUTOCALLS_API_TOKEN     API token (required unless --demo)
  AUTOCALLS_BASE_URL      default ${DEFAULT_API_BASE_URL}
  AUTOCALLS_API_TIMEZONE  timezone of the API's timestamps and date filters (default UTC)
  MAIL_FROM, MAIL_TO      sender and comma-separated recipients written into the .eml
`;

/** The flags, for node:util parseArgs (and the README check that documents each). */
export const CLI_OPTIONS = {
  date: { type: "string" },
  timezone: { type: "string" },
  out: { type: "string" },
  demo: { type: "boolean" },
  "assistant-id": { type: "string" },
  "campaign-id": { type: "string" },
  "fetch-timeout": { type: "string" },
  config: { type: "string" },
  report: { type: "string", multiple: true },
  period: { type: "string" },
  preview: { type: "boolean" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The environment variables the CLI reads. */
export const CLI_ENV = [
  "AUTOCALLS_API_TOKEN",
  "AUTOCALLS_BASE_URL",
  "AUTOCALLS_API_TIMEZONE",
  "MAIL_FROM",
  "MAIL_TO",
] as const;

/** The fixed demo day, so that `npm run demo` writes the same report every time. */
export const DEMO_DATE = "2025-08-04";

/**
 * Demo volume per API date: busy weekdays, quiet weekends, and a stable ±12% wobble per date
 * so that the demo's day-over-day deltas look like a real operation's.
 */
export function demoCallsPerDay(apiDate: string): number {
  const weekday = new Date(`${apiDate}T12:00:00Z`).getUTCDay();
  const base = weekday === 0 ? 320 : weekday === 6 ? 540 : 1_250;
  let hash = 7;
  for (const char of apiDate) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return Math.round(base * (0.88 + ((hash % 1_000) / 1_000) * 0.24));
}

const CLI_HINTS: Record<ReportDayProblem["kind"], string> = {
  unfinished: "pick an earlier --date, or add --preview for a partial report",
  finished: "leave out --preview to report the full day",
  "not-started": "--preview shows a day under way; pick today or an earlier --date",
};

export class CliUsageError extends Error {
  override name = "CliUsageError";
}

export interface CliInput {
  help: boolean;
  demo: boolean;
  /** A partial report of a day that has not ended (and only then). */
  preview: boolean;
  date: string;
  timezone: string;
  apiTimezone: string;
  outDir: string;
  baseUrl: string;
  token: string | undefined;
  filters: CallFilters;
  fetchTimeoutMinutes: number;
  recipients: { from: string; to: string[]; cc: string[]; bcc: string[] };
  /** `--period`: a week's or a month's report instead of a day's (`date` then names a day inside it). */
  period: Period | null;
  /** `--config`: the reports to run (those `--report` names, or all), each into `--out/<name>/`; else null. */
  reports: ReportDefinition[] | null;
  clock: Clock;
}

export interface CliValues {
  date?: string;
  timezone?: string;
  out?: string;
  demo?: boolean;
  "assistant-id"?: string;
  "campaign-id"?: string;
  "fetch-timeout"?: string;
  config?: string;
  report?: string[];
  period?: string;
  preview?: boolean;
  help?: boolean;
}

/** Turns flags and environment into one validated input; every problem is a one-line fix. */
export function parseCliInput(values: CliValues, env: NodeJS.ProcessEnv, now: () => Date = () => new Date()): CliInput {
  const demo = values.demo === true;
  const timezone = checked(timezoneSchema, values.timezone ?? DEFAULTS.timezone, SETTINGS.timezone.cli);
  const apiTimezone = checked(
    timezoneSchema,
    env.AUTOCALLS_API_TIMEZONE || DEFAULTS.apiTimezone,
    SETTINGS.apiTimezone.cli,
  );
  const date = values.date
    ? asUsageError(() => assertCalendarDate(values.date as string, "--date"))
    : demo
      ? DEMO_DATE
      : previousLocalDate(now(), timezone);
  const token = env.AUTOCALLS_API_TOKEN?.trim() || undefined;
  if (!demo && !values.help && !token) {
    throw new CliUsageError("AUTOCALLS_API_TOKEN is not set — export your Autocalls API token, or try --demo.");
  }
  const baseUrl = checked(
    apiBaseUrlSchema({ httpsOnly: false }),
    env.AUTOCALLS_BASE_URL?.trim() || DEFAULTS.apiBaseUrl,
    SETTINGS.apiBaseUrl.cli,
  );
  if (values.out !== undefined && values.out.trim() === "") {
    throw new CliUsageError("--out is empty — name the folder for the report files, e.g. --out ./reports.");
  }
  const filters: CallFilters = {};
  const assistantId = entityId(values["assistant-id"], SETTINGS.assistantId.cli);
  const campaignId = entityId(values["campaign-id"], SETTINGS.campaignId.cli);
  if (assistantId !== undefined) filters.assistantId = assistantId;
  if (campaignId !== undefined) filters.campaignId = campaignId;
  const fetchTimeout = values["fetch-timeout"] ?? String(DEFAULT_FETCH_TIMEOUT_MINUTES);
  const fetchTimeoutMinutes = /^\d+(\.\d+)?$/.test(fetchTimeout) ? Number(fetchTimeout) : 0;
  if (!(fetchTimeoutMinutes > 0)) {
    throw new CliUsageError(
      `--fetch-timeout "${fetchTimeout}" is not a positive number of minutes — e.g. --fetch-timeout 30.`,
    );
  }

  // A demo run pretends it is the morning after the report day, so its output never varies.
  const preview = values.preview === true;
  const period = cliPeriod(
    values,
    { date: values.date === undefined ? null : date, demo, timezone, now: now() },
    usage,
  );
  // A demo run pretends it is the morning after the report day (or period), so its output never varies.
  const demoNow = new Date(reportWindow(period?.lastDate ?? date, timezone).end.getTime() + 6.5 * 3600_000);
  const clock: Clock = { now: demo ? () => demoNow : now };
  if (period) checkPeriodEnded(period, timezone, clock.now(), usage, values.date !== undefined);
  const problem = period ? null : reportDayProblem(date, timezone, clock.now(), preview);
  if (problem) throw new CliUsageError(`${problem.message} — ${CLI_HINTS[problem.kind]}.`);
  const reports = values.help ? null : configReports(values, filters, usage);
  return {
    help: values.help === true,
    demo,
    preview,
    date,
    timezone,
    apiTimezone,
    outDir: values.out ?? "reports",
    baseUrl,
    token,
    filters,
    fetchTimeoutMinutes,
    recipients: {
      from: env.MAIL_FROM?.trim() || "callreport@example.com",
      to: splitAddressList(env.MAIL_TO?.trim() || "managers@example.com"),
      cc: [],
      bcc: [],
    },
    reports,
    period,
    clock,
  };
}

const usage = (message: string) => new CliUsageError(message);

/** A bad flag or variable value is a usage error (exit 2), like an unknown flag, not a failed run (exit 1). */
function asUsageError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidDateError) {
      throw new CliUsageError(error.message, { cause: error });
    }
    throw error;
  }
}

/** A value checked by its setting's rule (lambda/settings.ts), refused as `<flag> "<value>" <reason>.` */
function checked<T>(schema: z.ZodType<T, string>, value: string, name: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new CliUsageError(`${name} "${value}" ${result.error.issues[0]?.message ?? "is not valid"}.`);
}

/** An assistant or campaign id, by the settings' rule, with the CLI's own example of a good one. */
function entityId(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const result = entityIdTextSchema.safeParse(value);
  if (result.success) return result.data;
  if (result.error.issues.some((issue) => issue.code === "too_big")) {
    throw new CliUsageError(`${flag} "${value}" is too large for an id — the largest is ${Number.MAX_SAFE_INTEGER}.`);
  }
  throw new CliUsageError(`${flag} "${value}" ${NOT_A_WHOLE_NUMBER} — e.g. ${flag} 12.`);
}

/** How often a log (stderr not a terminal) hears of the fetch: every tenth of the pages, or this often. */
const PROGRESS_LINE_EVERY_MS = 15_000;

/**
 * Progress for a log instead of a terminal's `\r` line: the first and last page, each tenth of
 * the pages, and any page 15 s or more after the previous line; undefined when nothing is due.
 */
export function progressLines(now: () => number = Date.now) {
  let lastDone = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  return ({ pagesDone, pagesTotal }: { pagesDone: number; pagesTotal: number }): string | undefined => {
    const tenth = Math.max(1, Math.ceil(pagesTotal / 10));
    const due =
      pagesDone === 1 ||
      pagesDone === pagesTotal ||
      Math.floor(pagesDone / tenth) > Math.floor(lastDone / tenth) ||
      now() - lastAt >= PROGRESS_LINE_EVERY_MS;
    if (!due) return undefined;
    lastDone = pagesDone;
    lastAt = now();
    return `Fetching calls: page ${pagesDone}/${pagesTotal}`;
  };
}

/** One stderr line per long wait, so that a rate-limited run is never a silent stall. */
export function pauseLine(pause: FetchPause): string {
  const what = pause.reason === "rateLimited" ? "Rate limited by the API" : "Pacing to the API's rate limit";
  return `${what}: waiting ${formatPause(pause.ms)} (until ${new Date(pause.until).toISOString().slice(11, 19)} UTC)`;
}

/**
 * The client's warnings as one stderr line each, so that a stalled fetch is never silent: a
 * page that hangs is retried every request timeout, and each retry says so. Other log lines
 * (debug, info) stay quiet.
 */
export function fetchWarningLine(message: string, fields: Record<string, unknown> = {}): string {
  if (message === "autocalls request failed, retrying") {
    const retry = typeof fields.attempt === "number" ? ` (retry ${fields.attempt + 1})` : "";
    return `Page ${String(fields.page)}: ${String(fields.problem)} — retrying${retry}`;
  }
  if (message === "autocalls result inconsistent, fetching all pages again") {
    return `The API's count did not add up (${String(fields.reason)}) — fetching all pages again`;
  }
  return message;
}

// What a failed run prints, and which failures are usage mistakes (exit 2).
export { cliErrorMessage, isUsageError } from "./cli-errors.js";
