/**
 * A stage with weekly and monthly reports: one Scheduler schedule per cadence, wired like the daily one
 * (live alias, retries, its own encrypted dead-letter queue, an alarm on it, a role scoped to both).
 */
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { parseReportEvent } from "../../lambda/events.js";
import { periodEventInput, SCHEDULED_EVENT_INPUT } from "../../lib/constructs/report-schedule.js";
import {
  CDK_CONTEXT,
  logicalId,
  only,
  type Resource,
  type Synthesized,
  synthesizeStages,
} from "../support/cdk-template.js";

type Target = {
  Arn: unknown;
  Input: string;
  RetryPolicy: unknown;
  RoleArn: { "Fn::GetAtt": [string, string] };
  DeadLetterConfig: { Arn: { "Fn::GetAtt": [string, string] } };
};

let periods: Synthesized;

beforeAll(() => {
  const dev = CDK_CONTEXT.stages.dev as Record<string, unknown>;
  const stage = { ...dev, weekly: { weekday: "monday", time: "07:00" }, monthly: { day: 1, time: "07:30" } };
  periods = synthesizeStages(["periods"], { bundle: false, stages: { periods: stage } }).stacks.periods as Synthesized;
}, 120_000);

function scheduleWith(expression: string): Target {
  const [, schedule] = only(periods.template, "AWS::Scheduler::Schedule", {
    Properties: { ScheduleExpression: expression },
  });
  return schedule.Properties.Target as Target;
}

const WEEKLY = "cron(0 7 ? * MON *)";
const MONTHLY = "cron(30 7 1 * ? *)";
const DAILY = "cron(30 6 * * ? *)";

