import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { App, type CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../demo/simulator.js";
import { CallReportStack, stackNameFor } from "../../lib/callreport-stack.js";
import { resolveStage } from "../../lib/stage-config.js";
import { type S3Emulator, startS3Emulator } from "../support/s3-emulator.js";
import { type SecretsEmulator, startSecretsEmulator } from "../support/secrets-emulator.js";
import { type SesEmulator, startSesEmulator } from "../support/ses-emulator.js";

/**
 * What is deployed is what was tested: synthesize the dev stack, take the function's bundled
 * asset out of the cloud assembly and its environment out of the template, and run that file
 * in a plain Node process (no tsx, no node_modules within its reach) against the local servers,
 * as Lambda runs it: a durable execution, here driven by the SDK's local runner.
 */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CDK_CONTEXT = JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")).context;

const TOKEN = "bundle-token";

let bundlePath: string;
let assemblyDir: string | undefined;
let lambdaTmp: string | undefined;
let templateEnv: Record<string, unknown>;
let simulator: Simulator;
let s3: S3Emulator;
let ses: SesEmulator;
let secrets: SecretsEmulator;

beforeAll(async () => {
  const app = new App({ context: CDK_CONTEXT });
  const stack = new CallReportStack(app, stackNameFor("dev"), { stage: resolveStage("dev", CDK_CONTEXT.stages) });
  const functionId = stack.getLogicalId(stack.report.function.node.defaultChild as CfnElement);
  const resource = Template.fromStack(stack).toJSON().Resources[functionId];
  templateEnv = resource.Properties.Environment.Variables;
  const assetHash = String(resource.Properties.Code.S3Key).replace(/\.zip$/, "");
  assemblyDir = app.synth().directory;
  bundlePath = join(assemblyDir, `asset.${assetHash}`, "index.mjs");

  [simulator, s3, ses, secrets, lambdaTmp] = await Promise.all([
    startSimulator({ callsPerDay: 120, token: TOKEN }),
    startS3Emulator("bundle-reports"),
    startSesEmulator(),
    startSecretsEmulator(),
    mkdtemp(join(tmpdir(), "bundle-lambda-tmp-")),
  ]);
  secrets.setSecret("dev-token", TOKEN);
  secrets.setSecret("dev-link-key", "k".repeat(64));
}, 120_000);

afterAll(async () => {
  await Promise.all([
    simulator?.close(),
    s3?.close(),
    ses?.close(),
    secrets?.close(),
    // The synthesized cloud assembly (~5 MB, in the OS temp dir) and the Lambda's own /tmp.
    ...[assemblyDir, lambdaTmp].map((dir) => dir && rm(dir, { recursive: true, force: true })),
  ]);
});

/** The template's environment with CloudFormation references swapped for the local servers. */
function lambdaEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(templateEnv)) {
    if (typeof value === "string") env[name] = value;
  }
  return {
    ...env,
    REPORT_BUCKET: s3.bucket,
    AUTOCALLS_TOKEN_SECRET_ID: "dev-token",
    AUTOCALLS_BASE_URL: simulator.baseUrl,
    // Deploy-time references in the template: the function URL, the link key's ARN.
    LINK_BASE_URL: "https://links.example.com/",
    LINK_SECRET_ID: "dev-link-key",
    NODE_OPTIONS: "",
  };
}

type LogLine = { level: string; message: string } & Record<string, unknown>;

/** One execution as the child process reports it: its end, its result or error, its operations by name. */
interface Outcome {
  status: string;
  result?: unknown;
  error?: string;
  operations: string[];
}

/**
 * The SDK's local runner, from this repository's node_modules. It injects its checkpoint client into
 * the invocation event (a `DurableExecutionInvocationInputWithClient`), which the SDK recognises by
 * shape, not by class: the bundle's own copy of the SDK checkpoints through it, the same way a bundle
 * built apart from its transport would. So the bundle's Lambda client goes unused here;
 * durable-bundle.test.ts checkpoints through it.
 */
const RUNNER_MODULE = import.meta.resolve("@aws/durable-execution-sdk-js-testing");

/**
 * Runs the bundled handler as one durable execution per event, one after another, in one plain Node
 * process, logging at DEBUG. Only the runner comes from node_modules (by absolute URL); the bundle has
 * none within reach, so a dependency it failed to bundle cannot be resolved. Returns each execution's
 * outcome and every log line the process wrote.
 */
