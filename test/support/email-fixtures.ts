/**
 * Summary and email-input factories for the email tests. Built by hand rather than through
 * aggregation, so the email tests pin the content, not the arithmetic behind it.
 */

import { composeMimeMessages } from "../../lambda/adapters/mime-message.js";
import type { ComposedEmail, DownloadLink } from "../../lambda/ports.js";
import { delta } from "../../lambda/report/compare.js";
import { type EmailRecipients, reportEmail } from "../../lambda/report/email-content.js";
import {
  type Comparison,
  type Delta,
  type GroupStats,
  HEADLINE_KPIS,
  type HeadlineKpi,
  SUMMARY_SCHEMA_VERSION,
  type Summary,
} from "../../lambda/report/summary.js";

export function groupStats(name: string, calls: number, overrides: Partial<GroupStats> = {}): GroupStats {
  return {
    name,
    calls,
    connectedCalls: Math.round(calls * 0.7),
    durationSeconds: calls * 120,
    totalCost: calls * 0.25,
    totalCostMicros: calls * 250_000,
    byOutcome: {},
    averageScore: 7.5,
    ...overrides,
  };
}

export { delta };

export function comparison(
  date: string,
  previous: Partial<Record<HeadlineKpi, number | null>>,
  summary: Summary,
): Comparison {
  const current: Record<HeadlineKpi, number | null> = {
    calls: summary.totals.calls,
    connectedCalls: summary.totals.connectedCalls,
    connectRate: summary.totals.connectRate,
    durationSeconds: summary.totals.durationSeconds,
    totalCost: summary.totals.totalCost,
    averageScore: summary.averageScore,
  };
  const deltas = Object.fromEntries(
    HEADLINE_KPIS.map((kpi) => [kpi, delta(current[kpi], previous[kpi] ?? null)]),
  ) as Record<HeadlineKpi, Delta>;
  return { date, deltas };
}

/** A busy Tuesday: 1,234 calls, 41 hours of talk, $312.40. */
export function summaryFixture(overrides: Partial<Summary> = {}): Summary {
  const hourly = Array.from({ length: 24 }, (_, hour) => (hour >= 8 && hour < 20 ? 60 + ((hour * 37) % 90) : 0));
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    date: "2025-08-04",
    timezone: "UTC",
    window: { start: "2025-08-04T00:00:00.000Z", end: "2025-08-05T00:00:00.000Z" },
    apiTimezone: "UTC",
    generatedAt: "2025-08-05T06:00:00.000Z",
    filters: { assistantId: null, campaignId: null, type: null, status: null },
    totals: {
      calls: 1234,
      connectedCalls: 842,
      connectRate: 842 / 1234,
      humanAnswered: 700,
      humanRate: 700 / 1234,
      durationSeconds: 147_600,
      averageDurationSeconds: 175.3,
      medianDurationSeconds: 150,
      p90DurationSeconds: 320,
      totalCost: 312.4,
      carrierCost: 250,
      platformCost: 62.4,
      totalCostMicros: 312_400_000,
      carrierCostMicros: 250_000_000,
      platformCostMicros: 62_400_000,
      costPerCall: 312.4 / 1234,
      costPerConnectedMinute: 312.4 / (147_600 / 60),
    },
    byStatus: { completed: 842, "no-answer": 301, busy: 61, failed: 30 },
    byType: { outbound: 1200, inbound: 34 },
    byAnsweredBy: { human: 700, machine: 142, unknown: 392 },
    byOutcome: { qualified_lead: 312, callback: 200, not_interested: 250, "(none)": 472 },
    bySentiment: { positive: 400, neutral: 250, negative: 112, "(none)": 472 },
    averageScore: 7.4,
    scoredCalls: 762,
    assistants: [groupStats("Sales Assistant", 812), groupStats("Support Assistant", 300), groupStats("Renewals", 122)],
    campaigns: [groupStats("Q4 Outreach Campaign", 900), groupStats("(no campaign)", 334)],
    hourly,
    dataQuality: {
      received: 1234,
      duplicates: 0,
      outsideWindow: 12,
      apiTotal: 1234,
      missingEvaluations: 20,
      pages: 13,
      requests: 13,
      retries: 0,
      rateLimited: 0,
      refetches: 0,
    },
    comparison: { previousDay: null, sameWeekdayLastWeek: null },
    // The email never reads the exact sums; period merges are tested on aggregated calls.
    exact: { durationSeconds: "147600", scoreSum: "0", durations: [], assistants: [], campaigns: [] },
    ...overrides,
  };
}

