/**
 * Where the client's requests go: the endpoint from the configured base URL, and each page's
 * address. Page URLs are always built from the configured base, never taken from
 * `next_page_url`, so the token cannot be sent to another host or over plain http.
 */
import type { CallsQuery } from "../ports.js";
import { AutocallsError } from "./errors.js";

/** `${baseUrl}/user/calls`, after checking that the base is a plain http(s) address. */
export function callsEndpoint(baseUrl: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch (error) {
    throw new AutocallsError(
      `The Autocalls base URL "${baseUrl}" is not a URL — set AUTOCALLS_BASE_URL like https://app.autocalls.ai/api.`,
      { cause: error },
    );
  }
  if ((base.protocol !== "https:" && base.protocol !== "http:") || base.username || base.password || base.search) {
    throw new AutocallsError(
      `The Autocalls base URL "${base.origin}${base.pathname}" must be a plain http(s) address without credentials or query — set AUTOCALLS_BASE_URL like https://app.autocalls.ai/api.`,
    );
  }
  return new URL(`${base.pathname.replace(/\/+$/, "")}/user/calls`, base.origin);
}

export function callsPageUrl(endpoint: URL, query: CallsQuery, perPage: number, page: number): URL {
  const url = new URL(endpoint);
  const params = url.searchParams;
  params.set("date_from", query.dateFrom);
  params.set("date_to", query.dateTo);
  if (query.assistantId !== undefined) params.set("assistant_id", idParam(query.assistantId, "assistant id"));
  if (query.campaignId !== undefined) params.set("campaign_id", idParam(query.campaignId, "campaign id"));
  if (query.type !== undefined) params.set("type", query.type);
  if (query.status !== undefined) params.set("status", query.status);
  params.set("per_page", String(perPage));
  params.set("page", String(page));
  return url;
}

/** String(1e23) is "1e+23": an id the API would misread or reject. */
function idParam(id: number, name: string): string {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new AutocallsError(
      `The ${name} ${id} is not a whole number from 1 to ${Number.MAX_SAFE_INTEGER} — fix the ${name} filter.`,
    );
  }
  return String(id);
}
