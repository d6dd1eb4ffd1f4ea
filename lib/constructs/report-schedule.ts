import { Duration, Stack, TimeZone, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { PeriodKind } from "../../lambda/report/period.js";
import { isValidTimezone } from "../../lambda/report/window.js";
import { acknowledgeWildcardResource } from "../nag-acknowledgements.js";
import {
  monthlyDayProblem,
  SCHEDULE_TIME_FORMAT_MESSAGE,
  SCHEDULE_TIME_PATTERN,
  scheduleTimeProblems,
  WEEKDAY_MESSAGE,
  WEEKDAYS,
  type Weekday,
} from "../schedule-time.js";
import { InvalidPropsError, requireWholeNumber } from "./invalid-props.js";

/**
 * The exact payload the handler expects from the daily schedule: the scheduled (not the actual) invocation
 * time, so a late or retried delivery still reports the right "yesterday".
 */
export const SCHEDULED_EVENT_INPUT = { scheduledTime: scheduler.ContextAttribute.scheduledTime } as const;

/**
 * The exact payload of a weekly or monthly schedule: the scheduled time, from which the handler takes the last
 * ISO week or calendar month (in the stage timezone) that ended before it, and which of the two.
 */
export function periodEventInput<Kind extends PeriodKind>(
  period: Kind,
): { readonly scheduledTime: string; readonly period: Kind } {
  return { scheduledTime: scheduler.ContextAttribute.scheduledTime, period };
}

/**
 * How often a schedule runs, and so what each run reports: the previous day, ISO week or calendar month. A
 * weekly run may be on any weekday (it reports the week before it); a monthly one on day 1–28 (every month has it).
 */
export type ScheduleCadence =
  | { readonly period: "day" }
  | { readonly period: "week"; readonly weekday: Weekday }
  | { readonly period: "month"; readonly day: number };

/** EventBridge cron's day-of-week names. */
const CRON_WEEKDAYS: Record<Weekday, string> = {
  monday: "MON",
  tuesday: "TUE",
  wednesday: "WED",
  thursday: "THU",
  friday: "FRI",
  saturday: "SAT",
  sunday: "SUN",
};

const DEFAULT_RETRY_ATTEMPTS = 10;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(6);

export interface ReportScheduleProps {
  /** The function to invoke: for a durable function, a qualified one (an alias or a version). */
  readonly target: lambda.IFunction;
  /** IANA timezone the schedule time is read in; EventBridge Scheduler follows its DST changes. */
  readonly timezone: string;
  /**
   * Local wall-clock time "HH:MM" (24 h). Refused when it is before the settling margin after midnight
   * or when a spring-forward DST change skips it (Scheduler would then skip that day's run).
   */
  readonly time: string;
  /**
   * Every day, one weekday a week, or one day (1–28) a month; each run reports the period before it.
   * @default { period: "day" }
   */
  readonly cadence?: ScheduleCadence;
  /**
   * Times Scheduler retries a failed delivery to Lambda (not a failed report: Lambda retries those itself), 0–185.
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps trying to deliver one run's event, 1 minute to 24 hours.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
}

/**
 * Invokes the report function at a local time every day, week or month, with a dead-letter queue for
 * undeliverable events.
 */
export class ReportSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  /** The role Scheduler assumes to invoke the function and to write the dead-letter queue. */
  readonly role: iam.Role;
  /** Events Scheduler could not hand to Lambda after its retries. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReportScheduleProps) {
    super(scope, id);
    const cadence = props.cadence ?? { period: "day" };
    validateProps(this, props, cadence);
    const [hour, minute] = props.time.split(":").map(Number);

    this.deadLetterQueue = new sqs.Queue(this, "DeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // A DLQ behind this DLQ would only move the same messages again.
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself a dead-letter destination (Lambda on-failure / Scheduler DLQ).",
    });

    const stack = Stack.of(this);
    // Same trust as the role LambdaInvoke would create, but owned here so its one finding can be acknowledged.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: {
            "aws:SourceAccount": stack.account,
            "aws:SourceArn": stack.formatArn({
              service: "scheduler",
              resource: "schedule-group",
              resourceName: "default",
            }),
          },
        },
      }),
      description: "EventBridge Scheduler: invoke the callreport function, park undeliverable events",
    });
    // An unqualified target's grant also covers its versions (ARN:*); an alias's or version's is that ARN alone.
    for (const arn of props.target.resourceArnsForGrantInvoke.filter((resource) => resource.endsWith(":*"))) {
      acknowledgeWildcardResource(
        this.role,
        arn,
        "grantInvoke also covers the function's versions (ARN:*); it is still this one function.",
      );
    }

    this.schedule = new scheduler.Schedule(this, "Schedule", {
      description: `${describeCadence(cadence)} at ${props.time} ${props.timezone}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute: String(minute),
        hour: String(hour),
        ...(cadence.period === "week" ? { weekDay: CRON_WEEKDAYS[cadence.weekday] } : {}),
        ...(cadence.period === "month" ? { day: String(cadence.day) } : {}),
        timeZone: TimeZone.of(props.timezone),
      }),
      target: new LambdaInvoke(props.target, {
        input: scheduler.ScheduleTargetInput.fromObject(
          cadence.period === "day" ? SCHEDULED_EVENT_INPUT : periodEventInput(cadence.period),
        ),
        retryAttempts: props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
        maxEventAge: props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE,
        deadLetterQueue: this.deadLetterQueue,
        role: this.role,
      }),
    });
  }
}

function describeCadence(cadence: ScheduleCadence): string {
  switch (cadence.period) {
    case "day":
      return "Daily call report";
    case "week":
      return `Weekly call report (the previous ISO week) every ${cadence.weekday}`;
    case "month":
      return `Monthly call report (the previous calendar month) on day ${cadence.day}`;
  }
}

/** What EventBridge Scheduler and the report's period logic accept; everything else fails here, at synth. */
function validateProps(scope: Construct, props: ReportScheduleProps, cadence: ScheduleCadence): void {
  if (!isValidTimezone(props.timezone)) {
    throw new InvalidPropsError(scope, `timezone "${props.timezone}" is not an IANA timezone such as "Europe/Berlin"`);
  }
  if (!SCHEDULE_TIME_PATTERN.test(props.time)) {
    throw new InvalidPropsError(scope, `time "${props.time}" ${SCHEDULE_TIME_FORMAT_MESSAGE}`);
  }
  const [problem] = scheduleTimeProblems(props.time, props.timezone, new Date());
  if (problem !== undefined) throw new InvalidPropsError(scope, `time ${problem}`);
  if (cadence.period === "week" && !(WEEKDAYS as readonly string[]).includes(cadence.weekday)) {
    throw new InvalidPropsError(scope, `weekday "${cadence.weekday}" ${WEEKDAY_MESSAGE}`);
  }
  const dayProblem = cadence.period === "month" ? monthlyDayProblem(cadence.day) : undefined;
  if (dayProblem !== undefined) throw new InvalidPropsError(scope, `day ${dayProblem}`);
  // Scheduler's RetryPolicy limits (MaximumRetryAttempts 0–185, MaximumEventAgeInSeconds 60–86400).
  if (props.retryAttempts !== undefined) requireWholeNumber(scope, "retryAttempts", props.retryAttempts, 0, 185);
  if (props.maxEventAge !== undefined) {
    requireWholeNumber(scope, "maxEventAge (seconds)", props.maxEventAge.toSeconds(), 60, 86_400);
  }
}
