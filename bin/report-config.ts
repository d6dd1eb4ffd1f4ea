/**
 * The CLI's `--config FILE` (#17): a list of named reports with the shape of a stage's `reports`,
 * checked by the same schema, each run from one fetch into `--out/<name>/`; `--report NAME` picks some.
 */
import { readFileSync } from "node:fs";
import type { CallFilters } from "../lambda/report/call.js";
import { type ReportDefinition, selectReports } from "../lambda/report/report-definition.js";
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
