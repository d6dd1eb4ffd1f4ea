import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLambdaEnv, stageReports } from "../../lambda/config.js";
import { LAMBDA_ENV, TOKEN_PLACEHOLDER } from "../../lambda/settings.js";
import {
  CDK_CONTEXT,
  functionStatements,
  linkEndpointFunction,
  linkEndpointStatements,
  logicalId,
  only,
  type Resource,
  reportBucketId,
  reportFunction,
  type Synthesized,
  statementFor,
  synthesizeStages,
} from "../support/cdk-template.js";

let dev: Synthesized;
let prod: Synthesized;
let assemblyDir: string;

beforeAll(() => {
  // Both stages in one app with cdk.json's context (feature flags included): one synth, one bundle per stack.
  const { app, stacks } = synthesizeStages(["dev", "prod"], { bundle: true });
  dev = stacks.dev as Synthesized;
  prod = stacks.prod as Synthesized;
  assemblyDir = app.synth().directory;
  // Two stages, each with its bundles: ~50 s on two busy cores, past the suite's 60 s hook limit at times.
}, 180_000);

// The cloud assembly lands in the OS temp dir (~5 MB with the bundled function).
afterAll(() => rmSync(assemblyDir, { recursive: true, force: true }));

function environment(synthesized: Synthesized): Record<string, unknown> {
  const [, fn] = reportFunction(synthesized);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

function linkSecretId(synthesized: Synthesized): string {
  return logicalId(synthesized.stack, synthesized.stack.linkSecret);
}

function functionUrlId(synthesized: Synthesized): string {
  return logicalId(synthesized.stack, synthesized.stack.links.url);
}

describe("report bucket", () => {
  it("blocks all public access and encrypts with S3-managed keys", () => {
    dev.template.hasResourceProperties("AWS::S3::Bucket", {
      VersioningConfiguration: { Status: "Enabled" },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
    });
  });

  it("denies every request to both buckets that does not use TLS", () => {
    const policies = Object.values(dev.template.findResources("AWS::S3::BucketPolicy")) as Resource[];

    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect((policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Action: "s3:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  it("writes server access logs to the separate log bucket", () => {
    const [, bucket] = only(dev.template, "AWS::S3::Bucket", {
      Properties: { VersioningConfiguration: { Status: "Enabled" } },
    });

    expect(bucket.Properties.LoggingConfiguration).toMatchObject({
      DestinationBucketName: { Ref: expect.any(String) },
    });
  });

  it("expires reports and old versions under the prefix after the stage's retention", () => {
    dev.template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: "reports/",
            ExpirationInDays: 30,
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ]),
      },
    });
    prod.template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 400 })]) },
    });
  });

  it("is deleted with its objects in dev and retained in prod", () => {
    expect(dev.template.findResources("AWS::S3::Bucket")[reportBucketId(dev)]?.DeletionPolicy).toBe("Delete");
    dev.template.resourceCountIs("Custom::S3AutoDeleteObjects", 2);
    expect(prod.template.findResources("AWS::S3::Bucket")[reportBucketId(prod)]?.DeletionPolicy).toBe("Retain");
    prod.template.resourceCountIs("Custom::S3AutoDeleteObjects", 0);
  });
});

