import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";

import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { WORK_FOLDER } from "../../lambda/settings.js";
import { acknowledgeWildcardResource } from "../nag-acknowledgements.js";
import { InvalidPropsError, requireWholeNumber } from "./invalid-props.js";

export interface ReportBucketProps {
  /** Key prefix (no slashes at either end) that holds every object the app writes. */
  readonly prefix: string;
  /** Days after which report objects expire. */
  readonly reportRetentionDays: number;
  /** Days an overwritten or deleted object version is kept. */
  readonly noncurrentVersionDays: number;
  /** "destroy" empties and deletes the buckets with the stack (dev); "retain" keeps them (prod). */
  readonly removal: "retain" | "destroy";
  /**
   * Days a run's working files (`<prefix>/_work/`, parts it writes between its steps) are kept; longer than the
   * longest run, or a running one would lose them.
   * @default 7
   */
  readonly workFilesDays?: number;
  /**
   * Days the S3 server access logs are kept.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
}

/**
 * The private, versioned bucket the reports land in, plus the bucket its server access logs go to.
 * Grants are per prefix: the function never gets s3:* or the whole bucket.
 */
export class ReportBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: ReportBucketProps) {
    super(scope, id);
    // A slash at either end would make the lifecycle rules and grants miss the objects ("reports//…").
    if (props.prefix === "" || props.prefix.startsWith("/") || props.prefix.endsWith("/")) {
      throw new InvalidPropsError(this, `prefix "${props.prefix}" needs a key prefix without a slash at either end`);
    }
    requireWholeNumber(this, "reportRetentionDays", props.reportRetentionDays, 1, 3650);
    requireWholeNumber(this, "noncurrentVersionDays", props.noncurrentVersionDays, 1, 3650);
    if (props.workFilesDays !== undefined) requireWholeNumber(this, "workFilesDays", props.workFilesDays, 1, 3650);
    if (props.accessLogRetentionDays !== undefined) {
      requireWholeNumber(this, "accessLogRetentionDays", props.accessLogRetentionDays, 1, 3650);
    }
    this.prefix = props.prefix;
    const destroy = props.removal === "destroy";
    const removal = {
      removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: destroy,
    };

    // Server access logs only support SSE-S3 on the target bucket, hence S3_MANAGED here too.
    this.accessLogsBucket = new s3.Bucket(this, "AccessLogs", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
      ...removal,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This bucket is the server access log target; logging it into itself would loop.",
    });

    // SSE-S3 rather than KMS: the link endpoint's presigned GETs then need no kms:Decrypt for its role,
    // and the reports hold no data that calls for a customer-managed key's audit trail.
    this.bucket = new s3.Bucket(this, "Reports", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: "reports-bucket/",
      lifecycleRules: [
        {
          id: "expire-reports",
          prefix: `${props.prefix}/`,
          expiration: Duration.days(props.reportRetentionDays),
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // A run's working files are worth nothing once it ended: S3 honours the shorter of two overlapping
        // expirations, so this rule wins over expire-reports for them, and their old versions go a day later.
        {
          id: "expire-work-files",
          prefix: `${props.prefix}/${WORK_FOLDER}/`,
          expiration: Duration.days(props.workFilesDays ?? 7),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // Expired objects leave delete markers behind; clear them once their versions are gone.
        { id: "clean-delete-markers", prefix: `${props.prefix}/`, expiredObjectDeleteMarker: true },
      ],
      ...removal,
    });
  }

  /** The ARN pattern of every object under the app's prefix (the runs' working files under `_work/` too). */
  get objectsArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}/*`);
  }

  /**
   * Lets the function write (also multipart), read and list under the prefix — nothing else in the bucket.
   * ListBucket is there so a missing key answers 404 instead of 403.
   */
  grantReportAccess(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
        resources: [this.objectsArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(this.listUnderPrefix());
    this.acknowledgePrefixWildcard(
      grantee,
      `Report objects are written per day under "${this.prefix}/"; the wildcard covers only that prefix.`,
    );
  }

  /**
   * Lets the link endpoint read (GET and HEAD) and list under the prefix: it answers a signed link with a short
   * presigned GET, a missing report with a 404 page, and lists the stored days for the archive page. No writes.
   */
  grantLinkReads(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [this.objectsArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(this.listUnderPrefix());
    // A run's working files hold every call unmasked: a public endpoint must not be able to read
    // them even if its own key check failed.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ["s3:GetObject"],
        resources: [`${this.bucket.bucketArn}/${this.prefix}/${WORK_FOLDER}/*`],
      }),
    );
    this.acknowledgePrefixWildcard(
      grantee,
      `Signed links open the per-day reports under "${this.prefix}/"; the wildcard covers only that prefix.`,
    );
  }

  private listUnderPrefix(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ["s3:ListBucket"],
      resources: [this.bucket.bucketArn],
      // IfExists: an explicit listing must stay under the prefix, while S3's implicit "may this caller know the
      // key is missing?" check on GetObject carries no s3:prefix and would otherwise fail, turning 404 into 403.
      conditions: { StringLikeIfExists: { "s3:prefix": [`${this.prefix}/*`] } },
    });
  }

  // Objects have per-day keys, so the grants need the prefix wildcard; it is confined to this app's prefix.
  private acknowledgePrefixWildcard(grantee: iam.IGrantable, reason: string): void {
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) acknowledgeWildcardResource(principal, this.objectsArn, reason);
  }
}
