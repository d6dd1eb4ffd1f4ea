import { Duration, Stack, TimeZone } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag-acknowledgements.js";

/**
 * The exact payload the handler expects from the schedule: the scheduled (not the actual) invocation time,
 * so a late or retried delivery still reports the right "yesterday".
 */
export const SCHEDULED_EVENT_INPUT = { scheduledTime: scheduler.ContextAttribute.scheduledTime } as const;

export interface DailyScheduleProps {
  /** The function to invoke once a day. */
  readonly target: lambda.IFunction;
  /** IANA timezone the schedule time is read in; EventBridge Scheduler follows its DST changes. */
  readonly timezone: string;
  /** Local wall-clock time "HH:MM" (24 h). */
  readonly time: string;
  /** Times Scheduler retries a failed delivery to Lambda (not a failed report: Lambda retries those itself). */
  readonly retryAttempts?: number;
  /** How long Scheduler keeps trying to deliver one day's event. */
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
    acknowledgeWildcardResource(
      this.role,
      `${props.target.functionArn}:*`,
      "grantInvoke also covers the function's versions (ARN:*); it is still this one function.",
    );

    this.schedule = new scheduler.Schedule(this, "Schedule", {
      description: `Daily call report at ${props.time} ${props.timezone}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute: String(minute),
        hour: String(hour),
        timeZone: TimeZone.of(props.timezone),
      }),
      target: new LambdaInvoke(props.target, {
        input: scheduler.ScheduleTargetInput.fromObject(SCHEDULED_EVENT_INPUT),
        retryAttempts: props.retryAttempts ?? 10,
        maxEventAge: props.maxEventAge ?? Duration.hours(6),
        deadLetterQueue: this.deadLetterQueue,
        role: this.role,
      }),
    });
  }
}
