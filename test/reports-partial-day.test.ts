import { afterAll, beforeAll, beforeEach, expect, it, vi } from "vitest";
import { type Simulator, startSimulator } from "../demo/simulator.js";
import type { HandlerResult } from "../lambda/handler.js";
import { invokeDurable, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { logCapture } from "./support/log-capture.js";
import { type S3Emulator, startS3Emulator } from "./support/s3-emulator.js";
import { type SecretsEmulator, startSecretsEmulator } from "./support/secrets-emulator.js";
import { type SesEmulator, startSesEmulator } from "./support/ses-emulator.js";
import { type SesRefusingProxy, startSesRefusingProxy } from "./support/ses-refusing-proxy.js";

/**
 * A day of several reports where one fails, through the real handler (the durable SDK wraps
 * whatever a child context throws): the reports that went out are still the run's, in its
 * final log line, and the rate-limit state they left is handed to the next day.
 */
const TOKEN = "live-token";
// Powertools reads the level when the handler module creates its logger.
process.env.POWERTOOLS_LOG_LEVEL = "INFO";
const { handler: durableHandler, resetRuntimeForTests } = await import("../lambda/handler.js");
const handler = (event: unknown) => invokeDurable<HandlerResult>(durableHandler, event);

const REPORTS = [
  { name: "everything", recipients: { to: ["head@example.com"] } },
  { name: "inbound", recipients: { to: ["desk@example.com"] }, filters: { callTypes: ["inbound"] } },
  { name: "finance", recipients: { to: ["cfo@example.com"] }, filters: { callStatuses: ["completed"] } },
];

let simulator: Simulator;
let s3: S3Emulator;
let ses: SesEmulator;
let sesProxy: SesRefusingProxy;
let secrets: SecretsEmulator;
const savedEnv = { ...process.env };
const log = logCapture();

beforeAll(async () => {
  await setupDurableRunner({ skipTime: false });
  [simulator, s3, ses, secrets] = await Promise.all([
    startSimulator({ callsPerDay: 100, token: TOKEN }),
    startS3Emulator("callreport-partial-day"),
    startSesEmulator(),
    startSecretsEmulator(),
  ]);
  sesProxy = await startSesRefusingProxy(ses.endpoint);
  secrets.setSecret("callreport/dev/autocalls-token", TOKEN);
  secrets.setSecret("callreport/dev/link-key", "0123456789abcdef".repeat(4));
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([simulator.close(), s3.close(), sesProxy.close(), ses.close(), secrets.close()]);
  await teardownDurableRunner();
});

beforeEach(() => {
  resetRuntimeForTests();
  process.env = {
    ...savedEnv,
    ...s3.env,
    AWS_ENDPOINT_URL_SES: sesProxy.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    REPORT_BUCKET: s3.bucket,
    REPORT_PREFIX: "teams",
    REPORT_TIMEZONE: "UTC",
    AUTOCALLS_BASE_URL: simulator.baseUrl,
    AUTOCALLS_TOKEN_SECRET_ID: "callreport/dev/autocalls-token",
    MAIL_FROM: "reports@example.com",
    LINK_BASE_URL: "https://links.example.com/",
    LINK_SECRET_ID: "callreport/dev/link-key",
    REPORTS: JSON.stringify(REPORTS),
  };
});

it("lists the reports that went out on a day where another failed", async () => {
  sesProxy.refuse("desk@example.com");
  log.start();
  try {
    await expect(handler({ date: "2025-08-04" })).rejects.toThrow(/1 of 3 reports of 2025-08-04 failed: inbound/);
  } finally {
    vi.restoreAllMocks();
  }
  const finished = log.lines().find((line) => line.message === "report run finished");
  expect(finished).toMatchObject({ ok: 2, failed: 1 });
  expect(
    ((finished?.reports ?? []) as Array<{ report: string; email: string }>).map(({ report, email }) => [report, email]),
  ).toEqual([
    ["everything", "sent"],
    ["finance", "sent"],
  ]);
});
