/**
 * The report function as Lambda runs it since #15: the durable handler (`withDurableExecution`)
 * driven by the SDK's LocalDurableTestRunner with time skipping, against the simulated API
 * under a rate limit, s3rver, the SES emulator and the secrets stand-in — all in this process,
 * because they must read the one faked clock. Measures what a run would bill: each
 * invocation's real duration, each step body that actually ran (replays return recorded
 * results without running the body, so they are not counted as steps), the process's memory
 * while each step ran, and the operations and checkpointed bytes the durable service charges for.
 */
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { startSimulator } from "../../demo/simulator.js";
// Loaded before the runner fakes the clock: a module that keeps setImmediate or setTimeout when it
// loads (archiver's async does) would keep the fake one, and for 1,000 calls the workbook took 22 s, not 0.7 s.
import { type HandlerResult, reportExecutionWith } from "../../lambda/handler.js";
import type { StepRunner } from "../../lambda/steps.js";
import {
  advanceClockThroughWaits,
  keepFakeClockAtRealPace,
  runExecution,
  setupDurableRunner,
  teardownDurableRunner,
} from "../../test/support/durable-runner.js";
import { startS3Emulator } from "../../test/support/s3-emulator.js";
import { startSecretsEmulator } from "../../test/support/secrets-emulator.js";
import { startSesEmulator } from "../../test/support/ses-emulator.js";

// Real time and real timers, taken before the runner fakes Date, timers, hrtime and performance.
const realHrtime = process.hrtime.bigint;
const realNowMs = () => Number(realHrtime()) / 1e6;
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

export interface DurableArgs {
  calls: number;
  perPage: number;
  rateLimitPerMinute: number;
  date: string;
  token: string;
  /** What each invocation is told it has left (the handler gives a part all but the last minute of it). */
  remainingMs: number;
}

export interface StepSample {
  kind: string;
  name: string;
  /** The invocation (0-based) the body ran in. */
  invocation: number;
  ms: number;
  /** Process RSS when the step's body started, and the highest sampled while it ran. */
  rssStartMb: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  peakExternalMb: number;
}

export interface DurableMeasurement {
  status: string;
  calls: number;
  pages: number;
  email: string;
  emailsSent: number;
  /** Fake-clock time from the execution's start to its end: skipped waits plus the real time spent. */
  simulatedMs: number;
  realMs: number;
  /** Real duration of each handler invocation (what Lambda bills), in order. */
  invocationMs: number[];
  steps: StepSample[];
  parts: number;
  /** Pages each part fetched, in order (a part that met the rate limit at once fetched none). */
  partPages: number[];
  waits: number;
  waitSeconds: number;
  /** Every operation the execution recorded (steps, waits, child contexts), and step attempts beyond the first. */
  operations: number;
  retries: number;
  /** Bytes of the results the execution checkpointed (steps, child contexts, the execution's own). */
  checkpointBytes: number;
  requests: number;
  tooManyRequests: number;
  pagesServedTwice: number;
  /** Process RSS with the handler's modules loaded, before any server started. */
  modulesRssMb: number;
  /** Process RSS with every server up and idle, before the execution: what the steps' RSS sits on. */
  baselineRssMb: number;
  baselineHeapUsedMb: number;
}

const MB = 1024 * 1024;

/**
 * The time left the SDK is told while a wait starts: under the 1 s it needs to poll for the
 * wait's end, so it suspends 20 ms later, as every wait does in AWS (there it has minutes left
 * and arms a poll timer, but suspends all the same). The runner's checkpoint thread dates a
 * wait's end by the real clock, which lags the faked one after the first skipped wait; with
 * time to poll the SDK would find the wait over at once and go on in the same invocation, and
 * the replays AWS makes after every wait would go unmeasured.
 */
const NO_TIME_TO_POLL_MS = 500;

