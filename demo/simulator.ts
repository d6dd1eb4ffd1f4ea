/**
 * A simulated Autocalls API: a real HTTP server on 127.0.0.1 that answers
 * `GET {baseUrl}/user/calls` the way /work/shared/autocalls-api.md describes — bearer auth,
 * Laravel validation errors, the length-aware paginator envelope, rate limiting, drift while
 * paging, and injectable faults. The CLI's `--demo`, the integration tests and the benchmark
 * all fetch through it. Product code for the demo, never part of the Lambda: nothing under
 * lambda/ may import it (test/lib/bundle.test.ts checks the bundle).
 *
 * Without date filters it serves the 7 API dates ending at `today` (the real API would page
 * through all history); with only `date_from`, up to `today` (or `date_from` itself when it is
 * later); with only `date_to`, the 7 dates ending there. Every date holds calls — future
 * dates included — so fixed-date tests do not depend on the clock.
 *
 * Rows are in instant order. `created_at` carries no offset, so on a fall-back day the
 * repeated hour's strings repeat too, exactly the ambiguity the real API leaves to clients.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { assertTimezone, localDate, shiftDate } from "../lambda/report/window.js";
import { CALL_STATUSES, CALL_TYPES, type CallFilter, type RawCall, SimulatedDataset } from "./simulated-calls.js";

export type { RawCall } from "./simulated-calls.js";
export {
  CALL_STATUSES,
  CALL_TYPES,
  SIMULATED_ASSISTANTS,
  SIMULATED_CAMPAIGNS,
  simulatedClientPhoneNumber,
} from "./simulated-calls.js";

export type Fault =
  /** An arbitrary status; the body defaults to Laravel's `{"message":"Server Error"}`. */
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** The proxy's HTML error page (default 502), `text/html`. */
  | { kind: "html"; status?: number }
  /** 429 `Too Many Attempts.`; `Retry-After` only when `retryAfterSeconds` is given. */
  | { kind: "rateLimit"; retryAfterSeconds?: number }
  /** Accepts the request and never answers, until the client aborts or the server closes. */
  | { kind: "hang" }
  /**
   * 200 `application/json` with only the first half of the page. By default Content-Length
   * matches the half (the client gets a complete response that is not valid JSON); with
   * `midStream` it announces the full length and the connection drops halfway.
   */
  | { kind: "truncate"; midStream?: boolean }
  /** Destroys the socket without an answer. */
  | { kind: "reset" };

export interface SimulatorRequest {
  /** 1-based counter over every request the server received. */
  n: number;
  /** The `page` query parameter (1 when absent or not a number). */
  page: number;
  url: URL;
}

export interface SimulatorOptions {
  /** Accepted bearer token, default "demo-token". */
  token?: string;
  /** Default 1; the same seed and options give byte-identical responses. */
  seed?: number;
  /** Calls created on each API date, default 240. */
  callsPerDay?: number | ((apiDate: string) => number);
  /** Zone of `created_at` strings and of `date_from`/`date_to`, default "UTC". */
  apiTimezone?: string;
  /** Delay before every answer, default 0. */
  latencyMs?: number;
  /**
   * Sliding 60 s window; beyond it 429 with `Retry-After`. Every answer past authentication
   * (200, 422, 429) carries `X-RateLimit-Limit` / `X-RateLimit-Remaining` when set.
   */
  rateLimitPerMinute?: number;
  /**
   * Awaited before answering (after `latencyMs`) when it returns a promise: a test holds answers
   * until an event — e.g. until some requests are open at once — instead of a delay it hopes is long enough.
   */
  holdAnswer?: (request: SimulatorRequest) => Promise<void> | undefined;
  /** Called for every authenticated request; a fault replaces the normal answer. */
  fault?: (request: SimulatorRequest) => Fault | undefined;
  /**
   * After request `afterRequest` has been answered, `insert` new calls (new ids) appear at
   * the head of `date` — by default the newest date that request asked for — shifting the
   * rows of every later page down, as paging a live table does.
   */
  drift?: { afterRequest: number; insert: number; date?: string };
  /** The newest API date, ending the default range; default: today in `apiTimezone`. */
  today?: string;
  /** Default 0: a free port. */
  port?: number;
}

export interface RequestRecord {
  n: number;
  path: string;
  /** Query parameters (the last value when one is repeated). */
  query: Record<string, string>;
  authorization: string | undefined;
  /** The status answered; 0 when the request was hung up or reset without an answer. */
  status: number;
  startedAt: number;
  endedAt: number;
}

