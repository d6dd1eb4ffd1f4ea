import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { requireWholeNumber } from "./invalid-props.js";
import { ESM_BUNDLING, REPORT_RUNTIME } from "./report-function.js";

export interface LinkEndpointProps {
  /** Path of the endpoint's handler module (TypeScript); it must export `handler` for a function URL. */
  readonly entry: string;
  /** Environment variables of the function. */
  readonly environment: Record<string, string>;
  /** Days CloudWatch keeps the logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** "destroy" deletes the log group with the stack; "retain" keeps it. */
  readonly removal: "retain" | "destroy";
  /**
   * Invocations that may run at once: a ceiling on what a flood of requests to the public URL can cost.
   * @default 5
   */
  readonly reservedConcurrency?: number;
  /**
   * Memory in MB; the endpoint only checks a signature, presigns a GET or renders a small page.
   * @default 256
   */
  readonly memorySizeMb?: number;
}

/**
 * The download-link endpoint: a small function behind a public function URL that turns a signed link from the
 * email into a short presigned GET (or the archive page), with a role of its own that may only read the reports.
 */
export class LinkEndpoint extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** `url.url` is the base every emailed link starts with (`https://<id>.lambda-url.<region>.on.aws/`). */
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: LinkEndpointProps) {
    super(scope, id);
    const reservedConcurrency = props.reservedConcurrency ?? 5;
    const memorySizeMb = props.memorySizeMb ?? 256;
    requireWholeNumber(this, "reservedConcurrency", reservedConcurrency, 1, 1000);
    requireWholeNumber(this, "memorySizeMb", memorySizeMb, 128, 10_240);
    const removalPolicy = props.removal === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetentionDays, removalPolicy });

    // Not the report function's role: whoever holds a link reaches this code, so it may read and nothing more.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "callreport link endpoint: its log group, reading the report prefix, the link signing key",
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      runtime: REPORT_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: memorySizeMb,
      // A signature check, one or two S3 calls and a presign; a browser waiting longer has given up anyway.
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      description: "callreport download links: checks a signed link, redirects to the workbook or shows the archive",
      bundling: ESM_BUNDLING,
    });

    // No AWS auth on purpose: the managers' browsers hold no AWS credentials. Each link carries its own HMAC
    // signature and expiry, which the function checks before it reads anything; an unsigned request gets 403.
    // Reserved concurrency bounds what a flood of requests can run up. (cdk-nag's AwsSolutions pack has no rule on
    // function URL auth, so there is no finding to acknowledge; the README says the same.)
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  }
}