describe("report function", () => {
  it("runs on the newest Node.js runtime on arm64 with the stage's sizing", () => {
    const [, fn] = reportFunction(dev);

    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      MemorySize: 1024,
      Timeout: 900,
      EphemeralStorage: { Size: 512 },
    });
  });

  it("runs one invocation at a time", () => {
    expect(reportFunction(dev)[1].Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it("retries a failed async event twice, then parks it on an encrypted queue", () => {
    const [, invokeConfig] = only(dev.template, "AWS::Lambda::EventInvokeConfig");

    expect(invokeConfig.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [expect.any(String), "Arn"] } } },
    });
    const destinationId = (
      invokeConfig.Properties.DestinationConfig as { OnFailure: { Destination: { "Fn::GetAtt": [string] } } }
    ).OnFailure.Destination["Fn::GetAtt"][0];
    expect(dev.template.findResources("AWS::SQS::Queue")[destinationId]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
    });
  });

  it("keeps its logs for the stage's retention", () => {
    dev.template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 14 });
    prod.template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 365 });
  });

  it("wires the stage settings into the variables the handler reads", () => {
    expect(environment(prod)).toMatchObject({
      [LAMBDA_ENV.bucket]: { Ref: reportBucketId(prod) },
      [LAMBDA_ENV.prefix]: "reports",
      [LAMBDA_ENV.timezone]: "America/New_York",
      [LAMBDA_ENV.environment]: "prod",
      [LAMBDA_ENV.tokenSecretId]: "callreport/prod/autocalls-token",
      [LAMBDA_ENV.mailFrom]: "reports@example.com",
      [LAMBDA_ENV.mailTo]: "sales-manager@example.com,cx-manager@example.com",
      [LAMBDA_ENV.mailBcc]: "audit@example.com",
      [LAMBDA_ENV.maskPhoneNumbers]: "true",
      [LAMBDA_ENV.linkExpiryDays]: "30",
      [LAMBDA_ENV.linkBaseUrl]: { "Fn::GetAtt": [functionUrlId(prod), "FunctionUrl"] },
      [LAMBDA_ENV.linkSecretId]: { Ref: linkSecretId(prod) },
      POWERTOOLS_SERVICE_NAME: "callreport",
      POWERTOOLS_LOG_LEVEL: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("sets an environment the handler's own config parser accepts", () => {
    for (const synthesized of [dev, prod]) {
      // Deploy-time references (bucket name, secret ARN, the endpoint's URL) become placeholder strings.
      const variables = Object.fromEntries(
        Object.entries(environment(synthesized)).map(([name, value]) => [
          name,
          typeof value === "string" ? value : "https://resolved-at-deploy.example/",
        ]),
      );

      expect(() => parseLambdaEnv(variables)).not.toThrow();
    }
  });

  it("is bundled from lambda/handler.ts into an ES module with a require shim", () => {
    const [, fn] = reportFunction(dev);
    const assetHash = String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, "");
    const bundlePath = join(assemblyDir, `asset.${assetHash}`, "index.mjs");

    expect(readFileSync(bundlePath, "utf8").slice(0, 200)).toContain("createRequire(import.meta.url)");
    // The SDK is bundled in; past ~3 MB something unintended (a test helper, a second SDK copy) came along.
    expect(statSync(bundlePath).size).toBeLessThanOrEqual(3 * 1024 * 1024);
  });
});

describe("download links", () => {
  it("are served by the endpoint function's public URL (AuthType NONE: the link's signature is the auth)", () => {
    const [, url] = only(dev.template, "AWS::Lambda::Url");
    const [endpointId] = linkEndpointFunction(dev);

    expect(url.Properties).toEqual({ AuthType: "NONE", TargetFunctionArn: { "Fn::GetAtt": [endpointId, "Arn"] } });
    // Anyone may invoke it, through the URL only.
    const permissions = Object.values(dev.template.findResources("AWS::Lambda::Permission")) as Resource[];
    const onEndpoint = permissions
      .map(({ Properties }) => Properties)
      .filter(
        ({ FunctionName }) => JSON.stringify(FunctionName) === JSON.stringify({ "Fn::GetAtt": [endpointId, "Arn"] }),
      );
    expect(onEndpoint).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionUrlAuthType: "NONE" }),
        expect.objectContaining({ Action: "lambda:InvokeFunction", Principal: "*", InvokedViaFunctionUrl: true }),
      ]),
    );
    expect(onEndpoint).toHaveLength(2);
  });

  it("run on a small function: the report's runtime on arm64, 256 MB, 10 s, at most 5 at once", () => {
    expect(linkEndpointFunction(dev)[1].Properties).toMatchObject({
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      MemorySize: 256,
      Timeout: 10,
      ReservedConcurrentExecutions: 5,
    });
  });

  it("log to a group of their own kept for the stage's retention", () => {
    for (const [synthesized, days] of [
      [dev, 14],
      [prod, 365],
    ] as const) {
      const [, fn] = linkEndpointFunction(synthesized);
      const groupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const group = synthesized.template.findResources("AWS::Logs::LogGroup")[groupId] as Resource;

      expect(group.Properties.RetentionInDays).toBe(days);
      expect(groupId).not.toBe(logicalId(synthesized.stack, synthesized.stack.report.logGroup));
    }
  });

  it("let the endpoint's own role read and list under the prefix (not _work/) and read the link key — nothing else but its logs", () => {
    const bucketArn = { "Fn::GetAtt": [reportBucketId(dev), "Arn"] };
    const [, fn] = linkEndpointFunction(dev);
    const groupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const statements = linkEndpointStatements(dev);

    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: { "Fn::GetAtt": [groupId, "Arn"] },
        },
        { Effect: "Allow", Action: "s3:GetObject", Resource: { "Fn::Join": ["", [bucketArn, "/reports/*"]] } },
        {
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: bucketArn,
          Condition: { StringLikeIfExists: { "s3:prefix": ["reports/*"] } },
        },
        { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: { Ref: linkSecretId(dev) } },
        // The run's working files (every call, unmasked) stay out of reach of the public endpoint.
        { Effect: "Deny", Action: "s3:GetObject", Resource: { "Fn::Join": ["", [bucketArn, "/reports/_work/*"]] } },
      ]),
    );
    expect(statements).toHaveLength(5);
  });

  it("give the endpoint a role of its own, with no managed or inline policies besides those statements", () => {
    const [, fn] = linkEndpointFunction(dev);
    const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0];
    const role = dev.template.findResources("AWS::IAM::Role")[roleId] as Resource;

    expect(roleId).not.toBe(logicalId(dev.stack, dev.stack.report.role));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  it("are signed with a key the stack generates: 64 letters and digits, removed with the stack only in dev", () => {
    for (const [synthesized, deletion] of [
      [dev, "Delete"],
      [prod, "Retain"],
    ] as const) {
      const secret = synthesized.template.findResources("AWS::SecretsManager::Secret")[linkSecretId(synthesized)];

      expect(secret?.Properties).toMatchObject({
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      });
      expect(secret?.Properties.SecretString).toBeUndefined();
      expect(secret?.DeletionPolicy).toBe(deletion);
    }
  });

  it("hand the endpoint its bucket, prefix, key, stage, link validity and report retention", () => {
    const [, fn] = linkEndpointFunction(prod);

    expect((fn.Properties.Environment as { Variables: unknown }).Variables).toEqual({
      [LAMBDA_ENV.bucket]: { Ref: reportBucketId(prod) },
      [LAMBDA_ENV.prefix]: "reports",
      [LAMBDA_ENV.environment]: "prod",
      [LAMBDA_ENV.linkSecretId]: { Ref: linkSecretId(prod) },
      [LAMBDA_ENV.linkExpiryDays]: "30",
      [LAMBDA_ENV.reportRetentionDays]: "400",
      POWERTOOLS_SERVICE_NAME: "callreport-links",
      POWERTOOLS_LOG_LEVEL: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("are bundled from lambda/link-endpoint.ts into an asset of their own", () => {
    const assetOf = ([, fn]: [string, Resource]) => String((fn.Properties.Code as { S3Key: string }).S3Key);
    const endpointAsset = assetOf(linkEndpointFunction(dev));

    expect(endpointAsset).not.toBe(assetOf(reportFunction(dev)));
    const bundle = readFileSync(join(assemblyDir, `asset.${endpointAsset.replace(/\.zip$/, "")}`, "index.mjs"), "utf8");
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b/);
  });

  it("come with outputs: the endpoint URL, the key, a command printing a signed archive link, and one rotating the key", () => {
    const outputs = prod.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const url = { "Fn::GetAtt": [functionUrlId(prod), "FunctionUrl"] };
    const key = { Ref: linkSecretId(prod) };

    expect(outputs.LinkEndpointUrl?.Value).toEqual(url);
    expect(outputs.LinkSecretId?.Value).toEqual(key);
    expect(outputs.ArchiveLinkCommand?.Value).toEqual({
      "Fn::Join": [
        "",
        [
          "npm run --silent signed-link -- --archive --base-url ",
          url,
          " --secret-id ",
          key,
          " --prefix reports --days 30",
        ],
      ],
    });
    expect(outputs.RotateLinkKeyCommand?.Value).toEqual({
      "Fn::Join": [
        "",
        ["aws secretsmanager put-secret-value --secret-id ", key, ' --secret-string "$(openssl rand -hex 32)"'],
      ],
    });
  });
});

describe("daily schedule", () => {
  it("runs at the stage's local time in its timezone", () => {
    dev.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(30 6 * * ? *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
    });
    prod.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpressionTimezone: "America/New_York",
    });
  });

  it("passes the scheduled time so the handler derives yesterday from it", () => {
    const [, schedule] = only(dev.template, "AWS::Scheduler::Schedule");

    expect((schedule.Properties.Target as { Input: string }).Input).toBe(
      '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
    );
  });

  it("targets the report function's live alias (a qualified ARN) with a retry policy and an encrypted DLQ", () => {
    const [, schedule] = only(dev.template, "AWS::Scheduler::Schedule");
    const target = schedule.Properties.Target as {
      Arn: unknown;
      RetryPolicy: unknown;
      DeadLetterConfig: { Arn: { "Fn::GetAtt": [string] } };
    };

    // A durable function cannot be invoked by its unqualified ARN; the alias's Ref is its ARN, `…:function:NAME:live`.
    expect(target.Arn).toEqual({ Ref: logicalId(dev.stack, dev.stack.report.alias) });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 6 * 3600 });
    const dlqId = target.DeadLetterConfig.Arn["Fn::GetAtt"][0];
    expect(dev.template.findResources("AWS::SQS::Queue")[dlqId]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
    });
  });

  it("lets Scheduler assume its role only for this account's schedules", () => {
    dev.template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: "scheduler.amazonaws.com" },
            Condition: { StringEquals: Match.objectLike({ "aws:SourceAccount": { Ref: "AWS::AccountId" } }) },
          }),
        ],
      },
    });
  });
});

