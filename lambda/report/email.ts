/**
 * The manager email's content: subject, HTML and plain text, from a Summary. Pure: values
 * in, strings out. The HTML is built for mail clients, not browsers — table layout, inline
 * styles, 600 px wide, no images — and every interpolated value goes through `escape-html`
 * via the `html` tagged template below, so data can never become markup.
 */
import { TZDate } from "@date-fns/tz";
import { format } from "date-fns/format";
import escapeHtml from "escape-html";
import type { DownloadLink } from "../ports.js";
import { delta } from "./compare.js";
import { formatDay, share } from "./format.js";
import {
  type Counts,
  type Delta,
  type GroupStats,
  type HeadlineKpi,
  isEmptyDay,
  partialDayLabel,
  type Summary,
} from "./summary.js";

export interface RenderEmailInput {
  summary: Summary;
  link: DownloadLink | null;
  /** Stage name; shown as a banner and subject tag unless null or "prod". */
  environment: string | null;
  attached: boolean;
  workbookFileName: string;
  /** Why the workbook is not attached, when it is not: said in the email so nobody looks for it. */
  notAttachedReason?: "too-large" | "disabled" | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

// ─── Escaping ────────────────────────────────────────────────────────────────────────────

/** Markup that is already escaped; anything else interpolated into `html` is escaped. */
class SafeHtml {
  constructor(readonly markup: string) {}
}
type HtmlValue = SafeHtml | string | number | null | undefined | readonly HtmlValue[];

function toMarkup(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(toMarkup).join("");
  if (value === null || value === undefined) return "";
  return escapeHtml(String(value));
}

/** Tagged template that escapes every interpolation unless it is itself an `html` result. */
function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? "";
  values.forEach((value, index) => {
    markup += toMarkup(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(markup);
}

// ─── Formatting ──────────────────────────────────────────────────────────────────────────

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const usdFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const smallUsdFormat = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 3,
});

const formatCount = (value: number): string => integerFormat.format(value);
const formatUsd = (value: number): string => (Math.abs(value) < 1 ? smallUsdFormat : usdFormat).format(value);
const formatPercent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
const formatScore = (score: number): string => score.toFixed(1);

/** Talk time at a glance: `41 h`, `4.2 h`, `35 min`, `45 s`. */
function formatTalkTime(durationSeconds: number): string {
  const hours = durationSeconds / 3600;
  if (hours >= 10) return `${formatCount(Math.round(hours))} h`;
  if (hours >= 1) return `${hours.toFixed(1)} h`;
  if (durationSeconds >= 60) return `${Math.round(durationSeconds / 60)} min`;
  return `${Math.round(durationSeconds)} s`;
}

/** `2:35` (minutes:seconds) for an average call. */
function formatClock(durationSeconds: number): string {
  const rounded = Math.round(durationSeconds);
  return `${Math.floor(rounded / 60)}:${String(rounded % 60).padStart(2, "0")}`;
}

/** An instant on the report's wall clock: `Wed 5 Aug 2025 14:00 UTC` / `… 16:00 Europe/Berlin`. */
function formatInstant(instant: Date, timezone: string): string {
  return `${format(new TZDate(instant.getTime(), timezone), "EEE d MMM yyyy HH:mm")} ${timezone}`;
}

/** `7 days`, `36 hours`, `45 minutes`: how long from `from` until `until`. */
function formatSpan(from: Date, until: Date): string {
  const minutes = Math.max(0, Math.round((until.getTime() - from.getTime()) / 60_000));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (minutes >= 48 * 60) return plural(Math.round(minutes / (24 * 60)), "day");
  if (minutes >= 120) return plural(Math.round(minutes / 60), "hour");
  return plural(minutes, "minute");
}

/** Names come from the API: control characters (CR/LF, tabs) become spaces, runs collapse. */
function cleanText(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
}

/** The environment tag for the subject and banner; null on prod or when unset. */
function environmentLabel(environment: string | null): string | null {
  if (environment === null) return null;
  const label = cleanText(environment).slice(0, 32);
  return label === "" || label.toLowerCase() === "prod" ? null : label;
}

// ─── KPI deltas ──────────────────────────────────────────────────────────────────────────

type KpiKey = HeadlineKpi | "costPerCall";

interface Kpi {
  key: KpiKey;
  label: string;
  value: string;
  detail: string | null;
  /** Whether a rise is good news: cost going up is not green. */
  upIsGood: boolean;
  formatChange: (delta: Delta) => string | null;
}

const percentChange = (delta: Delta): string | null =>
  delta.changeRatio === null ? null : `${(Math.abs(delta.changeRatio) * 100).toFixed(1)}%`;
const pointsChange = (delta: Delta): string | null =>
  delta.change === null ? null : `${(Math.abs(delta.change) * 100).toFixed(1)} pp`;
const scoreChange = (delta: Delta): string | null => (delta.change === null ? null : Math.abs(delta.change).toFixed(1));

interface DeltaView {
  arrow: "▲" | "▼" | "=";
  text: string;
  tone: "good" | "bad" | "neutral";
  against: string;
}

function describeDelta(kpi: Kpi, delta: Delta | undefined, againstDate: string): DeltaView | null {
  if (!delta || delta.change === null || delta.current === null || delta.previous === null) return null;
  const against = `vs ${formatDay(againstDate, "EEE d MMM")}`;
  if (delta.change === 0) return { arrow: "=", text: "no change", tone: "neutral", against };
  const up = delta.change > 0;
  const text = kpi.formatChange(delta) ?? `from ${formatCount(delta.previous)}`;
  return { arrow: up ? "▲" : "▼", text, tone: up === kpi.upIsGood ? "good" : "bad", against };
}

/** Cost per call is not a headline delta in the summary; it follows from the calls and cost deltas. */
function costPerCallDelta(deltas: Record<HeadlineKpi, Delta>): Delta {
  const calls = deltas.calls;
  const cost = deltas.totalCost;
  const perCall = (c: number | null, n: number | null) => (c === null || n === null ? null : share(c, n));
  return delta(perCall(cost.current, calls.current), perCall(cost.previous, calls.previous));
}

function headlineKpis(summary: Summary): Kpi[] {
  const t = summary.totals;
  return [
    {
      key: "calls",
      label: "Calls",
      value: formatCount(t.calls),
      detail: `${formatCount(t.humanAnswered)} answered by a person`,
      upIsGood: true,
      formatChange: percentChange,
    },
    {
      key: "connectRate",
      label: "Connect rate",
      value: t.connectRate === null ? "—" : formatPercent(t.connectRate),
      detail: `${formatCount(t.connectedCalls)} connected`,
      upIsGood: true,
      formatChange: pointsChange,
    },
    {
      key: "durationSeconds",
      label: "Talk time",
      value: formatTalkTime(t.durationSeconds),
      detail:
        t.averageDurationSeconds === null ? null : `avg ${formatClock(t.averageDurationSeconds)} per connected call`,
      upIsGood: true,
      formatChange: percentChange,
    },
    {
      key: "totalCost",
      label: "Total cost",
      value: formatUsd(t.totalCost),
      detail: `${formatUsd(t.carrierCost)} carrier · ${formatUsd(t.platformCost)} platform`,
      upIsGood: false,
      formatChange: percentChange,
    },
    {
      key: "averageScore",
      label: "Avg score",
      value: summary.averageScore === null ? "—" : `${formatScore(summary.averageScore)} / 10`,
      detail: `${formatCount(summary.scoredCalls)} scored calls`,
      upIsGood: true,
      formatChange: scoreChange,
    },
    {
      key: "costPerCall",
      label: "Cost per call",
      value: t.costPerCall === null ? "—" : formatUsd(t.costPerCall),
      detail: t.costPerConnectedMinute === null ? null : `${formatUsd(t.costPerConnectedMinute)} per connected min`,
      upIsGood: false,
      formatChange: percentChange,
    },
  ];
}

function kpiDeltas(summary: Summary, kpi: Kpi): DeltaView[] {
  const views: DeltaView[] = [];
  for (const comparison of [summary.comparison.previousDay, summary.comparison.sameWeekdayLastWeek]) {
    if (!comparison) continue;
    const delta = kpi.key === "costPerCall" ? costPerCallDelta(comparison.deltas) : comparison.deltas[kpi.key];
    const view = describeDelta(kpi, delta, comparison.date);
    if (view) views.push(view);
  }
  return views;
}

// ─── Shared facts for both parts ─────────────────────────────────────────────────────────

interface Bar {
  label: string;
  count: number;
  share: number;
}

const MAX_BARS = 6;
const TOP_GROUPS = 5;

/** The largest values first; the tail folded into one "other" bar so the chart stays short. */
function bars(counts: Counts): Bar[] {
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

function filterNotes(summary: Summary): string[] {
  const f = summary.filters;
  const notes: string[] = [];
  if (f.assistantId !== null) notes.push(`assistant #${f.assistantId}`);
  if (f.campaignId !== null) notes.push(`campaign #${f.campaignId}`);
  if (f.type !== null) notes.push(`type ${cleanText(f.type)}`);
  if (f.status !== null) notes.push(`status ${cleanText(f.status)}`);
  return notes;
}

interface WorkbookFacts {
  /** One sentence about the workbook: attached, where to download it, until when. */
  sentence: string;
  url: string | null;
  validity: string | null;
}

const LINKABLE_PROTOCOLS = new Set(["https:", "http:", "file:"]);

function workbookFacts(input: RenderEmailInput): WorkbookFacts {
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

function subjectLine(summary: Summary, environment: string | null): string {
  const tag = environment ? `[${environment}] ` : "";
  const partial = partialDayLabel(summary);
  const day = `${formatDay(summary.date)}${partial ? ` — ${partial}` : ""}`;
  if (isEmptyDay(summary)) return `${tag}Calls report — ${day} — no calls`;
  const t = summary.totals;
  const calls = `${formatCount(t.calls)} call${t.calls === 1 ? "" : "s"}`;
  return `${tag}Calls report — ${day} — ${calls} · ${formatTalkTime(t.durationSeconds)} talk · ${formatUsd(t.totalCost)}`;
}

// ─── HTML ────────────────────────────────────────────────────────────────────────────────

// Mid-tone colours that read on white and survive the colour inversion of dark-mode clients.
const COLOR = {
  page: "#eef1f5",
  card: "#ffffff",
  text: "#1f2933",
  muted: "#5f6b7a",
  rule: "#dde3ea",
  bar: "#3b6fd8",
  barTrack: "#e6ecf5",
  good: "#1a7f37",
  bad: "#c62828",
  neutral: "#5f6b7a",
  banner: "#fff4cc",
  bannerText: "#6b4e00",
  button: "#2457c5",
  emptyHour: "#edf0f4",
} as const;
const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/** 24 shades from light to the bar colour; hours without calls stay grey. */
function hourShade(count: number, max: number): string {
  if (count === 0 || max === 0) return COLOR.emptyHour;
  const strength = 0.15 + 0.85 * (count / max);
  const light = [0xdc, 0xe6, 0xf7];
  const dark = [0x1d, 0x3f, 0x9e];
  const channel = (i: number) =>
    Math.round((light[i] ?? 0) + ((dark[i] ?? 0) - (light[i] ?? 0)) * strength)
      .toString(16)
      .padStart(2, "0");
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

function sectionTitle(title: string): SafeHtml {
  return html`<tr><td class="cr-text" style="padding:20px 24px 6px;font-family:${FONT};font-size:15px;font-weight:600;color:${COLOR.text};">${title}</td></tr>`;
}

function deltaMarkup(view: DeltaView): SafeHtml {
  const color = COLOR[view.tone];
  return html`<div class="cr-${view.tone}" style="font-size:12px;line-height:16px;color:${color};">${view.arrow} ${view.text} <span class="cr-muted" style="color:${COLOR.muted};white-space:nowrap;">${view.against}</span></div>`;
}

function kpiTiles(summary: Summary): SafeHtml {
  // Inline-block tiles wrap by themselves: three to a row at 600 px, two at 375 px. Outlook
  // (Word engine) ignores max-width, so it gets a fixed table through conditional comments.
  const tiles = headlineKpis(summary).map((kpi, index) => {
    const msoRowBreak = index === 3 ? html`<!--[if mso]></td></tr><tr><td width="184" valign="top"><![endif]-->` : "";
    const msoCell = index > 0 && index !== 3 ? html`<!--[if mso]></td><td width="184" valign="top"><![endif]-->` : "";
    return html`${msoRowBreak}${msoCell}<div class="cr-tile" style="display:inline-block;width:100%;max-width:168px;vertical-align:top;margin:0 4px 8px;text-align:left;">
<table role="presentation" class="cr-rule" width="100%" cellpadding="0" cellspacing="0" border="0" style="border:1px solid ${COLOR.rule};border-radius:6px;"><tr><td style="padding:10px 12px;font-family:${FONT};">
<div class="cr-muted" style="font-size:12px;line-height:16px;color:${COLOR.muted};text-transform:uppercase;letter-spacing:0.04em;">${kpi.label}</div>
<div class="cr-text" style="font-size:22px;line-height:28px;font-weight:700;color:${COLOR.text};">${kpi.value}</div>
${kpi.detail ? html`<div class="cr-muted" style="font-size:12px;line-height:16px;color:${COLOR.muted};">${kpi.detail}</div>` : ""}
${kpiDeltas(summary, kpi).map(deltaMarkup)}
</td></tr></table></div>`;
  });
  return html`<tr><td align="center" style="padding:8px 20px 4px;font-size:0;">
<!--[if mso]><table role="presentation" width="552" cellpadding="0" cellspacing="0"><tr><td width="184" valign="top"><![endif]-->
${tiles}
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>`;
}

function barChart(title: string, counts: Counts): SafeHtml {
  const rows = bars(counts);
  if (rows.length === 0) return html``;
  const max = Math.max(...rows.map((row) => row.share));
  return html`${sectionTitle(title)}<tr><td style="padding:0 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-family:${FONT};font-size:13px;color:${COLOR.text};">
${rows.map((row) => {
  // Bars are scaled to the largest value so the chart uses its full width.
  const width = Math.max(1, Math.round((row.share / max) * 100));
  return html`<tr>
<td class="cr-text" width="34%" style="padding:3px 8px 3px 0;word-break:break-word;color:${COLOR.text};">${row.label}</td>
<td style="padding:3px 0;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td width="${width}%" style="background-color:${COLOR.bar};height:12px;font-size:0;line-height:0;border-radius:2px;">&nbsp;</td>
${width < 100 ? html`<td style="font-size:0;line-height:0;">&nbsp;</td>` : ""}
</tr></table></td>
<td class="cr-muted" width="96" align="right" style="padding:3px 0 3px 8px;white-space:nowrap;color:${COLOR.muted};">${formatCount(row.count)} · ${formatPercent(row.share)}</td>
</tr>`;
})}
</table></td></tr>`;
}

function hourlyStrip(summary: Summary): SafeHtml {
  const max = Math.max(0, ...summary.hourly);
  const cells = summary.hourly.map(
    (count, hour) =>
      html`<td class="${count === 0 ? "cr-hour cr-hour-empty" : "cr-hour"}" title="${String(hour).padStart(2, "0")}:00 — ${formatCount(count)} calls" width="4%" style="background-color:${hourShade(count, max)};height:28px;font-size:0;line-height:0;border-right:1px solid ${COLOR.card};">&nbsp;</td>`,
  );
  const labels = [0, 3, 6, 9, 12, 15, 18, 21].map(
    (hour) =>
      html`<td colspan="3" class="cr-muted" style="font-family:${FONT};font-size:11px;color:${COLOR.muted};padding-top:3px;">${String(hour).padStart(2, "0")}</td>`,
  );
  const busiest = busiestHour(summary);
  return html`${sectionTitle(`Activity by hour (${summary.timezone})`)}<tr><td style="padding:0 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:fixed;"><tr>${cells}</tr><tr>${labels}</tr></table>
${busiest ? html`<div class="cr-muted" style="font-family:${FONT};font-size:12px;color:${COLOR.muted};padding-top:4px;">${busiest}</div>` : ""}
</td></tr>`;
}

function busiestHour(summary: Summary): string | null {
  const max = Math.max(0, ...summary.hourly);
  if (max === 0) return null;
  const hour = summary.hourly.indexOf(max);
  const pad = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  return `Busiest hour ${pad(hour)}–${pad(hour + 1)}: ${formatCount(max)} calls`;
}

function groupRowFacts(group: GroupStats) {
  const connected = share(group.connectedCalls, group.calls);
  return {
    name: cleanText(group.name) || "(blank)",
    calls: formatCount(group.calls),
    connected: connected === null ? "—" : formatPercent(connected),
    cost: formatUsd(group.totalCost),
    score: group.averageScore === null ? "—" : formatScore(group.averageScore),
  };
}

function groupTable(title: string, groups: GroupStats[]): SafeHtml {
  if (groups.length === 0) return html``;
  const shown = groups.slice(0, TOP_GROUPS);
  const more = groups.length - shown.length;
  const cell = `padding:5px 0 5px 8px;border-bottom:1px solid ${COLOR.rule};white-space:nowrap;`;
  const head = `padding:0 0 4px 8px;font-size:11px;text-transform:uppercase;color:${COLOR.muted};font-weight:600;`;
  return html`${sectionTitle(title)}<tr><td style="padding:0 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-family:${FONT};font-size:13px;color:${COLOR.text};">
<tr><td class="cr-muted" style="${head}padding-left:0;">Name</td><td class="cr-muted" align="right" style="${head}">Calls</td><td class="cr-muted" align="right" style="${head}">Connected</td><td class="cr-muted" align="right" style="${head}">Cost</td><td class="cr-muted" align="right" style="${head}">Score</td></tr>
${shown.map((group) => {
  const row = groupRowFacts(group);
  return html`<tr><td class="cr-text cr-rule" width="40%" style="padding:5px 0;border-bottom:1px solid ${COLOR.rule};word-break:break-word;color:${COLOR.text};">${row.name}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.calls}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.connected}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.cost}</td><td class="cr-text cr-rule" align="right" style="${cell}">${row.score}</td></tr>`;
})}
</table>
${more > 0 ? html`<div class="cr-muted" style="font-family:${FONT};font-size:12px;color:${COLOR.muted};padding-top:4px;">and ${formatCount(more)} more in the workbook</div>` : ""}
</td></tr>`;
}

function workbookBlock(facts: WorkbookFacts): SafeHtml {
  const button = facts.url
    ? html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin-top:10px;"><tr><td style="border-radius:6px;background-color:${COLOR.button};"><a href="${facts.url}" target="_blank" style="display:inline-block;padding:10px 18px;font-family:${FONT};font-size:14px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;">Download the workbook</a></td></tr></table>`
    : "";
  const validity = facts.validity
    ? html`<div class="cr-muted" style="font-size:12px;color:${COLOR.muted};padding-top:6px;">Link ${facts.validity}.</div>`
    : "";
  return html`<tr><td class="cr-text" style="padding:12px 24px 4px;font-family:${FONT};font-size:14px;line-height:20px;color:${COLOR.text};">${facts.sentence}${button}${validity}</td></tr>`;
}

function renderHtml(input: RenderEmailInput, subject: string, environment: string | null): string {
  const { summary } = input;
  const empty = isEmptyDay(summary);
  const day = formatDay(summary.date);
  const quality = dataQualityNotes(summary);
  const filters = filterNotes(summary);
  const facts = workbookFacts(input);
  const t = summary.totals;
  const preheader = empty
    ? `No calls on ${day}.`
    : `${formatCount(t.calls)} calls · ${t.connectRate === null ? "" : `${formatPercent(t.connectRate)} connected · `}${formatUsd(t.totalCost)}`;
  const previous = summary.comparison.previousDay;
  const previousCalls = previous?.deltas.calls.previous ?? null;

  const body = empty
    ? html`<tr><td class="cr-text" style="padding:16px 24px 4px;font-family:${FONT};font-size:16px;line-height:24px;color:${COLOR.text};">No calls on ${day} (${summary.timezone}).${
        previous && previousCalls !== null
          ? html` <span class="cr-muted" style="color:${COLOR.muted};">${formatDay(previous.date)} had ${formatCount(previousCalls)} calls.</span>`
          : ""
      }</td></tr>
${workbookBlock(facts)}`
    : html`${kpiTiles(summary)}
${workbookBlock(facts)}
${barChart("Outcomes", summary.byOutcome)}
${barChart("Call status", summary.byStatus)}
${hourlyStrip(summary)}
${groupTable("Top assistants", summary.assistants)}
${groupTable("Top campaigns", summary.campaigns)}`;

  const document = html`<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${subject}</title>
<style>
:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media (prefers-color-scheme: dark) {
  .cr-page { background-color: #14171c !important; }
  .cr-card { background-color: #1e232b !important; }
  .cr-text { color: #e8ecf1 !important; }
  .cr-muted { color: #a9b4c2 !important; }
  .cr-rule { border-color: #3a4350 !important; }
  .cr-hour { border-color: #1e232b !important; }
  .cr-hour-empty { background-color: #2a313b !important; }
  .cr-good { color: #4cc76a !important; }
  .cr-bad { color: #ff7b72 !important; }
}
@media only screen and (max-width: 420px) {
  .cr-tile { max-width: 46% !important; margin: 0 1% 8px !important; }
}
</style>
</head>
<body class="cr-page" style="margin:0;padding:0;background-color:${COLOR.page};-webkit-text-size-adjust:100%;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${preheader}</div>
<table role="presentation" class="cr-page" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${COLOR.page};">
<tr><td align="center" style="padding:16px 8px;">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table role="presentation" class="cr-card" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:${COLOR.card};border-radius:8px;">
${
  environment
    ? html`<tr><td style="padding:8px 24px;background-color:${COLOR.banner};color:${COLOR.bannerText};font-family:${FONT};font-size:13px;font-weight:600;border-radius:8px 8px 0 0;">Environment: ${environment} — not the production report</td></tr>`
    : ""
}
<tr><td style="padding:20px 24px 4px;font-family:${FONT};">
<div class="cr-muted" style="font-size:13px;color:${COLOR.muted};">Calls report</div>
<h1 class="cr-text" style="margin:2px 0 0;font-size:22px;line-height:28px;color:${COLOR.text};">${day}</h1>
${filters.length > 0 ? html`<div class="cr-muted" style="font-size:12px;color:${COLOR.muted};padding-top:2px;">Filtered to ${filters.join(", ")}</div>` : ""}
</td></tr>
${body}
${
  quality.length > 0
    ? html`<tr><td class="cr-muted" style="padding:16px 24px 0;font-family:${FONT};font-size:12px;line-height:18px;color:${COLOR.muted};"><strong>Data quality:</strong> ${quality.join("; ")}.</td></tr>`
    : ""
}
<tr><td class="cr-muted cr-rule" style="padding:20px 24px 20px;font-family:${FONT};font-size:11px;line-height:16px;color:${COLOR.muted};border-top:1px solid ${COLOR.rule};">
Times are in ${summary.timezone}. Generated ${formatInstant(new Date(summary.generatedAt), summary.timezone)}.${environment ? ` Environment: ${environment}.` : ""}
</td></tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>
</table>
</body>
</html>`;
  return document.markup;
}

// ─── Plain text ──────────────────────────────────────────────────────────────────────────

const SPARKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) =>
      value === 0 || max === 0 ? " " : SPARKS[Math.min(SPARKS.length - 1, Math.floor((value / max) * SPARKS.length))],
    )
    .join("");
}

