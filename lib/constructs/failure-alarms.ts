import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/**
 * Lambda's metrics of durable executions that ended without succeeding
 * (https://docs.aws.amazon.com/lambda/latest/dg/durable-monitoring.html), by alarm id.
 */
export const DURABLE_FAILURE_METRICS = {
  ExecutionFailed: {
    metricName: "DurableExecutionFailed",
    description: "A report run (durable execution) failed: see its error with get-durable-execution and the logs.",
  },
  ExecutionTimedOut: {
    metricName: "DurableExecutionTimedOut",
    description: "A report run (durable execution) exceeded its execution timeout and was ended; re-run its days.",
  },
  ExecutionStopped: {
    metricName: "DurableExecutionStopped",
    description: "A report run (durable execution) was stopped with StopDurableExecution; re-run its days if needed.",
  },
} as const;

export interface FailureAlarmsProps {
  /**
   * The report function (a durable function) whose errors and unsuccessful executions page the ops topic. Its
   * metrics are read by function name, so they cover every version and the alias.
   */
  readonly function: lambda.IFunction;
  /**
   * Queues where lost events land (async on-failure destination, each schedule's DLQ), by a name that becomes
   * the alarm's id (`<name>Messages`); any message there is an alarm.
   */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  /**
   * Address subscribed to the topic (it confirms the subscription once).
   * @default no subscription: the alarms only publish to the topic
   */
  readonly opsEmail?: string;
  /** "destroy" schedules the topic key for deletion with the stack; "retain" keeps it. */
  readonly removal: "retain" | "destroy";
}

/** Alarms on a failed invocation or report run and on any lost event, published to an encrypted SNS topic. */
export class FailureAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: FailureAlarmsProps) {
    super(scope, id);

    // CloudWatch cannot publish to a topic under the AWS-managed aws/sns key, so the topic gets its own key.
    const key = new kms.Key(this, "TopicKey", {
      description: "callreport alarm topic",
      enableKeyRotation: true,
      removalPolicy: props.removal === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        // Only alarms of this account may use the key (confused-deputy guard).
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, "Topic", { masterKey: key, enforceSSL: true });
    if (props.opsEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.opsEmail));

    const action = new SnsAction(this.topic);
    const add = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // The function runs about once a day: no data means nothing happened, not that something broke.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    const period = Duration.minutes(5);
    add(
      "FunctionErrors",
      props.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      "A report function invocation failed (see its logs for the error).",
    );
    // Errors counts invocations; a run is several of them, and its own end is counted by these.
    for (const [alarmId, { metricName, description }] of Object.entries(DURABLE_FAILURE_METRICS)) {
      add(alarmId, props.function.metric(metricName, { period, statistic: cloudwatch.Stats.SUM }), description);
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(
        `${name}Messages`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        `A report event was given up and parked in ${name}: inspect the message, fix the cause, re-run the day or period it was for.`,
      );
    }
  }
}
