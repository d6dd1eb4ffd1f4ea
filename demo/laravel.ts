/**
 * The Laravel conventions the Autocalls API shows its clients: request validation and its
 * messages, the length-aware paginator's `links`, and how page URLs carry the query string.
 */
import { CALL_STATUSES, CALL_TYPES, type CallFilter } from "./raw-call.js";

export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const INTEGER_PATTERN = /^[+-]?\d+$/;

export type Validated =
  | { filter: CallFilter; dateFrom: string | undefined; dateTo: string | undefined; perPage: number; page: number }
  | { message: string; errors: Record<string, string[]> };

/** Laravel's validator, for the rules the reference documents; messages as Laravel words them. */
export function validate(params: Record<string, string>): Validated {
  const errors: Record<string, string[]> = {};
  const fail = (field: string, message: string) => {
    errors[field] = [message];
  };
  // ConvertEmptyStringsToNull: `?status=` is the same as no status.
  const value = (name: string) => (params[name] === undefined || params[name] === "" ? undefined : params[name]);

  const status = value("status");
  if (status !== undefined && !(CALL_STATUSES as readonly string[]).includes(status)) {
    fail("status", "The selected status is invalid.");
  }
  const type = value("type");
  if (type !== undefined && !(CALL_TYPES as readonly string[]).includes(type)) {
    fail("type", "The selected type is invalid.");
  }
  const integerField = (name: string, label: string, min?: number, max?: number): number | undefined => {
    const raw = value(name);
    if (raw === undefined) return undefined;
    if (!INTEGER_PATTERN.test(raw)) {
      fail(name, `The ${label} field must be an integer.`);
      return undefined;
    }
    const parsed = Number(raw);
    if (min !== undefined && parsed < min) fail(name, `The ${label} field must be at least ${min}.`);
    else if (max !== undefined && parsed > max) fail(name, `The ${label} field must not be greater than ${max}.`);
    return parsed;
  };
  const assistantId = integerField("assistant_id", "assistant id");
  const campaignId = integerField("campaign_id", "campaign id");
  const dateField = (name: string, label: string): string | undefined => {
    const raw = value(name);
    if (raw === undefined) return undefined;
    if (!isCalendarDate(raw)) {
      fail(name, `The ${label} field must match the format Y-m-d.`);
      return undefined;
    }
    return raw;
  };
  const dateFrom = dateField("date_from", "date from");
  const dateTo = dateField("date_to", "date to");
  if (dateFrom !== undefined && dateTo !== undefined && dateTo < dateFrom) {
    fail("date_to", "The date to field must be a date after or equal to date from.");
  }
  const perPage = integerField("per_page", "per page", 1, 100);
  const page = integerField("page", "page", 1);

  const messages = Object.values(errors).flat();
  if (messages.length > 0) {
    const more = messages.length - 1;
    const suffix = more === 0 ? "" : ` (and ${more} more error${more === 1 ? "" : "s"})`;
    return { message: `${messages[0]}${suffix}`, errors };
  }
  return {
    filter: definedOnly({ status, type, phoneNumber: value("phone_number"), assistantId, campaignId }),
    dateFrom,
    dateTo,
    perPage: perPage ?? 15,
    page: page ?? 1,
  };
}

/**
 * Laravel's `links`: « Previous, the page window (every page up to 13 pages, otherwise the
 * start, a slider around the current page and the end, with "..." gaps), Next ».
 * https://github.com/laravel/framework/blob/11.x/src/Illuminate/Pagination/UrlWindow.php
 */
export function paginatorLinks(current: number, lastPage: number, pageUrl: (n: number) => string) {
  const onEachSide = 3;
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  let groups: number[][];
  if (lastPage < onEachSide * 2 + 8) {
    groups = [range(1, lastPage)];
  } else {
    const window = onEachSide + 4;
    const start = range(1, 2);
    const finish = range(lastPage - 1, lastPage);
    if (current <= window) groups = [range(1, window + onEachSide), finish];
    else if (current > lastPage - window) groups = [start, range(lastPage - (window + (onEachSide - 1)), lastPage)];
    else groups = [start, range(current - onEachSide, current + onEachSide), finish];
  }
  const links: { url: string | null; label: string; active: boolean }[] = [
    { url: current > 1 ? pageUrl(current - 1) : null, label: "« Previous", active: false },
  ];
  groups.forEach((group, i) => {
    if (i > 0) links.push({ url: null, label: "...", active: false });
    for (const n of group) links.push({ url: pageUrl(n), label: String(n), active: n === current });
  });
  links.push({ url: current < lastPage ? pageUrl(current + 1) : null, label: "Next »", active: false });
  return links;
}

/** The query Laravel's `withQueryString()` carries into page URLs: everything but `page`, empties dropped. */
export function carriedQuery(search: URLSearchParams): [string, string][] {
  const carried = new Map<string, string>();
  for (const [name, value] of search) {
    if (name === "page") continue;
    carried.set(name, value);
  }
  return [...carried].filter(([, value]) => value !== "");
}

/** PHP's `http_build_query(..., PHP_QUERY_RFC3986)`. */
export function buildQuery(pairs: [string, string][]): string {
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return pairs.map(([name, value]) => `${encode(name)}=${encode(value)}`).join("&");
}

export function lastValues(search: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of search) values[name] = value;
  return values;
}

export function looseInteger(raw: string | null): number | undefined {
  if (raw === null || !INTEGER_PATTERN.test(raw)) return undefined;
  return Number(raw);
}

export function isCalendarDate(text: string): boolean {
  if (!DATE_PATTERN.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/** Drops undefined values, so that optional filter fields are absent rather than undefined. */
export function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
