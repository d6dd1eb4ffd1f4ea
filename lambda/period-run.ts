/**
 * Weekly and monthly reports (#18), merged from the stored daily summaries without calling the
 * API again. A day of the period without a stored summary is built first — the daily pipeline
 * without its email — and if that fails the period fails, naming the day: a week never silently
 * misses one. Then each report's period is merged, written (workbook, summary) and emailed at
 * most once, under the period's file stem (`week-2025-W32`), each in a step of its own.
 */
import { randomUUID } from "node:crypto";
import { finished } from "node:stream/promises";
import { type EmailOutcome, sendEmail } from "./email-delivery.js";
import { type DayRunOptions, type ReportOptions, type ReportsPorts, type RunControl, runReports } from "./pipeline.js";
import type { ReportStore, StoredObject } from "./ports.js";
import { ATTACHMENT_CAPTURE_LIMIT_BYTES, captureUpTo } from "./publish.js";
import { sameFilters } from "./report/compare.js";
import { periodReportEmail } from "./report/email-content.js";
import { type Period, periodFileStem, previousPeriod, samePeriodLastYear } from "./report/period.js";
import { type EarlierPeriod, mergeDailySummaries, PeriodMergeError, type PeriodReport } from "./report/period-merge.js";
import { periodWorkbookLayout } from "./report/period-workbook.js";
import { type ReportDefinition, singleValueFilters } from "./report/report-definition.js";
import { readStoredSummary } from "./report/stored-summary.js";
import { type StoredSummary, SUMMARY_SCHEMA_VERSION, type Summary } from "./report/summary.js";
import { inProcessSteps } from "./steps.js";

export interface PeriodRunOptions extends Omit<DayRunOptions, "date" | "preview" | "email"> {
  period: Period;
}

/** One report's period, as recorded by its publish step (plain JSON). */
export interface PeriodResult {
  report: string;
  period: Pick<Period, "kind" | "label" | "firstDate" | "lastDate">;
  calls: number;
  totalCost: number;
  /** Figures approximate because some days were stored before schema 2. */
  approximate: string[];
  workbook: StoredObject;
  summaryObject: StoredObject;
  email: EmailOutcome;
}

/** A day of the period could not be built; nothing of the period was written or sent. */
export class PeriodDayError extends Error {
  override name = "PeriodDayError";
}

/** Some reports' periods failed; the others were written and sent. */
export class PeriodReportsFailedError extends Error {
  override name = "PeriodReportsFailedError";
  constructor(
    message: string,
    readonly results: PeriodResult[],
  ) {
    super(message);
  }
}

