import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../demo/simulator.js";
import type { HandlerResult } from "../lambda/handler.js";
import { runExecution, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { type S3Emulator, startS3Emulator } from "./support/s3-emulator.js";
import { type SecretsEmulator, startSecretsEmulator } from "./support/secrets-emulator.js";
import { type SesEmulator, startSesEmulator } from "./support/ses-emulator.js";

/**
 * A weekly report's durable execution (#18): the days it builds fetch their parts up to the
 * invocation's deadline, as a day's run does, so its publish steps — the period's email
 * among them — start in a fresh invocation with the whole timeout, as a day's publish does.
 */
const LINK_KEY = "0123456789abcdef".repeat(4);
const TOKEN = "durable-token";
const { reportExecutionWith, resetRuntimeForTests } = await import("../lambda/handler.js");

let simulator: Simulator;
let s3: S3Emulator;
let ses: SesEmulator;
let secrets: SecretsEmulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  await setupDurableRunner({ skipTime: true });
  [simulator, s3, ses, secrets] = await Promise.all([
    startSimulator({ token: TOKEN, apiTimezone: "UTC", today: "2025-08-20", callsPerDay: 30 }),
    startS3Emulator("callreport-period-durable"),
    startSesEmulator(),
    startSecretsEmulator(),
  ]);
  secrets.setSecret("callreport/dev/autocalls-token", TOKEN);
  secrets.setSecret("callreport/dev/link-key", LINK_KEY);
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([simulator.close(), s3.close(), ses.close(), secrets.close()]);
  await teardownDurableRunner();
});

beforeEach(async () => {
  resetRuntimeForTests();
  await ses.clear();
  process.env = {
    ...savedEnv,
    ...s3.env,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AUTOCALLS_BASE_URL: simulator.baseUrl,
    REPORT_BUCKET: s3.bucket,
    REPORT_PREFIX: "period-durable",
    REPORT_TIMEZONE: "UTC",
    AUTOCALLS_API_TIMEZONE: "UTC",
    REPORT_ENVIRONMENT: "dev",
    AUTOCALLS_TOKEN_SECRET_ID: "callreport/dev/autocalls-token",
    MAIL_FROM: "reports@example.com",
    MAIL_TO: "ana@example.com",
    LINK_BASE_URL: "https://links.example.com/",
    LINK_SECRET_ID: "callreport/dev/link-key",
  };
});

describe("a weekly report's durable execution", () => {
  it("publishes the week, and each day it builds, in a fresh invocation after the fetches", async () => {
    const handler = withDurableExecution(reportExecutionWith({ perPage: 10 }));

    const execution = await runExecution<HandlerResult>(handler, { period: "week", date: "2025-08-06" });

    expect(execution.getStatus()).toBe("SUCCEEDED");
    const operations = execution.getOperations().map((operation) => `${operation.getType()} ${operation.getName()}`);
    const publish = operations.indexOf("STEP publish week-2025-W32");
    const lastBuilt = operations.lastIndexOf("CONTEXT build 2025-08-10");
    expect(publish).toBeGreaterThan(lastBuilt);
    expect(operations.slice(lastBuilt + 1, publish)).toContain("WAIT fresh invocation for publishing");
    // Each built day too, as a day's own run does.
    expect(operations.filter((operation) => operation === "WAIT fresh invocation for publishing")).toHaveLength(8);
    expect(await ses.messages()).toHaveLength(1);
  }, 120_000);
});
