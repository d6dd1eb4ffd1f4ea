/** The HTTP client alone: drains one day's calls and reports how the fetch went. */
import { AutocallsClient } from "../../lambda/autocalls/client.js";

export interface FetchArgs {
  baseUrl: string;
  token: string;
  date: string;
  concurrency: number;
  perPage: number;
}

export interface FetchMeasurement {
  wallMs: number;
  calls: number;
  pages: number;
  requests: number;
  retries: number;
  rateLimited: number;
}

export async function measureFetch(args: FetchArgs): Promise<FetchMeasurement> {
  const client = new AutocallsClient({
    baseUrl: args.baseUrl,
    token: args.token,
    concurrency: args.concurrency,
    perPage: args.perPage,
  });
  const started = performance.now();
  const stream = client.fetchCalls({ dateFrom: args.date, dateTo: args.date });
  let calls = 0;
  for await (const _call of stream) calls++;
  const wallMs = performance.now() - started;
  const { pages, requests, retries, rateLimited } = stream.stats;
  return { wallMs, calls, pages, requests, retries, rateLimited };
}
