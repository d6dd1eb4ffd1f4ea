import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { s3EmulatorClient } from "./s3-emulator-client.js";

export interface S3Emulator {
  endpoint: string;
  bucket: string;
  /** An SDK client configured for the emulator (path style, no flexible checksums). */
  client(): S3Client;
  /**
   * Makes every request whose method and path match fail until cleared: 500 InternalError, or
   * 403 AccessDenied with `{ status: 403 }` (what S3 answers a HEAD of a missing key without s3:ListBucket).
   */
  failRequests(
    match: ((request: { method: string; path: string }) => boolean) | null,
    answer?: { status: 403 | 500 },
  ): void;
  /** Environment a handler under test needs to reach the emulator with the SDK's defaults. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * s3rver on 127.0.0.1 behind a thin proxy that enforces what s3rver ignores: conditional
 * PUTs, answered as S3 answers them — `If-None-Match: *` on an existing key and `If-Match` with
 * another ETag get 412 PreconditionFailed, `If-Match` on a missing key 404 NoSuchKey
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). Conditions
 * are checked and the write made under a per-key lock, so two racing claims cannot both win.
 * The proxy knows the ETags of the objects PUT through it (not of multipart uploads).
 */
export async function startS3Emulator(bucket = "callreport-test"): Promise<S3Emulator> {
  const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const upstream = s3rver.callback();
  const etags = new Map<string, string>();
  const locks = new Map<string, Promise<void>>();
  let failing: ((request: { method: string; path: string }) => boolean) | null = null;
  let failStatus: 403 | 500 = 500;

  const server = createServer((request, response) => {
    // The Date header from the global Date, as s3rver's own clock is: Node writes it from its
    // internal, unfaked clock, and a test that fakes time (the durable runner's time skipping)
    // would otherwise see the SDK correct its signing clock towards it, which s3rver refuses
    // as RequestTimeTooSkewed 15 simulated minutes in.
    response.sendDate = false;
    response.setHeader("Date", new Date().toUTCString());
    const method = request.method ?? "GET";
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    if (failing?.({ method, path })) {
      request.resume();
      response.writeHead(failStatus, { "content-type": "application/xml" });
      response.end(
        failStatus === 403
          ? "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
          : "<Error><Code>InternalError</Code><Message>Injected failure</Message></Error>",
      );
      return;
    }
    const ifNoneMatch = request.headers["if-none-match"];
    const ifMatch = request.headers["if-match"];
    if (method !== "PUT" || request.url?.includes("uploadId=")) {
      trackDeletes(method, path, response);
      upstream(request, response);
      return;
    }
    void withLock(path, async () => {
      const current = etags.get(path);
      if (ifMatch !== undefined && current === undefined) {
        request.resume();
        response.writeHead(404, { "content-type": "application/xml" });
        response.end("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        return;
      }
      if ((ifNoneMatch === "*" && current !== undefined) || (ifMatch !== undefined && ifMatch !== current)) {
        request.resume();
        response.writeHead(412, { "content-type": "application/xml" });
        response.end(
          "<Error><Code>PreconditionFailed</Code><Message>At least one of the preconditions you specified did not hold</Message></Error>",
        );
        return;
      }
      await forward(request, response, (etag) => etags.set(path, etag));
    });
  });

  function trackDeletes(method: string, path: string, response: ServerResponse) {
    if (method === "DELETE") response.on("finish", () => etags.delete(path));
  }

  function forward(request: IncomingMessage, response: ServerResponse, onStored: (etag: string) => void) {
    return new Promise<void>((resolve) => {
      response.on("finish", () => {
        const etag = response.getHeader("etag");
        if (response.statusCode === 200 && typeof etag === "string") onStored(etag);
        resolve();
      });
      response.on("close", () => resolve());
      upstream(request, response);
    });
  }

  async function withLock(key: string, task: () => Promise<void>) {
    const previous = locks.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    locks.set(key, current);
    await current;
    if (locks.get(key) === current) locks.delete(key);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    bucket,
    client: () => s3EmulatorClient(endpoint),
    failRequests(match, answer) {
      failing = match;
      failStatus = answer?.status ?? 500;
    },
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
      AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
