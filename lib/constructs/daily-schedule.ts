import { Duration, Stack, TimeZone } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { isValidTimezone } from "../../lambda/report/window.js";
import { acknowledgeWildcardResource } from "../nag-acknowledgements.js";
import { SCHEDULE_TIME_FORMAT_MESSAGE, SCHEDULE_TIME_PATTERN, scheduleTimeProblems } from "../schedule-time.js";
import { InvalidPropsError, requireWholeNumber } from "./invalid-props.js";

/**
 * The exact payload the handler expects from the schedule: the scheduled (not the actual) invocation time,
 * so a late or retried delivery still reports the right "yesterday".
 */
export const SCHEDULED_EVENT_INPUT = { scheduledTime: scheduler.ContextAttribute.scheduledTime } as const;

const DEFAULT_RETRY_ATTEMPTS = 10;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(6);

export interface DailyScheduleProps {
  /** The function to invoke once a day: for a durable function, a qualified one (an alias or a version). */
  readonly target: lambda.IFunction;
  /** IANA timezone the schedule time is read in; EventBridge Scheduler follows its DST changes. */
  readonly timezone: string;
  /**
   * Local wall-clock time "HH:MM" (24 h). Refused when it is before the settling margin after midnight
   * or when a spring-forward DST change skips it (Scheduler would then skip that day's run).
   */
  readonly time: string;
  /**
   * Times Scheduler retries a failed delivery to Lambda (not a failed report: Lambda retries those itself), 0–185.
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps trying to deliver one day's event, 1 minute to 24 hours.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
}

/** Invokes the report function every day at a local time, with a dead-letter queue for undeliverable events. */
export class DailySchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  /** The role Scheduler assumes to invoke the function and to write the dead-letter queue. */
  readonly role: iam.Role;
  /** Events Scheduler could not hand to Lambda after its retries. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DailyScheduleProps) {
    super(scope, id);
    validateProps(this, props);
    const [hour, minute] = props.time.split(":").map(Number);

    this.deadLetterQueue = new sqs.Queue(this, "DeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
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
      description: `Daily call report at ${props.time} ${props.timezone}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute: String(minute),
        hour: String(hour),
        timeZone: TimeZone.of(props.timezone),
      }),
      target: new LambdaInvoke(props.target, {
        input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_EVENT_INPUT),
        retryAttempts: props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
        maxEventAge: props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE,
        deadLetterQueue: this.deadLetterQueue,
        role: this.role,
      }),
    });
  }
}

/** What EventBridge Scheduler and the report's day logic accept; everything else fails here, at synth. */
function validateProps(scope: Construct, props: DailyScheduleProps): void {
  if (!isValidTimezone(props.timezone)) {
    throw new InvalidPropsError(scope, `timezone "${props.timezone}" is not an IANA timezone such as "Europe/Berlin"`);
  }
  if (!SCHEDULE_TIME_PATTERN.test(props.time)) {
    throw new InvalidPropsError(scope, `time "${props.time}" ${SCHEDULE_TIME_FORMAT_MESSAGE}`);
  }
  const [problem] = scheduleTimeProblems(props.time, props.timezone, new Date());
  if (problem !== undefined) throw new InvalidPropsError(scope, `time ${problem}`);
  // Scheduler's RetryPolicy limits (MaximumRetryAttempts 0–185, MaximumEventAgeInSeconds 60–86400).
  if (props.retryAttempts !== undefined) requireWholeNumber(scope, "retryAttempts", props.retryAttempts, 0, 185);
  if (props.maxEventAge !== undefined) {
    requireWholeNumber(scope, "maxEventAge (seconds)", props.maxEventAge.toSeconds(), 60, 86_400);
  }
}