export async function measureDurable(args: DurableArgs): Promise<DurableMeasurement> {
  const modulesRssMb = process.memoryUsage.rss() / MB;
  await setupDurableRunner({ skipTime: true });
  const [s3, ses, secrets] = await Promise.all([
    startS3Emulator("callreport-bench-durable"),
    startSesEmulator(),
    startSecretsEmulator(),
  ]);
  // The simulator's rate window reads the faked clock, as the client's pacer does.
  const simulator = await startSimulator({
    token: args.token,
    callsPerDay: args.calls,
    seed: 1,
    today: args.date,
    apiTimezone: "UTC",
    rateLimitPerMinute: args.rateLimitPerMinute,
    now: () => Date.now(),
  });
  secrets.setSecret("callreport/bench/autocalls-token", args.token);
  // The stage's generated link key; the email's links are signed with it (#16).
  secrets.setSecret("callreport/bench/link-key", "0123456789abcdef".repeat(4));
  // The prod stage's report settings (cdk.json): transcripts, masked numbers, the workbook attached when it fits.
  Object.assign(process.env, {
    ...s3.env,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AUTOCALLS_BASE_URL: simulator.baseUrl,
    AUTOCALLS_TOKEN_SECRET_ID: "callreport/bench/autocalls-token",
    LINK_BASE_URL: "https://links.example.com/",
    LINK_SECRET_ID: "callreport/bench/link-key",
    REPORT_BUCKET: s3.bucket,
    REPORT_PREFIX: "bench",
    REPORT_TIMEZONE: "UTC",
    AUTOCALLS_API_TIMEZONE: "UTC",
    REPORT_ENVIRONMENT: "bench",
    MAIL_FROM: "reports@example.com",
    MAIL_TO: "manager@example.com",
    ATTACH_WORKBOOK: "true",
    INCLUDE_TRANSCRIPTS: "true",
    MASK_PHONE_NUMBERS: "true",
  });

  const steps: StepSample[] = [];
  const invocationMs: number[] = [];
  let startingWait = false;
  let current: StepSample | null = null;
  const sample = () => {
    if (!current) return;
    const usage = process.memoryUsage();
    current.peakRssMb = Math.max(current.peakRssMb, usage.rss / MB);
    current.peakHeapUsedMb = Math.max(current.peakHeapUsedMb, usage.heapUsed / MB);
    current.peakExternalMb = Math.max(current.peakExternalMb, usage.external / MB);
  };
  const sampler = realSetInterval(sample, 20);
  const stopPacing = keepFakeClockAtRealPace();
  const timeSteps = (inner: StepRunner): StepRunner => ({
    step: (name, fn, options) =>
      inner.step(
        name,
        async () => {
          const rss = process.memoryUsage.rss() / MB;
          const record: StepSample = {
            kind: name.replace(/ \d+$/, ""),
            name,
            invocation: invocationMs.length,
            ms: 0,
            rssStartMb: rss,
            peakRssMb: rss,
            peakHeapUsedMb: 0,
            peakExternalMb: 0,
          };
          current = record;
          sample();
          const started = realNowMs();
          try {
            return await fn();
          } finally {
            sample();
            record.ms = realNowMs() - started;
            current = null;
            steps.push(record);
          }
        },
        options,
      ),
    wait: async (name, seconds) => {
      startingWait = true;
      try {
        await inner.wait(name, seconds);
      } finally {
        startingWait = false;
      }
    },
    child: (name, fn) => inner.child(name, (child) => fn(timeSteps(child))),
  });
  const advance = advanceClockThroughWaits();
  const durable = withDurableExecution(
    reportExecutionWith({ perPage: args.perPage, steps: (inner) => timeSteps(advance(inner)) }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: the runner types the handler loosely.
  const handler = async (event: any, context: any) => {
    const started = realNowMs();
    startingWait = false;
    const remaining = () => (startingWait ? NO_TIME_TO_POLL_MS : context.getRemainingTimeInMillis());
    try {
      return await durable(event, { ...context, getRemainingTimeInMillis: remaining });
    } finally {
      invocationMs.push(realNowMs() - started);
    }
  };

  try {
    const baseline = process.memoryUsage();
    const fakeStart = Date.now();
    const realStart = realNowMs();
    const execution = await runExecution<HandlerResult>(
      handler,
      { date: args.date },
      { remainingMs: args.remainingMs },
    );
    const realMs = realNowMs() - realStart;
    const simulatedMs = Date.now() - fakeStart;

    const operations = execution.getOperations();
    const named = (prefix: string) => operations.filter((operation) => operation.getName()?.startsWith(prefix));
    const waits = operations.filter((operation) => operation.getType() === "WAIT");
    let checkpointBytes = 0;
    let retries = 0;
    for (const operation of operations) {
      const type = operation.getType();
      if (type === "STEP") {
        const details = operation.getStepDetails();
        checkpointBytes += JSON.stringify(details?.result ?? null).length;
        retries += Math.max(0, (details?.attempt ?? 1) - 1);
      } else if (type === "CONTEXT") {
        checkpointBytes += JSON.stringify(operation.getContextDetails()?.result ?? null).length;
      }
    }
    const status = execution.getStatus() ?? "unknown";
    const result = status === "SUCCEEDED" ? (execution.getResult() as HandlerResult) : null;
    checkpointBytes += JSON.stringify(result).length;
    const served = new Map<string, number>();
    for (const request of simulator.requests) {
      if (request.status === 200)
        served.set(request.query.page ?? "1", (served.get(request.query.page ?? "1") ?? 0) + 1);
    }
    return {
      status: status === "SUCCEEDED" ? status : `${status}: ${execution.getError().errorMessage}`,
      calls: result?.reports[0]?.calls ?? 0,
      pages: served.size,
      email: result?.reports[0]?.email ?? "none",
      emailsSent: (await ses.messages()).length,
      simulatedMs,
      realMs,
      invocationMs,
      steps,
      parts: named("fetch part").length,
      partPages: named("fetch part").map((part) => (part.getStepDetails()?.result as { pages?: number })?.pages ?? 0),
      waits: waits.length,
      waitSeconds: waits.reduce((sum, wait) => sum + (wait.getWaitDetails()?.waitSeconds ?? 0), 0),
      operations: operations.length,
      retries,
      checkpointBytes,
      requests: simulator.requests.length,
      tooManyRequests: simulator.requests.filter((request) => request.status === 429).length,
      pagesServedTwice: [...served.values()].filter((times) => times > 1).length,
      modulesRssMb,
      baselineRssMb: baseline.rss / MB,
      baselineHeapUsedMb: baseline.heapUsed / MB,
    };
  } finally {
    realClearInterval(sampler);
    stopPacing();
    await Promise.all([simulator.close(), s3.close(), ses.close(), secrets.close()]);
    await teardownDurableRunner();
  }
}
