/**
 * What both the HTML and the plain-text part say, worked out once: the subject, the bar
 * charts' rows, the notes about data quality and filters, the workbook sentence.
 */
import type { EmailDelivery } from "./email.js";
import {
  cleanText,
  formatCount,
  formatInstant,
  formatPercent,
  formatScore,
  formatSpan,
  formatTalkTime,
  formatUsd,
} from "./email-format.js";
import { formatDay, share } from "./format.js";
import { type Counts, type GroupStats, isEmptyDay, partialDayLabel, type Summary } from "./summary.js";

interface Bar {
  label: string;
  count: number;
  share: number;
}

const MAX_BARS = 6;
export const TOP_GROUPS = 5;

/** The largest values first; the tail folded into one "other" bar so the chart stays short. */
export function bars(counts: Counts): Bar[] {
  const entries = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return [];
  const shown = entries.length > MAX_BARS ? entries.slice(0, MAX_BARS - 1) : entries;
  const rest = entries.slice(shown.length);
  const result = shown.map(([label, count]) => ({ label: humanLabel(cleanText(label)), count, share: count / total }));
  if (rest.length > 0) {
    const count = rest.reduce((sum, [, n]) => sum + n, 0);
    result.push({ label: `other (${rest.length})`, count, share: count / total });
  }
  return result;
}

