import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { workFilesDays } from "../../lib/callreport-stack.js";
import { DURABLE_FAILURE_METRICS } from "../../lib/constructs/failure-alarms.js";
import { LIVE_ALIAS, REPORT_RUNTIME } from "../../lib/constructs/report-function.js";
import {
  CDK_CONTEXT,
  functionPolicies,
  functionStatements,
  logicalId,
  only,
  type Resource,
  reportBucketId,
  reportFunction,
  type Synthesized,
  statementFor,
  synthesizeStages,
} from "../support/cdk-template.js";

/** The report function as a Lambda durable function (issue #15): what the template must hold. Templates only: no bundling. */
let dev: Synthesized;
let prod: Synthesized;

beforeAll(() => {
  const { stacks } = synthesizeStages(["dev", "prod"], { bundle: false });
  dev = stacks.dev as Synthesized;
  prod = stacks.prod as Synthesized;
});

function aliasId({ stack }: Synthesized): string {
  return logicalId(stack, stack.report.alias);
}

/** Does an IAM resource pattern (`*` and `?` wildcards) match this ARN? */
function iamMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

describe("durable configuration", () => {
  it("lets a run take the stage's execution timeout and keeps its history for 30 days", () => {
    expect(reportFunction(dev)[1].Properties.DurableConfig).toEqual({
      ExecutionTimeout: 6 * 3600,
      RetentionPeriodInDays: 30,
    });
    expect(reportFunction(prod)[1].Properties.DurableConfig).toEqual({
      ExecutionTimeout: 24 * 3600,
      RetentionPeriodInDays: 30,
    });
  });

  it("keeps the function's own timeout as the limit of one invocation", () => {
    expect(reportFunction(prod)[1].Properties.Timeout).toBe(15 * 60);
  });

  it("runs on a Node.js the durable execution SDK supports", () => {
    const sdk = JSON.parse(
      readFileSync(
        fileURLToPath(new URL("../../node_modules/@aws/durable-execution-sdk-js/package.json", import.meta.url)),
        "utf8",
      ),
    ) as { engines: { node: string } };
    const required = Number(/>=\s*(\d+)/.exec(sdk.engines.node)?.[1]);
    const runtime = Number(/^nodejs(\d+)\.x$/.exec(REPORT_RUNTIME.name)?.[1]);

    expect(required).toBeGreaterThan(0);
    expect(runtime).toBeGreaterThanOrEqual(required);
  });
});

describe("versions and the live alias", () => {
  it("publishes a version on every change and keeps the old ones, which runs still finish on", () => {
    const [versionId, version] = only(dev.template, "AWS::Lambda::Version");

    expect(version.Properties.FunctionName).toEqual({ Ref: reportFunction(dev)[0] });
    expect(version.DeletionPolicy).toBe("Retain");
    expect(dev.template.toJSON().Resources[aliasId(dev)].Properties).toMatchObject({
      Name: LIVE_ALIAS,
      FunctionName: { Ref: reportFunction(dev)[0] },
      FunctionVersion: { "Fn::GetAtt": [versionId, "Version"] },
    });
  });

  it("lets the schedule invoke the alias and nothing else", () => {
    const [, schedule] = only(dev.template, "AWS::Scheduler::Schedule");
    const roleId = (schedule.Properties.Target as { RoleArn: { "Fn::GetAtt": [string] } }).RoleArn["Fn::GetAtt"][0];
    const [, policy] = only(dev.template, "AWS::IAM::Policy", { Properties: { Roles: [{ Ref: roleId }] } });
    const invoke = (
      policy.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }
    ).Statement.filter((statement) => statement.Action === "lambda:InvokeFunction");

    expect(invoke).toEqual([expect.objectContaining({ Resource: { Ref: aliasId(dev) } })]);
  });

  it("keeps the async retries and the failure queue on the alias, the qualifier every trigger invokes", () => {
    const [, invokeConfig] = only(dev.template, "AWS::Lambda::EventInvokeConfig");

    expect(invokeConfig.Properties.Qualifier).toEqual({
      "Fn::Select": [7, { "Fn::Split": [":", { Ref: aliasId(dev) }] }],
    });
    expect(invokeConfig.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { "Fn::GetAtt": [logicalId(dev.stack, dev.stack.report.failureQueue), "Arn"] } },
      },
    });
  });

  it("keeps reserved concurrency on the function, where it covers every version and the alias", () => {
    expect(reportFunction(dev)[1].Properties.ReservedConcurrentExecutions).toBe(1);
  });
});

