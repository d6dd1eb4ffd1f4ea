/**
 * The pages the link endpoint answers with (lambda/link-endpoint.ts): the archive of past
 * reports and one short page per refusal. Plain data in, an HTML string out. Web pages, not
 * email: a `<style>` element in the page (no stylesheet to fetch, no JavaScript), readable at
 * 375 px, in the email's colours and fonts (email-html.ts) so that the two read as one product.
 */
import { formatCount, formatInstant, formatPercent, formatSpan, formatUsd } from "./email-format.js";
import { formatDay } from "./format.js";
import { html, SafeHtml } from "./html-markup.js";

/** What every page says about the stage it belongs to. */
export interface PageContext {
  /** The stage's banner label (`environmentLabel`); null on prod. */
  environment: string | null;
  /** How many days reports are kept before retention deletes them; null when the endpoint was not told. */
  retentionDays: number | null;
  /** How long the links in the daily email stay valid, in days. */
  linkExpiryDays: number;
}

/** One stored report day as its summary tells it. */
export interface ArchiveDay {
  /** The report day, `YYYY-MM-DD`. */
  date: string;
  calls: number;
  connectRate: number | null;
  totalCost: number;
}

/** An archive row: the day and its signed download links (relative to the archive page). */
export interface ArchiveRow extends ArchiveDay {
  workbookHref: string;
  summaryHref: string;
}

/** What a report link opens, read from its object key: `…/calls-report-2025-08-04.xlsx`. */
export interface ReportFile {
  fileName: string;
  /** The report day in the file name; null for a file named otherwise. */
  date: string | null;
  kind: "workbook" | "summary" | "file";
}

export function reportFileOf(key: string): ReportFile {
  const fileName = key.slice(key.lastIndexOf("/") + 1);
  const date = /(\d{4}-\d{2}-\d{2})/.exec(fileName)?.[1] ?? null;
  const kind = fileName.startsWith("calls-report-") ? "workbook" : fileName.startsWith("summary-") ? "summary" : "file";
  return { fileName, date, kind };
}

// The email's palette and font stack (email-html.ts).
const COLOR = {
  page: "#eef1f5",
  card: "#ffffff",
  text: "#1f2933",
  muted: "#5f6b7a",
  rule: "#dde3ea",
  banner: "#fff4cc",
  bannerText: "#6b4e00",
  button: "#2457c5",
  bad: "#c62828",
} as const;
const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

const STYLE = new SafeHtml(`
:root { color-scheme: light dark; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 8px; background: ${COLOR.page}; color: ${COLOR.text}; font-family: ${FONT}; -webkit-text-size-adjust: 100%; }
main { max-width: 600px; margin: 0 auto; background: ${COLOR.card}; border-radius: 8px; overflow: hidden; }
main.wide { max-width: 760px; }
.banner { padding: 8px 24px; background: ${COLOR.banner}; color: ${COLOR.bannerText}; font-size: 13px; font-weight: 600; }
header { padding: 20px 24px 4px; }
.eyebrow { font-size: 13px; color: ${COLOR.muted}; }
h1 { margin: 2px 0 0; font-size: 22px; line-height: 28px; }
.status { color: ${COLOR.bad}; }
.content { padding: 12px 24px 4px; font-size: 15px; line-height: 22px; }
.content p { margin: 0 0 12px; }
.muted { color: ${COLOR.muted}; }
a { color: ${COLOR.button}; }
a.file { display: inline-block; margin: 2px 0 2px 6px; padding: 5px 10px; border: 1px solid ${COLOR.button}; border-radius: 6px; font-size: 13px; font-weight: 600; text-decoration: none; white-space: nowrap; }
a.file.primary { background: ${COLOR.button}; color: #ffffff; }
table { width: 100%; border-collapse: collapse; font-size: 14px; margin: 4px 0 12px; }
th { padding: 0 0 6px 10px; border-bottom: 1px solid ${COLOR.rule}; color: ${COLOR.muted}; font-size: 11px; font-weight: 600; text-align: right; text-transform: uppercase; letter-spacing: 0.04em; }
td { padding: 8px 0 8px 10px; border-bottom: 1px solid ${COLOR.rule}; text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
th:first-child, td.day { padding-left: 0; text-align: left; }
td.day { font-weight: 600; }
footer { margin-top: 8px; padding: 16px 24px 20px; border-top: 1px solid ${COLOR.rule}; color: ${COLOR.muted}; font-size: 12px; line-height: 18px; }
@media (prefers-color-scheme: dark) {
  body { background: #14171c; color: #e8ecf1; }
  main { background: #1e232b; }
  .eyebrow, .muted, th, footer { color: #a9b4c2; }
  th, td, footer { border-color: #3a4350; }
  a { color: #8fb0ff; }
  a.file { border-color: #8fb0ff; }
  a.file.primary { background: #2f62d0; border-color: #2f62d0; color: #ffffff; }
  .status { color: #ff7b72; }
}
@media (max-width: 560px) {
  thead { display: none; }
  table, tbody { display: block; }
  tr { display: grid; grid-template-columns: repeat(3, 1fr); padding: 12px 0; border-bottom: 1px solid ${COLOR.rule}; }
  td { padding: 2px 8px 2px 0; border: 0; text-align: left; }
  td.day, td.links { grid-column: 1 / -1; }
  td.day { padding-bottom: 6px; font-size: 15px; }
  td[data-label]::before { content: attr(data-label); display: block; color: ${COLOR.muted}; font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; }
  td.links { padding-top: 8px; }
  td.links a.file:first-child { margin-left: 0; }
}
}`);

