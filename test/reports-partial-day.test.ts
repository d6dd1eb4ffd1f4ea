import { afterAll, beforeAll, beforeEach, expect, it, vi } from "vitest";
import type { HandlerResult } from "../lambda/handler.js";
import { invokeDurable, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { type HandlerHarness, startHandlerHarness } from "./support/handler-harness.js";
import { logCapture } from "./support/log-capture.js";

/**
 * A day of several reports where one fails, through the real handler (the durable SDK wraps
 * whatever a child context throws): the reports that went out are still the run's, in its
 * final log line, and the rate-limit state they left is handed to the next day.
 */
// Powertools reads the level when the handler module creates its logger.
process.env.POWERTOOLS_LOG_LEVEL = "INFO";
const { handler: durableHandler, resetRuntimeForTests } = await import("../lambda/handler.js");
const handler = (event: unknown) => invokeDurable<HandlerResult>(durableHandler, event);

const REPORTS = [
  { name: "everything", recipients: { to: ["head@example.com"] } },
  { name: "inbound", recipients: { to: ["desk@example.com"] }, filters: { callTypes: ["inbound"] } },
  { name: "finance", recipients: { to: ["cfo@example.com"] }, filters: { callStatuses: ["completed"] } },
];

let harness: HandlerHarness;
const log = logCapture();

beforeAll(async () => {
  await setupDurableRunner({ skipTime: false });
  harness = await startHandlerHarness({ callsPerDay: 100, bucket: "callreport-partial-day" });
});

afterAll(async () => {
  await harness.close();
  await teardownDurableRunner();
});

beforeEach(() => {
  resetRuntimeForTests();
  harness.stage("teams", { REPORTS: JSON.stringify(REPORTS) });
});

it("lists the reports that went out on a day where another failed", async () => {
  harness.sesProxy.refuse("desk@example.com");
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