describe("queues", () => {
  it("deny every request to both dead-letter queues that does not use TLS", () => {
    const policies = Object.values(dev.template.findResources("AWS::SQS::QueuePolicy")) as Resource[];

    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect((policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });
});

describe("alarms", () => {
  it("alarm on a function error, a run that did not succeed and any message in either dead-letter queue", () => {
    const alarms = Object.values(dev.template.findResources("AWS::CloudWatch::Alarm")) as Resource[];

    expect(alarms.map((alarm) => alarm.Properties.MetricName).sort()).toEqual([
      "ApproximateNumberOfMessagesVisible",
      "ApproximateNumberOfMessagesVisible",
      "DurableExecutionFailed",
      "DurableExecutionStopped",
      "DurableExecutionTimedOut",
      "Errors",
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [{ Ref: expect.any(String) }],
      });
    }
  });

  it("publish to a topic encrypted with a rotating key CloudWatch may use", () => {
    const [, topic] = only(dev.template, "AWS::SNS::Topic");
    const keyId = (topic.Properties.KmsMasterKeyId as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0];
    const key = dev.template.findResources("AWS::KMS::Key")[keyId] as Resource;

    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect((key.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: "cloudwatch.amazonaws.com" } }),
    );
  });

  it("email the ops address only when the stage names one", () => {
    prod.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
    });
    dev.template.resourceCountIs("AWS::SNS::Subscription", 0);
  });
});

