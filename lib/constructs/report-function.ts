import { Duration, RemovalPolicy, Size } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { requireWholeNumber } from "./invalid-props.js";

/** Newest Node.js runtime this aws-cdk-lib knows (cdk-nag's AwsSolutions-L1 compares against the same list). */
export const REPORT_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild target matching REPORT_RUNTIME, so the bundle keeps the syntax the runtime runs natively. */
export const REPORT_BUNDLE_TARGET = "node24";

// CJS dependencies bundled into an ES module (exceljs, parts of the SDK) call require() for Node built-ins;
// ESM has no require, so the banner recreates it before any bundled code runs.
const ESM_REQUIRE_BANNER =
  'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);';

export interface ReportFunctionProps {
  /** Path of the handler module (TypeScript); it must export `handler`. */
  readonly entry: string;
  /** Environment variables of the function. */
  readonly environment: Record<string, string>;
  /** Memory in MB (also buys CPU), 128–10240 as Lambda allows. */
  readonly memorySizeMb: number;
  /** Timeout in minutes, 1–15 (Lambda's maximum). */
  readonly timeoutMinutes: number;
  /** /tmp size in MB, 512–10240; the day's calls are spooled there. */
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
}

/**
 * The report Lambda: an ESM bundle of lambda/handler.ts built by the local esbuild (no Docker), one invocation
 * at a time, with failed async events parked on an encrypted queue instead of vanishing.
 */
export class ReportFunction extends Construct {
  readonly function: NodejsFunction;
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
      timeout: Duration.minutes(props.timeoutMinutes),
      ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMb),
      // One run at a time: a backfill and the daily run must not race on the same day's objects and email marker.
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      description: "Daily Autocalls call report: fetch, aggregate, XLSX to S3, email via SES",
      retryAttempts: 2,
      maxEventAge: props.maxEventAge ?? Duration.hours(6),
      onFailure: new SqsDestination(this.failureQueue),
      bundling: {
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
      },
    });
  }
}