async function runBundle(events: unknown[]) {
  // A file in the cloud assembly, not `node --input-type=module -e`: the runner's checkpoint server is
  // a worker thread, which inherits the parent's flags and refuses --input-type for its own file.
  const driver = join(assemblyDir ?? "", "run-durable.mjs");
  await writeFile(
    driver,
    `
    const { LocalDurableTestRunner } = await import(${JSON.stringify(RUNNER_MODULE)});
    const { handler } = await import(${JSON.stringify(bundlePath)});
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
    const outcomes = [];
    for (const payload of ${JSON.stringify(events)}) {
      const execution = await new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload });
      const status = execution.getStatus();
      outcomes.push({
        status,
        ...(status === "SUCCEEDED" ? { result: execution.getResult() } : { error: execution.getError().errorMessage }),
        operations: execution.getOperations().map((operation) => operation.getName()),
      });
    }
    await LocalDurableTestRunner.teardownTestEnvironment();
    process.stdout.write(JSON.stringify({ outcomes }) + "\\n");
  `,
  );
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [driver], {
    cwd: "/",
    env: {
      PATH: process.env.PATH ?? "",
      // Its own /tmp: the handler clears its spool folder at start, which must not be the
      // one a handler test in the other worker is using.
      TMPDIR: lambdaTmp ?? "",
      ...lambdaEnvironment(),
      ...s3.env,
      AWS_ENDPOINT_URL_SES: ses.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      POWERTOOLS_LOG_LEVEL: "DEBUG",
    },
    timeout: 60_000,
  });
  const lines = `${stdout}${stderr}`.split("\n").filter((line) => line.startsWith("{"));
  const logs = lines.map((line) => JSON.parse(line) as LogLine).filter((line) => "level" in line);
  const { outcomes } = JSON.parse(lines.find((line) => line.startsWith('{"outcomes":')) ?? "{}") as {
    outcomes: Outcome[];
  };
  return { outcomes, logs, output: `${stdout}${stderr}` };
}

describe("the bundled Lambda asset", () => {
  it("is a single ESM file in the cloud assembly", () => {
    expect(existsSync(bundlePath)).toBe(true);
  });

  it("leaves the demo's simulated API out", () => {
    // The source map lists every module esbuild bundled (paths relative to its outdir).
    const { sources } = JSON.parse(readFileSync(`${bundlePath}.map`, "utf8")) as { sources: string[] };
    const repoModules = sources.filter((source) => !source.includes("node_modules/"));
    // Control: the map does name this repository's modules, so the check below can bite.
    expect(repoModules.some((source) => source.endsWith("lambda/handler.ts"))).toBe(true);
    expect(repoModules.filter((source) => /(^|\/)demo\//.test(source))).toEqual([]);
  });

  it("runs a manual report end to end in plain Node against the emulators", async () => {
    const { outcomes, output } = await runBundle([{ date: "2025-08-04" }]);
    expect(outcomes).toMatchObject([
      { status: "SUCCEEDED", result: { trigger: "manual", reports: [{ date: "2025-08-04", email: "sent" }] } },
    ]);
    // The runner knows these only from checkpoints: the bundle's SDK reached its checkpoint server.
    expect(outcomes[0]?.operations).toEqual(expect.arrayContaining(["read event", "report 2025-08-04", "publish"]));
    expect(output).not.toContain(TOKEN);

    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    const keys = (listed.Contents ?? []).map((object) => object.Key);
    expect(keys).toEqual(
      expect.arrayContaining([
        `${templateEnv.REPORT_PREFIX}/2025/08/04/calls-report-2025-08-04.xlsx`,
        `${templateEnv.REPORT_PREFIX}/2025/08/04/summary-2025-08-04.json`,
      ]),
    );
    const emails = await ses.messages();
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toMatch(/^\[dev\] Calls report — Mon 4 Aug 2025/);
  });

  it("logs a scheduled day, a failing day and an invalid event without ever printing the token", async () => {
    s3.failRequests(({ method, path }) => method !== "GET" && path.includes("/2025/08/02/"));
    try {
      const { outcomes, logs, output } = await runBundle([
        { scheduledTime: "2025-08-04T04:30:00Z" },
        { date: "2025-08-02" },
        { date: "4 Aug" },
      ]);
      // A failed execution keeps the message the handler threw.
      expect(outcomes).toMatchObject([
        { status: "SUCCEEDED", result: { trigger: "schedule", reports: [{ date: "2025-08-03", email: "sent" }] } },
        {
          status: "FAILED",
          error: expect.stringMatching(/^1 of 1 report day\(s\) failed: 2025-08-02: Injected failure/),
        },
        { status: "FAILED", error: expect.stringMatching(/^Invalid event: /) },
      ]);
      const messages = logs.map((line) => `${line.level} ${line.message}`);
      expect(messages).toEqual(
        expect.arrayContaining(["INFO report run finished", "ERROR report day failed", "ERROR invalid event"]),
      );
      expect(messages.filter((message) => message === "INFO email done")).toHaveLength(1);
      expect(output).not.toContain(TOKEN);
    } finally {
      s3.failRequests(null);
    }
  });
});
