import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from "vitest";
import { signLink } from "../../lambda/links/signing.js";
import type { Summary } from "../../lambda/report/summary.js";
import { summaryFixture } from "./email-fixtures.js";
import { type FunctionUrlServer, startFunctionUrlServer } from "./function-url-server.js";
import { logCapture } from "./log-capture.js";
import { type S3Emulator, startS3Emulator } from "./s3-emulator.js";
import { type SecretsEmulator, startSecretsEmulator } from "./secrets-emulator.js";

/** Three generations of the signing key: the test secret starts with `current` alone. */
export const KEYS = {
  current: "current-key-7f3a9c1e5b2d8f4a6c0e9b7d5a3f1c8e",
  previous: "previous-key-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b",
  older: "older-key-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a",
} as const;

export const DAY_SECONDS = 24 * 3600;
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface StoredDay {
  date: string;
  workbookKey: string;
  summaryKey: string;
  workbook: Buffer;
  summary: Summary;
}

export interface LinkEndpointContext {
  baseUrl: string;
  s3: S3Emulator;
  secrets: SecretsEmulator;
  /** This test's key prefix and signing key secret id (fresh for every test). */
  prefix: string;
  secretId: string;
  /** Sets variables on top of the test's environment and starts a new container (nothing cached). */
  setEnv(overrides: Record<string, string | undefined>): void;
  put(key: string, body: Buffer | string, contentType?: string): Promise<void>;
  /** A day's workbook and summary where the report stores them: `<prefix>/YYYY/MM/DD/…`. */
  storeDay(date: string, totals?: Partial<Summary["totals"]>): Promise<StoredDay>;
  reportLink(key: string, expires: number, secret?: string): string;
  archiveLink(expires: number, secret?: string): string;
  /** Adds a string no log line may contain (checked after the test). */
  neverLog(text: string): void;
  /** What the endpoint logged in this test (Powertools: one JSON object per line). */
  logLines(): Array<{ level: string; message: string } & Record<string, unknown>>;
}

/**
 * The link endpoint's handler behind a local function URL, against s3rver and the Secrets
 * Manager stand-in, reached through the SDK's own endpoint variables. Every test gets its own
 * prefix and key secret; after each, no log line may contain a signing key, a signature or an
 * object key the test signed a link for.
 */
export function useLinkEndpoint(): LinkEndpointContext {
  const context = {} as LinkEndpointContext;
  const savedEnv = { ...process.env };
  let server: FunctionUrlServer;
  let reset: () => void;
  let counter = 0;
  const log = logCapture();
  let env: Record<string, string | undefined> = {};
  /** Strings that must never reach a log line. */
  const secretsOfTest = new Set<string>();

  beforeAll(async () => {
    // Powertools reads the level when the endpoint module creates its logger.
    process.env.POWERTOOLS_LOG_LEVEL = "INFO";
    const endpoint = await import("../../lambda/link-endpoint.js");
    reset = endpoint.resetLinkEndpointForTests;
    [context.s3, context.secrets, server] = await Promise.all([
      startS3Emulator("callreport-links"),
      startSecretsEmulator(),
      startFunctionUrlServer(endpoint.handler),
    ]);
    context.baseUrl = server.baseUrl;
  });

  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([server.close(), context.s3.close(), context.secrets.close()]);
  });

  beforeEach(() => {
    counter += 1;
    context.prefix = `reports-${counter}`;
    context.secretId = `callreport/test/link-key-${counter}`;
    context.secrets.failWith(null);
    context.secrets.setSecret(context.secretId, KEYS.current);
    secretsOfTest.clear();
    for (const key of Object.values(KEYS)) secretsOfTest.add(key);
    env = {
      ...context.s3.env,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: context.secrets.endpoint,
      REPORT_BUCKET: context.s3.bucket,
      REPORT_PREFIX: context.prefix,
      LINK_SECRET_ID: context.secretId,
      REPORT_ENVIRONMENT: "dev",
      LINK_EXPIRY_DAYS: "30",
      REPORT_RETENTION_DAYS: "400",
    };
    context.setEnv({});

    log.start();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    for (const secret of secretsOfTest)
      expect(log.text(), "a log line contains a key or signature").not.toContain(secret);
  });

  context.setEnv = (overrides) => {
    env = { ...env, ...overrides };
    process.env = { ...savedEnv, POWERTOOLS_LOG_LEVEL: "INFO" };
    for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
    reset();
  };

  context.put = async (key, body, contentType = "application/octet-stream") => {
    await context.s3
      .client()
      .send(new PutObjectCommand({ Bucket: context.s3.bucket, Key: key, Body: body, ContentType: contentType }));
  };

  context.storeDay = async (date, totals = {}) => {
    const [year, month, day] = date.split("-");
    const folder = `${context.prefix}/${year}/${month}/${day}`;
    const workbook = randomBytes(2048);
    const summary = summaryFixture({ date, totals: { ...summaryFixture().totals, ...totals } });
    const stored = {
      date,
      workbookKey: `${folder}/calls-report-${date}.xlsx`,
      summaryKey: `${folder}/summary-${date}.json`,
      workbook,
      summary,
    };
    await context.put(
      stored.workbookKey,
      workbook,
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    await context.put(stored.summaryKey, `${JSON.stringify(summary, null, 2)}\n`, "application/json; charset=utf-8");
    return stored;
  };

  const remember = (link: string, key?: string) => {
    const signature = new URL(link).searchParams.get("sig");
    if (signature) secretsOfTest.add(signature);
    if (key) secretsOfTest.add(key);
    return link;
  };
  context.reportLink = (key, expires, secret = KEYS.current) =>
    remember(signLink(context.baseUrl, { target: { kind: "report", key }, expires }, secret), key);
  context.archiveLink = (expires, secret = KEYS.current) =>
    remember(signLink(context.baseUrl, { target: { kind: "archive", prefix: context.prefix }, expires }, secret));

  context.neverLog = (text) => secretsOfTest.add(text);
  context.logLines = () => log.lines();

  return context;
}
