import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../demo/simulator.js";
import type { HandlerResult } from "../lambda/handler.js";
import type { Summary } from "../lambda/report/summary.js";
import {
  advanceClockThroughWaits,
  runExecution,
  setupDurableRunner,
  teardownDurableRunner,
} from "./support/durable-runner.js";
import { type S3Emulator, startS3Emulator } from "./support/s3-emulator.js";
import { type SecretsEmulator, startSecretsEmulator } from "./support/secrets-emulator.js";
import { type SesEmulator, startSesEmulator } from "./support/ses-emulator.js";

/**
 * The durable handler run by the SDK's local runner with time skipping: every wait (the API's
 * rate limit, a part's retry delay) passes at once on a fake clock that the simulated API, the
 * S3 and SES emulators and the handler all read, since they run in this process. Real time is
 * measured with the hrtime captured before the clock is faked.
 */
const realNow = (() => {
  const hrtime = process.hrtime.bigint;
  return () => Number(hrtime() / 1_000_000n);
})();

/** The stage's generated link-signing key, as the stack's secret would hold it. */
const LINK_KEY = "0123456789abcdef".repeat(4);
const TOKEN = "durable-token";
/** Invocations with 20 s left: every rate-limit wait and retry delay (30 s and up) suspends. */
const SHORT = { remainingMs: 20_000 };
const { reportExecutionWith, resetRuntimeForTests } = await import("../lambda/handler.js");

let simulator: Simulator | undefined;
let s3: S3Emulator;
let ses: SesEmulator;
let secrets: SecretsEmulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  await setupDurableRunner({ skipTime: true });
  [s3, ses, secrets] = await Promise.all([
    startS3Emulator("callreport-durable"),
    startSesEmulator(),
    startSecretsEmulator(),
  ]);
  secrets.setSecret("callreport/dev/autocalls-token", TOKEN);
  secrets.setSecret("callreport/dev/link-key", LINK_KEY);
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([simulator?.close(), s3.close(), ses.close(), secrets.close()]);
  await teardownDurableRunner();
});

let prefix = "";
let prefixCounter = 0;

async function useSimulator(options: Parameters<typeof startSimulator>[0]) {
  await simulator?.close();
  simulator = await startSimulator({ token: TOKEN, apiTimezone: "UTC", today: "2025-08-10", ...options });
  process.env.AUTOCALLS_BASE_URL = simulator.baseUrl;
  return simulator;
}

beforeEach(async () => {
  resetRuntimeForTests();
  s3.failRequests(null);
  await ses.clear();
  prefix = `durable-${++prefixCounter}`;
  process.env = {
    ...savedEnv,
    ...s3.env,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    REPORT_BUCKET: s3.bucket,
    REPORT_PREFIX: prefix,
    REPORT_TIMEZONE: "UTC",
    AUTOCALLS_API_TIMEZONE: "UTC",
    REPORT_ENVIRONMENT: "dev",
    AUTOCALLS_TOKEN_SECRET_ID: "callreport/dev/autocalls-token",
    MAIL_FROM: "reports@example.com",
    MAIL_TO: "ana@example.com",
    ATTACH_WORKBOOK: "false",
    // Required since #16; the stack sets them (the link endpoint's URL, the link key's ARN).
    LINK_BASE_URL: "https://links.example.com/",
    LINK_SECRET_ID: "callreport/dev/link-key",
  };
});

async function storedSummary(date: string): Promise<Summary> {
  const [year, month, day] = date.split("-");
  const response = await s3
    .client()
    .send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${year}/${month}/${day}/summary-${date}.json` }));
  return JSON.parse((await response.Body?.transformToString()) ?? "") as Summary;
}

async function keysUnder(folder: string) {
  const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/${folder}` }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "").sort();
}

/** The day's calls as the simulated API holds them: the expected figures, counted here. */
async function groundTruth(date: string) {
  let calls = 0;
  let connected = 0;
  let costMicros = 0;
  for await (const call of (simulator as Simulator).callsFor({ dateFrom: date, dateTo: date })) {
    calls += 1;
    if (call.duration > 0) connected += 1;
    costMicros += Math.round(call.total_cost * 1_000_000);
  }
  return { calls, connected, costMicros };
}

/** Pages answered 200 per page number. */
function pagesServed() {
  const served = new Map<number, number>();
  for (const request of (simulator as Simulator).requests) {
    if (request.status === 200)
      served.set(Number(request.query.page), (served.get(Number(request.query.page)) ?? 0) + 1);
  }
  return served;
}