/** API values read as words: `not_interested` → "Not interested"; placeholders like `(none)` stay. */
function humanLabel(value: string): string {
  if (value === "") return "(blank)";
  if (value.startsWith("(")) return value;
  const words = value.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Notes appear only past these shares: a handful of retries on a big day is routine.
const DUPLICATE_SHARE_WORTH_NOTING = 0.01;
const RETRY_SHARE_WORTH_NOTING = 0.1;
const MISSING_EVALUATION_SHARE_WORTH_NOTING = 0.1;

/** What was off while fetching, in plain words; empty when nothing was worth a manager's attention. */
export function dataQualityNotes(summary: Summary): string[] {
  const q = summary.dataQuality;
  const notes: string[] = [];
  const unique = q.received - q.duplicates;
  if (q.duplicates > 0 && q.duplicates >= q.received * DUPLICATE_SHARE_WORTH_NOTING) {
    notes.push(`${formatCount(q.duplicates)} duplicate rows dropped (the API's pages shifted while reading)`);
  }
  if (q.refetches > 0) notes.push(`${formatCount(q.refetches)} pages re-read to get a consistent day`);
  if (q.retries > 0 && q.retries >= q.requests * RETRY_SHARE_WORTH_NOTING) {
    const limited = q.rateLimited > 0 ? `, ${formatCount(q.rateLimited)} rate-limited` : "";
    notes.push(`${formatCount(q.retries)} of ${formatCount(q.requests)} API requests retried${limited}`);
  }
  if (q.apiTotal > unique) {
    notes.push(`the API reported ${formatCount(q.apiTotal)} calls but ${formatCount(unique)} arrived`);
  }
  const calls = summary.totals.calls;
  if (calls > 0 && q.missingEvaluations >= calls * MISSING_EVALUATION_SHARE_WORTH_NOTING) {
    notes.push(`${formatPercent(q.missingEvaluations / calls)} of calls have no evaluation`);
  }
  return notes;
}

export function filterNotes(summary: Summary): string[] {
  const lists = summary.report?.filters;
  if (lists) {
    const list = (
      values: Array<string | number>,
      one: string,
      many: string,
      show: (value: string | number) => string,
    ) =>
      values.length === 1 ? `${one} ${show(values[0] as string | number)}` : `${many} ${values.map(show).join(", ")}`;
    return [
      ...(lists.assistantIds ? [list(lists.assistantIds, "assistant", "assistants", (id) => `#${id}`)] : []),
      ...(lists.campaignIds ? [list(lists.campaignIds, "campaign", "campaigns", (id) => `#${id}`)] : []),
      ...(lists.callTypes ? [list(lists.callTypes, "type", "types", (v) => cleanText(String(v)))] : []),
      ...(lists.callStatuses ? [list(lists.callStatuses, "status", "statuses", (v) => cleanText(String(v)))] : []),
    ];
  }
  const f = summary.filters;
  const notes: string[] = [];
  if (f.assistantId !== null) notes.push(`assistant #${f.assistantId}`);
  if (f.campaignId !== null) notes.push(`campaign #${f.campaignId}`);
  if (f.type !== null) notes.push(`type ${cleanText(f.type)}`);
  if (f.status !== null) notes.push(`status ${cleanText(f.status)}`);
  return notes;
}

export interface WorkbookFacts {
  /** One sentence about the workbook: attached, where to download it, until when. */
  sentence: string;
  url: string | null;
  validity: string | null;
}

const LINKABLE_PROTOCOLS = new Set(["https:", "http:", "file:"]);

export function workbookFacts(input: EmailDelivery): WorkbookFacts {
  const { link, summary } = input;
  const fileName = cleanText(input.workbookFileName);
  let url: string | null = null;
  if (link) {
    try {
      url = LINKABLE_PROTOCOLS.has(new URL(link.url).protocol) ? link.url : null;
    } catch {
      url = null;
    }
  }
  const validity =
    link?.expiresAt && url
      ? `valid until ${formatInstant(link.expiresAt, summary.timezone)} (${formatSpan(new Date(summary.generatedAt), link.expiresAt)})`
      : null;
  let sentence: string;
  if (input.attached) {
    sentence = url ? `${fileName} is attached and can also be downloaded.` : `${fileName} is attached.`;
  } else if (url) {
    const tooLarge = input.notAttachedReason === "too-large" ? " It is too large to attach to this email." : "";
    sentence = `Download ${fileName} with the link below.${tooLarge}`;
  } else {
    const why =
      input.notAttachedReason === "too-large"
        ? " (too large for email)"
        : input.notAttachedReason === "disabled"
          ? " (attachments are turned off)"
          : "";
    sentence = `${fileName} is not attached${why} and no download link is available.`;
  }
  return { sentence, url, validity };
}

/** The footer's link to the archive page, with its validity; null without an https link. */
export function archiveFacts(input: EmailDelivery): { url: string; validity: string } | null {
  const archive = input.archive;
  if (!archive?.expiresAt) return null;
  let protocol: string;
  try {
    protocol = new URL(archive.url).protocol;
  } catch {
    return null;
  }
  if (protocol !== "https:" && protocol !== "http:") return null;
  const validity = `link valid until ${formatInstant(archive.expiresAt, input.summary.timezone)}`;
  return { url: archive.url, validity };
}

/** The day as the email names it: `Mon 4 Aug 2025`, or `Mon 4 Aug 2025 — partial day as of 14:05` for a preview. */
export function dayHeading(summary: Summary): string {
  const partial = partialDayLabel(summary);
  return `${formatDay(summary.date)}${partial ? ` — ${partial}` : ""}`;
}

/** "Calls report", or "Sales — calls report" for a named report, so two reports differ in the inbox. */
export function reportLabel(summary: Pick<Summary, "report">): string {
  const title = summary.report?.title;
  return title ? `${cleanText(title)} — calls report` : "Calls report";
}

export function subjectLine(summary: Summary, environment: string | null): string {
  const tag = environment ? `[${environment}] ` : "";
  const day = dayHeading(summary);
  const label = reportLabel(summary);
  if (isEmptyDay(summary)) return `${tag}${label} — ${day} — no calls`;
  const t = summary.totals;
  const calls = `${formatCount(t.calls)} call${t.calls === 1 ? "" : "s"}`;
  return `${tag}${label} — ${day} — ${calls} · ${formatTalkTime(t.durationSeconds)} talk · ${formatUsd(t.totalCost)}`;
}

/** The preheader's figures: `1,234 calls · 68.2% connected · $312.40`. */
export function headlineFigures(summary: Summary): string {
  const t = summary.totals;
  const connected = t.connectRate === null ? "" : `${formatPercent(t.connectRate)} connected · `;
  return `${formatCount(t.calls)} calls · ${connected}${formatUsd(t.totalCost)}`;
}

export function busiestHour(summary: Summary): string | null {
  const max = Math.max(0, ...summary.hourly);
  if (max === 0) return null;
  const hour = summary.hourly.indexOf(max);
  const pad = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  return `Busiest hour ${pad(hour)}–${pad(hour + 1)}: ${formatCount(max)} calls`;
}

export function groupRowFacts(group: GroupStats) {
  const connected = share(group.connectedCalls, group.calls);
  return {
    name: cleanText(group.name) || "(blank)",
    calls: formatCount(group.calls),
    connected: connected === null ? "—" : formatPercent(connected),
    cost: formatUsd(group.totalCost),
    score: group.averageScore === null ? "—" : formatScore(group.averageScore),
  };
}
