/**
 * What the CLI reports besides one day of one audience: `--config FILE` (#17), a list of named
 * reports with the shape of a stage's `reports`, checked by the same schema, each run from one
 * fetch into `--out/<name>/` (`--report NAME` picks some); and `--period week|month` (#18).
 */
import { readFileSync } from "node:fs";
import type { CallFilters } from "../lambda/report/call.js";
import { lastFinishedPeriod, type Period, periodContaining } from "../lambda/report/period.js";
import { type ReportDefinition, selectReports } from "../lambda/report/report-definition.js";
import { unfinishedDayReason } from "../lambda/report/window.js";
import {
  describeIssues,
  dotPath,
  type ReportOptionDefaults,
  reportListSchema,
  resolveReports,
  SETTINGS,
} from "../lambda/settings.js";

/** The CLI's options for a report that leaves them out: what the CLI writes without --config. */
export const CLI_REPORT_DEFAULTS: ReportOptionDefaults = {
  emptyDay: "send",
  attachWorkbook: true,
  includeTranscripts: true,
  maskPhoneNumbers: false,
};

/** `--config FILE` read and checked like a stage's `reports`, narrowed to the `--report` names. */
export function configReports(
  values: { config?: string; report?: string[] },
  filters: CallFilters,
  usageError: (message: string) => Error,
): ReportDefinition[] | null {
  const flag = SETTINGS.reports.cli;
  if (values.config === undefined) {
    if (values.report !== undefined) {
      throw usageError(`--report needs ${flag} FILE, the list of reports it picks from.`);
    }
    return null;
  }
  if (Object.keys(filters).length > 0) {
    throw usageError(
      `--assistant-id and --campaign-id do not go with ${flag} — give each report its own "filters" in the file.`,
    );
  }
  let text: string;
  try {
    text = readFileSync(values.config, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(
      `${flag} ${values.config}: ${code === "ENOENT" ? "no such file" : `cannot be read (${code ?? (error as Error).message})`} — name the JSON file holding the reports list.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw usageError(`${flag} ${values.config}: is not JSON (${(error as Error).message}) — fix the file.`);
  }
  const parsed = reportListSchema.safeParse(json);
  if (!parsed.success) {
    const problems = describeIssues(
      parsed.error,
      (path) => `${flag} ${values.config}${path.length > 0 ? ` at ${dotPath(path)}` : ""}`,
    );
    throw usageError(`${problems.join("; ")} — fix the file (it has the shape of a stage's "reports").`);
  }
  const reports = resolveReports(parsed.data, CLI_REPORT_DEFAULTS);
  const names = reports.map((report) => report.name);
  const unknown = (values.report ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw usageError(
      `--report ${unknown.map((name) => `"${name}"`).join(", ")}: not in ${values.config} — its reports are ${names.map((name) => `"${name}"`).join(", ")}.`,
    );
  }
  return selectReports(reports, values.report ?? null);
}

/** The demo's fixed day (report-cli.ts's DEMO_DATE), whose week or month `--demo --period` reports. */
const DEMO_PERIOD_DATE = "2025-08-04";

/** `--period week|month`: the period holding `--date`, else the last that ended (the demo's: its day's). */
export function cliPeriod(
  values: { period?: string; preview?: boolean },
  context: { date: string | null; demo: boolean; timezone: string; now: Date },
  usageError: (message: string) => Error,
): Period | null {
  if (values.period === undefined) return null;
  if (values.period !== "week" && values.period !== "month") {
    throw usageError(`--period "${values.period}" is not a period — use --period week or --period month.`);
  }
  if (values.preview) {
    throw usageError(
      "--preview is for a day under way; a week or a month is reported once it has ended — leave out --preview.",
    );
  }
  if (context.date !== null) return periodContaining(values.period, context.date);
  return context.demo
    ? periodContaining(values.period, DEMO_PERIOD_DATE)
    : lastFinishedPeriod(values.period, context.now, context.timezone);
}

/**
 * A period is reported once its last day has ended (plus the settling margin). Without `--date`
 * that is the last period that ended, in the minutes after it ended: waiting is the fix then.
 */
export function checkPeriodEnded(
  period: Period,
  timezone: string,
  now: Date,
  usageError: (message: string) => Error,
  dateGiven = true,
) {
  const unfinished = unfinishedDayReason(period.lastDate, timezone, now);
  if (unfinished) {
    const fix = dateGiven
      ? `pick a --date in an earlier ${period.kind}`
      : `run it again then, or name a day of an earlier ${period.kind} with --date`;
    throw usageError(`the ${period.kind} ${period.label} ends on ${period.lastDate}, and ${unfinished} — ${fix}.`);
  }
}
