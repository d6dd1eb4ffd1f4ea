import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HandlerResult } from "../lambda/handler.js";
import type { PeriodComparison } from "../lambda/report/period-merge.js";
import type { Summary } from "../lambda/report/summary.js";
import { invokeDurable, setupDurableRunner, teardownDurableRunner } from "./support/durable-runner.js";
import { type HandlerHarness, startHandlerHarness } from "./support/handler-harness.js";
import type { S3Emulator } from "./support/s3-emulator.js";
import type { SesEmulator } from "./support/ses-emulator.js";

/**
 * Weekly reports (#18) when the stage changed how it counts a day (its timezone, a report's
 * filters) while the days of a period were being stored: the period reports the days as the
 * stage counts them now, and an earlier period it cannot compare with is left out of the
 * comparison rather than failing the report.
 */
const { handler: durableHandler, resetRuntimeForTests } = await import("../lambda/handler.js");
const handler = (event: unknown) => invokeDurable<HandlerResult>(durableHandler, event);

let harness: HandlerHarness;
let s3: S3Emulator;
let ses: SesEmulator;

beforeAll(async () => {
  await setupDurableRunner({ skipTime: true });
  harness = await startHandlerHarness({ callsPerDay: 40, bucket: "callreport-reports" });
  ({ s3, ses } = harness);
});

afterAll(async () => {
  await harness.close();
  await teardownDurableRunner();
});

let prefixCounter = 0;
let prefix = "";

beforeEach(async () => {
  prefix = `config-change-${++prefixCounter}`;
  await ses.clear();
});

/** The stage's settings; the prefix (its stored history) stays that of the test. */
function stage(settings: Record<string, string> = {}) {
  resetRuntimeForTests();
  harness.stageAt(prefix, { MAIL_TO: "managers@example.com", ...settings });
}

async function json<T>(key: string): Promise<T> {
  const answer = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return JSON.parse((await answer.Body?.transformToString()) ?? "") as T;
}

describe("a period whose days were stored under another stage configuration", () => {
  it("reports the week in the stage's current timezone when its Monday was stored in the old one", async () => {
    stage({ REPORT_TIMEZONE: "America/New_York" });
    await handler({ date: "2025-08-04" });
    stage({ REPORT_TIMEZONE: "UTC" });

    const result = await handler({ period: "week", date: "2025-08-06" });

    expect(result.periods?.[0]?.email).toBe("sent");
    const week = await json<{ summary: Summary }>(`${prefix}/periods/week-2025-W32/summary-week-2025-W32.json`);
    expect(week.summary.timezone).toBe("UTC");
    expect(week.summary.window).toEqual({ start: "2025-08-04T00:00:00.000Z", end: "2025-08-11T00:00:00.000Z" });
  });

  it("reports the week in a named report's current filters when some days were stored with its old ones", async () => {
    const reports = (callTypes: string[]) =>
      JSON.stringify([{ name: "web", recipients: { to: ["web@example.com"] }, filters: { callTypes } }]);
    stage({ MAIL_TO: "", REPORTS: reports(["web", "outbound"]) });
    await handler({ date: "2025-08-07" });
    stage({ MAIL_TO: "", REPORTS: reports(["web"]) });

    const result = await handler({ period: "week", date: "2025-08-06" });

    expect(result.periods?.[0]?.email).toBe("sent");
    const week = await json<{ summary: Summary }>(`${prefix}/web/periods/week-2025-W32/summary-week-2025-W32.json`);
    expect(week.summary.report?.filters).toEqual({ callTypes: ["web"] });
    expect(week.summary.byType.outbound ?? 0).toBe(0);
  });

  it("reports a week whose previous week's stored days mix two timezones, without comparing with it", async () => {
    stage({ REPORT_TIMEZONE: "America/New_York" });
    await handler({ date: "2025-07-28" });
    stage({ REPORT_TIMEZONE: "UTC" });
    await handler({ from: "2025-07-29", to: "2025-08-03" });

    const result = await handler({ period: "week", date: "2025-08-06" });

    expect(result.periods?.[0]?.email).toBe("sent");
    const week = await json<{ comparison: { previousPeriod: PeriodComparison | null } }>(
      `${prefix}/periods/week-2025-W32/summary-week-2025-W32.json`,
    );
    expect(week.comparison.previousPeriod).toBeNull();
  });
});
