/** Section 2: the reference rows of each size, and the 100k pipeline's work all at once. */
import { bytesMb, count, mb, median, ratio, seconds, spread, table } from "../stats.js";
import type { SizeResult } from "./pipeline-sizes.js";

/** The size whose pipeline is also measured with its fetch and workbook started together. */
export const ALL_AT_ONCE_CALLS = 100_000;

export function renderReferenceRows(sizeResults: SizeResult[], out: string[]): void {
  out.push("", "## 2. Reference rows (same run, same pages, same machine)", "");
  out.push(
    "Lower bound = the same pages fetched with the same concurrency and only decoded, a call at a time as the client " +
      "decodes them (`lambda/autocalls/page-split.ts`), plus the Calls sheet's XML " +
      "(unzipped from the workbook the pipeline stored) deflated with node:zlib level 6. " +
      "*Whole-page fetch*: the same fetch decoded the ordinary way, `Response.text()` + `JSON.parse` of each ~220 KB page, " +
      "as the lower bound of earlier results did; V8 makes every string over 128 KB a large object, which costs the " +
      "difference. " +
      "Naive = one page at a time, every call in an array, exceljs's in-memory `Workbook` + `writeBuffer`, one PutObject " +
      "(Calls sheet only, so it does less than the pipeline).",
    "",
  );
  out.push(
    table(
      [
        "calls/day",
        "pipeline s",
        "lower bound s (fetch + deflate)",
        "whole-page fetch s",
        "sheet XML MB",
        "pipeline / lower bound",
        "naive s",
        "naive peak RSS MB",
        "naive / pipeline (time)",
        "naive / pipeline (RSS)",
      ],
      sizeResults.map((size) => {
        const pipelineMs = median(size.pipeline.map((run) => run.wallMs));
        const lowerMs = median(size.lower.map((run) => run.wallMs));
        const pipelineRss = median(size.pipeline.map((run) => run.maxRssMb));
        return [
          count(size.calls),
          seconds(pipelineMs),
          `${seconds(lowerMs)} (${seconds(median(size.lower.map((run) => run.fetchMs)))} + ${seconds(median(size.lower.map((run) => run.deflateMs)))})`,
          seconds(median(size.lower.map((run) => run.wholePageFetchMs))),
          bytesMb(size.sheetXmlBytes),
          ratio(pipelineMs / lowerMs),
          size.naive ? seconds(size.naive.wallMs) : `— (${size.naiveSkipped})`,
          size.naive ? mb(size.naive.maxRssMb) : "—",
          size.naive ? ratio(size.naive.wallMs / pipelineMs) : "—",
          size.naive ? ratio(size.naive.maxRssMb / pipelineRss) : "—",
        ];
      }),
    ),
  );
  const allAtOnce = sizeResults.find((size) => size.calls === ALL_AT_ONCE_CALLS);
  if (allAtOnce && allAtOnce.allAtOnce.main.length > 0) renderAllAtOnce(allAtOnce, out);
}

/** Section 2's last table: the 100k pipeline's work with its fetch and workbook started together. */
function renderAllAtOnce(size: SizeResult, out: string[]): void {
  const lowerMs = median(size.lower.map((run) => run.wallMs));
  const pipelineMs = median(size.pipeline.map((run) => run.wallMs));
  const pipelineBusyMs = median(size.pipeline.map((run) => run.mainThreadBusyMs));
  const pipelineRss = median(size.pipeline.map((run) => run.maxRssMb));
  out.push(
    "",
    `### All of the pipeline's work at once (${count(size.calls)} calls)`,
    "",
    "What overlapping the fetch with the workbook could gain here, at best. The day's calls are spooled first, " +
      "untimed; then the pipeline's fetch, aggregation, spool, summary and email (its workbook writer writes nothing) " +
      "and the day's workbook streamed from the prepared spool into a multipart upload start together in one process: " +
      "the workbook on the main thread beside the fetch, or in a worker thread. An overlapped pipeline would do a " +
      "little less (it would not read and parse the spool back) and a little more (it could not start the Calls " +
      "sheet before it knew the columns). Alternating with the runs above; *main thread busy* and *peak RSS* are over " +
      "the timed part (the spooling before it peaks on its own); the pipeline's row is section 1's.",
    "",
    table(
      [
        "how",
        "runs",
        "wall s (median, min–max)",
        "report side s",
        "workbook side s",
        "/ lower bound",
        "main thread busy s",
        "peak RSS MB",
      ],
      [
        [
          "pipeline: fetch, then workbook",
          String(size.pipeline.length),
          seconds(pipelineMs),
          seconds(median(size.pipeline.map((run) => run.fetchMs))),
          seconds(median(size.pipeline.map((run) => run.workbookMs))),
          ratio(pipelineMs / lowerMs),
          seconds(pipelineBusyMs),
          mb(pipelineRss),
        ],
        ...(["main", "thread"] as const).map((workbookIn) => {
          const runs = size.allAtOnce[workbookIn];
          const wall = spread(runs.map((run) => run.wallMs));
          return [
            workbookIn === "main"
              ? "all at once, workbook on the main thread"
              : "all at once, workbook in a worker thread",
            String(runs.length),
            `${seconds(wall.median)} (${seconds(wall.min)}–${seconds(wall.max)})`,
            seconds(median(runs.map((run) => run.reportMs))),
            seconds(median(runs.map((run) => run.workbookMs))),
            ratio(wall.median / lowerMs),
            seconds(median(runs.map((run) => run.phaseMainThreadBusyMs))),
            mb(median(runs.map((run) => run.phasePeakRssMb))),
          ];
        }),
      ],
    ),
  );
}
