/** The CPU profiles of `--cpu-prof` runs, summarised by module and by function. */
import type { ProfileSummary } from "../profile-summary.js";
import { count, seconds, table } from "../stats.js";
import type { SizeResult } from "./pipeline-sizes.js";
import type { WorkbookRow } from "./workbook.js";

export function renderProfiles(sizeResults: SizeResult[], workbooks: WorkbookRow[], out: string[]): void {
  const profiles: Array<[string, ProfileSummary]> = [
    ...sizeResults.flatMap(
      (size): Array<[string, ProfileSummary]> =>
        size.profile ? [[`pipeline, ${count(size.calls)} calls`, size.profile]] : [],
    ),
    ...workbooks.flatMap(
      (row): Array<[string, ProfileSummary]> =>
        row.profile ? [[`workbook alone, ${count(row.calls)} calls with transcripts`, row.profile]] : [],
    ),
  ];
  if (profiles.length > 0) {
    out.push("", "## CPU profiles (`--cpu-prof`, one extra run each, not in the medians)", "");
    for (const [label, profile] of profiles) {
      out.push(
        `${label}: ${seconds(profile.totalMs)} s sampled (whole process). Self time by module, then hottest functions:`,
        "",
      );
      out.push(...profileTables(profile), "");
    }
  }
}

/** A profile's two tables, self time by module and by function, with a blank line between. */
export function profileTables(profile: ProfileSummary): string[] {
  const share = (entry: { share: number }) => `${(100 * entry.share).toFixed(1)}%`;
  return [
    table(
      ["module", "self s", "share"],
      profile.byModule.map((entry) => [entry.module, seconds(entry.selfMs), share(entry)]),
    ),
    "",
    table(
      ["function (bundle line)", "self s", "share"],
      profile.byFunction.map((entry) => [`\`${entry.name}\``, seconds(entry.selfMs), share(entry)]),
    ),
  ];
}
