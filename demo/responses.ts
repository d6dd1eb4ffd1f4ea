/**
 * How the simulated API writes its answers, and the faults a test can put in their place:
 * the failures a real client meets (5xx, a proxy's HTML page, 429, hangs, cut-off bodies, resets).
 */
import type { ServerResponse } from "node:http";

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

/** The part of a request's record an answer fills in. */
export interface AnsweredRecord {
  status: number;
}

const PROXY_PAGES: Record<number, string> = {
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
};

export function send(
  res: ServerResponse,
  record: AnsweredRecord,
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

export function sendJson(
  res: ServerResponse,
  record: AnsweredRecord,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
) {
  send(res, record, status, JSON.stringify(body), headers);
}

/** Answers with `fault` instead of the normal answer (`answer` builds it, for `truncate`). */
export function applyFault(
  fault: Fault,
  res: ServerResponse,
  record: AnsweredRecord,
  answer: () => string | null,
  rateLimitedHeaders: Record<string, string>,
): void {
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
          ...rateLimitedHeaders,
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
