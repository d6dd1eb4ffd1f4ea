import type { ReportDefinition } from "../../lambda/report/report-definition.js";

/** A report as a stage would define it, its options resolved: `<name>@example.com` gets it. */
export function reportDefinition(
  name: string,
  filters: ReportDefinition["filters"] = {},
  options: Partial<ReportDefinition> = {},
): ReportDefinition {
  return {
    name,
    title: name,
    recipients: { to: [`${name}@example.com`], cc: [], bcc: [] },
    filters,
    emptyDay: "send",
    attachWorkbook: true,
    includeTranscripts: true,
    maskPhoneNumbers: false,
    ...options,
  };
}