export async function runPeriodReports(
  options: PeriodRunOptions,
  ports: ReportsPorts,
  control: RunControl = {},
): Promise<PeriodResult[]> {
  const steps = control.steps ?? inProcessSteps();
  const { period } = options;
  const stem = periodFileStem(period);
  const single = options.reports.length === 1;

  // Which reports lack which days: read once and recorded, so a replay builds the same days.
  const missing = await steps.step(`find days of ${stem}`, async () => {
    const byDate: Record<string, string[]> = {};
    for (const report of options.reports) {
      const { store } = ports.outputs(report);
      const stored = await Promise.all(period.dates.map((date) => storedDay(store, date, countedAs(options, report))));
      period.dates.forEach((date, index) => {
        if (stored[index] === null) byDate[date] = [...(byDate[date] ?? []), report.name];
      });
    }
    return byDate;
  });

  let pacer = control.pacer;
  for (const date of period.dates) {
    const names = missing[date];
    if (names === undefined) continue;
    const reports = options.reports.filter((report) => names.includes(report.name));
    try {
      const results = await steps.child(`build ${date}`, (daySteps) =>
        runReports({ ...options, date, reports, email: false }, ports, { ...control, steps: daySteps, pacer }),
      );
      pacer = results.at(-1)?.fetch.pacer ?? pacer;
      ports.logger?.info("period day built", { period: stem, date, reports: names });
    } catch (error) {
      throw new PeriodDayError(
        `The ${period.kind} ${period.label} was not reported: ${date} had no stored summary and building it failed — ` +
          `${error instanceof Error ? error.message : String(error)}. Run that day again ({"date":"${date}"}), then the ${period.kind}.`,
        { cause: error },
      );
    }
  }

  // The builds fetched up to the invocation's deadline: the period's email, like a day's, goes
  // out from an invocation with its whole timeout, never one a timeout could cut after the claim.
  if (control.publishInFreshInvocation && Object.keys(missing).length > 0) {
    await steps.wait("fresh invocation for publishing", 1);
  }
  const results: PeriodResult[] = [];
  const failures: string[] = [];
  const run = await steps.step(`start ${stem}`, async () => ({ runId: control.runId?.() ?? randomUUID() }));
  for (const report of options.reports) {
    try {
      results.push(
        await steps.step(single ? `publish ${stem}` : `publish ${stem} ${report.name}`, () =>
          publishPeriod(options, report, ports, run.runId),
        ),
      );
    } catch (error) {
      if (single) throw error;
      failures.push(`${report.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) {
    throw new PeriodReportsFailedError(
      `${failures.length} of ${options.reports.length} reports of ${period.kind} ${period.label} failed: ${failures.join(" | ")}`,
      results,
    );
  }
  return results;
}

/** How a report counts a day now: the stage's timezone and the report's filters. */
interface CountedAs {
  timezone: string;
  reference: Pick<Summary, "filters" | "report">;
}

function countedAs(options: PeriodRunOptions, report: ReportDefinition): CountedAs {
  return {
    timezone: options.timezone,
    reference: {
      filters: singleValueFilters(report.filters),
      report: { name: report.name, title: report.title, filters: report.filters },
    },
  };
}

/**
 * A stored, finished day of a report, readable as schema 1 or 2; null when it must be built. With
 * `current`, a day counted otherwise (stored before the stage changed its timezone or the report
 * its filters) must be built too: merged, it would fail the period or, with every day stored the
 * old way, report the period as the stage no longer counts it.
 */
async function storedDay(store: ReportStore, date: string, current?: CountedAs): Promise<StoredSummary | null> {
  const json = await store.readSummary(date, { storedOnly: true });
  if (json === null) return null;
  try {
    const day = readStoredSummary(json);
    if (day.partialAsOf) return null;
    if (current && (day.timezone !== current.timezone || !sameFilters(day, current.reference))) return null;
    return day;
  } catch {
    // Damaged: built again rather than merged.
    return null;
  }
}

/**
 * An earlier period to compare with: its stored report, else a merge of its stored days when
 * every one is there (never built for a comparison); null when neither.
 */
async function earlierPeriod(store: ReportStore, period: Period | null, now: Date): Promise<EarlierPeriod | null> {
  if (period === null) return null;
  const stored = await store.readPeriodSummary(periodFileStem(period));
  if (typeof stored === "object" && stored !== null && "summary" in stored) {
    try {
      return { period, summary: readStoredSummary(stored.summary) as Summary };
    } catch {
      // Unreadable: fall back to the days.
    }
  }
  const days = await Promise.all(period.dates.map((date) => storedDay(store, date)));
  if (days.some((day) => day === null)) return null;
  try {
    return { period, summary: mergeDailySummaries(period, days as StoredSummary[], { generatedAt: now }).summary };
  } catch (error) {
    // Days counted two ways (a timezone or filters changed in it): nothing to compare with, not a failed report.
    if (error instanceof PeriodMergeError) return null;
    throw error;
  }
}

async function publishPeriod(
  options: PeriodRunOptions,
  report: ReportDefinition,
  ports: ReportsPorts,
  runId: string,
): Promise<PeriodResult> {
  const { period } = options;
  const stem = periodFileStem(period);
  const { store, mailer, recipientSettings } = ports.outputs(report);
  const now = ports.clock.now();
  const days = await Promise.all(period.dates.map((date) => storedDay(store, date, countedAs(options, report))));
  const lacking = period.dates.filter((_, index) => days[index] === null);
  if (lacking.length > 0) {
    throw new PeriodDayError(
      `The ${period.kind} ${period.label} of ${report.name} lacks ${lacking.join(", ")} after building — run those days again.`,
    );
  }
  const [previous, yearAgo] = await Promise.all([
    earlierPeriod(store, previousPeriod(period), now),
    earlierPeriod(store, samePeriodLastYear(period), now),
  ]);
  const merged = mergeDailySummaries(period, days as StoredSummary[], {
    generatedAt: now,
    previousPeriod: previous,
    samePeriodLastYear: yearAgo,
  });
  const links = await Promise.all(period.dates.map(async (date) => (await store.dayWorkbookLink(date))?.url ?? null));
  const layout = periodWorkbookLayout({
    report: merged,
    dailyWorkbookUrls: Object.fromEntries(period.dates.map((date, index) => [date, links[index] ?? null])),
    createdAt: now,
  });

  let workbookBytes: Buffer | null = null;
  const workbook = await store.writeWorkbook(stem, async (out) => {
    const capture = captureUpTo(report.attachWorkbook ? ATTACHMENT_CAPTURE_LIMIT_BYTES : 0);
    capture.stream.pipe(out);
    await ports.workbookWriter.writePeriod(capture.stream, layout, now);
    await finished(out);
    workbookBytes = capture.bytes();
  });
  const summaryObject = await store.writePeriodSummary(stem, storedPeriod(merged));

  const reportOptions: ReportOptions = {
    ...options,
    date: stem,
    filters: {},
    recipientSettings: recipientSettings ?? options.recipientSettings,
    recipients: { from: options.from, ...report.recipients },
    emptyDay: report.emptyDay,
    attachWorkbook: report.attachWorkbook,
    includeTranscripts: report.includeTranscripts,
    maskPhoneNumbers: report.maskPhoneNumbers,
    preview: false,
  };
  const email = await sendEmail(
    reportOptions,
    { ...ports, store, mailer },
    merged.summary,
    workbook,
    workbookBytes,
    runId,
    ({ link, archive, base }) =>
      periodReportEmail({
        ...base,
        link,
        archive,
        period,
        summary: merged.summary,
        days: merged.days,
        approximate: merged.approximate,
        comparison: merged.comparison,
      }),
  );
  ports.logger?.info("period report done", { period: stem, report: report.name, email: email.status });
  return {
    report: report.name,
    period: { kind: period.kind, label: period.label, firstDate: period.firstDate, lastDate: period.lastDate },
    calls: merged.summary.totals.calls,
    totalCost: merged.summary.totals.totalCost,
    approximate: merged.approximate,
    workbook,
    summaryObject,
    email,
  };
}

/** `summary-week-2025-W32.json`: the period, its merged summary and comparisons, the dates it merged. */
function storedPeriod(report: PeriodReport) {
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    period: report.period,
    summary: report.summary,
    approximate: report.approximate,
    comparison: report.comparison,
    days: report.days.map((day) => ({ date: day.date, schemaVersion: day.summary.schemaVersion })),
  };
}
