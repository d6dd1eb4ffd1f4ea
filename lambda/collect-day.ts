/**
 * A day fetched and aggregated in one pass, without parts or steps: what the demo uses to give
 * its report simulated history, and the bench's reference.
 */
import { aggregatorOptions, reportAggregation } from "./day-fetch.js";
import type { ReportOptions } from "./pipeline.js";
import type { CallsSource, Clock } from "./ports.js";
import { DayAggregator } from "./report/aggregate.js";
import { addFetchStats, type Call, emptyFetchStats } from "./report/call.js";
import { idQueries, matchesReport, type ReportDefinition } from "./report/report-definition.js";
import type { Summary } from "./report/summary.js";
import { apiDateRange, reportWindow } from "./report/window.js";

type DayOptions = Pick<
  ReportOptions,
  "date" | "timezone" | "apiTimezone" | "filters" | "fetchDeadline" | "onProgress" | "onPause" | "preview"
>;

/**
 * Fetches one day and aggregates it in a single pass, handing each in-window call to
 * `onCall`. Throws rather than return a summary of an incomplete fetch.
 */
export async function collectDay(
  options: DayOptions,
  ports: { calls: CallsSource; clock: Clock },
  earlier: { previousDay: Summary | null; sameWeekdayLastWeek: Summary | null },
  onCall?: (call: Call) => Promise<void>,
): Promise<{ summary: Summary; variableKeys: string[]; evaluationKeys: string[] }> {
  const window = reportWindow(options.date, options.timezone);
  const fetchedAt = ports.clock.now();
  const aggregator = new DayAggregator(
    aggregatorOptions({ window, apiTimezone: options.apiTimezone, filters: options.filters }),
  );
  const calls = ports.calls.fetchCalls(
    { ...options.filters, ...apiDateRange(window, options.apiTimezone) },
    {
      ...(options.fetchDeadline === undefined ? {} : { deadline: options.fetchDeadline }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.onPause === undefined ? {} : { onPause: options.onPause }),
    },
  );
  for await (const call of calls) {
    if (aggregator.add(call)) await onCall?.(call);
  }
  return {
    summary: aggregator.finish({
      fetch: calls.stats,
      generatedAt: ports.clock.now(),
      partialAsOf: options.preview ? fetchedAt : null,
      ...earlier,
    }),
    variableKeys: aggregator.variableKeys,
    evaluationKeys: aggregator.evaluationKeys,
  };
}

/**
 * One report's day in one pass (the demo's simulated history for `--config` reports): each of its
 * API queries fetched in turn, the calls its type and status filters take aggregated.
 */
export async function collectReportDay(
  options: Omit<DayOptions, "filters" | "preview">,
  report: ReportDefinition,
  ports: { calls: CallsSource; clock: Clock },
): Promise<Summary> {
  const window = reportWindow(options.date, options.timezone);
  const aggregator = new DayAggregator(reportAggregation(window, options.apiTimezone, report));
  const stats = emptyFetchStats();
  for (const query of idQueries(report.filters)) {
    const calls = ports.calls.fetchCalls(
      { ...query, ...apiDateRange(window, options.apiTimezone) },
      options.fetchDeadline === undefined ? {} : { deadline: options.fetchDeadline },
    );
    for await (const call of calls) if (matchesReport(report.filters, call)) aggregator.add(call);
    addFetchStats(stats, calls.stats);
  }
  return aggregator.finish({
    fetch: stats,
    generatedAt: ports.clock.now(),
    partialAsOf: null,
    previousDay: null,
    sameWeekdayLastWeek: null,
  });
}