function retentionPhrase(context: PageContext): string {
  return context.retentionDays === null
    ? "for the retention period of this stage"
    : `for ${formatCount(context.retentionDays)} days`;
}

function page(
  title: string,
  context: PageContext,
  content: SafeHtml,
  options: { status?: string; wide?: boolean; retentionSaid?: boolean } = {},
): string {
  const banner = context.environment
    ? html`<div class="banner">Environment: ${context.environment} — not the production report</div>`
    : "";
  // The retention in the footer, unless the page's own text just said it.
  const footer = [
    ...(options.retentionSaid ? [] : [`Reports are kept ${retentionPhrase(context)}, then deleted.`]),
    ...(context.environment ? [`Environment: ${context.environment}.`] : []),
  ];
  const heading = options.status ? html`<span class="status">${options.status}</span> ${title}` : html`${title}`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<title>${title} — Calls report</title>
<style>${STYLE}</style>
</head>
<body>
<main class="${options.wide ? "wide" : ""}">
${banner}
<header>
<div class="eyebrow">Calls report${context.environment ? ` · ${context.environment}` : ""}</div>
<h1>${heading}</h1>
</header>
<div class="content">
${content}
</div>
${footer.length > 0 ? html`<footer>${footer.join(" ")}</footer>` : ""}
</main>
</body>
</html>
`.markup;
}

/** "on Wed 3 Sep 2025 14:00 UTC (3 days ago)" */
function whenExpired(expiredAt: Date, now: Date): string {
  const ago = now.getTime() - expiredAt.getTime() < 60_000 ? "moments ago" : `${formatSpan(expiredAt, now)} ago`;
  return `on ${formatInstant(expiredAt, "UTC")} (${ago})`;
}

function fileLabel(file: ReportFile): string {
  const what = file.kind === "workbook" ? "the workbook" : file.kind === "summary" ? "the summary" : file.fileName;
  return file.date ? `${what} for ${formatDay(file.date)}` : what;
}

function freshLink(context: PageContext): SafeHtml {
  return html`<p>For a fresh link, open the most recent daily report email — its links work for ${formatCount(context.linkExpiryDays)} days, and the archive link at its foot lists every stored day — or ask the team that sends the report.</p>`;
}

export interface ArchivePageInput {
  /** Newest first. */
  rows: ArchiveRow[];
  /** At most this many days are listed. */
  maxDays: number;
  /** When the page's links (and the link that opened it) stop working. */
  linksExpireAt: Date;
  now: Date;
}

/** The archive: one row a stored day, newest first, with its workbook and summary links. */
export function archivePage(input: ArchivePageInput, context: PageContext): string {
  const { rows } = input;
  const scope =
    rows.length === 0
      ? html`<p>No reports are stored for this stage yet.</p>`
      : html`<p>${rows.length < input.maxDays ? `All ${formatCount(rows.length)} report days stored` : `The last ${formatCount(input.maxDays)} report days`} for this stage, newest first.</p>`;
  const validity = html`<p class="muted">The links on this page work until ${formatInstant(input.linksExpireAt, "UTC")} (in ${formatSpan(input.now, input.linksExpireAt)}).</p>`;
  const table =
    rows.length === 0
      ? ""
      : html`<table>
<thead><tr><th scope="col">Day</th><th scope="col">Calls</th><th scope="col">Connected</th><th scope="col">Total cost</th><th scope="col">Download</th></tr></thead>
<tbody>
${rows.map(
  (row) => html`<tr>
<td class="day">${formatDay(row.date)}</td>
<td data-label="Calls">${formatCount(row.calls)}</td>
<td data-label="Connected">${row.connectRate === null ? "—" : formatPercent(row.connectRate)}</td>
<td data-label="Cost">${formatUsd(row.totalCost)}</td>
<td class="links"><a class="file primary" href="${row.workbookHref}" download>Workbook</a><a class="file" href="${row.summaryHref}" download>Summary JSON</a></td>
</tr>
`,
)}</tbody>
</table>`;
  return page("Archive", context, html`${scope}${table}${validity}`, { wide: true });
}

export interface ExpiredPageInput {
  /** The file the link opened, or null for the archive link. */
  file: ReportFile | null;
  expiredAt: Date;
  now: Date;
  /** Whether the report is still in the bucket; null when it could not be told. */
  stillStored: boolean | null;
}

/** 410: when the link expired, that the report itself is still stored, and how to get a fresh link. */
export function linkExpiredPage(input: ExpiredPageInput, context: PageContext): string {
  const what = input.file ? fileLabel(input.file) : "the report archive";
  const stored =
    input.file === null
      ? html`<p>The reports themselves are still stored: they are kept ${retentionPhrase(context)}. Only this link has run out.</p>`
      : input.stillStored === false
        ? html`<p>The report itself is no longer stored either: reports are kept ${retentionPhrase(context)}, then deleted.</p>`
        : html`<p>The report itself is still stored: reports are kept ${retentionPhrase(context)}. Only this link has run out.</p>`;
  return page(
    "This link has expired",
    context,
    html`<p>The link to ${what} expired ${whenExpired(input.expiredAt, input.now)}.</p>${stored}${freshLink(context)}`,
    { status: "410", retentionSaid: true },
  );
}

/** 403: tampered, unsigned or pointing outside the stage's reports — the page does not say which. */
export function linkRefusedPage(context: PageContext): string {
  return page(
    "This link is not valid",
    context,
    html`<p>This link was changed or cut short on its way here, so it does not open anything. Some mail programs break long links in two: click the link in the email rather than copying it.</p>${freshLink(context)}`,
    { status: "403" },
  );
}

/** 404 for a signed link whose report retention has since deleted. */
export function reportDeletedPage(file: ReportFile, context: PageContext): string {
  return page(
    "This report is no longer stored",
    context,
    html`<p>${capitalize(fileLabel(file))} has been deleted: reports are kept ${retentionPhrase(context)}, then removed automatically. It cannot be downloaded any more.</p><p>More recent days are in the archive linked from the daily report email.</p>`,
    { status: "404", retentionSaid: true },
  );
}

/** 404 for an address the endpoint does not serve. */
export function notFoundPage(context: PageContext): string {
  return page(
    "Nothing here",
    context,
    html`<p>There is nothing at this address. Download and archive links come in the daily report email.</p>`,
    { status: "404" },
  );
}

/** 405 for anything but GET and HEAD. */
export function methodNotAllowedPage(method: string, context: PageContext): string {
  return page(
    "Method not allowed",
    context,
    html`<p>Download links are opened, not sent to: this address answers GET and HEAD requests only, not ${method}.</p>`,
    { status: "405" },
  );
}

/** 500 when S3 or the signing key cannot be read. */
export function serverErrorPage(context: PageContext): string {
  return page(
    "Something went wrong",
    context,
    html`<p>The link could not be answered just now. Try again in a minute; if it keeps happening, tell the team that sends the report.</p>`,
    { status: "500" },
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
