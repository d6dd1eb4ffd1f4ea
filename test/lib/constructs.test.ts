import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { InvalidPropsError } from "../../lib/constructs/invalid-props.js";
import { LinkEndpoint, type LinkEndpointProps } from "../../lib/constructs/link-endpoint.js";
import { ReportBucket, type ReportBucketProps } from "../../lib/constructs/report-bucket.js";
import { ReportFunction, type ReportFunctionProps } from "../../lib/constructs/report-function.js";
import { ReportSchedule, type ReportScheduleProps } from "../../lib/constructs/report-schedule.js";

// cdk.json's feature flags, as the real app has them (the buckets' log delivery depends on one).
const CDK_CONTEXT = JSON.parse(readFileSync(fileURLToPath(new URL("../../cdk.json", import.meta.url)), "utf8")).context;

function newStack(): Stack {
  return new Stack(new App({ context: CDK_CONTEXT }), "Test", {
    env: { account: "123456789012", region: "eu-central-1" },
  });
}

function schedule(overrides: Partial<ReportScheduleProps> = {}) {
  const stack = newStack();
  const target = lambda.Function.fromFunctionArn(
    stack,
    "Target",
    "arn:aws:lambda:eu-central-1:123456789012:function:report",
  );
  return new ReportSchedule(stack, "Daily", { target, timezone: "Europe/Berlin", time: "06:30", ...overrides });
}

// Every case below is refused before the function is bundled, so no esbuild run is needed.
function reportFunction(overrides: Partial<ReportFunctionProps> = {}) {
  return new ReportFunction(newStack(), "Report", {
    entry: "lambda/handler.ts",
    environment: {},
    memorySizeMb: 1024,
    timeoutMinutes: 15,
    ephemeralStorageMb: 4096,
    executionTimeoutHours: 24,
    logRetentionDays: 90,
    removal: "destroy",
    ...overrides,
  });
}

function linkEndpoint(overrides: Partial<LinkEndpointProps> = {}) {
  return new LinkEndpoint(newStack(), "Links", {
    entry: "lambda/link-endpoint.ts",
    environment: {},
    logRetentionDays: 90,
    removal: "destroy",
    ...overrides,
  });
}

function bucket(overrides: Partial<ReportBucketProps> = {}) {
  return new ReportBucket(newStack(), "Reports", {
    prefix: "reports",
    reportRetentionDays: 400,
    noncurrentVersionDays: 30,
    removal: "destroy",
    ...overrides,
  });
}

describe("ReportSchedule", () => {
  it("runs at the given local time in the given timezone", () => {
    const daily = schedule({ time: "07:05" });

    Template.fromStack(Stack.of(daily)).hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(5 7 * * ? *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
    });
  });

  it.each(["6:30", "24:00", "06:60", "0630"])("refuses the malformed time %s itself", (time) => {
    expect(() => schedule({ time })).toThrow(InvalidPropsError);
    expect(() => schedule({ time })).toThrow(`Test/Daily: time "${time}" needs a 24-hour local time "HH:MM"`);
  });

  it("refuses a time that clocks skip when they spring forward, since Scheduler then skips the run", () => {
    expect(() => schedule({ timezone: "America/New_York", time: "02:30" })).toThrow(
      'Test/Daily: time "02:30" does not exist in America/New_York on the day clocks spring forward (02:00–03:00 is skipped)',
    );
  });

  it("refuses a time before the previous day has settled", () => {
    expect(() => schedule({ time: "00:10" })).toThrow('time "00:10" is less than 15 minutes after midnight');
  });

  it("refuses a timezone Intl does not know", () => {
    expect(() => schedule({ timezone: "Mars/Olympus" })).toThrow('timezone "Mars/Olympus" is not an IANA timezone');
  });

  it("runs a weekly cadence on its weekday and sends the period with the scheduled time", () => {
    const weekly = schedule({ time: "07:00", cadence: { period: "week", weekday: "monday" } });

    Template.fromStack(Stack.of(weekly)).hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 7 ? * MON *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
      Target: { Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>","period":"week"}' },
    });
  });

  it("runs a monthly cadence on its day of the month", () => {
    const monthly = schedule({ time: "07:30", cadence: { period: "month", day: 28 } });

    Template.fromStack(Stack.of(monthly)).hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(30 7 28 * ? *)",
      Target: { Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>","period":"month"}' },
    });
  });

  it("refuses a day that not every month has, since Scheduler skips the months without it", () => {
    expect(() => schedule({ cadence: { period: "month", day: 31 } })).toThrow(
      "Test/Daily: day is 31, and not every month has a 31st",
    );
  });

  it("refuses a weekday it does not know", () => {
    expect(() => schedule({ cadence: { period: "week", weekday: "Mon" as "monday" } })).toThrow(
      'Test/Daily: weekday "Mon" needs one of "monday", "tuesday",',
    );
  });

  it("refuses retry settings Scheduler does not accept", () => {
    expect(() => schedule({ retryAttempts: 186 })).toThrow(
      "retryAttempts is 186; it needs a whole number from 0 to 185",
    );
    expect(() => schedule({ maxEventAge: Duration.hours(25) })).toThrow(
      "maxEventAge (seconds) is 90000; it needs a whole number from 60 to 86400",
    );
  });
});