describe("function permissions", () => {
  it("reach S3 objects only under the report prefix, never with s3:*", () => {
    const statements = functionStatements(dev);
    const bucketId = reportBucketId(dev);
    const objects = statementFor(statements, "s3:PutObject");

    expect([objects.Action].flat().sort()).toEqual(["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]);
    expect(objects.Resource).toEqual({ "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/reports/*"]] });
    expect(statements.flatMap((statement) => [statement.Action].flat())).not.toContain("s3:*");
  });

  it("list the bucket only for keys under the prefix (and may learn that a key is missing)", () => {
    const list = statementFor(functionStatements(dev), "s3:ListBucket");

    expect(list.Resource).toEqual({ "Fn::GetAtt": [reportBucketId(dev), "Arn"] });
    expect(list.Condition).toEqual({ StringLikeIfExists: { "s3:prefix": ["reports/*"] } });
  });

  it("read only the values of the token secret and the link key (which signs the email's links)", () => {
    const [tokenSecretId] = only(dev.template, "AWS::SecretsManager::Secret", {
      Properties: { SecretString: TOKEN_PLACEHOLDER },
    });
    const read = statementFor(functionStatements(dev), "secretsmanager:GetSecretValue");

    expect(read.Action).toBe("secretsmanager:GetSecretValue");
    expect(read.Resource).toEqual(expect.arrayContaining([{ Ref: tokenSecretId }, { Ref: linkSecretId(dev) }]));
    expect(read.Resource).toHaveLength(2);
  });

  it("read an existing secret by its name when the stage names one", () => {
    // The one secret prod creates is the link key.
    expect(Object.keys(prod.template.findResources("AWS::SecretsManager::Secret"))).toEqual([linkSecretId(prod)]);
    const read = statementFor(functionStatements(prod), "secretsmanager:GetSecretValue");

    expect(JSON.stringify(read.Resource)).toContain(":secret:callreport/prod/autocalls-token-??????");
    expect(read.Resource).toContainEqual({ Ref: linkSecretId(prod) });
  });

  it("send email only as the sender address or its domain", () => {
    const send = statementFor(functionStatements(prod), "ses:SendRawEmail");

    expect(send.Action).toBe("ses:SendRawEmail");
    expect([send.Resource].flat().sort()).toEqual([
      "arn:aws:ses:us-east-1:123456789012:identity/example.com",
      "arn:aws:ses:us-east-1:123456789012:identity/reports@example.com",
    ]);
  });

  it("also cover the recipients' identities while SES is in the sandbox", () => {
    const send = statementFor(functionStatements(dev), "ses:SendRawEmail");

    expect(JSON.stringify(send.Resource)).toContain(":identity/dev-reports@example.com");
  });

  it("grant nothing on every resource, to either function", () => {
    for (const synthesized of [dev, prod]) {
      for (const statement of [...functionStatements(synthesized), ...linkEndpointStatements(synthesized)]) {
        expect([statement.Resource].flat()).not.toContain("*");
      }
    }
  });
});