export interface Simulator {
  /** E.g. `http://127.0.0.1:54321/api`; the client appends `/user/calls`. */
  baseUrl: string;
  /** Every request, in arrival order. */
  requests: RequestRecord[];
  /** Highest number of concurrently open requests seen. */
  readonly maxInFlight: number;
  /** The newest API date (end of the default range). */
  today: string;
  /** The calls the API would page through for `query`, in page order — ground truth for assertions. */
  callsFor(query: {
    dateFrom: string;
    dateTo: string;
    assistantId?: number;
    campaignId?: number;
    type?: string;
    status?: string;
    phoneNumber?: string;
  }): AsyncIterable<RawCall>;
  /** Closes the server, destroying hung and keep-alive sockets. */
  close(): Promise<void>;
}

const API_PREFIX = "/api";
const CALLS_PATH = `${API_PREFIX}/user/calls`;
const DEFAULT_RANGE_DAYS = 7;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER_PATTERN = /^[+-]?\d+$/;

const PROXY_PAGES: Record<number, string> = {
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
};

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const token = options.token ?? "demo-token";
  const apiTimezone = assertTimezone(options.apiTimezone ?? "UTC", "apiTimezone");
  const dataset = new SimulatedDataset({
    seed: options.seed ?? 1,
    callsPerDay: options.callsPerDay ?? 240,
    apiTimezone,
  });
  const today = options.today ?? localDate(new Date(), apiTimezone);
  if (!isCalendarDate(today)) throw new RangeError(`today "${today}" is not a calendar date — use YYYY-MM-DD.`);
  const latencyMs = options.latencyMs ?? 0;
  const rateLimit = options.rateLimitPerMinute;
  if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit < 1)) {
    throw new RangeError(`rateLimitPerMinute is ${rateLimit}; use a positive integer.`);
  }

  const drift = options.drift;
  if (drift && (!Number.isInteger(drift.insert) || drift.insert < 0 || !Number.isInteger(drift.afterRequest))) {
    throw new RangeError(
      `drift ${JSON.stringify(drift)} needs integer afterRequest and a non-negative integer insert.`,
    );
  }

  const requests: RequestRecord[] = [];
  const rateWindow: number[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;
  let closing = false;
  let origin = "";

  function rangeOf(dateFrom: string | undefined, dateTo: string | undefined): { dateFrom: string; dateTo: string } {
    if (dateFrom !== undefined && dateTo !== undefined) return { dateFrom, dateTo };
    if (dateFrom !== undefined) return { dateFrom, dateTo: dateFrom > today ? dateFrom : today };
    const end = dateTo ?? today;
    return { dateFrom: shiftDate(end, -(DEFAULT_RANGE_DAYS - 1)), dateTo: end };
  }

  /** Newest date first; within a date, highest index first. */
  function* plan(range: { dateFrom: string; dateTo: string }, filter: CallFilter) {
    for (let date = range.dateTo; date >= range.dateFrom; date = shiftDate(date, -1)) {
      const indexes = dataset.matching(date, filter);
      yield { date, indexes, count: indexes ? indexes.length : dataset.count(date) };
    }
  }

  function page(range: { dateFrom: string; dateTo: string }, filter: CallFilter, offset: number, limit: number) {
    const days = [...plan(range, filter)];
    const total = days.reduce((sum, day) => sum + day.count, 0);
    const calls: RawCall[] = [];
    let skip = offset;
    for (const day of days) {
      if (calls.length >= limit) break;
      if (skip >= day.count) {
        skip -= day.count;
        continue;
      }
      for (let position = skip; position < day.count && calls.length < limit; position++) {
        const index = day.indexes
          ? (day.indexes[day.indexes.length - 1 - position] as number)
          : day.count - 1 - position;
        calls.push(dataset.call(day.date, index));
      }
      skip = 0;
    }
    return { total, calls };
  }

  function rateLimitHeaders(remaining: number): Record<string, string> {
    return rateLimit === undefined
      ? {}
      : { "X-RateLimit-Limit": String(rateLimit), "X-RateLimit-Remaining": String(Math.max(0, remaining)) };
  }

  /** Counts the request in the sliding window; returns the seconds to wait when it is full. */
  function takeRateSlot(now: number): { retryAfterSeconds: number | null; remaining: number } {
    if (rateLimit === undefined) return { retryAfterSeconds: null, remaining: 0 };
    while (rateWindow.length > 0 && (rateWindow[0] as number) <= now - 60_000) rateWindow.shift();
    if (rateWindow.length >= rateLimit) {
      const freesAt = (rateWindow[0] as number) + 60_000;
      return { retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)), remaining: 0 };
    }
    rateWindow.push(now);
    return { retryAfterSeconds: null, remaining: rateLimit - rateWindow.length };
  }

  function send(
    res: ServerResponse,
    record: RequestRecord,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.destroyed || res.headersSent) return;
    const hasType = Object.keys(headers).some((name) => name.toLowerCase() === "content-type");
    const payload = Buffer.from(body, "utf8");
    record.status = status;
    res.writeHead(status, {
      ...(hasType ? {} : { "Content-Type": "application/json" }),
      ...headers,
      "Content-Length": String(payload.length),
    });
    res.end(payload);
  }

  function sendJson(
    res: ServerResponse,
    record: RequestRecord,
    status: number,
    body: unknown,
    headers?: Record<string, string>,
  ) {
    send(res, record, status, JSON.stringify(body), headers);
  }

  function applyFault(fault: Fault, res: ServerResponse, record: RequestRecord, answer: () => string | null): void {
    switch (fault.kind) {
      case "status":
        send(res, record, fault.status, fault.body ?? JSON.stringify({ message: "Server Error" }), fault.headers);
        return;
      case "html": {
        const status = fault.status ?? 502;
        const title = `${status} ${PROXY_PAGES[status] ?? "Error"}`;
        send(
          res,
          record,
          status,
          `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
          { "Content-Type": "text/html" },
        );
        return;
      }
      case "rateLimit":
        sendJson(
          res,
          record,
          429,
          { message: "Too Many Attempts." },
          {
            ...(fault.retryAfterSeconds === undefined ? {} : { "Retry-After": String(fault.retryAfterSeconds) }),
            ...rateLimitHeaders(0),
          },
        );
        return;
      case "hang":
        // Leave the response open; close() or the client's abort ends it.
        return;
      case "truncate": {
        const full = Buffer.from(answer() ?? JSON.stringify({ message: "Server Error" }), "utf8");
        const half = full.subarray(0, Math.floor(full.length / 2));
        record.status = 200;
        res.writeHead(200, {
          "Content-Type": "application/json",
          "Content-Length": String(fault.midStream ? full.length : half.length),
        });
        if (fault.midStream) {
          res.write(half, () => res.destroy());
        } else {
          res.end(half);
        }
        return;
      }
      case "reset": {
        const socket = res.socket;
        if (socket && "resetAndDestroy" in socket && typeof socket.resetAndDestroy === "function") {
          socket.resetAndDestroy();
        } else {
          socket?.destroy();
        }
        return;
      }
    }
  }

  /** The 200 page body for a validated request, or a 422 body. */
  function answerCalls(url: URL): { status: 200 | 422; body: string; dateTo: string | null } {
    const params = lastValues(url.searchParams);
    const validation = validate(params);
    if ("errors" in validation) {
      return { status: 422, body: JSON.stringify(validation), dateTo: null };
    }
    const { filter, perPage, page: pageNumber } = validation;
    const range = rangeOf(validation.dateFrom, validation.dateTo);
    const offset = (pageNumber - 1) * perPage;
    const { total, calls } = page(range, filter, offset, perPage);
    const lastPage = Math.max(1, Math.ceil(total / perPage));
    const path = `${origin}${CALLS_PATH}`;
    const carried = carriedQuery(url.searchParams);
    const pageUrl = (n: number) => `${path}?${buildQuery([...carried, ["page", String(n)]])}`;
    const envelope = {
      current_page: pageNumber,
      data: calls,
      first_page_url: pageUrl(1),
      from: calls.length > 0 ? offset + 1 : null,
      last_page: lastPage,
      last_page_url: pageUrl(lastPage),
      links: paginatorLinks(pageNumber, lastPage, pageUrl),
      next_page_url: pageNumber < lastPage ? pageUrl(pageNumber + 1) : null,
      path,
      per_page: perPage,
      prev_page_url: pageNumber > 1 ? pageUrl(pageNumber - 1) : null,
      to: calls.length > 0 ? offset + calls.length : null,
      total,
    };
    return { status: 200, body: JSON.stringify(envelope), dateTo: range.dateTo };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: RequestRecord, url: URL) {
    if (latencyMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, latencyMs);
        timers.add(timer);
      });
      if (closing || res.destroyed) return;
    }
    const hold = options.holdAnswer?.({ n: record.n, page: looseInteger(url.searchParams.get("page")) ?? 1, url });
    if (hold) {
      await hold;
      if (closing || res.destroyed) return;
    }
    if (url.pathname !== CALLS_PATH) {
      sendJson(res, record, 404, { message: `The route ${url.pathname.replace(/^\//, "")} could not be found.` });
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(
        res,
        record,
        405,
        {
          message: `The ${req.method} method is not supported for route api/user/calls. Supported methods: GET, HEAD.`,
        },
        { Allow: "GET, HEAD" },
      );
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      sendJson(res, record, 401, { message: "Unauthenticated." });
      return;
    }
    const fault = options.fault?.({ n: record.n, page: looseInteger(url.searchParams.get("page")) ?? 1, url });
    if (fault) {
      applyFault(fault, res, record, () => answerCalls(url).body);
      return;
    }
    const slot = takeRateSlot(Date.now());
    if (slot.retryAfterSeconds !== null) {
      sendJson(
        res,
        record,
        429,
        { message: "Too Many Attempts." },
        {
          "Retry-After": String(slot.retryAfterSeconds),
          ...rateLimitHeaders(0),
        },
      );
      return;
    }
    const answer = answerCalls(url);
    driftDates.set(record.n, answer.dateTo ?? today);
    send(res, record, answer.status, answer.body, rateLimitHeaders(slot.remaining));
  }

  const driftDates = new Map<number, string>();
  function afterAnswered(record: RequestRecord): void {
    const date = driftDates.get(record.n);
    driftDates.delete(record.n);
    if (!drift || record.n !== drift.afterRequest) return;
    dataset.insert(drift.date ?? date ?? today, drift.insert);
  }

  const server = createServer((req, res) => {
    const n = requests.length + 1;
    const url = new URL(req.url ?? "/", origin);
    const record: RequestRecord = {
      n,
      path: url.pathname,
      query: lastValues(url.searchParams),
      authorization: req.headers.authorization,
      status: 0,
      startedAt: Date.now(),
      endedAt: 0,
    };
    requests.push(record);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      inFlight--;
      record.endedAt = Date.now();
      afterAnswered(record);
    };
    res.on("finish", end);
    res.on("close", end);
    handle(req, res, record, url).catch((error: unknown) => {
      // A throwing fault callback is a bug in the test that passed it: say so in the answer.
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, record, 500, { message: `Simulator error: ${message}` });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: `${origin}${API_PREFIX}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    today,
    callsFor(query) {
      for (const [name, value] of [
        ["dateFrom", query.dateFrom],
        ["dateTo", query.dateTo],
      ] as const) {
        if (!isCalendarDate(value)) throw new RangeError(`${name} "${value}" is not a calendar date — use YYYY-MM-DD.`);
      }
      const filter = definedOnly({
        status: query.status,
        type: query.type,
        phoneNumber: query.phoneNumber,
        assistantId: query.assistantId,
        campaignId: query.campaignId,
      });
      const days = plan({ dateFrom: query.dateFrom, dateTo: query.dateTo }, filter);
      return {
        async *[Symbol.asyncIterator]() {
          for (const day of days) {
            for (let position = 0; position < day.count; position++) {
              const index = day.indexes
                ? (day.indexes[day.indexes.length - 1 - position] as number)
                : day.count - 1 - position;
              yield dataset.call(day.date, index);
            }
          }
        },
      };
    },
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

type Validated =
  | { filter: CallFilter; dateFrom: string | undefined; dateTo: string | undefined; perPage: number; page: number }
  | { message: string; errors: Record<string, string[]> };

/** Laravel's validator, for the rules the reference documents; messages as Laravel words them. */
function validate(params: Record<string, string>): Validated {
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
function paginatorLinks(current: number, lastPage: number, pageUrl: (n: number) => string) {
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
function carriedQuery(search: URLSearchParams): [string, string][] {
  const carried = new Map<string, string>();
  for (const [name, value] of search) {
    if (name === "page") continue;
    carried.set(name, value);
  }
  return [...carried].filter(([, value]) => value !== "");
}

/** PHP's `http_build_query(..., PHP_QUERY_RFC3986)`. */
function buildQuery(pairs: [string, string][]): string {
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return pairs.map(([name, value]) => `${encode(name)}=${encode(value)}`).join("&");
}

function lastValues(search: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of search) values[name] = value;
  return values;
}

function looseInteger(raw: string | null): number | undefined {
  if (raw === null || !INTEGER_PATTERN.test(raw)) return undefined;
  return Number(raw);
}

function isCalendarDate(text: string): boolean {
  if (!DATE_PATTERN.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/** Drops undefined values, so that optional filter fields are absent rather than undefined. */
function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