describe("ReportFunction", () => {
  it.each([
    [{ memorySizeMb: 64 }, "memorySizeMb is 64; it needs a whole number from 128 to 10240"],
    [{ memorySizeMb: 1024.5 }, "memorySizeMb is 1024.5"],
    [{ timeoutMinutes: 20 }, "timeoutMinutes is 20; it needs a whole number from 1 to 15"],
    [{ ephemeralStorageMb: 256 }, "ephemeralStorageMb is 256; it needs a whole number from 512 to 10240"],
    [{ maxEventAge: Duration.hours(7) }, "maxEventAge (seconds) is 25200; it needs a whole number from 60 to 21600"],
    [{ executionTimeoutHours: 0 }, "executionTimeoutHours is 0; it needs a whole number from 1 to 8784"],
    [{ executionTimeoutHours: 8785 }, "executionTimeoutHours is 8785; it needs a whole number from 1 to 8784"],
    [{ executionHistoryDays: 91 }, "executionHistoryDays is 91; it needs a whole number from 1 to 90"],
  ])("refuses %j outside Lambda's limits, naming the construct", (overrides, message) => {
    expect(() => reportFunction(overrides)).toThrow(InvalidPropsError);
    expect(() => reportFunction(overrides)).toThrow(`Test/Report: ${message}`);
  });
});

describe("LinkEndpoint", () => {
  it.each([
    [{ reservedConcurrency: 0 }, "reservedConcurrency is 0; it needs a whole number from 1 to 1000"],
    [{ memorySizeMb: 100 }, "memorySizeMb is 100; it needs a whole number from 128 to 10240"],
  ])("refuses %j, naming the construct", (overrides, message) => {
    expect(() => linkEndpoint(overrides)).toThrow(InvalidPropsError);
    expect(() => linkEndpoint(overrides)).toThrow(`Test/Links: ${message}`);
  });
});

describe("ReportBucket", () => {
  it.each(["/reports", "reports/", ""])(
    "refuses the prefix %j, which the grants and lifecycle rules would miss",
    (prefix) => {
      expect(() => bucket({ prefix })).toThrow(`Test/Reports: prefix "${prefix}" needs a key prefix without a slash`);
    },
  );

  it("refuses to keep a run's working files for zero days", () => {
    expect(() => bucket({ workFilesDays: 0 })).toThrow("workFilesDays is 0; it needs a whole number from 1 to 3650");
  });

  it("refuses a retention of zero days", () => {
    expect(() => bucket({ reportRetentionDays: 0 })).toThrow(
      "reportRetentionDays is 0; it needs a whole number from 1 to 3650",
    );
  });

  it("accepts the stage's values", () => {
    expect(bucket().prefix).toBe("reports");
  });
});
