import { z } from "zod";
import { toCall } from "../report/api-record.js";
import type { Call } from "../report/call.js";
import { isRecord } from "../report/json-checks.js";

/**
 * One page of `GET /user/calls` (a Laravel length-aware paginator). Only what the client
 * relies on is validated; everything else is ignored, so new fields never break the fetch.
 * Each call is checked for `id` and `created_at` only (cheap at 100k calls); the other fields
 * are read tolerantly by `toCall`, where a wrong type degrades to null/0 instead of failing.
 */

// The reference documents `YYYY-MM-DD HH:MM:SS`; Laravel's ISO form (`…T…Z`) is accepted too,
// since parseApiTimestamp reads both.
const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/;

const callKeySchema = z.object({
  id: z.int({ error: "missing or not an integer" }),
  created_at: z.string({ error: "missing or not a string" }).regex(TIMESTAMP_PATTERN, {
    error: "not a YYYY-MM-DD HH:MM:SS timestamp",
  }),
});

const pageSchema = z.object({
  data: z.array(callKeySchema, { error: "missing or not an array" }),
  total: z.int({ error: "missing or not an integer" }).nonnegative(),
  last_page: z.int({ error: "missing or not an integer" }).nonnegative(),
  current_page: z.int().optional(),
});

export interface CallsPage {
  total: number;
  lastPage: number;
  currentPage: number | undefined;
  calls: Call[];
  /** The raw records the calls were mapped from, index for index. */
  records: Record<string, unknown>[];
}

export type CallsPageResult = { ok: true; page: CallsPage } | { ok: false; problem: string };

/** Validates a decoded JSON body and maps its calls; `problem` names the first bad field. */
export function parseCallsPage(body: unknown): CallsPageResult {
  if (isPlainValidPage(body)) return { ok: true, page: mapPage(body) };
  // Not the common shape: zod decides, and names the first bad field.
  const result = pageSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? z.core.toDotPath(issue.path) : "body";
    return { ok: false, problem: `${where}: ${issue?.message ?? "invalid"}${describeCall(body, issue?.path)}` };
  }
  return { ok: true, page: mapPage(body as RawPage) };
}

interface RawPage {
  data: Record<string, unknown>[];
  total: number;
  last_page: number;
  current_page?: number;
}

const isInt = (value: unknown): value is number => Number.isSafeInteger(value);

/**
 * The checks of `pageSchema`, written out for a page that passes them all: zod's walk over every
 * call of every page cost more than mapping the calls. Anything else goes to zod.
 */
function isPlainValidPage(body: unknown): body is RawPage {
  if (!isRecord(body)) return false;
  const { data, total, last_page: lastPage, current_page: currentPage } = body;
  if (!Array.isArray(data) || !isInt(total) || total < 0 || !isInt(lastPage) || lastPage < 0) return false;
  if (currentPage !== undefined && !isInt(currentPage)) return false;
  for (const call of data) {
    if (!isRecord(call) || !isInt(call.id)) return false;
    const createdAt = call.created_at;
    if (typeof createdAt !== "string" || !TIMESTAMP_PATTERN.test(createdAt)) return false;
  }
  return true;
}

/** The page's calls mapped from the raw objects, which hold every field (zod's output keeps only the keys). */
function mapPage(body: RawPage): CallsPage {
  const raw = body.data;
  const calls = new Array<Call>(raw.length);
  for (let index = 0; index < raw.length; index++) calls[index] = toCall(raw[index] as Record<string, unknown>);
  return { total: body.total, lastPage: body.last_page, currentPage: body.current_page, calls, records: raw };
}

/** Adds the call's id to a problem in `data[i]` so the error can be matched to the dashboard. */
function describeCall(body: unknown, path: PropertyKey[] | undefined): string {
  if (path?.[0] !== "data" || typeof path[1] !== "number") return "";
  const call = (body as { data: unknown[] }).data[path[1]];
  const id = isRecord(call) ? call.id : undefined;
  return typeof id === "number" || typeof id === "string" ? ` (call id ${id})` : "";
}

// The mapping lives with the domain (parts store records and map them back); tests reach it here too.
export { toCall } from "../report/api-record.js";