function renderText(input: RenderEmailInput, environment: string | null): string {
  const { summary } = input;
  const day = formatDay(summary.date);
  const lines: string[] = [];
  if (environment) lines.push(`Environment: ${environment} — not the production report`, "");
  lines.push(`Calls report — ${day} (${summary.timezone})`);
  const filters = filterNotes(summary);
  if (filters.length > 0) lines.push(`Filtered to ${filters.join(", ")}`);
  lines.push("");
  const facts = workbookFacts(input);

  if (isEmptyDay(summary)) {
    const previous = summary.comparison.previousDay;
    const previousCalls = previous?.deltas.calls.previous ?? null;
    lines.push(`No calls on ${day}.`);
    if (previous && previousCalls !== null)
      lines.push(`${formatDay(previous.date)} had ${formatCount(previousCalls)} calls.`);
    lines.push("");
  } else {
    for (const kpi of headlineKpis(summary)) {
      const deltas = kpiDeltas(summary, kpi).map((view) => `${view.arrow} ${view.text} ${view.against}`);
      const detail = kpi.detail ? ` (${kpi.detail})` : "";
      lines.push(`${kpi.label.padEnd(14)} ${kpi.value}${detail}`);
      if (deltas.length > 0) lines.push(`${"".padEnd(14)} ${deltas.join(" · ")}`);
    }
    lines.push("");
  }

  lines.push(facts.sentence);
  if (facts.url) lines.push(facts.url);
  if (facts.validity) lines.push(`The link is ${facts.validity}.`);
  lines.push("");

  if (!isEmptyDay(summary)) {
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
      if (groups.length > TOP_GROUPS)
        lines.push(`  and ${formatCount(groups.length - TOP_GROUPS)} more in the workbook`);
      lines.push("");
    }
  }

  const quality = dataQualityNotes(summary);
  if (quality.length > 0) lines.push(`Data quality: ${quality.join("; ")}.`, "");
  lines.push(
    "--",
    `Times are in ${summary.timezone}. Generated ${formatInstant(new Date(summary.generatedAt), summary.timezone)}.`,
  );
  return `${lines.join("\n")}\n`;
}

export function renderEmail(input: RenderEmailInput): RenderedEmail {
  const environment = environmentLabel(input.environment);
  const subject = subjectLine(input.summary, environment);
  return { subject, html: renderHtml(input, subject, environment), text: renderText(input, environment) };
}
