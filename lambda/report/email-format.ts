/** How the email writes numbers, durations, instants and names from the API. */
import { TZDate } from "@date-fns/tz";
import { format } from "date-fns/format";

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const usdFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const smallUsdFormat = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 3,
});

export const formatCount = (value: number): string => integerFormat.format(value);
export const formatUsd = (value: number): string => (Math.abs(value) < 1 ? smallUsdFormat : usdFormat).format(value);
export const formatPercent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
export const formatScore = (score: number): string => score.toFixed(1);

/** Talk time at a glance: `41 h`, `4.2 h`, `35 min`, `45 s`. */
export function formatTalkTime(durationSeconds: number): string {
  const hours = durationSeconds / 3600;
  if (hours >= 10) return `${formatCount(Math.round(hours))} h`;
  if (hours >= 1) return `${hours.toFixed(1)} h`;
  if (durationSeconds >= 60) return `${Math.round(durationSeconds / 60)} min`;
  return `${Math.round(durationSeconds)} s`;
}

/** `2:35` (minutes:seconds) for an average call. */
export function formatClock(durationSeconds: number): string {
  const rounded = Math.round(durationSeconds);
  return `${Math.floor(rounded / 60)}:${String(rounded % 60).padStart(2, "0")}`;
}

/** An instant on the report's wall clock: `Wed 5 Aug 2025 14:00 UTC` / `… 16:00 Europe/Berlin`. */
export function formatInstant(instant: Date, timezone: string): string {
  return `${format(new TZDate(instant.getTime(), timezone), "EEE d MMM yyyy HH:mm")} ${timezone}`;
}

/** `7 days`, `36 hours`, `45 minutes`: how long from `from` until `until`. */
export function formatSpan(from: Date, until: Date): string {
  const minutes = Math.max(0, Math.round((until.getTime() - from.getTime()) / 60_000));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (minutes >= 48 * 60) return plural(Math.round(minutes / (24 * 60)), "day");
  if (minutes >= 120) return plural(Math.round(minutes / 60), "hour");
  return plural(minutes, "minute");
}

/** Names come from the API: control characters (CR/LF, tabs) become spaces, runs collapse. */
export function cleanText(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
}

/** The environment tag for the subject and banner; null on prod or when unset. */
export function environmentLabel(environment: string | null): string | null {
  if (environment === null) return null;
  const label = cleanText(environment).slice(0, 32);
  return label === "" || label.toLowerCase() === "prod" ? null : label;
}