describe("stack", () => {
  it("creates the sender identity only when the stage asks for it", () => {
    dev.template.hasResourceProperties("AWS::SES::EmailIdentity", { EmailIdentity: "callreport-dev@example.com" });
    prod.template.resourceCountIs("AWS::SES::EmailIdentity", 0);
  });

  it("creates an empty token secret for the user to fill when none is named", () => {
    const [, secret] = only(dev.template, "AWS::SecretsManager::Secret", {
      Properties: { SecretString: Match.anyValue() },
    });

    // The very placeholder the function recognises as "not filled in yet".
    expect(secret.Properties.SecretString).toBe(TOKEN_PLACEHOLDER);
    dev.template.hasOutput("FillTokenCommand", { Value: Match.objectLike({ "Fn::Join": Match.anyValue() }) });
  });

  it("tags its resources with the project and the stage", () => {
    expect(reportFunction(prod)[1].Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: "project", Value: "callreport" },
        { Key: "stage", Value: "prod" },
      ]),
    );
    expect(prod.stack.stackName).toBe("CallReport-prod");
  });

  it("outputs the bucket, the function, its alias, its log group and ready-to-run commands", () => {
    const outputs = dev.template.toJSON().Outputs as Record<string, { Value: unknown }>;

    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        "BucketName",
        "FunctionName",
        "FunctionAlias",
        "LogGroupName",
        "RunDayCommand",
        "BackfillCommand",
        "LinkEndpointUrl",
        "LinkSecretId",
        "ArchiveLinkCommand",
        "RotateLinkKeyCommand",
      ]),
    );
  });

  it.each([
    ["RunDayCommand", '{\\"date\\":\\"2025-08-04\\"}'],
    ["BackfillCommand", '{\\"from\\":\\"2025-08-01\\",\\"to\\":\\"2025-08-07\\"}'],
  ])("outputs a %s that starts a run asynchronously through the live alias", (name, payload) => {
    const outputs = dev.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const command = JSON.stringify(outputs[name]?.Value);

    expect(command).toContain("aws lambda invoke --function-name ");
    expect(command).toContain(":live --invocation-type Event --cli-binary-format raw-in-base64-out");
    expect(command).toContain(payload);
  });

  it.each(["dev", "prod"])("passes the AwsSolutions checks for %s with no unacknowledged finding", (name) => {
    const { stack } = name === "dev" ? dev : prod;
    const report = new AwsSolutionsChecks().validateScope(stack);

    expect(
      report.violations.map(
        (violation) => `${violation.ruleName} at ${violation.violatingResources[0]?.constructPath}`,
      ),
    ).toEqual([]);
  });
});

