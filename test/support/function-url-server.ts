import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";

export type FunctionUrlHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

export interface FunctionUrlServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * A Lambda function URL on 127.0.0.1: each HTTP request becomes the payload v2 event a function
 * URL sends (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads),
 * and the handler's answer is written back as the URL would write it — a structured result as
 * status, headers, cookies and body, any other value as a 200 JSON body.
 */
export async function startFunctionUrlServer(handler: FunctionUrlHandler): Promise<FunctionUrlServer> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      handler(toEvent(request, Buffer.concat(chunks)))
        .then((result) => {
          if (typeof result === "string" || !("statusCode" in result || "body" in result || "headers" in result)) {
            response.writeHead(200, { "content-type": "application/json" });
            response.end(typeof result === "string" ? result : JSON.stringify(result));
            return;
          }
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
          if (result.cookies?.length) headers["set-cookie"] = result.cookies;
          response.writeHead(result.statusCode ?? 200, headers);
          const body = result.body ?? "";
          response.end(
            request.method === "HEAD" ? undefined : Buffer.from(body, result.isBase64Encoded ? "base64" : "utf8"),
          );
        })
        .catch((error: unknown) => {
          // What a function URL answers when the function throws.
          response.writeHead(502, { "content-type": "application/json" });
          response.end(JSON.stringify({ Message: "Internal Server Error", error: String(error) }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function toEvent(request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = request.url ?? "/";
  const queryStart = url.indexOf("?");
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? "" : url.slice(queryStart + 1);
  // Header names in lower case, repeated headers joined with commas, as a function URL sends them.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  const host = headers.host ?? "127.0.0.1";
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString === "" ? {} : { queryStringParameters }),
    requestContext: {
      accountId: "anonymous",
      apiId: "local",
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method: request.method ?? "GET",
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString("base64"), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}
