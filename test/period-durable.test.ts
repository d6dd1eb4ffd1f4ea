import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HandlerResult } from "../lambda/handler.js";
import { runExecution, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { type HandlerHarness, startHandlerHarness } from "./support/handler-harness.js";

/**
 * A weekly report's durable execution (#18): the days it builds fetch their parts up to the
 * invocation's deadline, as a day's run does, so its publish steps — the period's email
 * among them — start in a fresh invocation with the whole timeout, as a day's publish does.
 */
const { reportExecutionWith, resetRuntimeForTests } = await import("../lambda/handler.js");

let harness: HandlerHarness;

beforeAll(async () => {
  await setupDurableRunner({ skipTime: true });
  harness = await startHandlerHarness({
    callsPerDay: 30,
    bucket: "callreport-period-durable",
    simulator: { apiTimezone: "UTC", today: "2025-08-20" },
  });
});

afterAll(async () => {
  await harness.close();
  await teardownDurableRunner();
});

beforeEach(async () => {
  resetRuntimeForTests();
  await harness.ses.clear();
  harness.stageAt("period-durable", {
    AUTOCALLS_API_TIMEZONE: "UTC",
    REPORT_ENVIRONMENT: "dev",
    MAIL_TO: "ana@example.com",
  });
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
    expect(await harness.ses.messages()).toHaveLength(1);
  }, 120_000);
});
