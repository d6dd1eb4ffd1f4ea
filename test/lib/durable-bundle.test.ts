import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReportFunction } from "../../lib/constructs/report-function.js";
import { CDK_CONTEXT } from "../support/cdk-template.js";

/**
 * The durable execution SDK in the report function's bundle. The SDK imports `@aws-sdk/client-lambda` only when
 * it first checkpoints, so a bundle that left it out would load and start fine and fail at the first step. This
 * bundles a one-step durable handler with ReportFunction's own bundling options and runs it in a plain Node
 * process (no node_modules within reach) against a local endpoint standing in for Lambda's checkpoint API.
 */
const FIXTURE = fileURLToPath(new URL("../fixtures/durable-handler.ts", import.meta.url));
const EXECUTION_ARN =
  "arn:aws:lambda:eu-central-1:123456789012:function:report:3/durable-execution/manual-2025-08-04/0c5f2a";

interface Recorded {
  method: string;
  path: string;
  authorization: string;
  body: { CheckpointToken?: string; Updates?: Array<{ Type: string; Action: string }> };
}

let bundlePath: string;
let assemblyDir: string | undefined;
let lambdaApi: Server;
let endpoint: string;
const requests: Recorded[] = [];

async function readBody(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

beforeAll(async () => {
  const app = new App({ context: CDK_CONTEXT });
  const stack = new Stack(app, "DurableBundle", { env: { account: "123456789012", region: "eu-central-1" } });
  const report = new ReportFunction(stack, "Report", {
    entry: FIXTURE,
    environment: {},
    memorySizeMb: 1024,
    timeoutMinutes: 15,
    ephemeralStorageMb: 4096,
    executionTimeoutHours: 24,
    logRetentionDays: 90,
    removal: "destroy",
  });
  const functionId = stack.getLogicalId(report.function.node.defaultChild as CfnElement);
  const code = Template.fromStack(stack).toJSON().Resources[functionId].Properties.Code as { S3Key: string };
  assemblyDir = app.synth().directory;
  bundlePath = join(assemblyDir, `asset.${code.S3Key.replace(/\.zip$/, "")}`, "index.mjs");

  // CheckpointDurableExecution: POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint.
  lambdaApi = createServer(async (request, response) => {
    const body = await readBody(request);
    requests.push({
      method: request.method ?? "",
      path: decodeURIComponent(request.url ?? ""),
      authorization: String(request.headers.authorization ?? ""),
      body: body === "" ? {} : JSON.parse(body),
    });
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ CheckpointToken: `token-${requests.length + 1}`, NewExecutionState: { Operations: [] } }),
    );
  });
  await new Promise<void>((resolve) => lambdaApi.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(lambdaApi.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => lambdaApi?.close(resolve));
  // The cloud assembly with the bundle, in the OS temp dir.
  if (assemblyDir) await rm(assemblyDir, { recursive: true, force: true });
});

/** The first invocation of a durable execution, as Lambda hands it to the handler. */
function firstInvocation(input: unknown) {
  return {
    DurableExecutionArn: EXECUTION_ARN,
    CheckpointToken: "token-1",
    InitialExecutionState: {
      Operations: [
        {
          Id: "execution",
          Type: "EXECUTION",
          Status: "STARTED",
          StartTimestamp: Date.now(),
          ExecutionDetails: { InputPayload: JSON.stringify(input) },
        },
      ],
    },
  };
}

describe("the durable execution SDK in the bundle", () => {
  it("brings the Lambda client it loads lazily into the bundle, not to be resolved at run time", () => {
    const { sources } = JSON.parse(readFileSync(`${bundlePath}.map`, "utf8")) as { sources: string[] };

    expect(sources.some((source) => source.includes("node_modules/@aws/durable-execution-sdk-js/"))).toBe(true);
    expect(sources.some((source) => source.includes("node_modules/@aws-sdk/client-lambda/"))).toBe(true);
    expect(readFileSync(bundlePath, "utf8")).not.toMatch(/import\(\s*["']@aws-sdk\/client-lambda["']\s*\)/);
  });

  it("runs a step and checkpoints it through the Lambda API in plain Node", async () => {
    const script = `
      const { handler } = await import(${JSON.stringify(bundlePath)});
      const result = await handler(${JSON.stringify(firstInvocation({ date: "2025-08-04" }))},
        { awsRequestId: "bundle", getRemainingTimeInMillis: () => 600000 });
      process.stdout.write(JSON.stringify({ result }) + "\\n");
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      // Nothing but the bundle: no node_modules up the tree from "/".
      cwd: "/",
      env: {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "eu-central-1",
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret-example",
        AWS_ENDPOINT_URL_LAMBDA: endpoint,
      },
      timeout: 30_000,
    });
    const { result } = JSON.parse(stdout.split("\n").find((line) => line.startsWith('{"result":')) ?? "{}");

    expect(result).toMatchObject({ Status: "SUCCEEDED", Result: JSON.stringify({ day: "2025-08-04" }) });
    const checkpoints = requests.filter(({ path }) => path.endsWith("/checkpoint"));
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints[0]).toMatchObject({
      method: "POST",
      path: `/2025-12-01/durable-executions/${EXECUTION_ARN}/checkpoint`,
      body: { CheckpointToken: "token-1" },
    });
    // Signed by the bundled client with the process's credentials, as the execution role's would be.
    expect(checkpoints[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d+\/eu-central-1\/lambda\//,
    );
    expect(checkpoints.flatMap(({ body }) => body.Updates ?? []).map(({ Type }) => Type)).toContain("STEP");
  });
});
