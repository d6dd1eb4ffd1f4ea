/**
 * Publishing one report of a day: its parts' aggregates merged, its workbook written and stored
 * with its summary, and its email sent at most once. One step per report, so that a replay
 * rebuilds a report rather than half-publishes it, and one report's failure leaves the others be.
 */
import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { type FetchedDay, mergedDay, type ReportTap } from "./day-fetch.js";
import { type EmailOutcome, sendEmail } from "./email-delivery.js";
import type { ReportOptions, ReportPorts, ReportResult } from "./pipeline.js";
import type { CallLineCheck, PartStore } from "./ports.js";
import { addFetchStats, type Call, emptyFetchStats } from "./report/call.js";
import { reportEmail } from "./report/email-content.js";
import { type StoredDay, trendDates } from "./report/email-days.js";
import { matchesReport, type ReportFilters } from "./report/report-definition.js";
import { shiftDate } from "./report/window.js";

/** Workbooks up to this size are kept in memory for attaching; base64 makes 7.5 MB about 10 MB. */
export const ATTACHMENT_CAPTURE_LIMIT_BYTES = 7.5 * 1024 * 1024;

const noopLogger = { info() {}, warn() {} };

/** Merge, workbook, summary and email: one step, so a replay rebuilds rather than half-publishes. */
export async function publish(
  options: ReportOptions,
  ports: ReportPorts & { parts: PartStore },
  run: { runId: string; startedAt: string },
  fetches: readonly FetchedDay[],
  tap: ReportTap,
): Promise<ReportResult> {
  const fetched = combinedFetch(fetches);
  const logger = ports.logger ?? noopLogger;
  const fetchMs = ports.clock.now().getTime() - Date.parse(run.startedAt);
  // A partial day set against full ones would show every figure falling: a preview compares with
  // nothing and shows no trend. The 13 days before feed the trend; two of them the deltas.
  const trendDays = options.preview ? [] : trendDates(options.date).slice(0, -1);
  const stored = await Promise.all(trendDays.map((date) => ports.store.readSummary(date)));
  const storedOn = (date: string) => stored[trendDays.indexOf(date)] ?? null;
  const [previousDay, sameWeekdayLastWeek] = [
    storedOn(shiftDate(options.date, -1)),
    storedOn(shiftDate(options.date, -7)),
  ];
  const trend: StoredDay[] = trendDays.map((date, index) => ({ date, summary: stored[index] ?? null }));
  const day = await mergedDay(ports.parts, fetches, tap.aggregation, tap.name);
  const summary = day.finish({
    fetch: fetched.stats,
    generatedAt: ports.clock.now(),
    partialAsOf: options.preview ? new Date(run.startedAt) : null,
    previousDay,
    sameWeekdayLastWeek,
  });
  logger.info("calls fetched", {
    date: options.date,
    report: tap.name,
    calls: summary.totals.calls,
    ...summary.dataQuality,
    parts: fetched.parts,
    partBytes: fetched.bytes,
    pauses: fetched.pauses,
    fetchMs: Math.round(fetchMs),
  });

  const workbookStarted = performance.now();
  let workbookBytes: Buffer | null = null;
  const workbook = await ports.store.writeWorkbook(
    options.date,
    async (out) => {
      const capture = captureUpTo(options.attachWorkbook ? ATTACHMENT_CAPTURE_LIMIT_BYTES : 0);
      capture.stream.pipe(out);
      await ports.workbookWriter.write(
        capture.stream,
        {
          summary,
          calls: reportCalls(ports.parts, fetches, tap.filters),
          variableKeys: day.variableKeys,
          evaluationKeys: day.evaluationKeys,
        },
        {
          apiTimezone: options.apiTimezone,
          includeTranscripts: options.includeTranscripts,
          maskPhoneNumbers: options.maskPhoneNumbers,
          createdAt: ports.clock.now(),
        },
      );
      await finished(out);
      workbookBytes = capture.bytes();
    },
    { preview: options.preview ?? false },
  );
  const summaryObject = await ports.store.writeSummary(summary);
  const workbookMs = performance.now() - workbookStarted;
  logger.info("report stored", {
    date: options.date,
    report: tap.name,
    workbook: workbook.location,
    workbookBytes: workbook.bytes,
    summary: summaryObject.location,
    workbookMs: Math.round(workbookMs),
  });

  const emailStarted = performance.now();
  const email: EmailOutcome =
    options.email === false
      ? { status: "not-requested" }
      : await sendEmail(options, ports, summary, workbook, workbookBytes, run.runId, ({ link, archive, base }) =>
          reportEmail({ ...base, summary, link, archive, ...(trend.length > 0 ? { trend } : {}) }),
        );
  const emailMs = performance.now() - emailStarted;
  logger.info("email done", { date: options.date, report: tap.name, ...email, emailMs: Math.round(emailMs) });

  const { date, timezone, partialAsOf, totals, dataQuality } = summary;
  return {
    date: options.date,
    report: tap.name,
    summary: { date, timezone, partialAsOf: partialAsOf ?? null, totals, dataQuality },
    workbook,
    summaryObject,
    email,
    fetch: {
      parts: fetched.parts,
      bytes: fetched.bytes,
      pauses: fetched.pauses,
      pausedSeconds: fetched.pausedSeconds,
      pacer: fetched.pacer,
    },
    timings: { fetchMs, workbookMs, emailMs },
  };
}