describe("checkpoint permissions", () => {
  it("let the role checkpoint and read the state of this function's durable executions only", () => {
    const checkpoint = statementFor(functionStatements(dev), "lambda:CheckpointDurableExecution");

    expect([checkpoint.Action].flat().sort()).toEqual([
      "lambda:CheckpointDurableExecution",
      "lambda:GetDurableExecutionState",
    ]);
    // <function ARN>:<version>/durable-execution/<name>/<id>; the alias never appears in an execution's ARN.
    expect(checkpoint.Resource).toEqual({
      "Fn::Join": ["", [{ "Fn::GetAtt": [reportFunction(dev)[0], "Arn"] }, ":*/durable-execution/*"]],
    });
  });

  it("are a policy the alias waits for, so nothing invokes the function before it may checkpoint", () => {
    const [policyId] = functionPolicies(dev).find(([, policy]) =>
      JSON.stringify(policy).includes("lambda:CheckpointDurableExecution"),
    ) as [string, Resource];

    expect((dev.template.toJSON().Resources[aliasId(dev)] as Resource).DependsOn).toContain(policyId);
  });

  it("cover every execution ARN form the API documents, and no other function", () => {
    const pattern = "arn:aws:lambda:us-east-1:123456789012:function:report:*/durable-execution/*";

    for (const qualifier of ["1", "42", "$LATEST", "$LATEST.PUBLISHED"]) {
      expect(
        iamMatches(
          pattern,
          `arn:aws:lambda:us-east-1:123456789012:function:report:${qualifier}/durable-execution/run/abc`,
        ),
      ).toBe(true);
    }
    expect(iamMatches(pattern, "arn:aws:lambda:us-east-1:123456789012:function:report")).toBe(false);
    expect(
      iamMatches(pattern, "arn:aws:lambda:us-east-1:123456789012:function:other:1/durable-execution/run/abc"),
    ).toBe(false);
  });
});

describe("alarms on runs", () => {
  it.each(Object.values(DURABLE_FAILURE_METRICS).map(({ metricName }) => metricName))(
    "alarm on %s of the report function, by function name (every version), to the alarm topic",
    (metricName) => {
      const [, alarm] = only(dev.template, "AWS::CloudWatch::Alarm", { Properties: { MetricName: metricName } });

      expect(alarm.Properties).toMatchObject({
        Namespace: "AWS/Lambda",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: reportFunction(dev)[0] } }],
        Statistic: "Sum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [{ Ref: logicalId(dev.stack, dev.stack.alarms.topic) }],
      });
    },
  );
});

describe("working files", () => {
  function lifecycleRule(synthesized: Synthesized, id: string): Record<string, unknown> {
    const bucket = synthesized.template.toJSON().Resources[reportBucketId(synthesized)] as Resource;
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Array<{ Id: string }> }).Rules;
    return rules.find((rule) => rule.Id === id) as Record<string, unknown>;
  }

  it("expire under <prefix>/_work/ after 7 days, with their old versions and unfinished uploads", () => {
    expect(lifecycleRule(dev, "expire-work-files")).toEqual({
      Id: "expire-work-files",
      Prefix: "reports/_work/",
      Status: "Enabled",
      ExpirationInDays: 7,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
  });

  it("outlive a run whose execution timeout is longer than a week", () => {
    expect(workFilesDays(24)).toBe(7);
    expect(workFilesDays(720)).toBe(31);
    const stages = { long: { ...CDK_CONTEXT.stages.dev, executionTimeoutHours: 720 } };
    const { stacks } = synthesizeStages(["long"], { bundle: false, stages });

    expect(lifecycleRule(stacks.long as Synthesized, "expire-work-files").ExpirationInDays).toBe(31);
  });

  it("are within the function's S3 grant, which stays on its prefix", () => {
    const objects = statementFor(functionStatements(dev), "s3:PutObject");
    const [bucketArn, suffix] = (objects.Resource as { "Fn::Join": [string, [unknown, string]] })["Fn::Join"][1];

    expect(bucketArn).toEqual({ "Fn::GetAtt": [reportBucketId(dev), "Arn"] });
    expect([objects.Action].flat()).toEqual(expect.arrayContaining(["s3:PutObject", "s3:GetObject"]));
    expect(
      iamMatches(`arn:aws:s3:::bucket${suffix}`, "arn:aws:s3:::bucket/reports/_work/run-1/part-00001.ndjson.gz"),
    ).toBe(true);
    expect(iamMatches(`arn:aws:s3:::bucket${suffix}`, "arn:aws:s3:::bucket/other/_work/part.ndjson.gz")).toBe(false);
  });
});

describe("security review", () => {
  it.each(["dev", "prod"])("finds nothing unacknowledged in %s", (name) => {
    const { stack } = name === "dev" ? dev : prod;
    const report = new AwsSolutionsChecks().validateScope(stack);

    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});
