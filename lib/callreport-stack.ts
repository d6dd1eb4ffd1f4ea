import { fileURLToPath } from "node:url";
import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps, Tags, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import type { Construct } from "constructs";
import { TOKEN_PLACEHOLDER } from "../lambda/settings.js";
import { FailureAlarms } from "./constructs/failure-alarms.js";
import { LinkEndpoint } from "./constructs/link-endpoint.js";
import { ReportBucket } from "./constructs/report-bucket.js";
import { ReportFunction } from "./constructs/report-function.js";
import { ReportSchedule, type ScheduleCadence } from "./constructs/report-schedule.js";
import { functionEnvironment, linkEndpointEnvironment } from "./function-environment.js";
import { acknowledgeWildcardResource } from "./nag-acknowledgements.js";
import type { StageConfig } from "./stage-config.js";

/** The real handler; the stack always bundles it so what is tested is what is deployed. */
export const HANDLER_ENTRY = fileURLToPath(new URL("../lambda/handler.ts", import.meta.url));
/** The download-link endpoint's handler. */
export const LINK_ENDPOINT_ENTRY = fileURLToPath(new URL("../lambda/link-endpoint.ts", import.meta.url));

export interface CallReportStackProps extends StackProps {
  /** The validated stage this stack deploys. */
  readonly stage: StageConfig;
  /**
   * Handler module to bundle.
   * @default lambda/handler.ts (the only thing to deploy)
   */
  readonly handlerEntry?: string;
  /**
   * The link endpoint's handler module to bundle.
   * @default lambda/link-endpoint.ts
   */
  readonly linkEndpointEntry?: string;
}

/** Stack name for a stage, e.g. `CallReport-prod`. */
export function stackNameFor(stageName: string): string {
  return `CallReport-${stageName}`;
}

/**
 * The whole call report for one stage: bucket, function, schedules (daily, and weekly/monthly when the stage
 * has them), token secret, SES permission, alarms, and the download-link endpoint with its signing key.
 */
export class CallReportStack extends Stack {
  readonly reports: ReportBucket;
  readonly report: ReportFunction;
  /** The daily run. */
  readonly schedule: ReportSchedule;
  /** The stage's weekly and monthly runs, those it has. */
  readonly periodSchedules: ReportSchedule[];
  readonly alarms: FailureAlarms;
  readonly tokenSecret: secretsmanager.ISecret;
  /** The key the email's links are signed with (HMAC-SHA256); generated here, never handled by hand. */
  readonly linkSecret: secretsmanager.Secret;
  readonly links: LinkEndpoint;