/** A report's calls: its fetches one after another, part by part in page order, those its filters take. */
async function* reportCalls(
  store: PartStore,
  fetches: readonly FetchedDay[],
  filters: ReportFilters,
): AsyncGenerator<Call> {
  const local = filters.callTypes !== undefined || filters.callStatuses !== undefined;
  const mayMatch = local ? lineMayMatch(filters) : undefined;
  for (const fetched of fetches) {
    for (let part = 1; part <= fetched.parts; part++) {
      for await (const call of store.readCalls({ runId: fetched.runId, date: fetched.date, part }, mayMatch)) {
        if (!local || matchesReport(filters, call)) yield call;
      }
    }
  }
}

/**
 * A pre-check on a stored call's line (the API's record, as the API sent it), before it is
 * decoded: a call whose type (or status) is one of the report's holds that value as a JSON
 * string, so a line holding none of those strings cannot be the report's. A value the API might
 * escape another way (`\/`, `\u00e9`…) is not pre-checked: the line is decoded and checked by
 * `matchesReport`, as is a line that holds a value elsewhere (in a variable, say). With several
 * reports from one fetch, each reads every stored call; this spares decoding the calls a report
 * does not take.
 */
export function lineMayMatch(filters: ReportFilters): CallLineCheck {
  const needles = (values: string[] | undefined) =>
    values === undefined || !values.every((value) => PLAIN_JSON_TEXT.test(value))
      ? undefined
      : values.map((value) => Buffer.from(JSON.stringify(value)));
  const types = needles(filters.callTypes);
  const statuses = needles(filters.callStatuses);
  const holdsOne = (line: Buffer, values: Buffer[] | undefined) =>
    values === undefined || values.some((value) => line.includes(value));
  return (line) => holdsOne(line, types) && holdsOne(line, statuses);
}

/** Text every JSON encoder writes the one way: no escapes, nothing PHP or others may \u-escape. */
const PLAIN_JSON_TEXT = /^[A-Za-z0-9 _.:-]*$/;

/** The fetches a report drew on, as one: counts added (their API queries are disjoint). */
export function combinedFetch(fetches: readonly FetchedDay[]): FetchedDay {
  if (fetches.length === 1) return fetches[0] as FetchedDay;
  const stats = emptyFetchStats();
  for (const fetched of fetches) addFetchStats(stats, fetched.stats);
  const sum = (pick: (fetched: FetchedDay) => number) => fetches.reduce((total, fetched) => total + pick(fetched), 0);
  return {
    runId: fetches.map((fetched) => fetched.runId).join(","),
    date: fetches[0]?.date ?? "",
    parts: sum((fetched) => fetched.parts),
    stats,
    calls: sum((fetched) => fetched.calls),
    bytes: sum((fetched) => fetched.bytes),
    pauses: sum((fetched) => fetched.pauses),
    pausedSeconds: sum((fetched) => fetched.pausedSeconds),
    pacer: fetches.at(-1)?.pacer ?? null,
  };
}

/** A pass-through that also keeps a copy of what went through, while it stays under `limitBytes`. */
export function captureUpTo(limitBytes: number): { stream: PassThrough; bytes(): Buffer | null } {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflowed = limitBytes <= 0;
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  stream.on("data", (chunk: Buffer) => {
    if (overflowed) return;
    size += chunk.length;
    if (size > limitBytes) {
      overflowed = true;
      chunks.length = 0;
      return;
    }
    chunks.push(chunk);
  });
  return { stream, bytes: () => (overflowed ? null : Buffer.concat(chunks)) };
}