/** A day with no calls at all. */
export function emptySummaryFixture(overrides: Partial<Summary> = {}): Summary {
  const busy = summaryFixture();
  return summaryFixture({
    totals: {
      ...busy.totals,
      calls: 0,
      connectedCalls: 0,
      connectRate: null,
      humanAnswered: 0,
      humanRate: null,
      durationSeconds: 0,
      averageDurationSeconds: null,
      medianDurationSeconds: null,
      p90DurationSeconds: null,
      totalCost: 0,
      carrierCost: 0,
      platformCost: 0,
      totalCostMicros: 0,
      carrierCostMicros: 0,
      platformCostMicros: 0,
      costPerCall: null,
      costPerConnectedMinute: null,
    },
    byStatus: {},
    byType: {},
    byAnsweredBy: {},
    byOutcome: {},
    bySentiment: {},
    averageScore: null,
    scoredCalls: 0,
    assistants: [],
    campaigns: [],
    hourly: Array.from({ length: 24 }, () => 0),
    dataQuality: { ...busy.dataQuality, received: 0, apiTotal: 0, missingEvaluations: 0, pages: 1, requests: 1 },
    ...overrides,
  });
}

/** Everything that decides the day's email: the domain's content input plus what the mail adapter adds. */
export interface ComposeEmailInput {
  summary: Summary;
  workbook: { fileName: string; content: Buffer | null };
  link: DownloadLink | null;
  environment: string | null;
  recipients: EmailRecipients;
  attachWorkbook: boolean;
  maxRawBytes?: number;
  sentAt?: Date;
}

/** The settings the Lambda and the CLI name in address errors. */
export const RECIPIENT_SETTINGS = { from: "MAIL_FROM", to: "MAIL_TO", cc: "MAIL_CC", bcc: "MAIL_BCC" };

/** The day's email as the pipeline builds it: content from the domain, MIME from the shared adapter module. */
export function composeReportEmail(input: ComposeEmailInput): Promise<ComposedEmail> {
  const email = reportEmail({
    summary: input.summary,
    workbookFileName: input.workbook.fileName,
    link: input.link,
    environment: input.environment,
    recipients: input.recipients,
    attachWorkbook: input.attachWorkbook,
  });
  return composeMimeMessages(email, {
    workbook: input.workbook.content,
    settingNames: RECIPIENT_SETTINGS,
    ...(input.sentAt === undefined ? {} : { sentAt: input.sentAt }),
    ...(input.maxRawBytes === undefined ? {} : { maxRawBytes: input.maxRawBytes }),
  });
}

export function composeInput(overrides: Partial<ComposeEmailInput> = {}): ComposeEmailInput {
  return {
    summary: summaryFixture(),
    workbook: { fileName: "calls-report-2025-08-04.xlsx", content: Buffer.from("PK\u0003\u0004 fake workbook bytes") },
    link: {
      url: "https://reports.example.com/calls-report-2025-08-04.xlsx?X-Amz-Signature=abc",
      expiresAt: new Date("2025-08-12T06:00:00.000Z"),
    },
    environment: "prod",
    recipients: { from: "reports@example.com", to: ["boss@example.com"], cc: [], bcc: [] },
    attachWorkbook: true,
    ...overrides,
  };
}