  constructor(scope: Construct, id: string, props: CallReportStackProps) {
    super(scope, id, props);
    const { stage } = props;
    Tags.of(this).add("project", "callreport");
    Tags.of(this).add("stage", stage.name);
    const removalPolicy = stage.removal === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.reports = new ReportBucket(this, "Reports", {
      prefix: stage.prefix,
      reportRetentionDays: stage.retention.reportDays,
      noncurrentVersionDays: stage.retention.noncurrentVersionDays,
      workFilesDays: workFilesDays(stage.executionTimeoutHours),
      removal: stage.removal,
    });

    const tokenSecret = this.createOrImportTokenSecret(stage, removalPolicy);
    this.tokenSecret = tokenSecret.secret;

    this.linkSecret = new secretsmanager.Secret(this, "LinkSecret", {
      description: `Signing key of callreport's download links (${stage.name}); rotate with put-secret-value (README)`,
      // 64 letters and digits (~380 bits): no punctuation to trip up a shell or a copy-paste.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.linkSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotated by hand with one put-secret-value (README): the endpoint accepts AWSCURRENT and AWSPREVIOUS, so a " +
        "rotation keeps sent links working and a second one revokes them; scheduled rotation would need a rotation " +
        "function of its own and would cut links short on its own clock.",
    });

    this.links = new LinkEndpoint(this, "Links", {
      entry: props.linkEndpointEntry ?? LINK_ENDPOINT_ENTRY,
      environment: linkEndpointEnvironment(stage, this.reports.bucket.bucketName, this.linkSecret.secretArn),
      logRetentionDays: stage.logRetentionDays,
      removal: stage.removal,
    });
    this.reports.grantLinkReads(this.links.function);
    // GetSecretValue only, on this one secret: the endpoint reads its AWSCURRENT and AWSPREVIOUS versions.
    this.links.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.linkSecret.secretArn] }),
    );

    this.report = new ReportFunction(this, "Report", {
      entry: props.handlerEntry ?? HANDLER_ENTRY,
      memorySizeMb: stage.memorySizeMb,
      timeoutMinutes: stage.timeoutMinutes,
      ephemeralStorageMb: stage.ephemeralStorageMb,
      executionTimeoutHours: stage.executionTimeoutHours,
      logRetentionDays: stage.logRetentionDays,
      removal: stage.removal,
      environment: functionEnvironment(stage, this.reports.bucket.bucketName, tokenSecret.secretId, {
        baseUrl: this.links.url.url,
        secretId: this.linkSecret.secretArn,
      }),
    });
    const fn = this.report.function;

    this.reports.grantReportAccess(fn);
    // GetSecretValue only (grantRead would add DescribeSecret, which the function never calls): the API token,
    // and the link key it signs the email's links with.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["secretsmanager:GetSecretValue"],
        resources: [tokenSecret.policyArn, this.linkSecret.secretArn],
      }),
    );
    if (tokenSecret.imported) {
      // The full ARN of a secret looked up by name ends in a random 6-character suffix only AWS knows.
      acknowledgeWildcardResource(
        this.report.role,
        tokenSecret.policyArn,
        "The -?????? wildcard stands for the random suffix of the one existing token secret named in the stage.",
      );
    }
    this.grantSendEmail(stage);

    const schedule = (id: string, time: string, cadence: ScheduleCadence) =>
      // A durable function is invoked by a qualified ARN: the alias, which each deploy moves to its new version.
      new ReportSchedule(this, id, { target: this.report.alias, timezone: stage.timezone, time, cadence });
    this.schedule = schedule("Daily", stage.scheduleTime, { period: "day" });
    this.periodSchedules = [
      ...(stage.weekly
        ? [schedule("Weekly", stage.weekly.time, { period: "week", weekday: stage.weekly.weekday })]
        : []),
      ...(stage.monthly ? [schedule("Monthly", stage.monthly.time, { period: "month", day: stage.monthly.day })] : []),
    ];

    this.alarms = new FailureAlarms(this, "Alarms", {
      function: fn,
      deadLetterQueues: {
        FailedInvocations: this.report.failureQueue,
        ScheduleDeadLetters: this.schedule.deadLetterQueue,
        // WeeklyScheduleDeadLetters, MonthlyScheduleDeadLetters
        ...Object.fromEntries(
          this.periodSchedules.map((period) => [`${period.node.id}ScheduleDeadLetters`, period.deadLetterQueue]),
        ),
      },
      ...(stage.opsEmail === undefined ? {} : { opsEmail: stage.opsEmail }),
      removal: stage.removal,
    });

    // Where lost invocations end up; a DLQ behind a DLQ would only move the same messages again.
    Validations.of(this.report.failureQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself a dead-letter destination (Lambda on-failure / Scheduler DLQ).",
    });

    new CfnOutput(this, "BucketName", {
      value: this.reports.bucket.bucketName,
      description: "Bucket the reports land in",
    });
    new CfnOutput(this, "ReportsLocation", {
      value: `s3://${this.reports.bucket.bucketName}/${stage.prefix}/`,
      description: "Where the workbooks and summaries are written",
    });
    new CfnOutput(this, "FunctionName", { value: fn.functionName, description: "The report function" });
    // `<function name>:live`: what every invoke and durable-execution command names.
    const invokeName = this.report.alias.functionName;
    new CfnOutput(this, "FunctionAlias", {
      value: invokeName,
      description: "The report function's live alias, what the schedule and the commands invoke",
    });
    new CfnOutput(this, "LogGroupName", {
      value: this.report.logGroup.logGroupName,
      description: "The function's structured logs",
    });
    new CfnOutput(this, "RunDayCommand", {
      value: invokeCommand(invokeName, '{"date":"2025-08-04"}'),
      description: "Reports one day (a run of its own; watch it with list-durable-executions-by-function)",
    });
    new CfnOutput(this, "BackfillCommand", {
      value: invokeCommand(invokeName, '{"from":"2025-08-01","to":"2025-08-07"}'),
      description: 'Re-runs a date range (add "force":true to re-send emails already sent)',
    });
    new CfnOutput(this, "TokenSecretId", {
      value: tokenSecret.secretId,
      description: "The Autocalls API token secret (ARN, or the name of the existing secret)",
    });
    if (!tokenSecret.imported) {
      new CfnOutput(this, "FillTokenCommand", {
        value: `aws secretsmanager put-secret-value --secret-id ${this.tokenSecret.secretArn} --secret-string "<your Autocalls API token>"`,
        description: "Run once after the first deploy to store the API token",
      });
    }
    new CfnOutput(this, "LinkEndpointUrl", {
      value: this.links.url.url,
      description: "The download-link endpoint (function URL); every emailed link starts with it",
    });
    new CfnOutput(this, "LinkSecretId", {
      value: this.linkSecret.secretArn,
      description: "The secret holding the link signing key",
    });
    new CfnOutput(this, "ArchiveLinkCommand", {
      value: archiveLinkCommand(this.links.url.url, this.linkSecret.secretArn, stage),
      description: `Prints a signed link to this stage's archive page, valid ${stage.linkExpiryDays} days (run in this repository)`,
    });
    new CfnOutput(this, "RotateLinkKeyCommand", {
      value: `aws secretsmanager put-secret-value --secret-id ${this.linkSecret.secretArn} --secret-string "$(openssl rand -hex 32)"`,
      description:
        "Rotates the link key: links already sent keep working until the next rotation (run twice to revoke all)",
    });
  }

  private createOrImportTokenSecret(
    stage: StageConfig,
    removalPolicy: RemovalPolicy,
  ): { secret: secretsmanager.ISecret; secretId: string; policyArn: string; imported: boolean } {
    if (stage.existingTokenSecretName !== undefined) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, "TokenSecret", stage.existingTokenSecretName);
      // An imported secret's ARN lacks the random suffix AWS appends, so the policy must match it with "-??????"
      // (what grantRead does internally); the function itself finds the secret by name.
      return {
        secret,
        secretId: stage.existingTokenSecretName,
        policyArn: `${secret.secretArn}-??????`,
        imported: true,
      };
    }
    const secret = new secretsmanager.Secret(this, "TokenSecret", {
      description: `Autocalls API token for callreport (${stage.name}); fill with put-secret-value`,
      // A placeholder, not a generated password: the token comes from Autocalls, the user pastes it in.
      secretStringValue: SecretValue.unsafePlainText(TOKEN_PLACEHOLDER),
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason: "The Autocalls API token is issued by Autocalls; AWS cannot rotate it, the user replaces it by hand.",
    });
    return { secret, secretId: secret.secretArn, policyArn: secret.secretArn, imported: false };
  }

  private grantSendEmail(stage: StageConfig): void {
    const senderDomain = stage.sender.slice(stage.sender.lastIndexOf("@") + 1);
    if (stage.createSenderIdentity) {
      new ses.EmailIdentity(this, "SenderIdentity", {
        identity:
          stage.senderIdentityType === "domain" ? ses.Identity.domain(senderDomain) : ses.Identity.email(stage.sender),
      });
    }
    // SES authorizes against the address identity or its domain's, whichever is verified: allow exactly those two.
    const identities = [stage.sender, senderDomain];
    // In the sandbox SES also checks each recipient's (verified) identity.
    if (stage.sesSandbox) {
      const lists = [stage.recipients, ...(stage.reports ?? []).map((report) => report.recipients)];
      for (const list of lists) if (list) identities.push(...list.to, ...list.cc, ...list.bcc);
    }
    this.report.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["ses:SendRawEmail"],
        resources: [...new Set(identities)].map((identity) =>
          this.formatArn({ service: "ses", resource: "identity", resourceName: identity }),
        ),
      }),
    );
  }
}

/**
 * A week for a run's working files, or longer when a run may last that long: S3 counts from an object's creation
 * (rounded up to the next midnight UTC), and a part written in a run's first hour must outlive the run.
 */
export function workFilesDays(executionTimeoutHours: number): number {
  return Math.max(7, Math.ceil(executionTimeoutHours / 24) + 1);
}

/**
 * An asynchronous invoke of the alias: it starts a durable run that may outlive the 15 minutes a synchronous
 * invoke waits.
 */
function invokeCommand(functionName: string, payload: string): string {
  return `aws lambda invoke --function-name ${functionName} --invocation-type Event --cli-binary-format raw-in-base64-out --payload '${payload}' /dev/null`;
}

/**
 * The `npm run signed-link` command (bin/link.ts) that prints a signed archive link: it reads the key with the
 * operator's credentials, so everything else it needs is spelled out here.
 */
function archiveLinkCommand(baseUrl: string, linkSecretArn: string, stage: StageConfig): string {
  return `npm run --silent signed-link -- --archive --base-url ${baseUrl} --secret-id ${linkSecretArn} --prefix ${stage.prefix} --days ${stage.linkExpiryDays}`;
}
