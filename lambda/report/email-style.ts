/**
 * The email's palette, font stack and section title, shared by the day's and a period's HTML
 * parts and their day-bar charts, so that every email looks like one product.
 */
import { html, type SafeHtml } from "./html-markup.js";

// Mid-tone colours that read on white and survive the colour inversion of dark-mode clients.
export const COLOR = {
  page: "#eef1f5",
  card: "#ffffff",
  text: "#1f2933",
  muted: "#5f6b7a",
  rule: "#dde3ea",
  bar: "#3b6fd8",
  barTrack: "#e6ecf5",
  /** The other days' bars beside the report day's, which keeps `bar`. */
  barQuiet: "#9db7ea",
  good: "#1a7f37",
  bad: "#c62828",
  neutral: "#5f6b7a",
  banner: "#fff4cc",
  bannerText: "#6b4e00",
  button: "#2457c5",
  emptyHour: "#edf0f4",
} as const;
export const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

export function sectionTitle(title: string): SafeHtml {
  return html`<tr><td class="cr-text" style="padding:20px 24px 6px;font-family:${FONT};font-size:15px;font-weight:600;color:${COLOR.text};">${title}</td></tr>`;
}