describe("the durable report execution", () => {
  it("fetches a 3,000-page day under 60 requests a minute in durable waits, with exact totals and one email", async () => {
    const sim = await useSimulator({ callsPerDay: 30_000, rateLimitPerMinute: 60 });
    const handler = withDurableExecution(reportExecutionWith({ perPage: 10, steps: advanceClockThroughWaits() }));
    const fakeStart = Date.now();
    const realStart = realNow();

    const execution = await runExecution<HandlerResult>(handler, { date: "2025-08-04" }, SHORT);

    const realMs = realNow() - realStart;
    const simulatedMs = Date.now() - fakeStart;
    expect(execution.getStatus()).toBe("SUCCEEDED");
    const truth = await groundTruth("2025-08-04");
    expect(truth.calls).toBe(30_000);
    const summary = await storedSummary("2025-08-04");
    expect(summary.totals).toMatchObject({
      calls: truth.calls,
      connectedCalls: truth.connected,
      totalCostMicros: truth.costMicros,
    });
    expect(summary.dataQuality).toMatchObject({ pages: 3_000, apiTotal: 30_000, duplicates: 0, rateLimited: 0 });
    // Every page exactly once, and the pacer never provoked a 429.
    const served = pagesServed();
    expect(served.size).toBe(3_000);
    expect([...served.values()].every((count) => count === 1)).toBe(true);
    expect(sim.requests.filter((request) => request.status === 429)).toEqual([]);
    expect(await ses.messages()).toHaveLength(1);

    // 3,000 pages at 60 a minute cannot take less than 49 minutes (the first 60 go at once);
    // the durable waits make it about that, in simulated time, and seconds of real time.
    const waits = execution.getOperations().filter((operation) => operation.getType() === "WAIT");
    expect(waits.length).toBeGreaterThanOrEqual(49);
    expect(simulatedMs).toBeGreaterThanOrEqual(49 * 60_000);
    expect(simulatedMs).toBeLessThanOrEqual(3_000 * 1_000 * 1.05);
    expect(realMs).toBeLessThan(simulatedMs / 20);
  }, 180_000);

  it("replays after a part fails and goes on with that part: no page of the earlier parts is fetched again, one email", async () => {
    await useSimulator({ callsPerDay: 250 });
    // 25 pages in parts of 5; the first attempt to store part 3's manifest fails (the S3
    // client's own three tries of it, so the part itself fails).
    const handler = withDurableExecution(reportExecutionWith({ perPage: 10, tuning: { maxPagesPerPart: 5 } }));
    let failed = 0;
    s3.failRequests(({ method, path }) => {
      if (method === "PUT" && path.endsWith("part-0003.manifest.json.gz") && failed < 3) {
        failed += 1;
        return true;
      }
      return false;
    });

    const execution = await runExecution<HandlerResult>(handler, { date: "2025-08-04" }, SHORT);

    expect(execution.getStatus()).toBe("SUCCEEDED");
    expect(failed).toBe(3);
    // Part 3 took a second attempt (after the 30 s retry delay, skipped); no other part did.
    const attempts = Object.fromEntries(
      execution
        .getOperations()
        .filter((operation) => operation.getName()?.startsWith("fetch part"))
        .map((operation) => [operation.getName(), operation.getStepDetails()?.attempt]),
    );
    expect(attempts).toEqual({
      "fetch part 1": 1,
      "fetch part 2": 1,
      "fetch part 3": 2,
      "fetch part 4": 1,
      "fetch part 5": 1,
    });
    const served = pagesServed();
    for (let page = 1; page <= 10; page++) expect(served.get(page), `page ${page}`).toBe(1);
    for (let page = 11; page <= 15; page++) expect(served.get(page), `page ${page}`).toBe(2);
    for (let page = 16; page <= 25; page++) expect(served.get(page), `page ${page}`).toBe(1);
    const truth = await groundTruth("2025-08-04");
    expect((await storedSummary("2025-08-04")).totals).toMatchObject({
      calls: truth.calls,
      totalCostMicros: truth.costMicros,
    });
    expect((await storedSummary("2025-08-04")).dataQuality.duplicates).toBe(0);
    expect(await ses.messages()).toHaveLength(1);
  }, 120_000);

  it("runs a 3-day backfill in one execution; a failing day loses none of the others, and re-running it works", async () => {
    await useSimulator({ callsPerDay: 120 });
    const handler = withDurableExecution(reportExecutionWith({ perPage: 10, tuning: { maxPagesPerPart: 4 } }));
    s3.failRequests(({ method, path }) => method !== "GET" && path.endsWith("calls-report-2025-08-02.xlsx"));

    const backfill = await runExecution<HandlerResult>(handler, { from: "2025-08-01", to: "2025-08-03" }, SHORT);

    expect(backfill.getStatus()).toBe("FAILED");
    expect(backfill.getError().errorMessage).toMatch(/^1 of 3 report day\(s\) failed: 2025-08-02: /);
    const days = backfill.getOperations().filter((operation) => operation.getType() === "CONTEXT");
    expect(days.map((day) => day.getName())).toEqual(["report 2025-08-01", "report 2025-08-02", "report 2025-08-03"]);
    expect(await keysUnder("2025/08/01/")).toContain(`${prefix}/2025/08/01/calls-report-2025-08-01.xlsx`);
    expect(await keysUnder("2025/08/02/")).toEqual([]);
    expect(await keysUnder("2025/08/03/")).toContain(`${prefix}/2025/08/03/calls-report-2025-08-03.xlsx`);
    expect((await ses.messages()).map((email) => email.subject)).toEqual([
      expect.stringContaining("Fri 1 Aug 2025"),
      expect.stringContaining("Sun 3 Aug 2025"),
    ]);

    s3.failRequests(null);
    const rerun = await runExecution<HandlerResult>(handler, { date: "2025-08-02" }, SHORT);
    expect(rerun.getStatus()).toBe("SUCCEEDED");
    expect((await storedSummary("2025-08-02")).totals.calls).toBe((await groundTruth("2025-08-02")).calls);
    expect((await ses.messages()).map((email) => email.subject)).toHaveLength(3);
  }, 120_000);

  it("carries the rate-limit budget from one day of a backfill to the next: no 429 where a day ends with it spent", async () => {
    // 60 pages a day at 60 a minute: the first day spends the whole budget on its last page.
    const sim = await useSimulator({ callsPerDay: 600, rateLimitPerMinute: 60 });
    const handler = withDurableExecution(reportExecutionWith({ perPage: 10, steps: advanceClockThroughWaits() }));

    const execution = await runExecution<HandlerResult>(handler, { from: "2025-08-01", to: "2025-08-02" }, SHORT);

    expect(execution.getStatus()).toBe("SUCCEEDED");
    expect(sim.requests.filter((request) => request.status === 429)).toEqual([]);
    expect(sim.requests.filter((request) => request.status === 200)).toHaveLength(120);
    expect(await ses.messages()).toHaveLength(2);
  }, 120_000);
});
