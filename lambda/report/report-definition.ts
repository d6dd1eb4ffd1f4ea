/**
 * Several reports per stage (#17): each named report has its own audience, filters and privacy
 * options, and all of them are served from as few API fetches as the API's shape allows.
 *
 * A call record carries `assistant_name`, `campaign_name`, `type` and `status`, but no assistant
 * or campaign id. So call types and statuses filter locally, from whatever fetch already holds the
 * calls, while an assistant or campaign id filter needs the API's own `assistant_id` /
 * `campaign_id` query: each distinct id query is fetched once a day and shared by every report
 * that needs it. A report without id filters shares the one unfiltered fetch.
 */
import type { Call, CallFilters } from "./call.js";

/** The report a stage without `reports` has: stored where reports were stored before #17. */
export const DEFAULT_REPORT_NAME = "daily";

/** Every list is optional; an absent list takes every value. */
export interface ReportFilters {
  assistantIds?: number[];
  campaignIds?: number[];
  callTypes?: string[];
  callStatuses?: string[];
}

/** One named report, its options resolved (a stage's own values, or the defaults). */
export interface ReportDefinition {
  /** A slug: in keys (`<prefix>/<name>/YYYY/MM/DD/`), file folders and event `reports` lists. */
  name: string;
  /** Named in the email's subject and header; null for the stage's single default report. */
  title: string | null;
  recipients: { to: string[]; cc: string[]; bcc: string[] };
  filters: ReportFilters;
  emptyDay: "send" | "skip";
  attachWorkbook: boolean;
  includeTranscripts: boolean;
  maskPhoneNumbers: boolean;
}

/** What a stored summary says about the report it belongs to. */
export interface SummaryReport {
  name: string;
  title: string | null;
  filters: ReportFilters;
}

/** One API fetch of the day and the reports it feeds. */
export interface PlannedFetch {
  /** Names the fetch's working files and steps: `all`, `assistant-12`, `assistant-12-campaign-5`. */
  key: string;
  /** What the API is asked for besides the date range. */
  query: CallFilters;
  /** Reports fed from this fetch, in the order they were defined. */
  reports: string[];
}

/** The API queries one report's calls come from: one per assistant × campaign pair, disjoint. */
export function idQueries(filters: ReportFilters): Array<Pick<CallFilters, "assistantId" | "campaignId">> {
  const assistants: Array<number | undefined> = filters.assistantIds ? unique(filters.assistantIds) : [undefined];
  const campaigns: Array<number | undefined> = filters.campaignIds ? unique(filters.campaignIds) : [undefined];
  return assistants.flatMap((assistantId) =>
    campaigns.map((campaignId) => ({
      ...(assistantId === undefined ? {} : { assistantId }),
      ...(campaignId === undefined ? {} : { campaignId }),
    })),
  );
}

function queryKey(query: Pick<CallFilters, "assistantId" | "campaignId">): string {
  const parts = [
    ...(query.assistantId === undefined ? [] : [`assistant-${query.assistantId}`]),
    ...(query.campaignId === undefined ? [] : [`campaign-${query.campaignId}`]),
  ];
  return parts.length === 0 ? "all" : parts.join("-");
}

/**
 * The day's fetches: one per distinct id query, in the order the reports first need them. The
 * narrowest API filter that covers every report of a fetch is used: when all of them take exactly
 * one and the same call type (or status), the API filters it; otherwise it is filtered locally.
 */
export function fetchPlan(reports: readonly ReportDefinition[]): PlannedFetch[] {
  const fetches = new Map<string, { query: CallFilters; reports: ReportDefinition[] }>();
  for (const report of reports) {
    for (const query of idQueries(report.filters)) {
      const key = queryKey(query);
      const fetch = fetches.get(key) ?? { query, reports: [] as ReportDefinition[] };
      fetch.reports.push(report);
      fetches.set(key, fetch);
    }
  }
  return [...fetches].map(([key, { query, reports: fed }]) => {
    const type = sharedSingle(fed.map((report) => report.filters.callTypes));
    const status = sharedSingle(fed.map((report) => report.filters.callStatuses));
    return {
      key,
      query: { ...query, ...(type === undefined ? {} : { type }), ...(status === undefined ? {} : { status }) },
      reports: fed.map((report) => report.name),
    };
  });
}

/** The one value every list holds when each is exactly that value; else undefined. */
function sharedSingle(lists: Array<string[] | undefined>): string | undefined {
  const [first] = lists;
  if (first === undefined || unique(first).length !== 1) return undefined;
  const value = first[0] as string;
  return lists.every((list) => list !== undefined && unique(list).length === 1 && list[0] === value)
    ? value
    : undefined;
}

/** Whether a call of one of the report's fetches belongs to it: its type and status filters. */
export function matchesReport(filters: ReportFilters, call: Pick<Call, "type" | "status">): boolean {
  if (filters.callTypes && !(call.type !== null && filters.callTypes.includes(call.type))) return false;
  if (filters.callStatuses && !(call.status !== null && filters.callStatuses.includes(call.status))) return false;
  return true;
}

/**
 * The summary's single-valued `filters` (kept from schema v1 for the tools reading it): a value
 * where the report's list holds exactly one, else null; the lists themselves are in `report`.
 */
export function singleValueFilters(filters: ReportFilters): {
  assistantId: number | null;
  campaignId: number | null;
  type: string | null;
  status: string | null;
} {
  const only = <T>(list: T[] | undefined): T | null =>
    list !== undefined && unique(list).length === 1 ? (list[0] as T) : null;
  return {
    assistantId: only(filters.assistantIds),
    campaignId: only(filters.campaignIds),
    type: only(filters.callTypes),
    status: only(filters.callStatuses),
  };
}

/** The reports to run: all, or those named (in definition order); unknown names were refused earlier. */
export function selectReports(reports: readonly ReportDefinition[], names: readonly string[] | null) {
  return names === null ? [...reports] : reports.filter((report) => names.includes(report.name));
}

function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}

/** The one report a stage (or the CLI) without a reports list has: `daily`, its single filters as lists. */
export function singleReport(
  options: Pick<ReportDefinition, "emptyDay" | "attachWorkbook" | "includeTranscripts" | "maskPhoneNumbers"> & {
    recipients: ReportDefinition["recipients"];
    filters: CallFilters;
  },
): ReportDefinition {
  const { recipients, filters } = options;
  return {
    name: DEFAULT_REPORT_NAME,
    title: null,
    recipients: { to: recipients.to, cc: recipients.cc, bcc: recipients.bcc },
    filters: {
      ...(filters.assistantId === undefined ? {} : { assistantIds: [filters.assistantId] }),
      ...(filters.campaignId === undefined ? {} : { campaignIds: [filters.campaignId] }),
      ...(filters.type === undefined ? {} : { callTypes: [filters.type] }),
      ...(filters.status === undefined ? {} : { callStatuses: [filters.status] }),
    },
    emptyDay: options.emptyDay,
    attachWorkbook: options.attachWorkbook,
    includeTranscripts: options.includeTranscripts,
    maskPhoneNumbers: options.maskPhoneNumbers,
  };
}