describe("weekly and monthly schedules", () => {
  it("run every Monday at 07:00 and on the 1st at 07:30, next to the daily run, in the stage's timezone", () => {
    const schedules = Object.values(periods.template.findResources("AWS::Scheduler::Schedule")) as Resource[];

    expect(schedules.map((schedule) => schedule.Properties.ScheduleExpression).sort()).toEqual(
      [DAILY, WEEKLY, MONTHLY].sort(),
    );
    for (const schedule of schedules) {
      expect(schedule.Properties).toMatchObject({
        ScheduleExpressionTimezone: "Europe/Berlin",
        FlexibleTimeWindow: { Mode: "OFF" },
        State: "ENABLED",
      });
    }
  });

  it("send the scheduled time and the period, the events the handler reads", () => {
    expect(scheduleWith(WEEKLY).Input).toBe('{"scheduledTime":"<aws.scheduler.scheduled-time>","period":"week"}');
    expect(scheduleWith(MONTHLY).Input).toBe('{"scheduledTime":"<aws.scheduler.scheduled-time>","period":"month"}');
    expect(scheduleWith(DAILY).Input).toBe('{"scheduledTime":"<aws.scheduler.scheduled-time>"}');
    // What the handler's tests import.
    expect(JSON.parse(scheduleWith(WEEKLY).Input)).toEqual(periodEventInput("week"));
    expect(JSON.parse(scheduleWith(MONTHLY).Input)).toEqual(periodEventInput("month"));
    expect(JSON.parse(scheduleWith(DAILY).Input)).toEqual(SCHEDULED_EVENT_INPUT);
    // As Scheduler delivers them (Monday 7 Sep 2026 07:00 in Berlin; 1 Sep 07:30): the handler's reading.
    const delivered = (expression: string, instant: string) =>
      parseReportEvent(JSON.parse(scheduleWith(expression).Input.replace("<aws.scheduler.scheduled-time>", instant)), {
        timezone: "Europe/Berlin",
        maxBackfillDays: 31,
        now: new Date(instant),
      });
    expect(delivered(WEEKLY, "2026-09-07T05:00:00Z").period).toMatchObject({ kind: "week", label: "2026-W36" });
    expect(delivered(MONTHLY, "2026-09-01T05:30:00Z").period).toMatchObject({ kind: "month", label: "2026-08" });
    expect(delivered(DAILY, "2026-09-07T04:30:00Z")).toMatchObject({ dates: ["2026-09-06"] });
  });

  it.each([WEEKLY, MONTHLY])("%s targets the live alias with the daily run's retry policy", (expression) => {
    const target = scheduleWith(expression);

    expect(target.Arn).toEqual({ Ref: logicalId(periods.stack, periods.stack.report.alias) });
    expect(target.RetryPolicy).toEqual(scheduleWith(DAILY).RetryPolicy);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 });
  });

  it("each park undeliverable events in an encrypted, TLS-only dead-letter queue of their own", () => {
    const queueIds = [DAILY, WEEKLY, MONTHLY].map(
      (expression) => scheduleWith(expression).DeadLetterConfig.Arn["Fn::GetAtt"][0],
    );
    const queues = periods.template.findResources("AWS::SQS::Queue");
    const policies = Object.values(periods.template.findResources("AWS::SQS::QueuePolicy")) as Resource[];

    expect(new Set(queueIds).size).toBe(3);
    for (const queueId of queueIds) {
      expect(queues[queueId]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86400,
      });
      const policy = policies.find(
        (candidate) => JSON.stringify(candidate.Properties.Queues) === JSON.stringify([{ Ref: queueId }]),
      );
      expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it("alarm on any message in every schedule's dead-letter queue", () => {
    const alarms = Object.values(periods.template.findResources("AWS::CloudWatch::Alarm")) as Resource[];
    const watchedQueues = alarms
      .filter((alarm) => alarm.Properties.MetricName === "ApproximateNumberOfMessagesVisible")
      .map(
        (alarm) =>
          (alarm.Properties.Dimensions as [{ Value: { "Fn::GetAtt": [string, string] } }])[0].Value["Fn::GetAtt"][0],
      );

    for (const expression of [DAILY, WEEKLY, MONTHLY]) {
      expect(watchedQueues).toContain(scheduleWith(expression).DeadLetterConfig.Arn["Fn::GetAtt"][0]);
    }
    // The alias's failure queue, and one per schedule.
    expect(watchedQueues).toHaveLength(4);
  });

  it.each([WEEKLY, MONTHLY])(
    "%s assumes a role that may only invoke the alias and write its own queue",
    (expression) => {
      const target = scheduleWith(expression);
      const roleId = target.RoleArn["Fn::GetAtt"][0];
      const role = periods.template.findResources("AWS::IAM::Role")[roleId] as Resource;
      const policies = Object.values(periods.template.findResources("AWS::IAM::Policy")) as Resource[];
      const statements = policies
        .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement);

      expect(statements).toEqual([
        { Action: "lambda:InvokeFunction", Effect: "Allow", Resource: target.Arn },
        { Action: "sqs:SendMessage", Effect: "Allow", Resource: target.DeadLetterConfig.Arn },
      ]);
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain(
        '"Principal":{"Service":"scheduler.amazonaws.com"}',
      );
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain(
        '"aws:SourceAccount":{"Ref":"AWS::AccountId"}',
      );
    },
  );

  it("leave the daily schedule's logical ids as they were, so a deployed stage keeps its schedule", () => {
    // The ids DailySchedule had before it became ReportSchedule; a new one would replace the deployed resource.
    expect(Object.keys(periods.template.toJSON().Resources)).toEqual(
      expect.arrayContaining([
        "DailySchedule7C7ADC08",
        "DailyDeadLetters9197D6D7",
        "DailyDeadLettersPolicyDE73C392",
        "DailyRole83FCF59B",
        "DailyRoleDefaultPolicy4D8DCCC7",
        "AlarmsScheduleDeadLettersMessages9B125A96",
      ]),
    );
    expect(periods.stack.periodSchedules.map((schedule) => schedule.node.id)).toEqual(["Weekly", "Monthly"]);
  });

  it("pass the AwsSolutions checks with no unacknowledged finding", () => {
    const report = new AwsSolutionsChecks().validateScope(periods.stack);

    expect(
      report.violations.map(
        (violation) => `${violation.ruleName} at ${violation.violatingResources[0]?.constructPath}`,
      ),
    ).toEqual([]);
  });
});
