/**
 * The frame every report email's HTML part shares — head and colour schemes, preheader, the
 * environment banner, the heading, the data-quality note and the footer — around a body the
 * day's (email-html.ts) or a period's (email-period-html.ts) email supplies.
 */
import { formatInstant } from "./email-format.js";
import { COLOR, FONT } from "./email-style.js";
import { html, type SafeHtml } from "./html-markup.js";
import type { Summary } from "./summary.js";

export interface EmailPage {
  subject: string;
  /** The environment label (email-format.ts `environmentLabel`), null on prod. */
  environment: string | null;
  /** The line inboxes show after the subject. */
  preheader: string;
  /** The small line above the heading. */
  kicker: string;
  heading: string;
  filters: string[];
  body: SafeHtml;
  /** Plain-word notes about the numbers (data quality), each a clause: joined by "; ". */
  quality: string[];
  /** Whose clock the footer reads, and when the numbers were made. */
  summary: Pick<Summary, "timezone" | "generatedAt">;
  archive: { url: string; validity: string } | null;
  /** Dark-mode rules for classes only some emails use, one `  .cr-x { … }` line each. */
  darkModeRules?: string;
}

export function emailDocument(page: EmailPage): string {
  const { environment, filters, quality, summary, archive } = page;
  const document = html`<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${page.subject}</title>
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
${page.darkModeRules ?? ""}}
@media only screen and (max-width: 420px) {
  .cr-tile { max-width: 46% !important; margin: 0 1% 8px !important; }
}
</style>
</head>
<body class="cr-page" style="margin:0;padding:0;background-color:${COLOR.page};-webkit-text-size-adjust:100%;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${page.preheader}</div>
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
<div class="cr-muted" style="font-size:13px;color:${COLOR.muted};">${page.kicker}</div>
<h1 class="cr-text" style="margin:2px 0 0;font-size:22px;line-height:28px;color:${COLOR.text};">${page.heading}</h1>
${filters.length > 0 ? html`<div class="cr-muted" style="font-size:12px;color:${COLOR.muted};padding-top:2px;">Filtered to ${filters.join(", ")}</div>` : ""}
</td></tr>
${page.body}
${
  quality.length > 0
    ? html`<tr><td class="cr-muted" style="padding:16px 24px 0;font-family:${FONT};font-size:12px;line-height:18px;color:${COLOR.muted};"><strong>Data quality:</strong> ${quality.join("; ")}.</td></tr>`
    : ""
}
<tr><td class="cr-muted cr-rule" style="padding:20px 24px 20px;font-family:${FONT};font-size:11px;line-height:16px;color:${COLOR.muted};border-top:1px solid ${COLOR.rule};">
Times are in ${summary.timezone}. Generated ${formatInstant(new Date(summary.generatedAt), summary.timezone)}.${environment ? ` Environment: ${environment}.` : ""}${archive ? html`<br><a href="${archive.url}" target="_blank" style="color:${COLOR.muted};text-decoration:underline;">Past reports</a> (${archive.validity}).` : ""}
</td></tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>
</table>
</body>
</html>`;
  return document.markup;
}
