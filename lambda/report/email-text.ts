/**
 * The plain-text part's sections that the day's email (email.ts) and a period's
 * (email-period.ts) both carry, each a list of lines ending with a blank one.
 */
import type { EmailDelivery } from "./email.js";
import {
  archiveFacts,
  bars,
  busiestHour,
  dataQualityNotes,
  filterNotes,
  groupRowFacts,
  TOP_GROUPS,
  workbookFacts,
} from "./email-facts.js";
import { formatCount, formatInstant, formatPercent } from "./email-format.js";
import { headlineKpis, type KpiBaseline, kpiDeltas } from "./email-kpis.js";
import type { Summary } from "./summary.js";

const SPARKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) =>
      value === 0 || max === 0 ? " " : SPARKS[Math.min(SPARKS.length - 1, Math.floor((value / max) * SPARKS.length))],
    )
    .join("");
}

/** The environment warning, the title line and the filters. */
export function headerText(title: string, summary: Summary, environment: string | null): string[] {
  const lines: string[] = [];
  if (environment) lines.push(`Environment: ${environment} — not the production report`, "");
  lines.push(`${title} (${summary.timezone})`);
  const filters = filterNotes(summary);
  if (filters.length > 0) lines.push(`Filtered to ${filters.join(", ")}`);
  lines.push("");
  return lines;
}

export function kpiText(summary: Summary, baselines: KpiBaseline[]): string[] {
  const lines: string[] = [];
  for (const kpi of headlineKpis(summary)) {
    const deltas = kpiDeltas(baselines, kpi).map((view) => `${view.arrow} ${view.text} ${view.against}`);
    const detail = kpi.detail ? ` (${kpi.detail})` : "";
    lines.push(`${kpi.label.padEnd(14)} ${kpi.value}${detail}`);
    if (deltas.length > 0) lines.push(`${"".padEnd(14)} ${deltas.join(" · ")}`);
  }
  lines.push("");
  return lines;
}

export function workbookText(input: EmailDelivery): string[] {
  const facts = workbookFacts(input);
  const lines = [facts.sentence];
  if (facts.url) lines.push(facts.url);
  if (facts.validity) lines.push(`The link is ${facts.validity}.`);
  lines.push("");
  return lines;
}

/** Outcomes, call status, the hourly sparkline, the top assistants and campaigns. */
export function breakdownText(summary: Summary): string[] {
  const lines: string[] = [];
  for (const [title, counts] of [
    ["Outcomes", summary.byOutcome],
    ["Call status", summary.byStatus],
  ] as const) {
    const rows = bars(counts);
    if (rows.length === 0) continue;
    lines.push(title);
    for (const row of rows)
      lines.push(`  ${row.label.padEnd(24)} ${formatCount(row.count).padStart(7)}  ${formatPercent(row.share)}`);
    lines.push("");
  }
  lines.push(`Activity by hour (${summary.timezone})`, `  00 |${sparkline(summary.hourly)}| 23`);
  const busiest = busiestHour(summary);
  if (busiest) lines.push(`  ${busiest}`);
  lines.push("");
  for (const [title, groups] of [
    ["Top assistants", summary.assistants],
    ["Top campaigns", summary.campaigns],
  ] as const) {
    if (groups.length === 0) continue;
    lines.push(title);
    for (const group of groups.slice(0, TOP_GROUPS)) {
      const row = groupRowFacts(group);
      lines.push(`  ${row.name}: ${row.calls} calls · ${row.connected} connected · ${row.cost} · score ${row.score}`);
    }
    if (groups.length > TOP_GROUPS) lines.push(`  and ${formatCount(groups.length - TOP_GROUPS)} more in the workbook`);
    lines.push("");
  }
  return lines;
}

/** Data quality, the clock and generation time, the archive link; the part's last lines. */
export function closingText(summary: Summary, input: EmailDelivery): string[] {
  const lines: string[] = [];
  const quality = dataQualityNotes(summary);
  if (quality.length > 0) lines.push(`Data quality: ${quality.join("; ")}.`, "");
  lines.push(
    "--",
    `Times are in ${summary.timezone}. Generated ${formatInstant(new Date(summary.generatedAt), summary.timezone)}.`,
  );
  const archive = archiveFacts(input);
  if (archive) lines.push(`Past reports: ${archive.url} (${archive.validity}).`);
  return lines;
}
