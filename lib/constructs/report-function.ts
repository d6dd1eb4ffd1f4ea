import { Annotations, Duration, RemovalPolicy, Size } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { type BundlingOptions, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledgeWildcardResource } from "../nag-acknowledgements.js";
import { requireWholeNumber } from "./invalid-props.js";

/** Newest Node.js runtime this aws-cdk-lib knows (cdk-nag's AwsSolutions-L1 compares against the same list). */
export const REPORT_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild target matching REPORT_RUNTIME, so the bundle keeps the syntax the runtime runs natively. */
export const REPORT_BUNDLE_TARGET = "node24";
/**
 * The alias every trigger invokes. A durable function is invoked by a qualified ARN (a version or an alias);
 * the alias moves to the version each deploy publishes, so the schedule and the commands never change.
 */
export const LIVE_ALIAS = "live";

// CJS dependencies bundled into an ES module (exceljs, parts of the SDK) call require() for Node built-ins;
// ESM has no require, so the banner recreates it before any bundled code runs.
const ESM_REQUIRE_BANNER =
  'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);';

/** How the stack's functions are bundled: an ES module for REPORT_RUNTIME, by the local esbuild (no Docker). */
export const ESM_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: REPORT_BUNDLE_TARGET,
  // Prefer the ESM builds of dependencies (the SDK ships both): smaller and tree-shakeable.
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourceMap: true,
  // Stack traces map back to file and line without shipping the sources inside the map.
  sourcesContent: false,
  // Bundle the SDK instead of using the runtime's copy: what runs in AWS is the version the tests ran.
  bundleAwsSDK: true,
  forceDockerBundling: false,
};

export interface ReportFunctionProps {
  /** Path of the handler module (TypeScript); it must export `handler`. */
  readonly entry: string;
  /** Environment variables of the function. */
  readonly environment: Record<string, string>;
  /** Memory in MB (also buys CPU), 128–10240 as Lambda allows. */
  readonly memorySizeMb: number;
  /** Timeout in minutes, 1–15 (Lambda's maximum). */
  readonly timeoutMinutes: number;
  /** /tmp size in MB, 512–10240; the report keeps nothing there (a run's calls wait in S3). */
  readonly ephemeralStorageMb: number;
  /** Days CloudWatch keeps the logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** "destroy" deletes the log group with the stack; "retain" keeps it. */
  readonly removal: "retain" | "destroy";
  /**
   * How long Lambda keeps retrying an async event (queued behind a running invocation or failing) before giving up,
   * 1 minute to 6 hours.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
  /** How long one durable execution (a run, across all its invocations and waits) may take, 1–8784 hours (366 days). */
  readonly executionTimeoutHours: number;
  /**
   * Days Lambda keeps a closed durable execution's history (its steps, result or error), 1–90.
   * @default 30
   */
  readonly executionHistoryDays?: number;
}

/**
 * The report Lambda, a durable function: an ESM bundle of lambda/handler.ts built by the local esbuild (no Docker),
 * one invocation at a time, invoked through its `live` alias, with failed async events parked on an encrypted
 * queue instead of vanishing.
 */
export class ReportFunction extends Construct {
  readonly function: NodejsFunction;
  /** What the schedule and the commands invoke: the version this deploy published. */
  readonly alias: lambda.Alias;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Async events that failed after all retries (or expired) land here. */
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReportFunctionProps) {
    super(scope, id);
    // Lambda's own limits, checked here so that a bad value fails at synth, not at deploy.
    requireWholeNumber(this, "memorySizeMb", props.memorySizeMb, 128, 10_240);
    requireWholeNumber(this, "timeoutMinutes", props.timeoutMinutes, 1, 15);
    requireWholeNumber(this, "ephemeralStorageMb", props.ephemeralStorageMb, 512, 10_240);
    if (props.maxEventAge !== undefined) {
      requireWholeNumber(this, "maxEventAge (seconds)", props.maxEventAge.toSeconds(), 60, 21_600);
    }
    // DurableConfig's limits: ExecutionTimeout 1–31,622,400 s, RetentionPeriodInDays 1–90.
    requireWholeNumber(this, "executionTimeoutHours", props.executionTimeoutHours, 1, 8_784);
    if (props.executionHistoryDays !== undefined) {
      requireWholeNumber(this, "executionHistoryDays", props.executionHistoryDays, 1, 90);
    }
    const removalPolicy = props.removal === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetentionDays, removalPolicy });

    // An own role instead of the AWSLambdaBasicExecutionRole managed policy: it may write to this log group only.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "callreport function: its log group, the report prefix, the token secret, the sender identity",
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.failureQueue = new sqs.Queue(this, "FailedInvocations", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      runtime: REPORT_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb,
      // The limit of one invocation; a run (a durable execution) spans several and is bounded by durableConfig.
      timeout: Duration.minutes(props.timeoutMinutes),
      durableConfig: {
        executionTimeout: Duration.hours(props.executionTimeoutHours),
        retentionPeriod: Duration.days(props.executionHistoryDays ?? 30),
      },
      ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMb),
      // One invocation at a time. A durable run between invocations (a rate-limit wait) holds no concurrency,
      // so two runs can still interleave; the email marker's conditional write keeps each day's email single.
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      description: "Daily Autocalls call report: fetch, aggregate, XLSX to S3, email via SES",
      // A run that started on a version finishes on it: a deploy must not delete the version it runs on.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      bundling: ESM_BUNDLING,
    });

    // Checkpointing is how a durable run saves its steps; Lambda authorizes it against the execution's ARN,
    // <function ARN>:<version>/durable-execution/<name>/<id> (never an alias, never the unqualified ARN).
    // A policy of its own, not the role's default one: the function depends on its role, so a statement naming the
    // function's ARN there would be a circular dependency.
    const executionsArn = `${this.function.functionArn}:*/durable-execution/*`;
    const checkpoints = new iam.Policy(this, "DurableExecutions", {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
          resources: [executionsArn],
        }),
      ],
    });
    acknowledgeWildcardResource(
      checkpoints,
      executionsArn,
      "Durable executions of this one function: any version it publishes (:*), any execution of it (/*).",
    );

    Annotations.of(this.function).acknowledgeInfo(
      "aws-lambda:Function.DurableConfig",
      "Adding durableConfig replaces the function once (README, Deploy); it has no fixed name, so that can succeed.",
    );

    // currentVersion publishes a new version whenever the function changes; the alias follows it.
    this.alias = new lambda.Alias(this, "Live", {
      aliasName: LIVE_ALIAS,
      version: this.function.currentVersion,
      description: "What the schedule and the run commands invoke: the version of the latest deploy",
      // Asynchronous invocation settings belong to the qualifier that is invoked, so they sit on the alias.
      retryAttempts: 2,
      maxEventAge: props.maxEventAge ?? Duration.hours(6),
      onFailure: new SqsDestination(this.failureQueue),
    });
    // Nothing invokes the function before it may checkpoint.
    this.alias.node.addDependency(checkpoints);
  }
}