describe("a stage with several reports", () => {
  const reports = [
    { name: "sales", title: "Sales", recipients: { to: ["head-of-sales@example.com"] } },
    {
      name: "finance",
      recipients: { to: ["cfo@example.com"], bcc: ["audit@example.com"] },
      filters: { campaignIds: [7], callStatuses: ["completed"] },
      includeTranscripts: false,
      maskPhoneNumbers: true,
    },
  ];
  let teams: Synthesized;
  beforeAll(() => {
    const { recipients: _unused, ...dev } = CDK_CONTEXT.stages.dev as Record<string, unknown>;
    teams = synthesizeStages(["teams"], { bundle: false, stages: { teams: { ...dev, reports } } }).stacks
      .teams as Synthesized;
  }, 120_000);

  it("hands the function the list (REPORTS) instead of the stage's recipients, which its config parser reads back", () => {
    const variables = Object.fromEntries(
      Object.entries(environment(teams)).map(([name, value]) => [
        name,
        typeof value === "string" ? value : "https://resolved-at-deploy.example/",
      ]),
    );
    expect(variables[LAMBDA_ENV.mailTo]).toBeUndefined();
    expect(JSON.parse(String(variables[LAMBDA_ENV.reports]))).toEqual([
      { ...reports[0], recipients: { to: ["head-of-sales@example.com"], cc: [], bcc: [] }, filters: {} },
      { ...reports[1], recipients: { to: ["cfo@example.com"], cc: [], bcc: ["audit@example.com"] } },
    ]);
    const definitions = stageReports(parseLambdaEnv(variables));
    expect(
      definitions.map(({ name, title, includeTranscripts, maskPhoneNumbers }) => ({
        name,
        title,
        includeTranscripts,
        maskPhoneNumbers,
      })),
    ).toEqual([
      // Left out: the stage's own options (dev: the defaults).
      { name: "sales", title: "Sales", includeTranscripts: true, maskPhoneNumbers: false },
      { name: "finance", title: "Finance", includeTranscripts: false, maskPhoneNumbers: true },
    ]);
  });

  it("lets the function send to every report's recipients while SES is in the sandbox", () => {
    const resources = JSON.stringify(statementFor(functionStatements(teams), "ses:SendRawEmail").Resource);
    for (const address of ["head-of-sales@example.com", "cfo@example.com", "audit@example.com"]) {
      expect(resources).toContain(`:identity/${address}`);
    }
  });
});
